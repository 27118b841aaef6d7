"""Poller cost on a simulated fleet of 48-port switches: netctl against its peers, in one run.

Run as root (it builds network namespaces): ``python benchmarks/bench_snmp.py``.

The lab: a network namespace with 48 veth ports (their peers in a second namespace; some
administratively down, some without carrier, one with IPv4/IPv6 addresses and a little ping
traffic) and Debian's snmpd inside it, listening on ``--devices`` loopback addresses 127.0.1.x:
each address is one "device" (49 interfaces with lo). Every poller runs inside the same
namespace and asks the same 11 IF-MIB columns x 49 rows + sysUpTime (what ``if_mib`` polls):

* ``snmpbulkwalk`` (net-snmp, C): one process per column, as a shell script would;
* Prometheus ``snmp_exporter`` 0.21 (Debian), with a hand-written module (max_repetitions 50),
  scraped over HTTP; its own CPU is read from /proc (the scraper's is not counted);
* pysnmp 7 with ``bulk_walk_cmd`` per column (lookups off): the notes' baseline;
* netctl's pysnmp backend (several columns per ``bulk_cmd``);
* netctl's lean codec, SNMP only, then with conversion to points and line protocol (what the
  daemon does; the exporter's figure likewise includes building its metrics), in 1 and 2
  processes.

CPU is user+system time of the polling process(es) divided by the polls; devices/s is polls
over wall time with ``--concurrency`` polls in flight. Warm-up rounds (engine discovery, key
localisation, imports) are not counted, for any tool.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
COLUMNS = {  # the if_mib profile's columns
    "ifName": "1.3.6.1.2.1.31.1.1.1.1", "ifAlias": "1.3.6.1.2.1.31.1.1.1.18",
    "ifAdminStatus": "1.3.6.1.2.1.2.2.1.7", "ifOperStatus": "1.3.6.1.2.1.2.2.1.8",
    "ifHighSpeed": "1.3.6.1.2.1.31.1.1.1.15", "ifHCInOctets": "1.3.6.1.2.1.31.1.1.1.6",
    "ifHCOutOctets": "1.3.6.1.2.1.31.1.1.1.10", "ifInErrors": "1.3.6.1.2.1.2.2.1.14",
    "ifOutErrors": "1.3.6.1.2.1.2.2.1.20", "ifInDiscards": "1.3.6.1.2.1.2.2.1.13",
    "ifOutDiscards": "1.3.6.1.2.1.2.2.1.19",
}
SYSUPTIME = "1.3.6.1.2.1.1.3.0"
USER, AUTH, PRIV = "netctl", "authpass123", "privpass123"
PORTS = 48


def sh(*cmd: str, stdin: str | None = None) -> None:
    """Run a command, fail loudly."""
    subprocess.run(cmd, input=stdin, text=True, check=True, capture_output=True)


def proc_cpu(pid: int) -> float:
    """User+system CPU seconds of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def addresses(n: int) -> list[str]:
    """The devices: 127.0.1.1 ... 127.0.1.n."""
    return [f"127.0.1.{i}" for i in range(1, n + 1)]


