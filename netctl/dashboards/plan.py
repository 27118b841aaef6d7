"""Plan progress: each KPI of TARGETS.md per county over time, against its target.

The compliance engine writes KPI snapshots to the ``kpi`` measurement (tags ``kpi``,
``scope_level``, ``scope_code``; fields ``value``, ``target``…). Each panel draws the chosen
counties' values, this year's target (the ``target`` field, dashed) and the plan's 2027 target as
a threshold line.
"""

# ruff: noqa: S608 - InfluxQL built from constants and Grafana macros, never from input

from __future__ import annotations

from grafana_foundation_sdk.builders import timeseries

from netctl.dashboards import variables
from netctl.dashboards.kpis import KPI_LIST, Kpi
from netctl.dashboards.links import school_view
from netctl.dashboards.names import Names
from netctl.dashboards.panels import (
    Board,
    BuiltDashboard,
    at_least,
    bars,
    column,
    display_names,
    graph,
    prop,
)
from netctl.dashboards.query import Q
from netctl.dashboards.text import Lang, T

UID = "netctl-plan"
COUNTIES = "\"scope_level\" = 'county' AND \"city\" =~ /^$city$/ AND \"scope_code\" =~ /^$county$/"


def kpi_query(kpi: str) -> str:
    """The KPI's value per chosen county."""
    return (f'SELECT mean("value") FROM "kpi" WHERE "kpi" = \'{kpi}\' AND {COUNTIES} AND '
            '$timeFilter GROUP BY time($__interval), "scope_code" fill(none)')


def target_query(kpi: str) -> str:
    """This year's target of the KPI (the same for every county)."""
    return (f'SELECT mean("target") AS "target" FROM "kpi" WHERE "kpi" = \'{kpi}\' AND '
            f"{COUNTIES} AND $timeFilter GROUP BY time($__interval) fill(none)")


def _panel(k: Kpi, lang: Lang, names: Names) -> timeseries.Panel:
    target_label = T("本年度目标", "target this year").get(lang)
    plan = T("2027 年目标", "2027 target").get(lang)
    fmt = f"{k.target:.0%}" if k.is_ratio else f"{k.target:g} Mbps"
    return graph(
        f"{k.name.get(lang)}（{plan} {fmt}）" if lang == "zh" else f"{k.name.get(lang)} "
        f"({plan} {fmt})",
        k.unit,
        Q(kpi_query(k.id), "A", alias="$tag_scope_code"),
        Q(target_query(k.id), "B", alias=target_label),
        thresholds=at_least(k.target), dashed=True,
        min_value=0, max_value=1 if k.is_ratio else None, interval="1d",
        overrides=[*display_names(names.counties(lang)),
                   column(target_label, prop("custom.lineStyle", {"fill": "dash",
                                                                  "dash": [10, 10]}),
                          prop("color", {"mode": "fixed", "fixedColor": "blue"}))],
        links=[school_view(T("查看该县区学校", "schools of this county").get(lang),
                           "${__field.labels.scope_code}")],
        description=k.id)


def build(lang: Lang, names: Names) -> BuiltDashboard:
    """The plan progress dashboard."""
    b = Board(UID, "netctl-plan", T("规划进度（2023–2027）", "Plan progress (2023–2027)"), lang,
              time_from="now-1y", refresh="1h")
    b.variable(variables.city(lang))
    b.variable(variables.county(lang))
    t = lang
    b.row(T("全区最新值", "Region, latest"))
    ratio_kpis = [k for k in KPI_LIST if k.is_ratio]
    region = bars(
        T("全区各指标（最新）", "Every KPI for the region (latest)").get(t), "percentunit",
        Q('SELECT last("value") FROM "kpi" WHERE "scope_level" = \'region\' AND '
          "\"kpi\" <> 'internet_bandwidth_avg' AND $timeFilter GROUP BY \"kpi\"",
          alias="$tag_kpi"),
        thresholds=at_least(1.0), min_value=0, max_value=1,
        overrides=[column(k.id, prop("displayName", k.name.get(t)),
                          prop("thresholds", at_least(k.target).build())) for k in ratio_kpis])
    b.add("plan.region", region, w=24, h=10)
    b.row(T("各县区随时间变化（虚线：目标）", "Per county over time (dashed: targets)"))
    for k in KPI_LIST:
        b.add(f"plan.{k.id}", _panel(k, lang, names), w=12, h=8)
    return b.build()
