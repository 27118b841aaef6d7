"""The SNMP agent of the emulated devices, checked with net-snmp's tools (which netctl did not
write) in v2c and v3 authPriv, and the collector's figures checked against the agent's state."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from netctl.collectors.config import CollectorConfig, TargetOverride
from netctl.collectors.daemon import SnmpCollector
from netctl.collectors.sinks.state import StateSink
from netctl.collectors.snmp.profile import load_profiles
from netctl.collectors.targets import build_targets
from netctl.inventory.index import DeviceEntry
from netctl.testing.agent import (
    AgentNetwork,
    AgentSpec,
    ApFacts,
    DeviceFacts,
    MibBuilder,
    V3Credentials,
)
from netctl.testing.emulator import Device

REPO = Path(__file__).resolve().parents[3]
AUTH, PRIV = "Lab-AuthKey-1", "Lab-PrivKey-1"
CONFIG = """#
sysname gw1
#
interface Vlanif10
 ip address 10.1.1.1 255.255.255.0
#
interface XGigabitEthernet0/0/1
 description to metro
#
wlan
 ap-group name AG-2401040001
#
"""
V3_ARGS = ["-v3", "-l", "authPriv", "-u", "nms", "-a", "SHA", "-A", AUTH, "-x", "AES",
           "-X", PRIV]

pytestmark = pytest.mark.skipif(shutil.which("snmpbulkwalk") is None,
                                reason="net-snmp tools (Debian snmp) are not installed")


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[AgentNetwork, Device]]:
    dev = Device("gw1", "huawei_vrp", initial_config=CONFIG)
    facts = DeviceFacts("gw1", "huawei_vrp", "wlc", model="AirEngine9700-M",
                        interfaces=[("GigabitEthernet0/0/1", "to sw1")],
                        aps=[ApFacts("ap1", "2401040001", "AirEngine5761-11", True),
                             ApFacts("ap2", "2401040001", "AP4050DN", False),
                             ApFacts("ap3", "2401040002", "AP4050DN", False)])
    facts.faults.down_interfaces.add("XGigabitEthernet0/0/1")
    facts.faults.offline_aps.add("ap2")
    spec = AgentSpec("gw1", MibBuilder(dev, facts), community=b"lab-ro",
                     v3=V3Credentials("nms", "SHA", AUTH, "AES", PRIV))
    with AgentNetwork([spec]) as net:
        yield net, dev


def _run(net: AgentNetwork, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    host, port = net.address("gw1")
    cmd = [tool, "-On", "-t", "2", "-r", "1", *args[:-1], f"udp:{host}:{port}", args[-1]]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize("version", ["2c", "3"])
def test_snmpbulkwalk_reads_the_running_config(lab: tuple[AgentNetwork, Device],
                                               version: str) -> None:
    net, dev = lab
    creds = ["-v2c", "-c", "lab-ro"] if version == "2c" else V3_ARGS
    r = _run(net, "snmpbulkwalk", *creds, "1.3.6.1.2.1")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert '.1.3.6.1.2.1.1.5.0 = STRING: "gw1"' in out
    names = dict(re.findall(r"\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.1\.(\d+) = STRING: \"([^\"]+)\"",
                            out))
    assert set(names.values()) == {"GigabitEthernet0/0/1", "Vlanif10", "XGigabitEthernet0/0/1"}
    up = {v: k for k, v in names.items()}["XGigabitEthernet0/0/1"]
    assert f".1.3.6.1.2.1.2.2.1.8.{up} = INTEGER: 2" in out  # the seeded uplink fault
    assert ".1.3.6.1.2.1.4.34.1.3.1.4.10.1.1.1 = INTEGER: " in out  # 10.1.1.1 in ipAddressTable
    assert "Counter64" in out and "noSuchObject" not in out
    assert r.stdout.count("\n") > 60  # walked to the end of the view (several GETBULKs)
    del dev


@pytest.mark.parametrize("version", ["2c", "3"])
def test_snmpwalk_getnext_agrees_with_getbulk(lab: tuple[AgentNetwork, Device],
                                              version: str) -> None:
    net, _dev = lab
    creds = ["-v2c", "-c", "lab-ro"] if version == "2c" else V3_ARGS
    nxt = _run(net, "snmpwalk", *creds, "1.3.6.1.2.1.2")
    bulk = _run(net, "snmpbulkwalk", *creds, "1.3.6.1.2.1.2")
    assert nxt.returncode == 0 and bulk.returncode == 0, nxt.stderr + bulk.stderr
    assert nxt.stdout == bulk.stdout and nxt.stdout.count("\n") > 30


def test_snmpget_v3_and_wrong_key(lab: tuple[AgentNetwork, Device]) -> None:
    net, _dev = lab
    ok = _run(net, "snmpget", *V3_ARGS, "1.3.6.1.2.1.1.3.0")
    assert ok.returncode == 0 and "Timeticks" in ok.stdout, ok.stderr
    bad = [*V3_ARGS]
    bad[bad.index(AUTH)] = "Wrong-AuthKey-1"
    r = _run(net, "snmpget", *bad, "1.3.6.1.2.1.1.5.0")
    assert r.returncode != 0 and "Authentication failure" in r.stderr
    r = _run(net, "snmpget", "-v2c", "-c", "wrong", "1.3.6.1.2.1.1.5.0")
    assert r.returncode != 0 and "Timeout" in r.stderr  # a wrong community gets no answer


def test_a_configured_ipv6_address_is_in_the_next_walk(lab: tuple[AgentNetwork, Device]) -> None:
    net, dev = lab
    before = _run(net, "snmpbulkwalk", *V3_ARGS, "1.3.6.1.2.1.4.34.1.3").stdout
    assert ".2.16." not in before
    with dev.lock:  # what a push over SSH does to the running config
        vlanif = dev.running.find("interface Vlanif10")
        assert vlanif is not None
        vlanif.ensure("ipv6 enable")
        vlanif.ensure("ipv6 address 2001:DB8:1::1/64")
        vlanif.ensure("undo ipv6 nd ra halt")
        dev.history.append("ipv6 address 2001:DB8:1::1/64")
    after = _run(net, "snmpbulkwalk", *V3_ARGS, "1.3.6.1.2.1.4").stdout
    assert ".1.3.6.1.2.1.4.34.1.3.2.16.32.1.13.184.0.1.0.0.0.0.0.0.0.0.0.1 = INTEGER:" in after
    assert re.search(r"\.1\.3\.6\.1\.2\.1\.4\.39\.1\.2\.\d+ = INTEGER: 1", after)  # RA on


def test_the_collector_reports_what_the_agent_holds(lab: tuple[AgentNetwork, Device],
                                                    tmp_path: Path) -> None:
    """The real collector (lean codec, v3) polls the agent; its state-store figures equal the
    agent's own view: addresses, oper status, RA, AP run states."""
    from netctl.inventory.generate import write_inventory
    from netctl.inventory.index import load_inventory
    from netctl.secrets import Secrets
    from netctl.state import StateStore

    net, _dev = lab
    write_inventory(tmp_path / "inv", 22, 2027, force=True)
    inv = load_inventory(tmp_path / "inv")
    wlc: DeviceEntry = next(d for d in inv.devices.values()
                            if d.role.value == "wlc" and d.platform.value == "huawei_vrp")
    cfg = CollectorConfig()
    profiles = load_profiles(REPO / "collectors" / "snmp" / "profiles")
    env = {"NETCTL_CRED_LAB_USERNAME": "nms", "NETCTL_CRED_LAB_AUTH_PROTOCOL": "SHA",
           "NETCTL_CRED_LAB_AUTH_KEY": AUTH, "NETCTL_CRED_LAB_PRIV_PROTOCOL": "AES",
           "NETCTL_CRED_LAB_PRIV_KEY": PRIV}
    targets, problems = build_targets(
        [wlc], settings=cfg.snmp, secrets=Secrets(None, env=env), default_credential="lab",
        overrides={wlc.hostname: TargetOverride(address=net.target_url("gw1"))})
    assert not problems
    url = f"sqlite:///{tmp_path / 'state.db'}"

    async def poll() -> None:
        sink = StateSink(StateStore(url), refresh_s=0)
        c = SnmpCollector(cfg, profiles, targets, aps={}, influx=None, state=sink)
        try:
            for _ in range(2):  # two polls: counter rates
                summary = await c.run_once()
                assert not summary.failed_hosts, [o.error for o in summary.outcomes]
                await asyncio.sleep(1.2)
        finally:
            c.transport.close()

    asyncio.run(poll())
    mib = net.mib("gw1")
    with StateStore(url) as store:
        latest = {(o.device, o.interface, o.metric): o.value for o in store.latest()}
    host = wlc.hostname
    for iface, (admin, oper) in mib.interfaces().items():
        assert latest[(host, iface, "if_oper_status")] == oper
        assert latest[(host, iface, "if_admin_status")] == admin
    for iface, addrs in mib.addresses().items():
        v6 = [a for a in addrs if ":" in a]
        v4 = [a for a in addrs if ":" not in a]
        if v6:
            assert sorted(str(latest[(host, iface, "ipv6_addresses")]).lower().split()) == \
                sorted(a.lower() for a in v6)
        if v4:
            assert str(latest[(host, iface, "ipv4_addresses")]).split() == v4
    rates = mib.rates()
    for iface, (bps_in, bps_out) in rates.items():
        assert latest[(host, iface, "if_in_bps")] == pytest.approx(bps_in, rel=0.01), iface
        assert latest[(host, iface, "if_out_bps")] == pytest.approx(bps_out, rel=0.01), iface
    for iface, ra in mib.ra().items():
        assert latest[(host, iface, "ipv6_ra")] == (1 if ra else 0)
    states = {d: v for (d, _i, m), v in latest.items() if m == "ap_state"}
    assert states == {ap: "online" if on else "offline" for ap, on in mib.joined_aps().items()}
    assert states == {"ap1": "online", "ap2": "offline"}  # ap3's school has no AP group
