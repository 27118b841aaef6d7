"""NOC overview: what is down right now, where, the worst schools, and the collectors' health."""

# ruff: noqa: S608 - InfluxQL built from constants and Grafana macros, never from input

from __future__ import annotations

from netctl.dashboards import variables
from netctl.dashboards.links import school_view
from netctl.dashboards.names import Names
from netctl.dashboards.panels import (
    BLUE,
    Board,
    BuiltDashboard,
    bars,
    column,
    display_names,
    graph,
    grid,
    prop,
    single,
    steps,
    transform,
    zero_ok,
)
from netctl.dashboards.query import UPLINK, Q, scope
from netctl.dashboards.text import Lang, T

UID = "netctl-noc"
NOW = "10m"  # "right now": the last 10 minutes (two SNMP polls at least)
AREA = scope("city", "county")


def devices_down(group: str = "") -> str:
    """Devices whose last poll in the range failed (``poll_ok`` 0), optionally per tag."""
    inner_by = f'"{group}", "device"' if group else '"device"'
    outer = f' GROUP BY "{group}"' if group else ""
    return (f'SELECT count("last") - sum("last") AS "down" FROM (SELECT last("poll_ok") '
            f'FROM "snmp_system" WHERE $timeFilter AND {AREA} GROUP BY {inner_by}){outer}')


def uplinks_down(group: str = "") -> str:
    """Uplinks (inventory role ``uplink``, administratively up) whose last status is not up."""
    inner_by = f'"{group}", "device", "ifname"' if group else '"device", "ifname"'
    outer = f' GROUP BY "{group}"' if group else ""
    return (f'SELECT count("last") AS "down" FROM (SELECT last("oper_status") FROM '
            f'"snmp_interface" WHERE {UPLINK} AND "admin_status" = 1 AND $timeFilter AND {AREA} '
            f'GROUP BY {inner_by}) WHERE "last" <> 1{outer}')


