"""A small network over 90 minutes, as the collectors, probes and compliance engine write it.

Every point goes through ``netctl.collectors.points.Point.line()`` with the collectors' tag set
(``DeviceTags.items()`` of the SNMP collector: city, county, device, role, school; then the
measurement's own tags). The :class:`Truth` records what was made wrong, so that each panel and
alert can be checked for the series it must return:

- school A's gateway uplink down for the last 40 minutes; school B's for the last 2 minutes
  (alert pending, not firing); school C's uplink shut (admin down: not an outage);
- county node M (a metro switch) not answering polls for 20 minutes; access switch D likewise
  for 15 minutes;
- SNMP collector shard 1/2 stopped 30 minutes ago;
- the APs of one school offline for 30 minutes; Wi-Fi 6 radios from the inventory;
- IPv6 on the gateways of every other school; one school's gateway unreachable over IPv6;
- websites: every fifth not IPv6-capable; one school's uplink counts errors;
- daily KPI snapshots per county and for the region over 60 days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from netctl.collectors.points import FieldValue, Point
from netctl.collectors.snmp.convert import DeviceTags
from netctl.dashboards.kpis import KPI_LIST
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.models.inventory import InterfaceRole, Role, WifiStandard

MIN = 60_000
SPAN_MIN = 90
RADIO = {WifiStandard.WIFI6: "802.11ax", WifiStandard.WIFI6E: "802.11ax",
         WifiStandard.WIFI7: "802.11be", WifiStandard.WIFI5: "802.11ac",
         WifiStandard.WIFI4: "802.11n"}


@dataclass
class Truth:
    """What the scenario made true, for the assertions."""

    now_ms: int
    school_a: str = ""
    school_b: str = ""
    school_c: str = ""
    uplink_a: tuple[str, str] = ("", "")  # (device, ifname)
    uplink_b: tuple[str, str] = ("", "")
    metro_m: str = ""
    metro_m_county: str = ""
    switch_d: str = ""
    switch_d_county: str = ""
    ap_school: str = ""
    errors_school: str = ""
    v6_broken_school: str = ""
    schools: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (city, county)
    polled: dict[str, DeviceTags] = field(default_factory=dict)
    uplinks: dict[tuple[str, str], str] = field(default_factory=dict)  # (dev, if) → school
    traffic: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    v6_schools: set[str] = field(default_factory=set)
    v6_devices: set[str] = field(default_factory=set)
    # AP → (school, county, controller, radio)
    aps: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    ap_clients: dict[str, int] = field(default_factory=dict)
    websites: dict[str, tuple[str, bool]] = field(default_factory=dict)  # domain → (school, ok)
    kpi_value: dict[tuple[str, str], float] = field(default_factory=dict)  # (kpi, county) → last

    def offline_aps(self) -> set[str]:
        """APs offline now."""
        return {ap for ap, (school, *_rest) in self.aps.items() if school == self.ap_school}


def tags(e: DeviceEntry) -> DeviceTags:
    """The SNMP collector's tags of a device (as ``collectors/targets.py`` builds them)."""
    return DeviceTags(device=e.hostname, role=e.role.value, city=e.city or "",
                      county=e.county or "", school=e.site)


def _p(meas: str, base: DeviceTags | None, extra: dict[str, str], fields: dict[str, FieldValue],
       t: int) -> Point:
    head = base.items() if base is not None else ()
    return Point(meas, (*head, *extra.items()), fields, t)


def build(inv: Inventory, now_ms: int) -> tuple[list[str], Truth]:
    """The line protocol of the whole scenario, and its truth."""
    truth = Truth(now_ms)
    lines = [p.line() for p in _points(inv, truth)]
    return lines, truth


