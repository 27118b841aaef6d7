"""``netctl dashboards build``: dashboards, datasource, providers and alert rules in one folder.

Layout of the output folder (mount it into Grafana, see ``docs/dashboards.md``)::

    provisioning/datasources/netctl.yaml   the InfluxDB datasource (uid netctl-influxdb)
    provisioning/dashboards/netctl.yaml    a file provider reading DASHBOARDS_PATH
    provisioning/alerting/netctl.yaml      the alert rules (folder netctl)
    dashboards/netctl-*.json               the five dashboards
    README.md                              how to mount it
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from netctl.dashboards import alerts, ipv6, noc, plan, uplinks, wireless
from netctl.dashboards.lint import lint_bundle
from netctl.dashboards.names import Names
from netctl.dashboards.panels import TAG, BuiltDashboard
from netctl.dashboards.query import DATASOURCE_TYPE, DATASOURCE_UID
from netctl.dashboards.text import Lang, T
from netctl.exceptions import NetctlError
from netctl.inventory.index import Inventory

Generation = Literal["1", "2", "3"]
GENERATIONS: tuple[Generation, ...] = ("1", "2", "3")
DASHBOARDS_PATH = "/var/lib/grafana/dashboards/netctl"
MIN_INTERVAL = "1m"  # the SNMP polls' interval: no panel asks for finer buckets

BOARDS: tuple[Callable[[Lang, Names], BuiltDashboard], ...] = (
    noc.build, uplinks.build, ipv6.build, wireless.build, plan.build)


class DashboardError(NetctlError):
    """A generated dashboard or provisioning file fails its own checks."""


@dataclass(frozen=True, slots=True)
class Influx:
    """Where Grafana finds InfluxDB, and which generation it is."""

    url: str = "http://127.0.0.1:8086"
    database: str = "netctl"
    generation: Generation = "2"
    retention_policy: str = ""


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything ``build`` writes, in memory."""

    lang: Lang
    dashboards: tuple[BuiltDashboard, ...]
    datasources: dict[str, Any]
    providers: dict[str, Any]
    alerting: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What ``build`` wrote."""

    out: Path
    bundle: Bundle
    files: list[Path] = field(default_factory=list)


def datasource(influx: Influx) -> dict[str, Any]:
    """The datasource provisioning file: InfluxQL against InfluxDB 1.8+, 2.x or 3.x.

    1.x authenticates with user and password; 2.x and 3.x take a token in the Authorization
    header (2.x needs a DBRP mapping from the database name to its bucket; 3.x answers the v1
    ``/query`` API for a database of that name). Secrets come from Grafana's environment.
    """
    json_data: dict[str, Any] = {"version": "InfluxQL", "dbName": influx.database,
                                 "httpMode": "POST", "timeInterval": MIN_INTERVAL}
    entry: dict[str, Any] = {
        "name": "netctl InfluxDB", "uid": DATASOURCE_UID, "type": DATASOURCE_TYPE,
        "access": "proxy", "url": influx.url, "isDefault": True, "editable": False,
        "jsonData": json_data,
    }
    if influx.retention_policy:
        json_data["retentionPolicy"] = influx.retention_policy
    if influx.generation == "1":
        entry["user"] = "$NETCTL_INFLUX_USER"
        entry["secureJsonData"] = {"password": "$NETCTL_INFLUX_PASSWORD"}
    else:
        json_data["httpHeaderName1"] = "Authorization"
        entry["secureJsonData"] = {"httpHeaderValue1": "Token $NETCTL_INFLUX_TOKEN"}
    return {"apiVersion": 1, "datasources": [entry]}


def providers(path: str = DASHBOARDS_PATH) -> dict[str, Any]:
    """The dashboard provider: the JSON files under ``path``, in folder ``netctl``."""
    return {"apiVersion": 1, "providers": [{
        "name": "netctl", "orgId": 1, "folder": "netctl", "folderUid": "netctl",
        "type": "file", "disableDeletion": True, "allowUiUpdates": False,
        "updateIntervalSeconds": 60, "options": {"path": path, "foldersFromFilesStructure": False},
    }]}


def make_bundle(lang: Lang = "zh", influx: Influx | None = None,
                inventory: Inventory | None = None,
                dashboards_path: str = DASHBOARDS_PATH) -> Bundle:
    """Build every dashboard, the provisioning files and the alert rules (no files written)."""
    schools = ({code: e.school.name for code, e in inventory.schools.items()}
               if inventory is not None else {})
    names = Names(schools)
    boards = tuple(build(lang, names) for build in BOARDS)
    ids = {p.key: p.id for b in boards for p in b.panels}
    panel_of_rule = {"netctl-uplink-down": ids.get("uplinks.table"),
                     "netctl-county-node-unreachable": ids.get("noc.metro_down")}
    for r in alerts.RULES:
        if r.uid.startswith("netctl-collector-stopped"):
            panel_of_rule[r.uid] = ids.get("noc.collector_last_seen")
    rules = alerts.provisioning(lang, {k: v for k, v in panel_of_rule.items() if v is not None})
    return Bundle(lang, boards, datasource(influx or Influx()), providers(dashboards_path), rules)


def build(out: Path, lang: Lang = "zh", influx: Influx | None = None,
          inventory: Inventory | None = None,
          dashboards_path: str = DASHBOARDS_PATH) -> BuildResult:
    """Write the bundle to ``out``; refuse when it fails its own checks.

    Raises:
        DashboardError: listing every problem found by :func:`lint_bundle`.
    """
    bundle = make_bundle(lang, influx, inventory, dashboards_path)
    problems = lint_bundle(bundle.dashboards, bundle.datasources, bundle.providers,
                           bundle.alerting)
    if problems:
        raise DashboardError("generated dashboards are invalid:\n  " + "\n  ".join(problems))
    files: list[Path] = []
    prov = out / "provisioning"
    for sub, name, data in (("datasources", "netctl.yaml", bundle.datasources),
                            ("dashboards", "netctl.yaml", bundle.providers),
                            ("alerting", "netctl.yaml", bundle.alerting)):
        files.append(_write(prov / sub / name, _yaml(data)))
    dash_dir = out / "dashboards"
    for old in dash_dir.glob(f"{TAG}-*.json") if dash_dir.is_dir() else ():
        old.unlink()
    for b in bundle.dashboards:
        files.append(_write(dash_dir / b.filename,
                            json.dumps(b.model, ensure_ascii=False, indent=2) + "\n"))
    files.append(_write(out / "README.md", readme(bundle, dashboards_path)))
    return BuildResult(out, bundle, files)


def _yaml(data: Any) -> str:
    head = "# Generated by `netctl dashboards build`: edit the generator, not this file.\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def readme(bundle: Bundle, dashboards_path: str) -> str:
    """How to mount the folder (also in ``docs/dashboards.md``)."""
    titles = "\n".join(f"- `{b.filename}`: {b.title}" for b in bundle.dashboards)
    head = T("netctl 生成的 Grafana 配置", "Grafana provisioning generated by netctl")
    return f"""# {head.get(bundle.lang)}

{titles}

Mount into a stock Grafana (11.x or 12.x), nothing to click:

```sh
docker run -d --name grafana -p 3000:3000 \\
  -e NETCTL_INFLUX_TOKEN=... \\
  -v "$PWD/provisioning:/etc/grafana/provisioning:ro" \\
  -v "$PWD/dashboards:{dashboards_path}:ro" \\
  grafana/grafana-oss:11.6.0
```

For a Grafana installed from packages: copy `provisioning/*` into `/etc/grafana/provisioning/`,
the JSON files into `{dashboards_path}`, set the variables in `/etc/default/grafana-server`, and
restart `grafana-server`. Regenerate with `netctl dashboards build`; Grafana rereads dashboards
within a minute, the datasource and alert rules on restart.
"""


def rule_queries(bundle: Bundle) -> Sequence[dict[str, Any]]:
    """Every alert rule of the bundle (provisioning shape)."""
    return [r for g in bundle.alerting["groups"] for r in g["rules"]]
