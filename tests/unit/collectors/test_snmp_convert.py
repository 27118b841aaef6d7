"""From fetched values to points and observations, with the shipped profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.collectors.snmp import ber
from netctl.collectors.snmp.convert import (
    CompiledProfile,
    CounterStore,
    DeviceTags,
    compile_profile,
    convert,
    parse_index,
)
from netctl.collectors.snmp.profile import Profile, load_profiles
from netctl.collectors.snmp.walk import FetchResult, Index

REPO = Path(__file__).resolve().parents[3]
DEV = DeviceTags(device="gw1", role="gateway", city="640100", county="640104",
                 school="2401040901")
T0 = 1_800_000_000_000


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    return load_profiles(REPO / "collectors" / "snmp" / "profiles")


def result(compiled: CompiledProfile, scalars: dict[str, ber.Value],
           columns: dict[str, dict[Index, ber.Value]]) -> FetchResult:
    """A fetch result from values by column name."""
    by_name = dict(zip(compiled.scalar_names, compiled.scalar_oids, strict=True))
    return FetchResult(
        scalars={by_name[k]: v for k, v in scalars.items()},
        columns=[columns.get(c, {}) for _t, c in compiled.column_keys])


def if_rows(octets: int, speed: int = 1000) -> dict[str, dict[Index, ber.Value]]:
    return {
        "ifName": {(1,): b"Gi0/1", (2,): b"Gi0/2"},
        "ifAlias": {(1,): b"to metro", (2,): b""},
        "ifAdminStatus": {(1,): 1, (2,): 2},
        "ifOperStatus": {(1,): 1, (2,): 2},
        "ifHighSpeed": {(1,): speed, (2,): 0},
        "ifHCInOctets": {(1,): octets, (2,): 0},
        "ifHCOutOctets": {(1,): octets // 2, (2,): 0},
        "ifInErrors": {(1,): 3, (2,): 0},
        "ifOutErrors": {(1,): 0, (2,): 0},
        "ifInDiscards": {(1,): 1, (2,): 0},
        "ifOutDiscards": {(1,): 0, (2,): 0},
    }


def test_interfaces_rates_cap_and_state(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["if_mib"])
    counters = CounterStore()
    first = convert(c, result(c, {"sysUpTime": 100}, if_rows(1_000)), DEV, time_ms=T0,
                    counters=counters, now_s=0.0)
    assert [dict(p.tags)["ifname"] for p in first.points] == ["Gi0/1", "Gi0/2"]
    gi1 = first.points[0]
    assert "in_bps" not in gi1.fields  # no rate on the first poll
    assert gi1.fields["oper_status"] == 1
    assert dict(gi1.tags) == {"city": "640100", "county": "640104", "device": "gw1",
                              "role": "gateway", "school": "2401040901", "ifname": "Gi0/1",
                              "ifalias": "to metro"}
    # 60 s later (per sysUpTime) 750 MB more: 100 Mbit/s in, 50 out, on a 1 Gbit/s port
    second = convert(c, result(c, {"sysUpTime": 6_100}, if_rows(1_000 + 750_000_000)), DEV,
                     time_ms=T0 + 61_000, counters=counters, now_s=61.0)
    gi1 = second.points[0]
    assert gi1.fields["in_bps"] == pytest.approx(100e6)
    assert gi1.fields["out_bps"] == pytest.approx(50e6)
    assert gi1.fields["utilisation"] == pytest.approx(0.1)
    assert "in_bps" not in second.points[1].fields or second.points[1].fields["in_bps"] == 0
    state = {(o.interface, o.metric): o.value for o in second.observations}
    assert state[("Gi0/1", "if_in_bps")] == pytest.approx(100e6)
    assert state[("Gi0/2", "if_oper_status")] == 2.0
    assert all(o.source == "snmp" and o.device == "gw1" for o in second.observations)
    line = gi1.line()
    assert line.startswith("snmp_interface,city=640100,county=640104,device=gw1,role=gateway,")
    assert "ifalias=to\\ metro" in line
    assert "oper_status=1i" in line
    assert line.endswith(f" {T0 + 61_000}")


def test_rate_above_speed_is_dropped_not_invented(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["if_mib"])
    counters = CounterStore()
    convert(c, result(c, {"sysUpTime": 100}, if_rows(0, speed=100)), DEV, time_ms=T0,
            counters=counters, now_s=0.0)
    burst = convert(c, result(c, {"sysUpTime": 6_100}, if_rows(10**10, speed=100)), DEV,
                    time_ms=T0 + 60_000, counters=counters, now_s=60.0)
    assert "in_bps" not in burst.points[0].fields


def test_ip_addresses_per_interface(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["ip_mib"])

    def idx(text: str) -> Index:
        import ipaddress

        ip = ipaddress.ip_address(text)
        return (1 if ip.version == 4 else 2, len(ip.packed), *ip.packed)

    rows = {"192.0.2.1": (1, 24, 1), "2001:db8::1": (1, 64, 1), "fe80::1": (1, 64, 1),
            "192.0.2.255": (1, 24, 3), "198.51.100.1": (2, 30, 1)}
    cols: dict[str, dict[Index, ber.Value]] = {
        "ipAddressIfIndex": {idx(a): v[0] for a, v in rows.items()},
        "ipAddressType": {idx(a): v[2] for a, v in rows.items()},
        "ipAddressPrefix": {idx(a): f"1.3.6.1.2.1.4.32.1.5.{v[0]}.1.4.0.0.0.0.{v[1]}"
                            for a, v in rows.items()},
        "ifName": {(1,): b"Vlanif10", (2,): b"Gi0/0/48"},
    }
    out = convert(c, result(c, {}, cols), DEV, time_ms=T0, counters=CounterStore(), now_s=0.0)
    got = sorted((dict(p.tags)["ifname"], dict(p.tags)["family"], dict(p.tags)["address"],
                  p.fields["prefix_len"]) for p in out.points)
    assert got == [("Gi0/0/48", "ipv4", "198.51.100.1", 30),
                   ("Vlanif10", "ipv4", "192.0.2.1", 24),
                   ("Vlanif10", "ipv6", "2001:db8::1", 64),
                   ("Vlanif10", "ipv6", "fe80::1", 64)]  # the broadcast row is not unicast
    state = {(o.interface, o.metric): o.value for o in out.observations}
    assert state == {("Gi0/0/48", "ipv4_addresses"): "198.51.100.1/30",
                     ("Gi0/0/48", "ipv6_addresses"): "",
                     ("Vlanif10", "ipv4_addresses"): "192.0.2.1/24",
                     ("Vlanif10", "ipv6_addresses"): "2001:db8::1/64"}


def test_entity_chassis_only(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["entity"])
    cols: dict[str, dict[Index, ber.Value]] = {
        "entPhysicalClass": {(1,): 3, (2,): 9, (3,): 3},
        "entPhysicalName": {(1,): b"Chassis", (2,): b"Board", (3,): b"Chassis 2"},
        "entPhysicalModelName": {(1,): b"S5735-L48T4X-A1", (2,): b"MPU", (3,): b"S5735"},
        "entPhysicalSerialNum": {(1,): b"2102351931P0K1000123", (2,): b"x", (3,): b"y"},
        "entPhysicalFirmwareRev": {(1,): b"V200R021C10", (2,): b"", (3,): b""},
        "entPhysicalSoftwareRev": {(1,): b"V200R021C10SPC600", (2,): b"", (3,): b""},
    }
    out = convert(c, result(c, {}, cols), DEV, time_ms=T0, counters=CounterStore(), now_s=0.0)
    assert [dict(p.tags)["entity"] for p in out.points] == ["Chassis", "Chassis 2"]
    assert {o.metric: o.value for o in out.observations} == {
        "entity_model": "S5735-L48T4X-A1", "entity_serial": "2102351931P0K1000123",
        "entity_firmware": "V200R021C10", "entity_software": "V200R021C10SPC600"}


def test_system_heartbeat_fields(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["system"])
    out = convert(c, result(c, {"sysUpTime": 123_456, "sysName": b"gw1",
                                "sysObjectID": "1.3.6.1.4.1.25506.1.1794",
                                "sysDescr": b"H3C Comware"}, {}),
                  DEV, time_ms=T0, counters=CounterStore(), now_s=0.0)
    assert out.points[0].fields == {"uptime_s": 1235}
    assert {o.metric: o.value for o in out.observations} == {
        "sys_name": "gw1", "sys_descr": "H3C Comware",
        "sys_object_id": "1.3.6.1.4.1.25506.1.1794", "sys_uptime": 1235.0}


def test_huawei_wlan_reports(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["huawei_wlan"])
    mac1, mac2 = (0, 224, 252, 0, 0, 1), (0, 224, 252, 0, 0, 2)
    cols: dict[str, dict[Index, ber.Value]] = {
        "hwWlanApName": {mac1: b"ap001", mac2: b"ap002"},
        "hwWlanApTypeInfo": {mac1: b"AirEngine5761-11", mac2: b"AP4050DN"},
        "hwWlanApRunState": {mac1: 8, mac2: 4},
        "hwWlanApOnlineUserNum": {mac1: 17, mac2: 0},
        "hwWlanRadioType": {(*mac1, 0): 0b1100, (*mac1, 1): 0b111101, (*mac2, 0): 0b1100,
                            (*mac2, 1): 0b11101},
    }
    aps = {"ap001": DeviceTags(device="ap001", role="ap", school="2401040901")}
    out = convert(c, result(c, {}, cols), DeviceTags(device="ac1", role="wlc"), time_ms=T0,
                  counters=CounterStore(), now_s=0.0, ap_tags=aps.get)
    assert not out.points and not out.observations
    r1, r2 = out.ap_reports
    assert (r1.ap, r1.controller, r1.online, r2.ap, r2.online) == ("ap001", "ac1", True,
                                                                   "ap002", False)
    tags = dict(r1.points[0].tags)
    assert (tags["device"], tags["role"], tags["school"], tags["controller"], tags["radio"]) == (
        "ap001", "ap", "2401040901", "ac1", "802.11ax")
    assert r1.points[0].fields == {"online": 1, "clients": 17}
    assert dict(r2.points[0].tags)["radio"] == "802.11ac"
    state = {o.metric: o.value for o in r2.observations}
    assert state == {"ap_state": "offline", "ap_radio": "802.11ac", "ap_clients": 0.0,
                     "ap_controller": "ac1", "ap_model": "AP4050DN"}
    assert dict(r1.points[0].tags)["model"] == "AirEngine5761-11"
    assert all(o.source == "snmp:ac1" and o.device == "ap002" for o in r2.observations)


def test_ruijie_radio_from_the_inventory(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["ruijie_wlan"])
    mac = (88, 105, 108, 0, 0, 1)
    cols: dict[str, dict[Index, ber.Value]] = {
        "ruijieApApName": {mac: b"ap9"}, "ruijieApStaNum": {mac: 3},
        "ruijieApPID": {mac: b"RG-AP820-L(V3)"}, "ruijieApState": {mac: 1}}
    out = convert(c, result(c, {}, cols), DeviceTags(device="ac9", role="wlc"), time_ms=T0,
                  counters=CounterStore(), now_s=0.0,
                  inventory=lambda ap, attr: "wifi6" if (ap, attr) == ("ap9", "wifi") else None)
    assert dict(out.ap_reports[0].points[0].tags)["radio"] == "802.11ax"


@pytest.mark.parametrize(("index", "how", "expected"), [
    ((0, 224, 252, 0, 0, 1), "mac", "00:e0:fc:00:00:01"),
    ((5,), "all", "5"),
    ((2, 16, 254, 128, *([0] * 13), 1), "inet_address", "fe80::1"),
    ((4, 20, 254, 128, *([0] * 13), 1, 0, 0, 0, 3), "inet_address", "fe80::1"),
    ((1, 3, 10, 0, 0), "inet_address", None),
    ((9, 1), -1, 1),
    ((), "last", None),
])
def test_parse_index(index: Index, how: str | int, expected: object) -> None:
    assert parse_index(index, how) == expected


def test_interface_points_carry_their_inventory_role(profiles: dict[str, Profile]) -> None:
    """Dashboards and alerts pick uplinks by ``ifrole`` (docs/observations.md)."""
    c = compile_profile(profiles["if_mib"])
    dev = DeviceTags(device="gw1", role="gateway", county="640104",
                     if_roles=(("Gi0/1", "uplink"),))
    out = convert(c, result(c, {"sysUpTime": 100}, if_rows(1_000)), dev, time_ms=T0,
                  counters=CounterStore(), now_s=0.0)
    roles = {dict(p.tags)["ifname"]: dict(p.tags).get("ifrole") for p in out.points}
    assert roles == {"Gi0/1": "uplink", "Gi0/2": ""}
    assert ",ifrole=uplink " in out.points[0].line() or ",ifrole=uplink," in out.points[0].line()
    assert "ifrole" not in out.points[1].line()


# -- issue 16: where real agents put things -------------------------------------------------------
@pytest.mark.parametrize(("descr", "model"), [
    # sysDescr shapes of real Huawei agents (LibreNMS tests/snmpsim vrp*.snmprec)
    (b"Huawei AR1220 Huawei Versatile Routing Platform Software  VRP (R) software,Version 5.120 "
     b"(AR1220 V200R003C01SPC900)", "AR1220"),
    (b"S5720-56C-PWR-EI-AC\nHuawei Versatile Routing Platform Software \r\n VRP (R) software,"
     b"Version 5.170 (S5720 V200R010C00SPC600)", "S5720-56C-PWR-EI-AC"),
    (b"Huawei Versatile Routing Platform Software, VRP (R) software, Version 5.170 "
     b"(S5735 V200R021C10SPC600)", "S5735"),
    (b"H3C Comware Platform Software, Software Version 7.1.070, Release 6615P01", None),
])
def test_entity_model_from_huawei_sysdescr(profiles: dict[str, Profile], descr: bytes,
                                            model: str | None) -> None:
    c = compile_profile(profiles["entity"])
    cols: dict[str, dict[Index, ber.Value]] = {
        "entPhysicalClass": {(1,): 3, (2,): 9},
        "entPhysicalName": {(1,): b"Chassis", (2,): b"MPU Board 0"},
        "entPhysicalModelName": {(1,): b"", (2,): b""},
        "entPhysicalSerialNum": {(1,): b"", (2,): b"2102351931P0K1000777"},
    }
    out = convert(c, result(c, {"sysDescr": descr}, cols), DEV, time_ms=T0,
                  counters=CounterStore(), now_s=0.0)
    state = {o.metric: o.value for o in out.observations}
    assert state.get("entity_model") == model
    assert state["entity_serial"] == "2102351931P0K1000777"  # the board's ESN
    assert "entity_firmware" not in state  # never an empty string


def test_expression_features_validate() -> None:
    base = {"name": "x", "measurement": "snmp_entity", "tables": {"t": {"columns": {
        "a": {"oid": "1.3.6.1.2.1.1.1", "type": "str"}}}}, "rows": "t"}
    ok = Profile.model_validate({**base, "tags": {"model": {
        "coalesce": ["a", {"column": "a", "regex": "(x)"}], "unmapped": "z"}}})
    assert ok.tags["model"].coalesce is not None
    for bad, why in (({"coalesce": []}, "at least one"), ({"coalesce": ["nope"]}, "unknown"),
                     ({"column": "a", "regex": "("}, "regex"),
                     ({"coalesce": ["a"], "column": "a"}, "exactly one source")):
        with pytest.raises(ValueError, match=why):
            Profile.model_validate({**base, "tags": {"model": bad}})


def test_ap_without_run_state_is_unknown(profiles: dict[str, Profile]) -> None:
    c = compile_profile(profiles["huawei_wlan"])
    mac1, mac2 = (0, 0xE0, 0xFC, 0, 0, 1), (0, 0xE0, 0xFC, 0, 0, 2)
    cols: dict[str, dict[Index, ber.Value]] = {
        "hwWlanApName": {mac1: b"ap1", mac2: b"ap2"},
        "hwWlanApRunState": {mac1: 4},  # ap2 has no run state
    }
    out = convert(c, result(c, {}, cols), DEV, time_ms=T0, counters=CounterStore(), now_s=0.0)
    reports = {r.ap: r for r in out.ap_reports}
    assert reports["ap1"].points[0].fields["online"] == 0  # fault: offline
    assert "online" not in (reports["ap2"].points[0].fields if reports["ap2"].points else {})
    assert {o.metric: o.value for o in reports["ap2"].observations}["ap_state"] == "unknown"
    assert {o.metric: o.value for o in reports["ap1"].observations}["ap_state"] == "offline"