def _points(inv: Inventory, truth: Truth) -> Iterator[Point]:
    now = truth.now_ms
    start = now - SPAN_MIN * MIN
    schools = list(inv.schools.values())
    truth.schools = {s.code: (s.city, s.county) for s in schools}
    xq = [s.code for s in schools if s.county == "640104"]
    truth.school_a, truth.school_b, truth.school_c = xq[0], xq[1], xq[2]
    truth.errors_school = xq[3]
    truth.metro_m, truth.metro_m_county = "nx640422-metro1", "640422"
    d = next(e for e in inv.devices.values() if e.role is Role.ACCESS and e.county == "640502")
    truth.switch_d, truth.switch_d_county = d.hostname, "640502"
    with_aps = [s.code for s in schools if s.county == "640105"
                and any(e.role is Role.AP for e in inv.devices_at(s.code))]
    truth.ap_school = with_aps[0]
    truth.v6_broken_school = schools[6].code

    polled = [e for e in inv.devices.values() if e.role is not Role.AP]
    for e in polled:
        truth.polled[e.hostname] = tags(e)
    # -- SNMP: system and interfaces, every minute ----------------------------------------------
    for i, e in enumerate(polled):
        tg = truth.polled[e.hostname]
        silent_from = (now - 20 * MIN if e.hostname == truth.metro_m else
                       now - 15 * MIN if e.hostname == truth.switch_d else None)
        ifaces = [(x.name, x.role.value if x.role else "", x.description or "")
                  for x in e.device.interfaces]
        if e.role is Role.ACCESS:
            ifaces = [("GigabitEthernet0/0/1", "", "")]  # not in the inventory: no ifrole
        elif e.role is Role.BACKBONE:
            ifaces = [i for i in ifaces if i[1] == "uplink"] or ifaces[:1]
        for (name, role, _d) in ifaces:
            if role == "uplink" and e.role in (Role.GATEWAY, Role.FIREWALL):
                truth.uplinks[(e.hostname, name)] = e.site
        for step in range(SPAN_MIN + 1):
            t = start + step * MIN
            down = silent_from is not None and t >= silent_from
            yield _p("snmp_system", tg, {}, {"uptime_s": 86400 + step * 60,
                                             "poll_ok": 0 if down else 1,
                                             "poll_ms": 40 + i % 30}, t)
            if down:
                continue
            for n, (name, role, desc) in enumerate(ifaces):
                yield _interface(truth, e, tg, name, role, desc, n, step, t)
    # -- IP addresses, every 5 minutes -----------------------------------------------------------
    for idx, s in enumerate(schools):
        gw = next((e for e in inv.devices_at(s.code) if e.role is Role.GATEWAY), None)
        if gw is None:
            continue
        has_v6 = idx % 2 == 0
        if has_v6:
            truth.v6_schools.add(s.code)
            truth.v6_devices.add(gw.hostname)
        up = next(x.name for x in gw.device.interfaces if x.role is InterfaceRole.UPLINK)
        for step in range(0, SPAN_MIN + 1, 5):
            t = start + step * MIN
            tg = truth.polled[gw.hostname]
            yield _p("snmp_ip_address", tg, {"ifname": up, "family": "ipv6",
                                             "address": f"fe80::{idx + 1}"}, {"prefix_len": 64}, t)
            yield _p("snmp_ip_address", tg, {"ifname": up, "family": "ipv4",
                                             "address": f"10.{idx}.0.1"}, {"prefix_len": 30}, t)
            if has_v6:
                yield _p("snmp_ip_address", tg, {"ifname": up, "family": "ipv6",
                                                 "address": f"2001:db8:{idx:x}::1"},
                         {"prefix_len": 127}, t)
    for e in inv.devices.values():
        if e.role is Role.METRO and e.county and int(e.county) % 2 == 0:
            truth.v6_devices.add(e.hostname)
            for step in range(0, SPAN_MIN + 1, 5):
                if e.hostname == truth.metro_m and start + step * MIN >= now - 20 * MIN:
                    continue
                yield _p("snmp_ip_address", truth.polled[e.hostname],
                         {"ifname": "Vlanif100", "family": "ipv6",
                          "address": f"2001:db8:ffff:{e.county}::1"}, {"prefix_len": 64},
                         start + step * MIN)
    # -- WLAN APs, every 5 minutes -------------------------------------------------------------
    for n, e in enumerate(x for x in inv.devices.values() if x.role is Role.AP):
        radio = RADIO[e.wifi] if e.wifi else "802.11ac"
        controller = e.device.controller or ""
        truth.aps[e.hostname] = (e.site, e.county or "", controller, radio)
        truth.ap_clients[e.hostname] = 5 + n % 10
        tg = tags(e)
        for step in range(0, SPAN_MIN + 1, 5):
            t = start + step * MIN
            off = e.site == truth.ap_school and t >= now - 30 * MIN
            yield _p("wlan_ap", tg, {"ap": e.hostname, "controller": controller,
                                     "radio": radio},
                     {"online": 0 if off else 1, "clients": 0 if off else 5 + n % 10}, t)
    # -- probes -----------------------------------------------------------------------------------
    for s in schools:
        gw = next((e for e in inv.devices_at(s.code) if e.role is Role.GATEWAY), None)
        if gw is not None:
            base = DeviceTags(device=gw.hostname, role="gateway", city=s.city, county=s.county,
                              school=s.code)
            for step in range(0, SPAN_MIN + 1, 5):
                t = start + step * MIN
                for fam, rtt in (("ipv6", 5.0), ("ipv4", 4.0)):
                    broken = (fam == "ipv6" and s.code == truth.v6_broken_school
                              and t >= now - 60 * MIN)
                    f: dict[str, FieldValue] = {"loss": 1.0 if broken else 0.0,
                                                "ok": 0 if broken else 1, "sent": 3,
                                                "received": 0 if broken else 3}
                    if not broken:
                        f["rtt_ms"] = rtt
                    yield _p("probe_reach", base, {"family": fam}, f, t)
        if s.school.website:
            ok = len(truth.websites) % 5 != 0
            truth.websites[s.school.website] = (s.code, ok)
            base = DeviceTags(device=f"web:{s.school.website}", role="website", city=s.city,
                              county=s.county, school=s.code)
            for step in range(0, SPAN_MIN + 1, 30):
                yield _p("probe_web", base, {"domain": s.school.website},
                         {"supported": int(ok), "links_v6_share": 0.95 if ok else 0.2,
                          "ttfb_ms_v6": 80.0, "ttfb_ms_v4": 60.0, "dns_ms_v6": 3.0},
                         start + step * MIN)
    # -- collector health ------------------------------------------------------------------------
    for step in range(4 * 60 + 1):
        t = now - (4 * 60 - step) * MIN
        yield _p("netctl_collector", None, {"collector": "snmp", "shard": "0/2"},
                 {"polls_ok": 120, "polls_failed": 1, "duration_s": 20.5, "queue_depth": 0,
                  "spool_points": 0}, t)
        if t < now - 30 * MIN:
            yield _p("netctl_collector", None, {"collector": "snmp", "shard": "1/2"},
                     {"polls_ok": 118, "polls_failed": 0, "duration_s": 22.0, "queue_depth": 3,
                      "spool_points": 0}, t)
        if step % 5 == 0:
            yield _p("netctl_collector", None, {"collector": "probe-reach", "shard": ""},
                     {"polls_ok": 88, "polls_failed": 0, "duration_s": 4.0}, t)
        if step % 30 == 0:
            yield _p("netctl_collector", None, {"collector": "probe-web", "shard": ""},
                     {"polls_ok": 37, "polls_failed": 0, "duration_s": 95.0}, t)
    # -- KPI snapshots, daily ----------------------------------------------------------------------
    day = 86_400_000
    counties = sorted({s.county for s in schools})
    for d_i in range(60):
        t = now - (59 - d_i) * day
        for k in KPI_LIST:
            target = 800.0 if not k.is_ratio else 0.8
            for c in counties:
                v = (500.0 + 2 * d_i if not k.is_ratio else 0.5 + d_i / 600)
                v += int(c[-2:]) / (10 if not k.is_ratio else 1000)
                truth.kpi_value[(k.id, c)] = v
                yield Point("kpi", (("city", c[:4] + "00"), ("county", c), ("kpi", k.id),
                                    ("scope_level", "county"), ("scope_code", c)),
                            {"value": v, "target": target, "met": int(v >= target),
                             "numerator": 10, "denominator": 12}, t)
            yield Point("kpi", (("kpi", k.id), ("scope_level", "region"),
                                ("scope_code", "640000")),
                        {"value": 0.6 if k.is_ratio else 700.0, "target": target,
                         "met": 0}, t)


