"""The poller against real agents on loopback: net-snmp's snmpd and snmpsim's vendor data."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import FIXTURES, REPO, V3, V3_DES, V3_ENV, Agent, free_port  # type: ignore[import-not-found, unused-ignore]

from netctl.collectors.config import CollectorConfig, SnmpSettings, StateSettings, TargetOverride
from netctl.collectors.daemon import SnmpCollector, ap_infos
from netctl.collectors.sinks.state import StateSink
from netctl.collectors.snmp import ber, usm
from netctl.collectors.snmp.client import Session, Transport, V2cSession, V3Session, V3User
from netctl.collectors.snmp.profile import load_profiles
from netctl.collectors.snmp.pysnmp_backend import PysnmpEngine, PysnmpSession
from netctl.collectors.snmp.walk import fetch
from netctl.collectors.targets import Target, build_targets
from netctl.inventory.index import load_inventory
from netctl.secrets import Secrets
from netctl.state.store import StateStore

pytestmark = pytest.mark.integration

PROFILES = load_profiles(REPO / "collectors" / "snmp" / "profiles")
INVENTORY = load_inventory(FIXTURES / "inventory")
IFX = "1.3.6.1.2.1.31.1.1.1"


def lab_targets(overrides: dict[str, TargetOverride], snmp: SnmpSettings | None = None
                ) -> list[Target]:
    targets, problems = build_targets(
        [e for e in INVENTORY.iter_devices() if e.hostname in overrides],
        settings=snmp or SnmpSettings(), secrets=Secrets(None, env=dict(V3_ENV)),
        default_credential="snmp-lab", overrides=overrides)
    assert not problems
    return targets


def collector(targets: list[Target], **snmp: float) -> SnmpCollector:
    cfg = CollectorConfig(snmp=SnmpSettings.model_validate(snmp))
    return SnmpCollector(cfg, PROFILES, targets, aps=ap_infos(INVENTORY))


# -- backends -----------------------------------------------------------------------------------
async def test_lean_and_pysnmp_backends_agree_v2c_and_v3(snmpd: Agent) -> None:
    transport, engine = Transport(), PysnmpEngine()
    addr = ("127.0.0.1", snmpd.port)
    user = V3User(V3["user"], "SHA", V3["auth"], "AES", V3["priv"])
    sessions: dict[str, Session] = {
        "lean v2c": V2cSession(transport, addr, b"public"),
        "lean v3": V3Session(transport, addr, user, {}),
        "pysnmp v2c": PysnmpSession(engine, addr, community=b"public"),
        "pysnmp v3": PysnmpSession(engine, addr, user=user),
    }
    columns = [ber.encode_oid(f"{IFX}.{c}") for c in (1, 15)] + [
        ber.encode_oid("1.3.6.1.2.1.2.2.1.8")]
    scalars = [ber.encode_oid("1.3.6.1.2.1.1.5.0"), ber.encode_oid("1.3.6.1.2.1.1.2.0")]
    results = {name: await fetch(s, scalars, columns, max_repetitions=3)
               for name, s in sessions.items()}
    transport.close()
    engine.close()
    reference = results["pysnmp v2c"]
    assert reference.columns[0], "snmpd lists at least lo"
    assert list(reference.scalars.values()) == [b"netctl-test-agent", "1.3.6.1.4.1.8072.3.2.10"]
    for name, r in results.items():
        assert r.scalars == reference.scalars, name
        assert r.columns == reference.columns, name


async def test_des_user_is_polled_through_pysnmp(snmpd: Agent) -> None:
    """The Ruijie baseline's SHA/DES user (templates/policy.yaml): the lean codec does not speak
    DES, the pysnmp fallback polls it from a real agent."""
    user = V3User(V3_DES["user"], "SHA", V3_DES["auth"], "DES", V3_DES["priv"])
    assert not usm.supports(user.auth_protocol, user.priv_protocol)
    engine = PysnmpEngine()
    try:
        got = await fetch(PysnmpSession(engine, ("127.0.0.1", snmpd.port), user=user),
                          [ber.encode_oid("1.3.6.1.2.1.1.5.0")], [], max_repetitions=1)
    finally:
        engine.close()
    assert list(got.scalars.values()) == [b"netctl-test-agent"]


async def test_wrong_v3_key_is_a_clear_error(snmpd: Agent) -> None:
    from netctl.collectors.snmp.client import SnmpError

    s = V3Session(Transport(), ("127.0.0.1", snmpd.port),
                  V3User(V3["user"], "SHA", "not-the-key", "AES", V3["priv"]), {}, timeout=0.5)
    with pytest.raises(SnmpError, match="wrong digest"):
        await s.get([ber.encode_oid("1.3.6.1.2.1.1.5.0")])


# -- vendor data: one --once run over the lab ---------------------------------------------------
def vendor_overrides(sim: Agent, snmpd: Agent) -> dict[str, TargetOverride]:
    at = sim.address()
    return {
        "lab-0001-gw1": TargetOverride(address=at, community="h3c-sw"),
        "lab-0001-sw1": TargetOverride(address=at, community="huawei-sw"),
        "lab-0001-core1": TargetOverride(address=snmpd.address(), credential="snmpv3-lab"),
        "lab-0001-ac1": TargetOverride(address=at, community="huawei-ac1"),
        "lab-0001-ac2": TargetOverride(address=at, community="huawei-ac2"),
        "lab-0002-ac1": TargetOverride(address=at, credential="snmpv3-lab", context="h3c-ac"),
        "lab-0003-ac1": TargetOverride(address=at, community="ruijie-ac"),
    }


async def test_once_over_vendor_agents(snmpsim: Agent, snmpd: Agent, tmp_path: Path) -> None:
    targets = lab_targets(vendor_overrides(snmpsim, snmpd))
    assert {t.hostname: t.version for t in targets}["lab-0002-ac1"] == "3"
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    c = SnmpCollector(CollectorConfig(snmp=SnmpSettings(timeout_s=3, deadline_s=20,
                                                        concurrency=8),
                                      state=StateSettings()), PROFILES, targets,
                      aps=ap_infos(INVENTORY), state=StateSink(store))
    lines: list[str] = []

    class Capture:
        spool = None

        def add(self, new: list[str]) -> None:
            lines.extend(new)

        async def flush(self) -> None:
            return None

    c.influx = Capture()  # type: ignore[assignment]
    summary = await c.run_once()
    assert not summary.failed_hosts, [o for o in summary.outcomes if not o.ok]
    polled = defaultdict(set)
    for o in summary.outcomes:
        polled[o.hostname].add(o.profile)
    assert polled["lab-0001-ac1"] == {"system", "if_mib", "ip_mib", "ipv6_ra", "entity",
                                      "huawei_wlan"}
    assert "h3c_wlan" in polled["lab-0002-ac1"]
    assert "ruijie_wlan" in polled["lab-0003-ac1"]

    latest = {(o.device, o.interface, o.metric): o for o in store.latest()}
    value = {k: o.value for k, o in latest.items()}
    # Huawei switch: interfaces, addresses, chassis
    assert value[("lab-0001-sw1", "GigabitEthernet0/0/5", "if_oper_status")] == 2.0
    assert value[("lab-0001-sw1", "GigabitEthernet0/0/1", "if_speed_mbps")] == 1000.0
    assert value[("lab-0001-sw1", "GigabitEthernet0/0/1", "ipv6_addresses")] == (
        "2001:db8:100::1/64")
    assert value[("lab-0001-sw1", "GigabitEthernet0/0/2", "ipv4_addresses")] == (
        "198.51.100.9/30")
    assert value[("lab-0001-sw1", "", "entity_serial")] == "2102351931P0K1000123"
    assert value[("lab-0001-gw1", "", "entity_model")] == "S6520X-30QC-EI"
    assert value[("lab-0001-gw1", "", "sys_object_id")] == "1.3.6.1.4.1.25506.1.1794"
    # snmpd over SNMPv3: a real Linux agent
    assert value[("lab-0001-core1", "lo", "if_oper_status")] == 1.0
    assert value[("lab-0001-core1", "", "poll_ok")] == 1.0
    # The Huawei HSB pair: each AP once, from the controller that has it online
    for ap, controller in (("lab-0001-ap001", "lab-0001-ac1"), ("lab-0001-ap002", "lab-0001-ac1"),
                           ("lab-0001-ap003", "lab-0001-ac2")):
        assert value[(ap, "", "ap_controller")] == controller
        assert latest[(ap, "", "ap_state")].source == f"snmp:{controller}"
        assert value[(ap, "", "ap_state")] == "online"
    assert value[("lab-0001-ap003", "", "ap_radio")] == "802.11ac"
    assert value[("lab-0001-ap001", "", "ap_clients")] == 11.0
    # H3C over SNMPv3 (context), HA role and radio modes
    assert value[("lab-0002-ap001", "", "ap_radio")] == "802.11ax"
    assert value[("lab-0002-ap002", "", "ap_state")] == "join"
    # Ruijie: state from the AC, radio from the inventory catalogue
    assert value[("lab-0003-ap001", "", "ap_state")] == "online"
    assert value[("lab-0003-ap001", "", "ap_radio")] == "802.11ax"
    assert value[("lab-0003-ap002", "", "ap_radio")] == "802.11ac"
    # InfluxDB lines: one wlan_ap point per AP, with the AP's inventory tags
    wlan = [ln for ln in lines if ln.startswith("wlan_ap,")]
    assert len(wlan) == 3 + 2 + 2
    assert sum("ap=lab-0001-ap002," in ln for ln in wlan) == 1
    ap1 = next(ln for ln in wlan if "ap=lab-0001-ap001," in ln)
    assert "device=lab-0001-ap001" in ap1 and "role=ap" in ap1 and "school=2401040901" in ap1
    assert "controller=lab-0001-ac1" in ap1 and "online=1i" in ap1


async def test_counter_wrap_and_reboot_through_the_pipeline(snmpsim: Agent) -> None:
    """The same device at four moments (communities counters-0..3): a 64-bit wrap, then a
    reboot; rates are right across the wrap and absent across the reboot."""
    rates = []
    c = collector(lab_targets({"lab-0001-ctr": TargetOverride(address=snmpsim.address(),
                                                              community="counters-0")}),
                  timeout_s=3)
    if_mib = c.profiles["if_mib"]
    for step in range(4):
        if step:
            c.set_targets(lab_targets({"lab-0001-ctr": TargetOverride(
                address=snmpsim.address(), community=f"counters-{step}")}))
        rt = c.runtimes["lab-0001-ctr"]
        outcome, points, _obs, _r = await c.poll(rt, if_mib)
        assert outcome.ok, outcome.error
        rates.append(points[0].fields.get("in_bps"))
    assert rates[0] is None  # first sample
    assert rates[1] == pytest.approx(1_000_000)  # across the 64-bit wrap
    assert rates[2] is None  # rebooted: sysUpTime went back
    assert rates[3] == pytest.approx(1_000_000)
    c.transport.close()


async def test_dead_and_slow_agents_do_not_delay_the_others(snmpd: Agent) -> None:
    """Live devices, one dead (nothing listens), one slow (each answer 0.45 s late, through a
    delaying proxy; at 20 values per response its interface poll needs several requests and
    overruns the 0.8 s deadline): the live ones finish as fast as without them; the run is
    bounded by the deadline, not by the sum of waits."""
    loop = asyncio.get_running_loop()

    class Delay(asyncio.DatagramProtocol):
        """Forwards to snmpd and answers 0.45 s later."""

        tasks: ClassVar[set[asyncio.Task[None]]] = set()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
            task = loop.create_task(self.relay(data, addr))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        async def relay(self, data: bytes, addr: tuple[str | int, ...]) -> None:
            out, upstream = await loop.create_datagram_endpoint(
                Upstream, remote_addr=("127.0.0.1", snmpd.port))
            out.sendto(data)
            await asyncio.sleep(0.45)
            try:
                answer = await asyncio.wait_for(upstream.reply, 1.0)
            except TimeoutError:
                return
            finally:
                out.close()
            self.transport.sendto(answer, addr)  # type: ignore[attr-defined]

    class Upstream(asyncio.DatagramProtocol):
        def __init__(self) -> None:
            self.reply: asyncio.Future[bytes] = loop.create_future()

        def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
            if not self.reply.done():
                self.reply.set_result(data)

    proxy, _ = await loop.create_datagram_endpoint(Delay, local_addr=("127.0.0.1", 0))
    slow_port = proxy.get_extra_info("sockname")[1]
    live = [e.hostname for e in INVENTORY.iter_devices()
            if e.role.value not in ("ap",) and e.hostname not in ("lab-0003-dead",
                                                                  "lab-0003-slow")]
    overrides = {h: TargetOverride(address=snmpd.address(), community="public") for h in live}

    async def run(extra: dict[str, TargetOverride]) -> tuple[float, dict[str, float]]:
        c = collector(lab_targets(overrides | extra), timeout_s=0.5, retries=1,
                      deadline_s=0.8, concurrency=32, max_varbinds=20)
        started = time.monotonic()
        summary = await c.run_once()
        elapsed = time.monotonic() - started
        c.transport.close()
        per_device: dict[str, float] = defaultdict(float)
        for o in summary.outcomes:
            per_device[o.hostname] = max(per_device[o.hostname], o.duration_s)
        failed = set(summary.failed_hosts)
        assert failed == set(extra), summary.outcomes
        return elapsed, per_device

    base_elapsed, base = await run({})
    elapsed, with_bad = await run({
        "lab-0003-dead": TargetOverride(address=f"udp://127.0.0.1:{free_port()}",
                                        community="public"),
        "lab-0003-slow": TargetOverride(address=f"udp://127.0.0.1:{slow_port}",
                                        community="public")})
    proxy.close()
    worst_live = max(with_bad[h] for h in live)
    print(f"\nlive devices: {len(live)}; slowest live poll without bad agents "
          f"{max(base.values()) * 1000:.0f} ms, with a dead and a slow one "
          f"{worst_live * 1000:.0f} ms; run {base_elapsed:.2f} s vs {elapsed:.2f} s; "
          f"dead {with_bad['lab-0003-dead']:.2f} s, slow {with_bad['lab-0003-slow']:.2f} s")
    assert worst_live < 0.6  # live polls are not held up by the bad ones (deadline 0.8 s)
    assert 0.7 <= with_bad["lab-0003-dead"] <= 1.0  # the deadline (0.8 s) cut its retries
    assert 0.7 <= with_bad["lab-0003-slow"] <= 1.0  # a multi-request poll cut at the deadline
    assert elapsed < 2.0  # about one deadline, not the sum of everyone's waits


async def test_daemon_schedules_profiles_selected_by_sysobjectid(snmpsim: Agent) -> None:
    """A core switch in the inventory that answers like a Huawei AC (sysObjectID
    1.3.6.1.4.1.2011.2.240.17) gets the huawei_wlan profile after its first heartbeat."""
    targets = lab_targets({"lab-0001-core1": TargetOverride(address=snmpsim.address(),
                                                            community="huawei-ac1")})
    c = collector(targets, timeout_s=3)
    assert "huawei_wlan" not in {p.name for p in c.runtimes["lab-0001-core1"].profiles}
    stop, reload = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(c.run(stop, reload))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and c.runtimes["lab-0001-core1"].sys_object_id is None:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, 30)
    assert c.runtimes["lab-0001-core1"].sys_object_id == "1.3.6.1.4.1.2011.2.240.17"
    scheduled = {(host, name) for _due, _seq, host, name in c._heap}
    assert ("lab-0001-core1", "huawei_wlan") in scheduled
