"""Discovery cost per device next to the interface poll's, on the sample network.

``python benchmarks/bench_discovery.py [--county 640104] [--rounds 3]``

The lab: every device of a county of the sample inventory (``inventory/``; APs aside) as an
snmpsim agent written by ``netctl.testing.discovery_lab`` (system group, an ENTITY chassis,
at least ``--ports`` interfaces with counters, LLDP neighbours from the declared links), on one
loopback port. In the same process and on the same agents, interleaved over ``--rounds``:

* discovery: what ``netctl discover`` does per device (``system``, then ``entity``, ``lldp``
  and ``interfaces`` at once) through the collector's poller;
* the interface poll: the collector's ``if_mib`` profile (11 columns, points, no sinks).

CPU is this process's user+system time (snmpsim's is its own) per device; wall is the whole
county's run with ``snmp.concurrency`` in flight (snmpsim, one Python process, is the bottleneck
of wall time, not netctl). Requests are SNMP requests per device.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netctl.collectors.config import CollectorConfig, SnmpSettings, load_target_overrides  # noqa: E402
from netctl.collectors.daemon import DeviceRuntime, SnmpCollector, ap_infos  # noqa: E402
from netctl.collectors.snmp.profile import load_profiles  # noqa: E402
from netctl.collectors.targets import build_targets  # noqa: E402
from netctl.discovery.poll import discover_devices  # noqa: E402
from netctl.discovery.profiles import load_discovery  # noqa: E402
from netctl.inventory.index import load_inventory  # noqa: E402
from netctl.secrets import Secrets  # noqa: E402
from netctl.testing import discovery_lab  # noqa: E402


def cpu() -> float:
    """User+system CPU seconds of this process (CLOCK_PROCESS_CPUTIME_ID: os.times() ticks
    at 10 ms, too coarse for a county's poll)."""
    return time.process_time()


def free_port() -> int:
    """A free UDP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_agent(port: int, community: str, timeout: float = 60) -> None:
    """Until snmpsim answers a GET of sysName."""
    from netctl.collectors.snmp import ber

    msg = ber.encode_v2c(community.encode(), ber.encode_pdu(
        ber.GET, 1, 0, 0, [ber.encode_oid("1.3.6.1.2.1.1.5.0")]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            s.sendto(msg, ("127.0.0.1", port))
            try:
                s.recvfrom(65535)
                return
            except TimeoutError:
                continue
    raise SystemExit("snmpsim did not come up")


async def main(args: argparse.Namespace) -> None:
    """Build the lab, run both pollers interleaved, print the figures."""
    binary = shutil.which("snmpsim-command-responder")
    if binary is None:
        raise SystemExit("snmpsim-command-responder not found: pip install snmpsim")
    inv = load_inventory(REPO / "inventory")
    agents = discovery_lab.build(inv, args.county, ports=args.ports)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="netctl-bench-disc-") as tmp:
        folder = Path(tmp)
        targets_file = discovery_lab.write(agents, folder, f"udp://127.0.0.1:{port}")
        env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
        proc = subprocess.Popen(
            [binary, f"--data-dir={folder / 'data'}", f"--cache-dir={folder / 'cache'}",
             f"--agent-udpv4-endpoint=127.0.0.1:{port}", "--logging-method=null"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            wait_for_agent(port, next(iter(sorted(agents))))
            overrides = load_target_overrides(targets_file)
            config = CollectorConfig(snmp=SnmpSettings(timeout_s=5, retries=1, deadline_s=60))
            targets, problems = build_targets(
                [e for e in inv.iter_devices() if e.hostname in overrides],
                settings=config.snmp, secrets=Secrets(None, env={}), default_credential=None,
                overrides=overrides)
            if problems:
                raise SystemExit(f"targets: {problems}")
            profiles = load_profiles(REPO / "collectors" / "snmp" / "profiles")
            disc, rules = load_discovery(REPO / "collectors" / "snmp")
            collector = SnmpCollector(config, profiles, targets, aps=ap_infos(inv))
            n = len(targets)
            results: dict[str, list[tuple[float, float, float]]] = {"discovery": [],
                                                                     "if_mib": []}

            async def discovery() -> float:
                polls = await discover_devices(collector, disc, rules)
                if not all(p.ok and not p.error for p in polls):
                    raise SystemExit(f"discovery failed: {[p.error for p in polls]}")
                return sum(p.requests for p in polls)

            async def if_mib() -> float:
                async def one(rt: DeviceRuntime) -> int:
                    async with collector.slots:
                        outcome, _p, _o, _r = await collector.poll(
                            rt, collector.profiles["if_mib"])
                    if not outcome.ok:
                        raise SystemExit(f"if_mib failed: {outcome.error}")
                    return outcome.requests
                return float(sum(await asyncio.gather(*(one(rt) for rt in
                                                       collector.runtimes.values()))))

            await discovery()  # warm-up: imports, compiled profiles, snmpsim's caches
            await if_mib()
            for _ in range(args.rounds):
                for name, job in (("discovery", discovery), ("if_mib", if_mib)):
                    c0, w0 = cpu(), time.monotonic()
                    requests = await job()
                    results[name].append((cpu() - c0, time.monotonic() - w0, requests))
            collector.transport.close()
        finally:
            proc.terminate()
            proc.wait(10)
    ports = statistics.median(len(a.ports) for a in agents.values() if a.entry is not None)
    print(f"county {args.county}: {n} devices (median {ports:.0f} interfaces), "
          f"{args.rounds} interleaved rounds, median [min]")
    print(f"{'poll':<34} {'CPU ms/device':>16} {'requests/device':>16} {'wall s (county)':>16}")
    for name, label in (("discovery", "discovery (system+entity+LLDP+ifs)"),
                        ("if_mib", "interface poll (if_mib)")):
        rows = results[name]
        cpu_ms = [c / n * 1000 for c, _w, _r in rows]
        print(f"{label:<34} {statistics.median(cpu_ms):>9.2f} [{min(cpu_ms):.2f}] "
              f"{rows[0][2] / n:>16.1f} {statistics.median(w for _c, w, _r in rows):>16.2f}")
    d = statistics.median(c for c, _w, _r in results["discovery"])
    i = statistics.median(c for c, _w, _r in results["if_mib"])
    print(f"discovery costs {d / i:.2f}x an interface poll per device; run daily, it adds "
          f"{d / i / 1440 * 100:.2f} % to a 1-minute if_mib schedule")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--county", default="640104")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--ports", type=int, default=28)
    asyncio.run(main(p.parse_args()))