def _interface(truth: Truth, e: DeviceEntry, tg: DeviceTags, name: str, role: str, desc: str,
               n: int, step: int, t: int) -> Point:
    now = truth.now_ms
    key = (e.hostname, name)
    school_up = key in truth.uplinks
    school = e.site
    admin, oper = 1, 1
    edu = school_up and e.role is Role.GATEWAY
    if edu and school == truth.school_a and t >= now - 40 * MIN:
        oper = 2
        truth.uplink_a = key
    if edu and school == truth.school_b and t >= now - 2 * MIN:
        oper = 2
        truth.uplink_b = key
    if edu and school == truth.school_c:
        admin, oper = 2, 2
    speed = 10000 if name.startswith(("X", "Ten")) else 1000
    base = 1e6 * (10 + (sum(map(ord, e.hostname)) % 50) + n)
    in_bps, out_bps = (base, base / 2) if oper == 1 else (0.0, 0.0)
    if school_up and oper == 1:
        truth.traffic[key] = (base, base / 2)
    errors = step * 5 if school == truth.errors_school and school_up else 0
    extra = {"ifname": name, "ifalias": desc}
    if role:
        extra = {"ifname": name, "ifalias": desc, "ifrole": role}
    return _p("snmp_interface", tg, extra, {
        "oper_status": oper, "admin_status": admin, "speed_mbps": speed,
        "in_octets": int(base / 8 * 60 * step), "out_octets": int(base / 16 * 60 * step),
        "in_bps": in_bps, "out_bps": out_bps, "in_errors": errors, "out_errors": 0,
        "in_discards": 0, "out_discards": 0,
        "utilisation": max(in_bps, out_bps) / (speed * 1e6)}, t)
