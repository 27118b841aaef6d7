"""Alert rules as Grafana unified-alerting provisioning (file format ``apiVersion: 1``).

Each rule is one InfluxQL query (refId ``A``, over ``relativeTimeRange``), a ``reduce``
expression (``B``) and a ``threshold`` (``C``, the condition), evaluated every minute:

- ``netctl-uplink-down``: a school uplink (inventory role ``uplink`` on the school's gateway or
  firewall, administratively up) whose last status is not up, for 5 minutes. One alert per
  interface; labels city, county, school, device, ifname.
- ``netctl-county-node-unreachable``: a county metro node with no successful SNMP poll in the
  last 3 minutes, for 2 more minutes.
- ``netctl-collector-stopped-<collector>``: a collector (or shard) that wrote no health point
  for longer than its window: ``moving_average(count(...), W)`` over one-minute buckets with
  ``fill(0)`` is 0 once W minutes pass without a round. The window is about three rounds.

The grafana-foundation-sdk alerting types describe the HTTP API (``folderUID``, ``ruleGroup``);
provisioning files have their own shape, written here from typed dataclasses.
"""

# ruff: noqa: S608 - InfluxQL built from constants and Grafana macros, never from input

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from netctl.dashboards.query import DATASOURCE_UID, EXPR_UID, SCHOOL_EDGE, UPLINK
from netctl.dashboards.text import Lang, T

FOLDER = "netctl"
GROUP = "netctl-noc"
INTERVAL = "1m"
Reducer = Literal["last", "max", "min", "mean"]
Op = Literal["gt", "lt"]

# collector → (window in minutes, expected round interval in words for the description)
COLLECTOR_WINDOWS: dict[str, int] = {"snmp": 10, "probe-reach": 30, "probe-web": 180}


@dataclass(frozen=True, slots=True)
class Rule:
    """One alert rule: query A → reduce B → threshold C."""

    uid: str
    title: T
    query: str
    range_s: int
    reducer: Reducer
    op: Op
    value: float
    pending: str
    no_data: Literal["OK", "NoData", "Alerting"]
    summary: T
    dashboard: str
    severity: str = "critical"

    def provisioning(self, lang: Lang, panel_id: int | None = None) -> dict[str, Any]:
        """The rule as it appears in the provisioning file."""
        annotations = {"summary": self.summary.get(lang), "__dashboardUid__": self.dashboard}
        if panel_id is not None:
            annotations["__panelId__"] = str(panel_id)
        return {
            "uid": self.uid,
            "title": self.title.get(lang),
            "condition": "C",
            "data": [
                {"refId": "A", "relativeTimeRange": {"from": self.range_s, "to": 0},
                 "datasourceUid": DATASOURCE_UID,
                 "model": {"refId": "A", "query": self.query, "rawQuery": True,
                           "resultFormat": "time_series", "intervalMs": 60000,
                           "maxDataPoints": 43200}},
                {"refId": "B", "relativeTimeRange": {"from": 0, "to": 0},
                 "datasourceUid": EXPR_UID,
                 "model": {"refId": "B", "type": "reduce", "expression": "A",
                           "reducer": self.reducer, "settings": {"mode": "dropNN"},
                           "datasource": {"type": EXPR_UID, "uid": EXPR_UID}}},
                {"refId": "C", "relativeTimeRange": {"from": 0, "to": 0},
                 "datasourceUid": EXPR_UID,
                 "model": {"refId": "C", "type": "threshold", "expression": "B",
                           "conditions": [{"evaluator": {"type": self.op,
                                                         "params": [self.value]}}],
                           "datasource": {"type": EXPR_UID, "uid": EXPR_UID}}},
            ],
            "noDataState": self.no_data,
            "execErrState": "Error",
            "for": self.pending,
            "annotations": annotations,
            "labels": {"severity": self.severity, "team": "noc", "source": "netctl"},
            "isPaused": False,
        }


UPLINK_DOWN = Rule(
    uid="netctl-uplink-down",
    title=T("学校上行链路中断", "School uplink down"),
    query=('SELECT last("oper_status") FROM "snmp_interface" WHERE '
           f'{UPLINK} AND {SCHOOL_EDGE} AND "admin_status" = 1 AND $timeFilter '
           'GROUP BY "city", "county", "school", "device", "ifname"'),
    range_s=600, reducer="last", op="gt", value=1, pending="5m", no_data="OK",
    summary=T("学校 {{ $labels.school }} 的上行链路 {{ $labels.device }} {{ $labels.ifname }} "
              "已中断 5 分钟以上",
              "School {{ $labels.school }}: uplink {{ $labels.device }} {{ $labels.ifname }} "
              "down for 5 minutes or more"),
    dashboard="netctl-uplinks")

COUNTY_NODE = Rule(
    uid="netctl-county-node-unreachable",
    title=T("县区汇聚节点不可达", "County node unreachable"),
    query=('SELECT max("poll_ok") FROM "snmp_system" WHERE "role" = \'metro\' AND $timeFilter '
           'GROUP BY "city", "county", "device"'),
    range_s=180, reducer="last", op="lt", value=1, pending="2m", no_data="OK",
    summary=T("县区 {{ $labels.county }} 的汇聚节点 {{ $labels.device }} 轮询不到",
              "County {{ $labels.county }}: node {{ $labels.device }} does not answer polls"),
    dashboard="netctl-noc")


def collector_rule(collector: str, window_min: int) -> Rule:
    """The "collector stopped" rule of one collector kind."""
    return Rule(
        uid=f"netctl-collector-stopped-{collector}",
        title=T(f"采集器停止：{collector}", f"Collector stopped: {collector}"),
        query=(f'SELECT moving_average(count("polls_ok"), {window_min}) FROM "netctl_collector" '
               f"WHERE \"collector\" = '{collector}' AND $timeFilter "
               'GROUP BY time(1m), "collector", "shard" fill(0)'),
        range_s=max(6 * 3600, 2 * 60 * window_min), reducer="last", op="lt", value=0.001,
        pending="1m", no_data="Alerting",
        summary=T(f"采集器 {{{{ $labels.collector }}}} {{{{ $labels.shard }}}} 已超过 "
                  f"{window_min} 分钟没有上报",
                  f"Collector {{{{ $labels.collector }}}} {{{{ $labels.shard }}}} has not "
                  f"reported for {window_min} minutes"),
        dashboard="netctl-noc", severity="warning")


RULES: tuple[Rule, ...] = (
    UPLINK_DOWN, COUNTY_NODE,
    *(collector_rule(c, w) for c, w in COLLECTOR_WINDOWS.items()),
)


def provisioning(lang: Lang, panel_ids: dict[str, int] | None = None) -> dict[str, Any]:
    """The alerting provisioning file (one rule group in folder ``netctl``)."""
    panels = panel_ids or {}
    return {
        "apiVersion": 1,
        "groups": [{
            "orgId": 1,
            "name": GROUP,
            "folder": FOLDER,
            "interval": INTERVAL,
            "rules": [r.provisioning(lang, panels.get(r.uid)) for r in RULES],
        }],
    }
