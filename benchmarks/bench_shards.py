"""Collector shards on one PostgreSQL: ``netctl collect snmp --once --shard i/N`` processes at once.

The scale-out model of docs/scale.md in large: a generated region (``--schools``), every polled
device answered by Debian's snmpd on loopback (one agent, many "devices"), a private PostgreSQL
server (``netctl.testing.pgserver``) as the one state store, and N shard processes started
together — as N machines would run ``netctl daemon --shard i/N``. For N in ``--shards`` (default
1 and 4) it prints the wall time, the CPU of the shard processes, devices polled per wall second
and per CPU second (what one core serves), and checks the property the model relies on: every
device polled exactly once, by exactly one shard.

    python benchmarks/bench_shards.py [--schools 100] [--shards 1 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_udp_port() -> int:
    """A loopback UDP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_snmpd(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Debian's snmpd, v2c ``public``, on a loopback port."""
    binary = shutil.which("snmpd")
    if binary is None:
        sys.exit("snmpd not found: apt-get install snmpd")
    (folder / "persist").mkdir(parents=True)
    conf = folder / "snmpd.conf"
    conf.write_text("rocommunity public 127.0.0.1\nsysName bench-agent\n"
                    "dontLogTCPWrappersConnects yes\n", encoding="utf-8")
    port = free_udp_port()
    proc = subprocess.Popen(
        [binary, "-f", "-Lo", "-C", "-c", str(conf), "-p", str(folder / "snmpd.pid"), "-m", "",
         f"udp:127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, SNMP_PERSISTENT_DIR=str(folder / "persist")))
    time.sleep(1.0)
    if proc.poll() is not None:
        sys.exit("snmpd did not start")
    return proc, port


def run_shards(home: Path, url: str, targets: Path, n: int
               ) -> tuple[float, float, list[set[str]]]:
    """Start N shard processes together; wall, their CPU seconds, the hostnames each polled."""
    env = dict(os.environ, NETCTL_HOME=str(home), NETCTL_STATE=url,
               NETCTL_SECRETS=str(home / "no-secrets.yaml"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(
        [sys.executable, "-m", "netctl", "collect", "snmp", "--once", "--shard", f"{i}/{n}",
         "--targets", str(targets), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
        for i in range(n)]
    outs = [p.communicate(timeout=1800)[0] for p in procs]
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    polled = [{o["hostname"] for o in json.loads(out)["outcomes"]} for out in outs]
    return wall, cpu, polled


def poll_counts(url: str) -> dict[str, int]:
    """``poll_ok`` rows per device in the store's history."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("select device, count(*) from observations "
                                     "where metric = 'poll_ok' group by device")).all()
    finally:
        engine.dispose()
    return {str(d): int(c) for d, c in rows}


def main() -> int:
    """Generate, run each shard count, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--shards", type=int, nargs="+", default=[1, 4])
    args = ap.parse_args()

    from netctl.inventory.generate import write_inventory
    from netctl.inventory.index import load_inventory
    from netctl.testing.pgserver import PgServer

    failed = 0
    with tempfile.TemporaryDirectory(prefix="bench_shards_") as tmp:
        home = Path(tmp) / "home"
        write_inventory(home / "inventory", args.schools)
        shutil.copytree(REPO / "collectors", home / "collectors")
        daemons = home / "collectors" / "daemons"
        daemons.mkdir(parents=True, exist_ok=True)
        (daemons / "snmp.toml").write_text(
            "[snmp]\ntimeout_s = 2.0\nretries = 1\ndeadline_s = 600\n"
            "[influx]\nenabled = false\n[state]\nflush_interval_s = 1.0\n", encoding="utf-8")
        inv = load_inventory(home / "inventory")
        declared = {h for h, e in inv.devices.items() if e.role.value != "ap"}
        agent, port = start_snmpd(Path(tmp) / "snmpd")
        targets = home / "targets.yaml"
        targets.write_text(f'"*": {{address: "udp://127.0.0.1:{port}", community: public}}\n',
                           encoding="utf-8")
        print(f"{args.schools} schools: {len(declared)} polled devices (APs are polled through "
              f"their controllers), one snmpd on loopback, one PostgreSQL")
        try:
            with PgServer.start(Path(tempfile.mkdtemp(prefix="netctl-pg-"))) as pg:
                for n in args.shards:
                    url = pg.new_database()
                    wall, cpu, polled = run_shards(home, url, targets, n)
                    counts = poll_counts(url)
                    gaps = declared - set(counts)
                    dups = {d: c for d, c in counts.items() if c != 1}
                    overlap = sum(len(p) for p in polled) - len(set().union(*polled))
                    ok = not gaps and not dups and not overlap
                    failed += not ok
                    print(f"{n} shard(s): wall {wall:6.1f} s, CPU {cpu:6.1f} s "
                          f"({1000 * cpu / max(1, len(counts)):.0f} ms a device), "
                          f"{len(counts) / wall:6.1f} devices/s, {len(counts) / cpu:6.1f} devices "
                          f"per CPU-second; exactly once: {'yes' if ok else 'NO'} "
                          f"(gaps {len(gaps)}, duplicates {len(dups)}, overlap {overlap})",
                          flush=True)
        finally:
            agent.terminate()
            agent.wait(10)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
