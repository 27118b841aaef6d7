"""School uplinks: traffic (bits/s from the 64-bit counters), utilisation, errors; per school
and per county, with the city → county → school variables."""

# ruff: noqa: S608 - InfluxQL built from constants and Grafana macros, never from input

from __future__ import annotations

from netctl.dashboards import variables
from netctl.dashboards.kpis import KPIS
from netctl.dashboards.links import UPLINKS_UID, school_view
from netctl.dashboards.names import Names
from netctl.dashboards.panels import (
    AMBER,
    GREEN,
    RED,
    Board,
    BuiltDashboard,
    column,
    display_names,
    graph,
    grid,
    negative_y,
    prop,
    steps,
    transform,
    zero_ok,
)
from netctl.dashboards.query import SCHOOL_EDGE, SCOPE, UPLINK, Q
from netctl.dashboards.text import Lang, T

UID = UPLINKS_UID
EDGE = f"{UPLINK} AND {SCHOOL_EDGE}"
PER_IF = '"school", "device", "ifname"'


def _oper_mappings(lang: Lang) -> list[dict[str, object]]:
    up, down = T("正常", "up").get(lang), T("中断", "down").get(lang)
    return [{"type": "value", "options": {"1": {"text": up, "color": GREEN},
                                          "2": {"text": down, "color": RED}}},
            {"type": "range", "options": {"from": 3, "to": 7,
                                          "result": {"text": down, "color": RED}}}]