# -- the lab ------------------------------------------------------------------------------------
class Lab:
    """Two namespaces joined by 48 veth pairs, snmpd in the first one."""

    def __init__(self, devices: int, folder: Path) -> None:
        self.devices = devices
        self.folder = folder
        self.ns = f"nxbench{os.getpid()}"
        self.peer = f"{self.ns}p"
        self.snmpd: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Lab:
        sh("ip", "netns", "add", self.ns)
        sh("ip", "netns", "add", self.peer)
        cmds = [f"link add p{i} netns {self.ns} type veth peer name q{i} netns {self.peer}"
                for i in range(1, PORTS + 1)]
        sh("ip", "-batch", "-", stdin="\n".join(cmds) + "\n")
        up = ["link set lo up"] + [f"link set p{i} up" for i in range(1, PORTS + 1)
                                   if i % 10]  # every 10th port: administratively down
        up += ["addr add 192.0.2.1/24 dev p1", "addr add 2001:db8:1::1/64 dev p1 nodad"]
        sh("ip", "-n", self.ns, "-batch", "-", stdin="\n".join(up) + "\n")
        peer = [f"link set q{i} up" for i in range(1, PORTS + 1) if i % 7]  # no carrier
        peer += ["addr add 192.0.2.2/24 dev q1"]
        sh("ip", "-n", self.peer, "-batch", "-", stdin="\n".join(peer) + "\n")
        subprocess.run(["ip", "netns", "exec", self.ns, "ping", "-c", "3", "-i", "0.2", "-q",
                        "192.0.2.2"], capture_output=True, check=False)
        conf = self.folder / "snmpd.conf"
        conf.write_text(
            "rocommunity public 127.0.0.0/8\n"
            f'createUser {USER} SHA "{AUTH}" AES "{PRIV}"\nrouser {USER} priv\n'
            "sysName bench-switch\n"
            + "".join(f"interface p{i} 6 1000000000\n" for i in range(1, PORTS + 1)),
            encoding="utf-8")
        (self.folder / "persist").mkdir(exist_ok=True)
        listen = ",".join(f"udp:{a}:161" for a in addresses(self.devices))
        self.snmpd = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "snmpd", "-f", "-Lo", "-C", "-c", str(conf),
             "-p", str(self.folder / "snmpd.pid"), "-m", "", listen],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=dict(os.environ, SNMP_PERSISTENT_DIR=str(self.folder / "persist")))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ok = subprocess.run(self.exec("snmpget", "-v2c", "-c", "public", "-t", "0.5",
                                          "127.0.1.1", SYSUPTIME), capture_output=True,
                                check=False)
            if ok.returncode == 0:
                return self
            time.sleep(0.2)
        msg = "snmpd did not start in the namespace"
        raise RuntimeError(msg)

    def exec(self, *cmd: str) -> list[str]:
        """A command line that runs inside the lab namespace."""
        return ["ip", "netns", "exec", self.ns, *cmd]

    def __exit__(self, *exc: object) -> None:
        if self.snmpd is not None:
            self.snmpd.terminate()
            self.snmpd.wait(10)
        subprocess.run(["ip", "netns", "del", self.ns], check=False)
        subprocess.run(["ip", "netns", "del", self.peer], check=False)


