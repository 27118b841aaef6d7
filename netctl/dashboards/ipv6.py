"""IPv6: schools and devices with global IPv6 addresses, website and reachability probes."""

# ruff: noqa: S608 - InfluxQL built from constants and Grafana macros, never from input

from __future__ import annotations

from netctl.dashboards import variables
from netctl.dashboards.kpis import KPIS
from netctl.dashboards.links import school_view
from netctl.dashboards.names import Names
from netctl.dashboards.panels import (
    AMBER,
    GREEN,
    RED,
    Board,
    BuiltDashboard,
    at_least,
    column,
    graph,
    grid,
    prop,
    single,
    steps,
    transform,
)
from netctl.dashboards.query import SCOPE, Math, Q
from netctl.dashboards.text import Lang, T

UID = "netctl-ipv6"
V6 = "\"family\" = 'ipv6' AND \"address\" !~ /^fe80:/"  # global (not link-local) addresses
GW = "\"role\" = 'gateway'"
ADDR_RANGE = "1h"  # IP-MIB is polled every 5 minutes


def schools_with_v6(group: str = "") -> str:
    """Schools whose gateway has a global IPv6 address."""
    inner = f'"{group}", "school"' if group else '"school"'
    outer = f' GROUP BY "{group}"' if group else ""
    return (f'SELECT count("n") AS "ipv6_schools" FROM (SELECT last("prefix_len") AS "n" FROM '
            f'"snmp_ip_address" WHERE {V6} AND {GW} AND $timeFilter AND {SCOPE} '
            f"GROUP BY {inner}){outer}")


def schools_polled(group: str = "") -> str:
    """Schools whose gateway is polled."""
    inner = f'"{group}", "school"' if group else '"school"'
    outer = f' GROUP BY "{group}"' if group else ""
    return (f'SELECT count("n") AS "schools" FROM (SELECT last("poll_ok") AS "n" FROM '
            f'"snmp_system" WHERE {GW} AND $timeFilter AND {SCOPE} GROUP BY {inner}){outer}')