def build(lang: Lang, names: Names) -> BuiltDashboard:
    """The NOC overview dashboard."""
    b = Board(UID, "netctl-noc", T("NOC 总览", "NOC overview"), lang)
    b.variable(variables.city(lang))
    b.variable(variables.county(lang))
    t = lang
    ok = T("全部正常", "all up").get(t)

    b.row(T("当前状态（最近 10 分钟）", "Right now (last 10 minutes)"))
    b.add("noc.devices_down", single(
        T("设备离线", "Devices down").get(t), "short", Q(devices_down()),
        thresholds=zero_ok(1), time_from=NOW, no_value="0",
        description=T("最近一次 SNMP 轮询失败的设备数",
                      "devices whose last SNMP poll failed").get(t)),
        w=6, h=4)
    b.add("noc.uplinks_down", single(
        T("上行链路中断", "Uplinks down").get(t), "short", Q(uplinks_down()),
        thresholds=zero_ok(1), time_from=NOW, no_value="0",
        description=T("清单中角色为 uplink、管理状态为 up 而运行状态不为 up 的接口",
                      "interfaces with inventory role uplink, admin up, oper not up").get(t)),
        w=6, h=4)
    b.add("noc.metro_down", single(
        T("县区汇聚节点不可达", "County nodes unreachable").get(t), "short",
        Q(devices_down().replace("$timeFilter AND", "\"role\" = 'metro' AND $timeFilter AND")),
        thresholds=zero_ok(1), time_from=NOW, no_value="0"), w=6, h=4)
    b.add("noc.aps_offline", single(
        T("AP 离线", "APs offline").get(t), "short",
        Q('SELECT count("last") - sum("last") AS "offline" FROM (SELECT last("online") FROM '
          f'"wlan_ap" WHERE $timeFilter AND {AREA} GROUP BY "ap")'),
        thresholds=zero_ok(1, 10), time_from="15m", no_value="0"), w=6, h=4)

    b.row(T("按市、县区", "By city and county"))
    city_names, county_names = names.cities(t), names.counties(t)
    link = [school_view(T("查看该县区学校", "schools of this county").get(t),
                        "${__field.labels.county}")]
    b.add("noc.devices_down_city", bars(
        T("离线设备（按市）", "Devices down by city").get(t), "short",
        Q(devices_down("city"), alias="$tag_city"), thresholds=zero_ok(1), time_from=NOW,
        overrides=display_names(city_names), no_value=ok), w=6, h=8)
    b.add("noc.devices_down_county", bars(
        T("离线设备（按县区）", "Devices down by county").get(t), "short",
        Q(devices_down("county"), alias="$tag_county"), thresholds=zero_ok(1), time_from=NOW,
        overrides=display_names(county_names), links=link, no_value=ok), w=6, h=8)
    b.add("noc.uplinks_down_city", bars(
        T("中断的上行链路（按市）", "Uplinks down by city").get(t), "short",
        Q(uplinks_down("city"), alias="$tag_city"), thresholds=zero_ok(1), time_from=NOW,
        overrides=display_names(city_names), no_value=ok), w=6, h=8)
    b.add("noc.uplinks_down_county", bars(
        T("中断的上行链路（按县区）", "Uplinks down by county").get(t), "short",
        Q(uplinks_down("county"), alias="$tag_county"), thresholds=zero_ok(1), time_from=NOW,
        overrides=display_names(county_names), links=link, no_value=ok), w=6, h=8)

    b.row(T("最差的学校（所选时间范围）", "Worst schools (selected time range)"))
    edge = "\"role\" =~ /^(gateway|firewall)$/"
    b.add("noc.worst_schools", grid(
        T("最差的 20 所学校", "20 worst schools").get(t),
        Q(f'SELECT count("oper_status") AS "down_polls" FROM "snmp_interface" WHERE {UPLINK} '
          f'AND {edge} AND "admin_status" = 1 AND "oper_status" <> 1 AND $timeFilter AND {AREA} '
          'GROUP BY "county", "school"', "A", table=True),
        Q(f'SELECT mean("loss") AS "loss" FROM "probe_reach" WHERE "role" = \'gateway\' AND '
          f'$timeFilter AND {AREA} GROUP BY "county", "school"', "B", table=True),
        Q(f'SELECT max("utilisation") AS "peak_utilisation" FROM "snmp_interface" WHERE {UPLINK} '
          f'AND {edge} AND $timeFilter AND {AREA} GROUP BY "county", "school"', "C", table=True),
        description=T("上行链路中断的轮询次数（每次约 1 分钟）、探测丢包率、上行峰值利用率",
                      "uplink polls not up (about a minute each), probe loss, peak uplink "
                      "utilisation").get(t),
        transformations=[
            transform("merge", {}),
            transform("sortBy", {"sort": [{"field": "down_polls", "desc": True},
                                          {"field": "loss", "desc": True}]}),
            transform("limit", {"limitField": 20}),
        ],
        overrides=[
            column("loss", prop("unit", "percentunit"),
                   prop("thresholds", steps("green", (0.01, "orange"), (0.05, "red")).build())),
            column("peak_utilisation", prop("unit", "percentunit")),
            column("down_polls", prop("unit", "short")),
            column("school", prop("mappings", names.school_mappings())),
            column("county", prop("mappings", names.county_mappings(t)),
                   prop("links", [school_view(T("查看该县区学校", "schools of this county")
                                              .get(t), "${__value.raw}").build()])),
        ]), w=24, h=10)

    b.row(T("采集器健康", "Collector health"))
    who = "$tag_collector $tag_shard"
    b.add("noc.collector_failed", graph(
        T("失败的轮询", "Polls failed").get(t), "short",
        Q('SELECT sum("polls_failed") FROM "netctl_collector" WHERE $timeFilter '
          'GROUP BY time($__interval), "collector", "shard" fill(none)', alias=who),
        thresholds=zero_ok(1, 10)), w=8, h=8)
    b.add("noc.collector_duration", graph(
        T("每轮耗时", "Round duration").get(t), "s",
        Q('SELECT max("duration_s") FROM "netctl_collector" WHERE $timeFilter '
          'GROUP BY time($__interval), "collector", "shard" fill(none)', alias=who),
        thresholds=steps("green", (60, "orange"), (300, "red")), dashed=True,
        description=T("一轮超过轮询间隔即为滞后", "a round longer than its interval lags")
        .get(t)), w=8, h=8)
    b.add("noc.collector_backlog", graph(
        T("积压（队列与本地缓存的点）", "Backlog (queue and spooled points)").get(t), "short",
        Q('SELECT max("queue_depth") AS "queue", max("spool_points") AS "spool" FROM '
          '"netctl_collector" WHERE $timeFilter GROUP BY time($__interval), "collector", '
          '"shard" fill(none)', alias=f"{who} $col"),
        thresholds=zero_ok(1)), w=8, h=8)
    b.add("noc.collector_last_seen", single(
        T("最后一次上报", "Last report").get(t), "dateTimeFromNow",
        Q('SELECT last("polls_ok") FROM "netctl_collector" WHERE $timeFilter '
          'GROUP BY "collector", "shard"', alias=who),
        thresholds=steps(BLUE), fields="Time", time_from="24h",
        description=T("停止上报的采集器会触发告警", "a collector that stops reporting raises an "
                      "alert").get(t)), w=24, h=4)
    return b.build()