# -- workers (run inside the namespace) ---------------------------------------------------------
def cpu_self() -> float:
    """User+system CPU seconds of this process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def netctl_worker(opts: dict[str, Any]) -> dict[str, Any]:
    """Poll with netctl (lean codec or pysnmp backend) or with pysnmp's bulk_walk_cmd."""
    code = Path(opts.get("code") or REPO)  # another tree (``--code``): the same worker on it
    sys.path.insert(0, str(code))
    from netctl.collectors.points import lines
    from netctl.collectors.snmp import ber
    from netctl.collectors.snmp.client import Transport, V2cSession, V3Session, V3User
    from netctl.collectors.snmp.convert import CounterStore, DeviceTags, compile_profile, convert
    from netctl.collectors.snmp.profile import load_profiles
    from netctl.collectors.snmp.walk import fetch

    compiled = compile_profile(load_profiles(code / "collectors" / "snmp" / "profiles")["if_mib"])
    targets = opts["targets"]
    v3 = opts["version"] == "v3"
    user = V3User(USER, "SHA", AUTH, "AES", PRIV) if v3 else None
    mode = opts["mode"]
    transport = Transport()
    engines: dict[tuple[str, int], Any] = {}
    sessions: dict[str, Any] = {}
    pysnmp_engine: Any = None
    if mode in ("pysnmp-multi", "pysnmp-walk"):
        from netctl.collectors.snmp.pysnmp_backend import PysnmpEngine, PysnmpSession

        pysnmp_engine = PysnmpEngine()
    for host in targets:
        addr = (host, 161)
        if mode == "pysnmp-multi":
            sessions[host] = PysnmpSession(pysnmp_engine, addr, community=b"public", user=user,
                                           timeout=5, retries=1)
        elif mode.startswith("lean"):
            sessions[host] = (V3Session(transport, addr, user, engines, timeout=5) if user
                              else V2cSession(transport, addr, b"public", timeout=5))
    counters = {h: CounterStore() for h in targets}
    sem = asyncio.Semaphore(opts["concurrency"])
    values = 0
    errors = 0
    convert_cpu = 0.0
    # as in the daemon: the state sink's filter decides which observations get built
    from netctl.collectors.sinks.state import StateSink

    state = StateSink(store=None)  # type: ignore[arg-type]  # wants() never touches the store

    async def walk_per_column(host: str) -> int:
        from pysnmp.hlapi.v3arch.asyncio import (  # type: ignore[import-untyped]
            CommunityData,
            ContextData,
            ObjectIdentity,
            ObjectType,
            UdpTransportTarget,
            UsmUserData,
            bulk_walk_cmd,
            get_cmd,
        )
        from pysnmp.hlapi.v3arch.asyncio import auth as pauth

        target = await UdpTransportTarget.create((host, 161), timeout=5, retries=1)
        cred = (UsmUserData(USER, AUTH, PRIV, authProtocol=pauth.USM_AUTH_HMAC96_SHA,
                            privProtocol=pauth.USM_PRIV_CFB128_AES) if v3
                else CommunityData("public"))
        n = 0
        await get_cmd(pysnmp_engine.engine, cred, target, ContextData(),
                      ObjectType(ObjectIdentity(SYSUPTIME)), lookupMib=False)
        for oid in COLUMNS.values():
            async for err, _s, _i, vbs in bulk_walk_cmd(
                    pysnmp_engine.engine, cred, target, ContextData(), 0, 25,
                    ObjectType(ObjectIdentity(oid)), lookupMib=False, lexicographicMode=False):
                if err:
                    raise RuntimeError(str(err))
                n += len(vbs)
        return n

    async def one(host: str) -> None:
        nonlocal values, errors, convert_cpu
        async with sem:
            try:
                if mode == "pysnmp-walk":
                    walked = await walk_per_column(host)  # (not `values += await ...`: the
                    values += walked                      # read would happen before the await)
                    return
                async with asyncio.timeout(30):  # as the daemon's poll (snmp.deadline_s)
                    r = await fetch(sessions[host], compiled.scalar_oids, compiled.column_oids,
                                    max_repetitions=25, max_varbinds=100)
                values += sum(len(c) for c in r.columns) + len(r.scalars)
                if mode in {"lean+points", "pysnmp-multi"}:
                    c0 = time.process_time()
                    now = time.monotonic()
                    out = convert(compiled, r, DeviceTags(device=host, role="access"),
                                  time_ms=int(time.time() * 1000), counters=counters[host],
                                  now_s=now, state_wanted=state.wanted_at(now))
                    state.queue(out.observations)
                    lines(out.points)
                    convert_cpu += time.process_time() - c0
            except Exception:
                errors += 1

    async def round_() -> None:
        await asyncio.gather(*(one(h) for h in targets))

    await round_()  # warm-up: discovery, keys, first counters
    values, errors, convert_cpu = 0, 0, 0.0
    cpu0, wall0 = cpu_self(), time.perf_counter()
    for _ in range(opts["rounds"]):
        await round_()
    wall, cpu = time.perf_counter() - wall0, cpu_self() - cpu0
    polls = len(targets) * opts["rounds"]
    transport.close()
    del ber
    return {"polls": polls, "ok": polls - errors, "cpu_s": cpu, "wall_s": wall,
            "values": values / max(1, polls - errors), "convert_s": convert_cpu}


def scrape_worker(opts: dict[str, Any]) -> dict[str, Any]:
    """Scrape snmp_exporter for every target, ``concurrency`` at a time."""
    url = f"http://127.0.0.1:{opts['port']}/snmp?module={opts['module']}&target="

    def get(host: str) -> int:
        with urllib.request.urlopen(url + f"{host}:161", timeout=30) as resp:  # noqa: S310
            body = resp.read().decode()
        return sum(1 for ln in body.splitlines() if ln and not ln.startswith("#"))

    polls, ok, values = 0, 0, 0
    wall0 = time.perf_counter()
    with ThreadPoolExecutor(opts["concurrency"]) as pool:
        for _ in range(opts["rounds"]):
            for n in pool.map(get, opts["targets"]):
                polls += 1
                ok += n > 0
                values += n
    return {"polls": polls, "ok": ok, "wall_s": time.perf_counter() - wall0,
            "values": values / max(1, ok)}


