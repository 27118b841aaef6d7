"""Wireless: APs online / total per school and controller, Wi-Fi 6 share, clients."""

# ruff: noqa: S608 - InfluxQL built from constants and Grafana macros, never from input

from __future__ import annotations

from netctl.dashboards import variables
from netctl.dashboards.kpis import KPIS
from netctl.dashboards.names import Names
from netctl.dashboards.panels import (
    GREEN,
    Board,
    BuiltDashboard,
    at_least,
    column,
    display_names,
    graph,
    grid,
    pie,
    prop,
    single,
    steps,
    transform,
)
from netctl.dashboards.query import SCOPE, Math, Q
from netctl.dashboards.text import Lang, T

UID = "netctl-wireless"
NOW = "15m"  # WLAN tables are polled every 5 minutes
WIFI6 = "802.11ax"


def aps(group: str = "", where: str = "") -> str:
    """Online APs (``online``) and all APs (``total``): an AP is counted once, by name."""
    inner = ", ".join([*(f'"{g}"' for g in group.split(",") if g), '"ap"'])
    outer = " GROUP BY " + ", ".join(f'"{g}"' for g in group.split(",")) if group else ""
    extra = f"{where} AND " if where else ""
    return (f'SELECT sum("last") AS "online", count("last") AS "total" FROM (SELECT '
            f'last("online") FROM "wlan_ap" WHERE {extra}$timeFilter AND {SCOPE} '
            f"GROUP BY {inner}){outer}")


def online_aps(group: str = "", where: str = "", name: str = "online") -> str:
    """APs whose last state is online."""
    inner = ", ".join([*(f'"{g}"' for g in group.split(",") if g), '"ap"'])
    outer = " GROUP BY " + ", ".join(f'"{g}"' for g in group.split(",")) if group else ""
    extra = f"{where} AND " if where else ""
    return (f'SELECT count("last") AS "{name}" FROM (SELECT last("online") FROM "wlan_ap" '
            f'WHERE {extra}$timeFilter AND {SCOPE} GROUP BY {inner}) WHERE "last" = 1{outer}')


def build(lang: Lang, names: Names) -> BuiltDashboard:
    """The wireless dashboard."""
    b = Board(UID, "netctl-wireless", T("无线网络", "Wireless"), lang)
    b.variable(variables.city(lang))
    b.variable(variables.county(lang))
    b.variable(variables.school(lang))
    t = lang
    coverage, wifi6 = KPIS["wireless_coverage"].target, KPIS["wifi6_urban"].target
    radio6 = f"\"radio\" = '{WIFI6}'"

    b.row(T("现在", "Now"))
    b.add("wifi.online_share", single(
        T("在线 AP 占比", "APs online").get(t), "percentunit",
        Q(online_aps(), "A", hide=True),
        Q(aps().replace('sum("last") AS "online", ', ""), "B", hide=True),
        Math("$A / $B", "C"), thresholds=at_least(coverage), time_from=NOW), w=6, h=5)
    b.add("wifi.aps", single(
        T("AP：在线 / 总数", "APs: online / total").get(t), "short", Q(aps()),
        thresholds=steps(GREEN), time_from=NOW), w=6, h=5)
    b.add("wifi.wifi6_share", single(
        T("在线 AP 中 Wi-Fi 6 占比", "Wi-Fi 6 share of online APs").get(t), "percentunit",
        Q(online_aps(where=radio6), "A", hide=True), Q(online_aps(), "B", hide=True),
        Math("$A / $B", "C"), thresholds=at_least(wifi6), time_from=NOW,
        description=T("规划：Wi-Fi 6 逐步覆盖所有城镇学校", "plan: Wi-Fi 6 in every urban and "
                      "town school").get(t)), w=6, h=5)
    b.add("wifi.clients", single(
        T("在线终端", "Clients").get(t), "short",
        Q('SELECT sum("last") AS "clients" FROM (SELECT last("clients") FROM "wlan_ap" '
          f'WHERE $timeFilter AND {SCOPE} GROUP BY "ap")'),
        thresholds=steps(GREEN), time_from=NOW), w=6, h=5)
    b.add("wifi.radio_pie", pie(
        T("在线 AP 的无线标准", "Radio standard of online APs").get(t),
        Q(online_aps("radio", name="aps"), alias="$tag_radio")), w=6, h=9)
    b.add("wifi.school_table", grid(
        T("各学校 AP", "APs per school").get(t),
        Q(aps("county,school"), "A", table=True),
        Q(online_aps("county,school", radio6, "wifi6_online"), "B", table=True),
        Q('SELECT sum("last") AS "clients" FROM (SELECT last("clients") FROM "wlan_ap" '
          f'WHERE $timeFilter AND {SCOPE} GROUP BY "county", "school", "ap") '
          'GROUP BY "county", "school"', "C", table=True),
        time_from=NOW, transformations=[transform("merge", {})],
        overrides=[column("school", prop("mappings", names.school_mappings())),
                   column("county", prop("mappings", names.county_mappings(t)))]), w=10, h=9)
    b.add("wifi.controller_table", grid(
        T("各无线控制器 AP", "APs per controller").get(t),
        Q(aps("controller"), table=True), time_from=NOW), w=8, h=9)

    b.row(T("趋势", "Over time"))
    b.add("wifi.online_ts", graph(
        T("在线 AP（按县区）", "APs online per county").get(t), "short",
        Q('SELECT sum("o") FROM (SELECT max("online") AS "o" FROM "wlan_ap" WHERE $timeFilter '
          f'AND {SCOPE} GROUP BY time($__interval), "county", "ap" fill(none)) '
          'WHERE $timeFilter GROUP BY time($__interval), "county" fill(none)',
          alias="$tag_county"),
        interval="5m", overrides=display_names(names.counties(t))), w=12, h=8)
    b.add("wifi.clients_ts", graph(
        T("在线终端（按学校）", "Clients per school").get(t), "short",
        Q('SELECT sum("c") FROM (SELECT mean("clients") AS "c" FROM "wlan_ap" WHERE $timeFilter '
          f'AND {SCOPE} GROUP BY time($__interval), "school", "ap" fill(none)) '
          'WHERE $timeFilter GROUP BY time($__interval), "school" fill(none)',
          alias="$tag_school"),
        interval="5m"), w=12, h=8)
    return b.build()