def build(lang: Lang, names: Names) -> BuiltDashboard:
    """The school uplinks dashboard."""
    b = Board(UID, "netctl-uplinks", T("学校上行链路", "School uplinks"), lang)
    b.variable(variables.city(lang))
    b.variable(variables.county(lang))
    b.variable(variables.school(lang))
    t = lang
    util = steps(GREEN, (0.7, AMBER), (0.9, RED))
    negative_out = [negative_y()]

    b.row(T("每所学校", "Per school"))
    b.add("uplinks.traffic", graph(
        T("上行流量（比特/秒，64 位计数器）", "Uplink traffic (bits/s, 64-bit counters)").get(t),
        "bps",
        Q(f'SELECT mean("in_bps") AS "in", mean("out_bps") AS "out" FROM "snmp_interface" '
          f"WHERE {EDGE} AND $timeFilter AND {SCOPE} GROUP BY time($__interval), {PER_IF} "
          "fill(none)", alias="$tag_school $tag_ifname $col"),
        overrides=negative_out,
        description=T("入方向在上，出方向在下", "in above the axis, out below").get(t)),
        w=12, h=9)
    b.add("uplinks.utilisation", graph(
        T("上行利用率（对比接口速率）", "Uplink utilisation (against interface speed)").get(t),
        "percentunit",
        Q(f'SELECT max("utilisation") FROM "snmp_interface" WHERE {EDGE} AND $timeFilter AND '
          f"{SCOPE} GROUP BY time($__interval), {PER_IF} fill(none)",
          alias="$tag_school $tag_ifname"),
        thresholds=util, dashed=True, min_value=0, max_value=1), w=12, h=9)
    b.add("uplinks.errors", graph(
        T("上行错误（每分钟）", "Uplink errors (per minute)").get(t), "cpm",
        Q('SELECT non_negative_derivative(max("in_errors"), 1m) AS "in", '
          'non_negative_derivative(max("out_errors"), 1m) AS "out" FROM "snmp_interface" '
          f"WHERE {EDGE} AND $timeFilter AND {SCOPE} GROUP BY time($__interval), {PER_IF} "
          "fill(none)", alias="$tag_school $tag_ifname $col"),
        thresholds=zero_ok(1, 10)), w=12, h=8)
    bandwidth = KPIS["internet_bandwidth_avg"].target
    b.add("uplinks.table", grid(
        T("上行链路现状", "Uplinks now").get(t),
        Q('SELECT last("oper_status") AS "oper", last("speed_mbps") AS "speed", '
          'last("utilisation") AS "utilisation" FROM "snmp_interface" '
          f'WHERE {EDGE} AND $timeFilter AND {SCOPE} GROUP BY "county", {PER_IF}', table=True),
        time_from="10m", sort_by="utilisation",
        overrides=[
            column("oper", prop("mappings", _oper_mappings(t)),
                   prop("custom.cellOptions", {"type": "color-background"})),
            column("speed", prop("unit", "Mbits"),
                   prop("thresholds", steps(RED, (bandwidth, GREEN)).build()),
                   prop("custom.cellOptions", {"type": "color-text"})),
            column("utilisation", prop("unit", "percentunit"), prop("thresholds", util.build()),
                   prop("custom.cellOptions", {"type": "color-text"})),
            column("school", prop("mappings", names.school_mappings())),
            column("county", prop("mappings", names.county_mappings(t))),
        ]), w=12, h=8)

    b.row(T("每个县区", "Per county"))
    county_names = display_names(names.counties(t))
    link = [school_view(T("查看该县区学校", "schools of this county").get(t),
                        "${__field.labels.county}")]
    per_county_if = '"county", "device", "ifname"'
    b.add("uplinks.county_traffic", graph(
        T("县区学校上行流量合计", "School uplink traffic per county").get(t), "bps",
        Q('SELECT sum("in") AS "in", sum("out") AS "out" FROM (SELECT mean("in_bps") AS "in", '
          'mean("out_bps") AS "out" FROM "snmp_interface" '
          f"WHERE {EDGE} AND $timeFilter AND {SCOPE} GROUP BY time($__interval), {per_county_if} "
          'fill(none)) WHERE $timeFilter GROUP BY time($__interval), "county" fill(none)',
          alias="$tag_county $col"),
        overrides=[*negative_out], links=link), w=12, h=9)
    b.add("uplinks.county_utilisation", graph(
        T("县区学校上行平均利用率", "Mean school uplink utilisation per county").get(t),
        "percentunit",
        Q(f'SELECT mean("utilisation") FROM "snmp_interface" WHERE {EDGE} AND $timeFilter AND '
          f'{SCOPE} GROUP BY time($__interval), "county" fill(none)', alias="$tag_county"),
        thresholds=util, dashed=True, min_value=0, max_value=1, overrides=county_names,
        links=link), w=12, h=9)
    b.add("uplinks.county_table", grid(
        T("县区上行链路（点击县区查看学校）", "Uplinks per county (click a county for its "
          "schools)").get(t),
        Q('SELECT count("last") AS "uplinks" FROM (SELECT last("oper_status") FROM '
          f'"snmp_interface" WHERE {EDGE} AND $timeFilter AND {SCOPE} GROUP BY {per_county_if}) '
          'GROUP BY "county"', "A", table=True),
        Q('SELECT count("last") AS "down" FROM (SELECT last("oper_status") FROM '
          f'"snmp_interface" WHERE {EDGE} AND "admin_status" = 1 AND $timeFilter AND {SCOPE} '
          f'GROUP BY {per_county_if}) WHERE "last" <> 1 GROUP BY "county"', "B", table=True),
        Q(f'SELECT mean("utilisation") AS "utilisation" FROM "snmp_interface" WHERE {EDGE} AND '
          f'$timeFilter AND {SCOPE} GROUP BY "county"', "C", table=True),
        time_from="10m", sort_by="down",
        transformations=[transform("merge", {})],
        overrides=[
            column("county", prop("mappings", names.county_mappings(t)),
                   prop("links", [school_view(T("查看该县区学校", "schools of this county")
                                              .get(t), "${__value.raw}").build()])),
            column("down", prop("thresholds", zero_ok(1).build()),
                   prop("custom.cellOptions", {"type": "color-background"})),
            column("utilisation", prop("unit", "percentunit"), prop("thresholds", util.build()),
                   prop("custom.cellOptions", {"type": "color-text"})),
        ]), w=24, h=8)
    return b.build()