def bulkwalk_worker(opts: dict[str, Any]) -> dict[str, Any]:
    """net-snmp command-line tools: one snmpbulkwalk per column (and a snmpget)."""
    auth = (["-v3", "-l", "authPriv", "-u", USER, "-a", "SHA", "-A", AUTH, "-x", "AES", "-X",
             PRIV] if opts["version"] == "v3" else ["-v2c", "-c", "public"])

    def poll(host: str) -> int:
        n = 0
        out = subprocess.run(["snmpget", *auth, "-On", "-Oq", host, SYSUPTIME],
                             capture_output=True, text=True, check=False)
        n += len(out.stdout.splitlines())
        for oid in COLUMNS.values():
            out = subprocess.run(["snmpbulkwalk", *auth, "-Cr50", "-On", "-Oq", host, oid],
                                 capture_output=True, text=True, check=False)
            n += len(out.stdout.splitlines())
        return n

    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    with ThreadPoolExecutor(opts["concurrency"]) as pool:
        counts = list(pool.map(poll, opts["targets"]))
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    return {"polls": len(counts), "ok": sum(c > 0 for c in counts), "cpu_s": cpu,
            "wall_s": time.perf_counter() - wall0, "values": sum(counts) / max(1, len(counts))}


def worker_main(spec: str) -> None:
    """Entry point inside the namespace."""
    opts = json.loads(spec)
    if opts["kind"] == "netctl":
        out = asyncio.run(netctl_worker(opts))
    elif opts["kind"] == "scrape":
        out = scrape_worker(opts)
    else:
        out = bulkwalk_worker(opts)
    sys.stdout.write(json.dumps(out) + "\n")


# -- orchestration ------------------------------------------------------------------------------
def run_in(lab: Lab, opts: dict[str, Any]) -> subprocess.Popen[str]:
    """Start a worker inside the namespace."""
    return subprocess.Popen(lab.exec(sys.executable, __file__, "--worker", json.dumps(opts)),
                            stdout=subprocess.PIPE, text=True, cwd=REPO)


