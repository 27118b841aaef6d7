"""Issue 16's real-agent gaps, each on a recording served by snmpsim (tests/fixtures/snmp/
SOURCES.md): interfaces without ifName, IPv4 only in ipAddrTable, rows without ipAddressType,
ENTITY facts where Huawei puts them, an AP without run state, an AR router with a built-in AC."""

from __future__ import annotations

import pytest
from conftest import REPO, Agent  # type: ignore[import-not-found, unused-ignore]
from test_snmp_agents import collector, lab_targets  # type: ignore[import-not-found, unused-ignore]

from netctl.collectors.config import TargetOverride
from netctl.collectors.daemon import SnmpCollector
from netctl.collectors.points import Point
from netctl.collectors.snmp.convert import ApReport
from netctl.discovery.poll import discover_devices
from netctl.discovery.profiles import load_discovery
from netctl.state.store import Observation

pytestmark = pytest.mark.integration


async def _poll(sim: Agent, community: str, profile: str) -> tuple[
        SnmpCollector, list[Point], list[Observation], list[ApReport]]:
    c = collector(lab_targets({"lab-0001-core1": TargetOverride(address=sim.address(),
                                                                community=community)}),
                  timeout_s=3)
    rt = c.runtimes["lab-0001-core1"]
    outcome, points, observations, reports = await c.poll(rt, c.profiles[profile])
    assert outcome.ok, outcome.error
    c.transport.close()
    return c, points, observations, reports


def _state(observations: list[Observation]) -> dict[tuple[str, str], float | str | None]:
    return {(o.interface, o.metric): o.value for o in observations}


async def test_interfaces_without_ifname_keep_their_own_series(snmpsim: Agent) -> None:
    _c, points, observations, _r = await _poll(snmpsim, "huawei-gaps", "if_mib")
    names = [dict(p.tags)["ifname"] for p in points]
    assert names == ["GigabitEthernet0/0/1", "GigabitEthernet0/0/2", "Eth-Trunk1", "Vlanif10",
                     "LoopBack0", "6"]  # ifName, else ifDescr, else the ifIndex
    state = _state(observations)
    assert state[("Eth-Trunk1", "if_speed_mbps")] == 20000.0  # the LAG is not lost
    assert ("", "if_oper_status") not in state  # nothing written at device level


async def test_real_agent_without_ifname_is_named_by_ifdescr(snmpsim: Agent) -> None:
    """The real AC6605 excerpt has ifDescr and ifOperStatus, no ifXTable."""
    _c, _p, observations, _r = await _poll(snmpsim, "real-huawei-ac6605", "if_mib")
    state = _state(observations)
    assert state[("GigabitEthernet0/0/24", "if_oper_status")] == 1.0
    assert state[("Vlanif70", "if_oper_status")] == 1.0
    assert ("", "if_oper_status") not in state


async def test_ipv4_from_ipaddrtable_and_rows_without_type(snmpsim: Agent) -> None:
    _c, _p, observations, _r = await _poll(snmpsim, "huawei-gaps", "ip_mib")
    state = _state(observations)
    assert state[("Vlanif10", "ipv4_addresses")] == "10.20.30.1/24"  # RFC 1213 ipAddrTable
    assert state[("LoopBack0", "ipv4_addresses")] == "10.255.0.1/32"
    # ipAddressTable row without ipAddressType, on an interface without ifName
    assert state[("Eth-Trunk1", "ipv6_addresses")] == "2001:db8:400::1/64"


async def test_real_agent_answers_ipv4_only_in_ipaddrtable(snmpsim: Agent) -> None:
    _c, _p, observations, _r = await _poll(snmpsim, "real-huawei-ac6605", "ip_mib")
    state = _state(observations)
    assert state[("Vlanif70", "ipv4_addresses")] == "10.101.156.6/24"
    assert state[("Vlanif391", "ipv4_addresses")] == "10.120.10.10/24"
    assert state[("InLoopBack0", "ipv4_addresses")] == "127.0.0.1/8"


async def test_entity_model_and_esn_where_huawei_puts_them(snmpsim: Agent) -> None:
    _c, points, observations, _r = await _poll(snmpsim, "huawei-gaps", "entity")
    state = _state(observations)
    assert state[("", "entity_model")] == "S5735-L48T4X-A1"  # entPhysicalName of the chassis
    assert state[("", "entity_serial")] == "2102351931P0K1000777"  # the main board's ESN
    assert state[("", "entity_software")] == "V200R021C10SPC600"
    assert ("", "entity_firmware") not in state  # empty everywhere: no fact, not ""
    assert all(o.value != "" for o in observations)
    assert len(points) == 1


async def test_ar_router_with_builtin_ac_gets_wlan_and_unknown_ap_state(snmpsim: Agent) -> None:
    c, _p, _o, _r = await _poll(snmpsim, "huawei-ar", "system")
    rt = c.runtimes["lab-0001-core1"]
    assert rt.sys_object_id == "1.3.6.1.4.1.2011.2.224.1"
    assert "huawei_wlan" in {p.name for p in c._match(rt)}  # a core switch in the inventory
    _c, _p, _o, reports = await _poll(snmpsim, "huawei-ar", "huawei_wlan")
    by_ap = {r.ap: r for r in reports}
    assert by_ap["lab-0001-ap001"].online
    unknown = by_ap["lab-0001-ap002"]  # no hwWlanApRunState row
    assert not unknown.online
    assert "online" not in unknown.points[0].fields  # unknown, not online=0
    assert {o.metric: o.value for o in unknown.observations}["ap_state"] == "unknown"


async def test_discovery_reads_a_real_lldp_table(snmpsim: Agent) -> None:
    """The real AC6605's lldpRemTable: MAC chassis ids, interface-name port ids, the local port
    named from lldpLocPortTable; interfaces from ifDescr (no ifXTable in the excerpt)."""
    c = collector(lab_targets({"lab-0001-core1": TargetOverride(
        address=snmpsim.address(), community="real-huawei-ac6605")}), timeout_s=3)
    profiles, rules = load_discovery(REPO / "collectors" / "snmp")
    [d] = await discover_devices(c, profiles, rules)
    c.transport.close()
    assert d.ok and not d.error, d.error
    assert (d.vendor, d.platform, d.os_version) == ("Huawei", "huawei_vrp", "V200R010C00SPC500")
    assert [(n.local_port, n.chassis_id, n.port, n.sys_name) for n in d.neighbours] == [
        ("GigabitEthernet0/0/1", "50:6f:77:ea:dc:a0", "MultiGE0/0/0", "TestAP-NAME"),
        ("GigabitEthernet0/0/24", "48:8e:ef:71:62:60", "GigabitEthernet2/0/47",
         "acme-pm7-s-110")]
    assert "Vlanif70" in d.interfaces and len(d.interfaces) == 33
    assert d.model is None and d.serial is None  # no ENTITY rows: unknown, not ""