def build(lang: Lang, names: Names) -> BuiltDashboard:
    """The IPv6 dashboard."""
    b = Board(UID, "netctl-ipv6", T("IPv6 部署", "IPv6"), lang)
    b.variable(variables.city(lang))
    b.variable(variables.county(lang))
    b.variable(variables.school(lang))
    t = lang
    campus, web = KPIS["ipv6_campus"].target, KPIS["website_ipv6"].target

    b.row(T("IPv6 地址", "IPv6 addresses"))
    b.add("ipv6.schools_share", single(
        T("网关有 IPv6 地址的学校占比", "Schools whose gateway has IPv6").get(t), "percentunit",
        Q(schools_with_v6(), "A", hide=True), Q(schools_polled(), "B", hide=True),
        Math("$A / $B", "C"), thresholds=at_least(campus), time_from=ADDR_RANGE,
        description=T("目标：IPv6 校园网部署率 ≥ 90%（本图只看网关地址）",
                      "target: IPv6 campus deployment ≥ 90 % (this panel checks the gateway "
                      "address only)").get(t)), w=6, h=5)
    b.add("ipv6.schools_v6", single(
        T("有 IPv6 的学校", "Schools with IPv6").get(t), "short", Q(schools_with_v6()),
        thresholds=steps(GREEN), time_from=ADDR_RANGE, no_value="0"), w=6, h=5)
    b.add("ipv6.devices_v6", single(
        T("有 IPv6 地址的设备", "Devices with IPv6").get(t), "short",
        Q(f'SELECT count("n") AS "devices" FROM (SELECT last("prefix_len") AS "n" FROM '
          f'"snmp_ip_address" WHERE {V6} AND $timeFilter AND {SCOPE} GROUP BY "device")'),
        thresholds=steps(GREEN), time_from=ADDR_RANGE, no_value="0"), w=6, h=5)
    b.add("ipv6.web_share", single(
        T("支持 IPv6 的网站占比", "Websites reachable over IPv6").get(t), "percentunit",
        Q('SELECT mean("last") AS "supported" FROM (SELECT last("supported") FROM "probe_web" '
          f'WHERE $timeFilter AND {SCOPE} GROUP BY "domain")'),
        thresholds=at_least(web), time_from="24h",
        description=T("目标：网站 IPv6 支持率 ≥ 90%", "target: websites over IPv6 ≥ 90 %")
        .get(t)), w=6, h=5)
    b.add("ipv6.county_table", grid(
        T("各县区网关有 IPv6 的学校", "Schools with an IPv6 gateway per county").get(t),
        Q(schools_with_v6("county"), "A", table=True), Q(schools_polled("county"), "B", table=True),
        time_from=ADDR_RANGE, transformations=[transform("merge", {})],
        overrides=[column("county", prop("mappings", names.county_mappings(t)),
                          prop("links", [school_view(T("查看该县区学校", "schools of this county")
                                                     .get(t), "${__value.raw}").build()]))]),
        w=8, h=9)
    b.add("ipv6.addresses", grid(
        T("设备的 IPv6 地址", "IPv6 addresses of devices").get(t),
        Q('SELECT last("prefix_len") AS "prefix_len" FROM "snmp_ip_address" '
          f'WHERE {V6} AND $timeFilter AND {SCOPE} GROUP BY "county", "school", "device", '
          '"ifname", "address"', table=True),
        time_from=ADDR_RANGE,
        overrides=[column("school", prop("mappings", names.school_mappings())),
                   column("county", prop("mappings", names.county_mappings(t)))]), w=16, h=9)

    b.row(T("网站探测", "Website probe"))
    b.add("ipv6.web_table", grid(
        T("网站 IPv6 支持情况", "Websites over IPv6").get(t),
        Q('SELECT last("supported") AS "supported", last("links_v6_share") AS "links_v6_share", '
          'last("ttfb_ms_v6") AS "ttfb_v6", last("ttfb_ms_v4") AS "ttfb_v4" FROM "probe_web" '
          f'WHERE $timeFilter AND {SCOPE} GROUP BY "county", "school", "domain"', table=True),
        time_from="24h", sort_by="supported", descending=False,
        overrides=[
            column("supported", prop("mappings", [{"type": "value", "options": {
                "1": {"text": T("支持", "yes").get(t), "color": GREEN},
                "0": {"text": T("不支持", "no").get(t), "color": RED}}}]),
                prop("custom.cellOptions", {"type": "color-background"})),
            column("links_v6_share", prop("unit", "percentunit"),
                   prop("thresholds", at_least(web).build()),
                   prop("custom.cellOptions", {"type": "color-text"})),
            column("ttfb_v6", prop("unit", "ms")), column("ttfb_v4", prop("unit", "ms")),
            column("school", prop("mappings", names.school_mappings())),
            column("county", prop("mappings", names.county_mappings(t))),
        ]), w=24, h=8)

    b.row(T("可达性探测（县区节点 → 学校网关）", "Reachability (county node → school gateway)"))
    loss = steps(GREEN, (0.01, AMBER), (0.05, RED))
    b.add("ipv6.reach_loss", graph(
        T("丢包率：IPv6 与 IPv4", "Packet loss: IPv6 and IPv4").get(t), "percentunit",
        Q(f'SELECT mean("loss") FROM "probe_reach" WHERE $timeFilter AND {SCOPE} '
          'GROUP BY time($__interval), "family" fill(none)', alias="$tag_family"),
        thresholds=loss, dashed=True, min_value=0, max_value=1), w=8, h=8)
    b.add("ipv6.reach_rtt", graph(
        T("往返时延：IPv6 与 IPv4", "Round-trip time: IPv6 and IPv4").get(t), "ms",
        Q(f'SELECT mean("rtt_ms") FROM "probe_reach" WHERE $timeFilter AND {SCOPE} '
          'GROUP BY time($__interval), "family" fill(none)', alias="$tag_family"),
        thresholds=steps(GREEN, (50, AMBER), (150, RED)), dashed=True), w=8, h=8)
    b.add("ipv6.reach_table", grid(
        T("网关 IPv6 可达性（最近 30 分钟）", "Gateways over IPv6 (last 30 minutes)").get(t),
        Q('SELECT last("loss") AS "loss", last("rtt_ms") AS "rtt" FROM "probe_reach" '
          f"WHERE \"family\" = 'ipv6' AND {GW} AND $timeFilter AND {SCOPE} "
          'GROUP BY "county", "school", "device"', table=True),
        time_from="30m", sort_by="loss",
        overrides=[column("loss", prop("unit", "percentunit"), prop("thresholds", loss.build()),
                          prop("custom.cellOptions", {"type": "color-background"})),
                   column("rtt", prop("unit", "ms")),
                   column("school", prop("mappings", names.school_mappings())),
                   column("county", prop("mappings", names.county_mappings(t)))]), w=8, h=8)
    return b.build()