def collect(procs: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    """Wait for workers and parse their JSON line."""
    out = []
    for p in procs:
        stdout, _ = p.communicate(timeout=900)
        if p.returncode:
            msg = f"worker failed ({p.returncode})"
            raise RuntimeError(msg)
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def exporter_module(version: str) -> dict[str, Any]:
    """The hand-written snmp_exporter 0.21 module (every walked column has a metric)."""
    index = [{"labelname": "ifIndex", "type": "gauge"}]
    types = {"ifName": "DisplayString", "ifAlias": "DisplayString", "ifHCInOctets": "counter",
             "ifHCOutOctets": "counter", "ifInErrors": "counter", "ifOutErrors": "counter",
             "ifInDiscards": "counter", "ifOutDiscards": "counter"}
    module: dict[str, Any] = {
        "walk": list(COLUMNS.values()),
        "get": [SYSUPTIME],
        "metrics": [{"name": "sysUpTime", "oid": SYSUPTIME[:-2], "type": "gauge"}] + [
            {"name": name, "oid": oid, "type": types.get(name, "gauge"), "indexes": index}
            for name, oid in COLUMNS.items()],
        "max_repetitions": 50, "retries": 1, "timeout": "10s",
    }
    if version == "v3":
        module |= {"version": 3, "auth": {"username": USER, "security_level": "authPriv",
                                          "password": AUTH, "auth_protocol": "SHA",
                                          "priv_protocol": "AES", "priv_password": PRIV}}
    else:
        module |= {"version": 2, "auth": {"community": "public"}}
    return module


def measure_agent(lab: Lab) -> float:
    """snmpd's CPU seconds so far."""
    if lab.snmpd is None:
        return 0.0
    return proc_cpu(lab.snmpd.pid)


def bench(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every tool, every version; one row each."""
    import yaml

    rows: list[dict[str, Any]] = []
    codes = [(c.split("=", 1)[0], str(Path(c.split("=", 1)[1]).resolve())) for c in args.code]
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-snmp-")))
        lab = stack.enter_context(Lab(args.devices, folder))
        targets = addresses(args.devices)

        def row(tool: str, version: str, res: dict[str, Any], agent_cpu: float,
                cpu: float | None = None) -> None:
            cpu_s = res["cpu_s"] if cpu is None else cpu
            rows.append({"tool": tool, "version": version, "polls": res["polls"],
                         "ok": res["ok"], "values": round(res["values"], 1),
                         "convert_ms": 1000 * res.get("convert_s", 0.0) / max(1, res["polls"]),
                         "cpu_ms": 1000 * cpu_s / max(1, res["polls"]),
                         "per_s": res["polls"] / res["wall_s"],
                         "agent_ms": 1000 * agent_cpu / max(1, res["polls"])})
            r = rows[-1]
            print(f"  {tool:<44} {version:<4} {r['cpu_ms']:8.2f} ms/poll "
                  f"{r['per_s']:8.1f} dev/s  ({r['ok']}/{r['polls']} ok, {r['values']} values)",
                  flush=True)

        exporter_port = 19116
        cfg = folder / "snmp.yml"
        cfg.write_text(yaml.safe_dump({f"bench_{v}": exporter_module(v) for v in ("v2c", "v3")}))
        exporter = subprocess.Popen(lab.exec(
            "prometheus-snmp-exporter", f"--config.file={cfg}",
            f"--web.listen-address=127.0.0.1:{exporter_port}", "--log.level=error"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        def stop_exporter() -> None:
            exporter.terminate()
            exporter.wait(10)

        stack.callback(stop_exporter)
        time.sleep(1.0)
        for rep, version in [(r, v) for r in range(args.repeat) for v in args.versions]:
            print(f"{version} (run {rep + 1}/{args.repeat}): {args.devices} devices x "
                  f"{len(COLUMNS)} columns x 49 rows", flush=True)
            base = {"targets": targets, "version": version, "concurrency": args.concurrency}
            if rep == 0 and not args.quick:  # net-snmp command line: slow, once
                few = {**base, "targets": targets[:args.bulkwalk_devices], "concurrency": 4}
                a0 = measure_agent(lab)
                res = collect([run_in(lab, {**few, "kind": "bulkwalk"})])[0]
                row("snmpbulkwalk x11 + snmpget (net-snmp, C)", version, res,
                    measure_agent(lab) - a0)
            # snmp_exporter: warm-up, then measured scrapes; its own CPU from /proc
            scrape = {**base, "kind": "scrape", "port": exporter_port,
                      "module": f"bench_{version}"}
            collect([run_in(lab, {**scrape, "rounds": 1})])
            c0, a0 = proc_cpu(exporter.pid), measure_agent(lab)
            res = collect([run_in(lab, {**scrape, "rounds": args.rounds})])[0]
            row("snmp_exporter 0.21 (Go)", version, res, measure_agent(lab) - a0,
                cpu=proc_cpu(exporter.pid) - c0)
            # pysnmp and netctl
            for mode, label, rounds in (
                    ("pysnmp-walk", "pysnmp 7 bulk_walk_cmd per column", args.pysnmp_rounds),
                    ("pysnmp-multi", "netctl pysnmp backend (multi-column) + points",
                     args.pysnmp_rounds),
                    ("lean", "netctl lean codec, SNMP only", args.rounds),
                    ("lean+points", "netctl lean + points + line protocol", args.rounds)):
                if (rep or args.quick) and mode.startswith("pysnmp"):
                    continue  # slow, once is enough
                # this code, and each --code tree, in turns (the order alternates by run)
                trees = [("", None), *[(f" [{name}]", path) for name, path in codes]]
                if mode != "lean+points":
                    trees = trees[:1]
                for suffix, path in (trees if rep % 2 == 0 else trees[::-1]):
                    a0 = measure_agent(lab)
                    res = collect([run_in(lab, {**base, "kind": "netctl", "mode": mode,
                                                "rounds": rounds, "code": path})])[0]
                    row(label + suffix, version, res, measure_agent(lab) - a0)
            for workers in args.workers:
                if workers < 2:
                    continue
                shares = [targets[i::workers] for i in range(workers)]
                a0 = measure_agent(lab)
                wall0 = time.perf_counter()
                parts = collect([run_in(lab, {**base, "targets": s, "kind": "netctl",
                                              "mode": "lean+points", "rounds": args.rounds,
                                              "concurrency": max(1, args.concurrency // workers)})
                                 for s in shares])
                wall = time.perf_counter() - wall0
                merged = {"polls": sum(p["polls"] for p in parts),
                          "ok": sum(p["ok"] for p in parts),
                          "cpu_s": sum(p["cpu_s"] for p in parts),
                          # the processes run side by side: throughput over the slowest one
                          "wall_s": max(p["wall_s"] for p in parts),
                          "values": sum(p["values"] for p in parts) / len(parts)}
                del wall
                row(f"netctl lean + points, {workers} processes", version, merged,
                    measure_agent(lab) - a0)
    return rows


def aggregate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (tool, version): median CPU and rate over the repeats, and the minimum."""
    import statistics

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["tool"], r["version"]), []).append(r)
    out = []
    for (tool, version), rs in groups.items():
        out.append({"tool": tool, "version": version, "runs": len(rs),
                    "polls": sum(r["polls"] for r in rs), "ok": sum(r["ok"] for r in rs),
                    "values": rs[0]["values"],
                    "cpu_ms": statistics.median(r["cpu_ms"] for r in rs),
                    "cpu_min": min(r["cpu_ms"] for r in rs),
                    "per_s": statistics.median(r["per_s"] for r in rs),
                    "convert_ms": statistics.median(r["convert_ms"] for r in rs),
                    "agent_ms": statistics.median(r["agent_ms"] for r in rs)})
    return out


