"""CPU of the emulated devices' SNMP agent per poll, and how many devices one core serves.

Starts N emulated devices of the sample region (agent only), polls each with the real collector
(every profile, SNMPv3 authPriv, lean codec) and measures the agent thread's CPU time
separately from the poller's: ``python benchmarks/bench_agent.py [N]``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

from netctl.collectors.config import CollectorConfig, TargetOverride
from netctl.collectors.daemon import SnmpCollector
from netctl.collectors.snmp.profile import load_profiles
from netctl.collectors.targets import build_targets
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import load_inventory
from netctl.secrets import Secrets
from netctl.testing.agent import AgentNetwork, AgentSpec, DeviceFacts, MibBuilder, V3Credentials
from netctl.testing.demonet import emulated, initial_config
from netctl.testing.emulator import Device


def thread_cpu(name: str) -> float:
    """CPU seconds of the named thread (Linux /proc)."""
    import os
    from pathlib import Path

    for t in threading.enumerate():
        if t.name == name and t.native_id is not None:
            stat = Path(f"/proc/self/task/{t.native_id}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def main(n: int = 200) -> None:
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp())
    write_inventory(root / "inv", max(22, n // 4), 2027, force=True)
    inv = load_inventory(root / "inv")
    entries = emulated(inv)[:n]
    repo = Path(__file__).resolve().parent.parent
    specs = []
    for e in entries:
        dev = Device(e.hostname, e.platform.value, initial_config=initial_config(
            inv, e, repo / "templates", ipv6=False, wlan=False))
        facts = DeviceFacts(e.hostname, e.platform.value, e.role.value, e.device.model or "",
                            interfaces=[(i.name, "") for i in e.device.interfaces])
        specs.append(AgentSpec(e.hostname, MibBuilder(dev, facts),
                               v3=V3Credentials("nms", "SHA", "Bench-Auth-1", "AES",
                                                "Bench-Priv-1")))
    env = {"NETCTL_CRED_B_USERNAME": "nms", "NETCTL_CRED_B_AUTH_PROTOCOL": "SHA",
           "NETCTL_CRED_B_AUTH_KEY": "Bench-Auth-1", "NETCTL_CRED_B_PRIV_PROTOCOL": "AES",
           "NETCTL_CRED_B_PRIV_KEY": "Bench-Priv-1"}
    with AgentNetwork(specs) as net:
        cfg = CollectorConfig()
        targets, _ = build_targets(
            entries, settings=cfg.snmp, secrets=Secrets(None, env=env), default_credential="b",
            overrides={e.hostname: TargetOverride(address=net.target_url(e.hostname))
                       for e in entries})
        profiles = load_profiles(repo / "collectors" / "snmp" / "profiles")
        rounds = 3
        cpu0, t0 = thread_cpu("netctl-snmp-agents"), time.perf_counter()
        polls = 0
        async def one_round() -> int:
            c = SnmpCollector(cfg, profiles, targets, aps={}, influx=None, state=None)
            try:
                return len((await c.run_once()).outcomes)
            finally:
                c.transport.close()

        for _ in range(rounds):
            polls += asyncio.run(one_round())
        cpu = thread_cpu("netctl-snmp-agents") - cpu0
        wall = time.perf_counter() - t0
    per_device_round = cpu / (rounds * len(entries))
    print(f"{len(entries)} emulated devices, {rounds} rounds, {polls} profile polls "
          f"(SNMPv3 authPriv) in {wall:.1f} s")
    print(f"agent CPU: {cpu * 1000 / polls:.2f} ms per profile poll, "
          f"{per_device_round * 1000:.1f} ms per device round (all profiles)")
    print(f"one core serves ~{int(60 / per_device_round):,} devices polled every 60 s "
          f"(~{int(300 / per_device_round):,} every 300 s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