def report(rows: list[dict[str, Any]], region_devices: int, interval_s: float) -> None:
    """The table, the ratios and the whole-region estimate."""
    rows = aggregate(rows)
    print()
    print(f"{'tool':<46}{'ver':<5}{'runs':>5}{'polls':>6}{'ok':>6}{'values':>8}"
          f"{'CPU ms/poll':>13}{'(min)':>8}{'dev/s':>9}{'snmpd ms':>10}")
    for r in rows:
        print(f"{r['tool']:<46}{r['version']:<5}{r['runs']:>5}{r['polls']:>6}{r['ok']:>6}"
              f"{r['values']:>8}{r['cpu_ms']:>13.2f}{r['cpu_min']:>8.2f}{r['per_s']:>9.1f}"
              f"{r['agent_ms']:>10.2f}")
    print("(CPU: median over the runs, and the minimum; dev/s: median)")
    for r in rows:
        if r["convert_ms"]:
            print(f"  of which conversion (points, rates, state filter, line protocol) in "
                  f"{r['tool']} {r['version']}: {r['convert_ms']:.2f} ms/poll")
    print()
    rate = region_devices / interval_s
    for version in sorted({r["version"] for r in rows}):
        by = {r["tool"]: r for r in rows if r["version"] == version}
        exporter = by.get("snmp_exporter 0.21 (Go)")
        netctl = by.get("netctl lean + points + line protocol")
        for tool, other in by.items():  # the --code trees, same runs
            if exporter and tool.startswith("netctl lean + points + line protocol ["):
                print(f"{version}: {tool[tool.index('['):]} {other['cpu_ms']:.2f} ms (min "
                      f"{other['cpu_min']:.2f}), ratio to snmp_exporter "
                      f"{other['cpu_ms'] / exporter['cpu_ms']:.2f}")
        if exporter and netctl:
            print(f"{version}: netctl {netctl['cpu_ms']:.2f} ms (min {netctl['cpu_min']:.2f}) vs "
                  f"snmp_exporter {exporter['cpu_ms']:.2f} ms (min {exporter['cpu_min']:.2f}) "
                  f"per poll: ratio netctl/exporter = {netctl['cpu_ms'] / exporter['cpu_ms']:.2f}"
                  f" (of minima {netctl['cpu_min'] / exporter['cpu_min']:.2f})")
            cores = rate * netctl["cpu_ms"] / 1000
            print(f"{version}: {region_devices} devices every {interval_s:g} s = {rate:.0f} "
                  f"polls/s -> {cores:.2f} core(s) of netctl poller CPU for if_mib "
                  f"(snmp_exporter: {rate * exporter['cpu_ms'] / 1000:.2f})")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--pysnmp-rounds", type=int, default=1)
    parser.add_argument("--bulkwalk-devices", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="*", default=[2])
    parser.add_argument("--versions", nargs="*", default=["v2c", "v3"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved runs of the exporter and netctl (median reported)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--code", action="append", default=[], metavar="NAME=DIR",
                        help="another netctl tree (e.g. `git archive main | tar -x -C DIR`): "
                        "its lean + points row runs in turns with this code's, same lab")
    parser.add_argument("--quick", action="store_true",
                        help="leave out the slow peers (net-snmp tools, pysnmp)")
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker)
        return
    for tool in ("ip", "snmpd", "snmpbulkwalk", "prometheus-snmp-exporter"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install iproute2 snmpd snmp "
                     "prometheus-snmp-exporter")
    if os.geteuid() != 0:
        sys.exit("run as root: the lab is a pair of network namespaces")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    rows = bench(args)
    report(rows, 20_000, 300)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
