"""netctl's push against bare Nornir + netmiko sending the same lines, side by side in one run.

What the engineer waits for: the whole push of one feature to N emulated devices (render,
connect, read the running config, back up, diff, send, read back, verify, save, record), with
``--workers`` threads, against its peer — bare Nornir's threaded runner with one netmiko session
per device (netctl's own driver classes, so both get the same prompt-based mode checks) that
sends the same remediation lines with ``send_config_set``, reads the running config back and
saves. Both start from fresh emulated devices (``netctl.testing.emulator``, in a child process
of their own so they do not share the pusher's GIL), and each pusher runs in a fresh child
process, so its figures are its own:

- wall time of the push (imports and the inventory load are reported apart; the load goes
  through the parse cache, warm, as a CLI command's does: ``NETCTL_CACHE``);
- CPU seconds of the pusher process (user + system, every thread);
- CPU seconds of the emulated devices during the push (their child process: what real devices
  would spend themselves, on these two cores here);
- peak memory: ``VmHWM`` of the pusher process, and its ``VmHWM`` before the first SSH session
  (the peer imports only netmiko, Nornir and netctl's light modules — ``netctl.config.connect``,
  ``netctl.config.steps``, ``netctl.platforms`` —, not the push stack: a test checks it);
- per step (connect, read, backup, diff, send, verify, save, disconnect), summed over devices:
  device-seconds of wall time and the CPU of the device's thread (``DeviceOutcome.steps`` for
  netctl, the same clock around the peer's calls).

Devices are a seeded random sample of every non-AP device whose feature renders something (not
the first N in inventory order). Runs alternate netctl, peer, netctl, peer (``--reps``) and the
medians and ranges are printed with the ratios: machines are shared and noisy.

    python benchmarks/bench_push.py [--schools 100] [--devices 200] [--workers 50] [--reps 2]
                                    [--processes 2] [--emulators 2] [--command]

``--emulators N`` serves the devices from N processes (one process is bound to one core by its
GIL; past one core of pushing, it would set the pace instead of the pusher).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SECRETS = {  # as tests/integration/config/test_push.py (the baseline feature needs them)
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Adm1n-Pa55w0rd",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "AuthKey-12345",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "PrivKey-67890",
    "NETCTL_CRED_RADIUS_CAMPUS_PASSWORD": "Rad1us-Key-2",
    "NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY": "AuthRgos-1",
    "NETCTL_CRED_SNMPV3_RGOS_PRIV_KEY": "PrivRgos-1",
    # the emulated devices' login: `--command` resolves it from the inventory's `default` set
    "NETCTL_CRED_DEFAULT_USERNAME": "admin",
    "NETCTL_CRED_DEFAULT_PASSWORD": "admin",
}


def vm_hwm_mb() -> float:
    """Peak resident memory of this process so far (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (user + system, all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


# -- emulated devices, in a child process ----------------------------------------------------
def serve(specs: list[tuple[str, str, str | None]], conn: Connection) -> None:
    """Child process: run the emulated devices until the parent says stop."""
    from netctl.testing.emulator import EmulatedNetwork, HostSpec

    with EmulatedNetwork([HostSpec(n, p, variant=v) for n, p, v in specs],
                         start_timeout=300.0) as net:
        conn.send(dict(net.ports))
        started = cpu_s()
        conn.recv()  # any message: stop
        conn.send(cpu_s() - started)  # the devices' own CPU while they were pushed to


class Emulators:
    """Emulated devices in ``processes`` child processes (started fresh for each timed run).

    One Python process serving every device is bound to one core by its GIL (~50 ms of CPU a
    device pushed to): with a pusher past one core, it and not the pusher would set the pace,
    where real devices each do their own work. ``processes`` splits the devices among several.
    """

    def __init__(self, specs: list[tuple[str, str, str | None]], processes: int = 1) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._children: list[tuple[Connection, Any]] = []
        self.ports: dict[str, int] = {}
        for i in range(max(1, processes)):
            conn, child = ctx.Pipe()
            proc = ctx.Process(target=serve, args=(specs[i::max(1, processes)], child),
                               daemon=True)
            proc.start()
            self._children.append((conn, proc))
        for conn, _ in self._children:
            if not conn.poll(300):
                self.stop()
                msg = "emulated devices did not start within 300 s"
                raise TimeoutError(msg)
            self.ports.update(conn.recv())

    def stop(self) -> float:
        """Stop the devices and the child processes (bounded); the CPU seconds the devices
        used since they started (NaN when not known)."""
        total = 0.0
        for conn, proc in self._children:
            used = float("nan")
            if proc.is_alive():
                with contextlib.suppress(OSError, EOFError):
                    conn.send("stop")
                    if conn.poll(60):
                        used = float(conn.recv())
                proc.join(60)
            if proc.is_alive():
                proc.terminate()
                proc.join(10)
            total += used
        return total


# -- the two pushers, each in a fresh child process ------------------------------------------
def netctl_pusher(job: dict[str, Any], conn: Connection) -> None:
    """netctl's whole push workflow (``netctl.config.push.push``), committed."""
    t0 = time.perf_counter()
    from netctl.config.connect import Target
    from netctl.config.pool import push_in_processes
    from netctl.config.push import PushOptions
    from netctl.inventory.parsecache import use_cache
    from netctl.ipam.merge import load_inventory
    from netctl.secrets import Secrets

    use_cache(Path(job["cache"]))  # as the CLI does (NETCTL_CACHE), warmed by prepare()
    inv = load_inventory(Path(job["inventory"]))
    ready = time.perf_counter() - t0
    hwm_ready = vm_hwm_mb()
    opts = PushOptions(
        feature=job["feature"], templates_dir=REPO / "templates",
        backups_dir=Path(job["backups"]), commit=True, workers=job["workers"], timeout=60.0,
        targets={h: Target("127.0.0.1", p, "admin", "admin") for h, p in job["ports"].items()},
        user="bench", known_hosts=Path(job["backups"]) / "known_hosts")  # a first push: TOFU
    c0, w0 = cpu_s(), time.perf_counter()
    result = push_in_processes(inv, list(job["ports"]), opts, Secrets(None, env=dict(SECRETS)),
                               processes=job.get("processes", 1))
    steps: dict[str, list[float]] = {}
    for o in result.outcomes:
        for name, (wall, cpu) in o.steps.items():
            acc = steps.setdefault(name, [0.0, 0.0])
            acc[0] += wall
            acc[1] += cpu
    conn.send({"wall": time.perf_counter() - w0, "cpu": cpu_s() - c0, "ready": ready,
               "hwm_ready": hwm_ready, "hwm": vm_hwm_mb(), "steps": steps,
               "statuses": dict(Counter(o.status for o in result.outcomes)),
               "errors": [f"{o.hostname}: {o.error[:160]}" for o in result.failed][:5]})


def peer_pusher(job: dict[str, Any], conn: Connection) -> None:
    """Bare Nornir + netmiko: send the same lines, read back, save; nothing else."""
    t0 = time.perf_counter()
    from nornir.core import Nornir
    from nornir.core.inventory import Defaults, Groups, Host, Hosts
    from nornir.core.inventory import Inventory as NornirInventory
    from nornir.core.task import Result, Task
    from nornir.plugins.runners import ThreadedRunner

    from netctl.config.connect import SHOW_RUNNING, Target, connect, save, two_stage
    from netctl.config.steps import StepClock
    from netctl.platforms import Platform

    ready = time.perf_counter() - t0
    hwm_ready = vm_hwm_mb()
    lines: dict[str, list[str]] = job["lines"]
    platforms = {h: Platform(p) for h, p in job["platforms"].items()}

    clocks: list[StepClock] = []

    def task(t: Task) -> Result:
        h = t.host.name
        platform = platforms[h]
        family = job["families"][h]
        clock = StepClock()
        clocks.append(clock)
        conn_ = connect(platform, Target("127.0.0.1", job["ports"][h], "admin", "admin"),
                        timeout=60.0, family=family)
        try:
            if platform in (Platform.RUIJIE_OS, Platform.CISCO_IOS):
                conn_.enable()
            clock.mark("connect")
            commit = ["commit"] if two_stage(platform, family) else []  # VRP V8
            conn_.send_config_set([*lines[h], *commit], read_timeout=60)
            clock.mark("send")
            conn_.send_command(SHOW_RUNNING[platform], read_timeout=120)
            clock.mark("verify")
            save(conn_, platform)
            clock.mark("save")
        finally:
            conn_.disconnect()
            clock.mark("disconnect")
        return Result(host=t.host, result="changed")

    nr = Nornir(inventory=NornirInventory(
        hosts=Hosts({h: Host(name=h) for h in job["ports"]}), groups=Groups(),
        defaults=Defaults()), runner=ThreadedRunner(num_workers=job["workers"]))
    c0, w0 = cpu_s(), time.perf_counter()
    agg: Any = nr.run(task=task, on_failed=True)
    statuses = Counter("failed" if agg[h].failed else "changed" for h in job["ports"])
    errors = [f"{h}: {agg[h][0].exception!r}"[:200] for h in job["ports"] if agg[h].failed]
    steps: dict[str, list[float]] = {}
    for clock in clocks:
        for name, (wall, cpu) in clock.steps.items():
            acc = steps.setdefault(name, [0.0, 0.0])
            acc[0] += wall
            acc[1] += cpu
    conn.send({"wall": time.perf_counter() - w0, "cpu": cpu_s() - c0, "ready": ready,
               "hwm_ready": hwm_ready, "hwm": vm_hwm_mb(), "steps": steps,
               "statuses": dict(statuses),
               "errors": errors[:5]})


_HWM_AT_EXIT = """\
import atexit, os, runpy, sys
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            with open(os.environ["BENCH_HWM_FILE"], "w") as fh:
                fh.write(line.split()[1])
atexit.register(_hwm)
sys.argv = ["netctl", *sys.argv[1:]]
runpy.run_module("netctl", run_name="__main__", alter_sys=True)
"""


def command_pusher(job: dict[str, Any], conn: Connection) -> None:
    """``netctl config push --commit`` as an engineer runs it: the whole command in its own
    process (imports, inventory load through the parse cache, render, sessions, the record in
    a SQLite state store, the JSON report), its peak memory read by the command itself at exit."""
    import json
    import os
    import subprocess

    work = Path(job["backups"])
    work.mkdir(parents=True, exist_ok=True)
    targets = work / "targets.yaml"
    targets.write_text("".join(f"{h}: 127.0.0.1:{p}\n" for h, p in job["ports"].items()),
                       encoding="utf-8")
    hwm_file = work / "hwm"
    env = dict(os.environ, **SECRETS, NETCTL_INVENTORY=job["inventory"],
               NETCTL_TEMPLATES=str(REPO / "templates"), NETCTL_STATE=str(work / "state.db"),
               NETCTL_SECRETS=str(work / "none.yaml"), NETCTL_CACHE=job["cache"],
               NETCTL_USER="bench", BENCH_HWM_FILE=str(hwm_file))
    args = ["config", "push", "--feature", job["feature"], "--commit", "--targets", str(targets),
            "--workers", str(job["workers"]), "--timeout", "60", "--format", "json",
            *(a for h in job["ports"] for a in ("--host", h))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _HWM_AT_EXIT, *args], capture_output=True,
                          text=True, env=env, cwd=work, timeout=1800, check=False)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        devices = json.loads(proc.stdout)["devices"]
    except (ValueError, KeyError):
        devices = []
    steps: dict[str, list[float]] = {}
    for d in devices:
        for name, v in d["steps"].items():
            acc = steps.setdefault(name, [0.0, 0.0])
            acc[0] += v["wall_s"]
            acc[1] += v["cpu_s"]
    errors = [f"{d['hostname']}: {d['error'][:160]}" for d in devices if d["error"]][:5]
    if not devices:
        errors = [f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"]
    conn.send({"wall": wall, "cpu": cpu, "ready": 0.0, "hwm_ready": 0.0,
               "hwm": int(hwm_file.read_text()) / 1024 if hwm_file.exists() else 0.0,
               "steps": steps, "statuses": dict(Counter(d["status"] for d in devices)),
               "errors": errors})


def run_child(target: Any, job: dict[str, Any], timeout: float = 1800.0) -> dict[str, Any]:
    """Run one pusher in a fresh process; its figures."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(job, child))
    proc.start()
    try:
        if not parent.poll(timeout):
            msg = f"pusher did not finish within {timeout:g} s"
            raise TimeoutError(msg)
        figures: dict[str, Any] = parent.recv()
        return figures
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)


# -- preparation ----------------------------------------------------------------------------
def prepare(root: Path, schools: int, feature: str, count: int, seed: int
            ) -> tuple[list[str], dict[str, str], dict[str, str], Counter[str]]:
    """Generated, allocated inventory; a seeded sample of ``count`` devices with a change."""
    from netctl.config.render import policy_for, render_many
    from netctl.inventory.generate import write_inventory
    from netctl.inventory.parsecache import use_cache
    from netctl.ipam.merge import load_inventory
    from netctl.ipam.store import run_allocate
    from netctl.models.inventory import Role

    write_inventory(root, schools)
    shutil.copy(REPO / "inventory" / "address-plan.yaml", root / "address-plan.yaml")
    run_allocate(root, today=date.today())
    use_cache(root.parent / "cache")  # the pushers load through it warm, as CLI commands do
    inv = load_inventory(root)
    candidates = [d.hostname for d in inv.devices.values() if d.role is not Role.AP]
    left_out: Counter[str] = Counter()
    chosen: list[str] = []
    for r in render_many(inv, candidates, feature, templates_dir=REPO / "templates"):
        if r.text and r.text.strip():
            chosen.append(r.hostname)
        else:
            why = "refused" if r.error else "nothing"
            left_out[f"{r.platform.value} {inv.devices[r.hostname].role.value}: {why}"] += 1
    random.Random(seed).shuffle(chosen)
    hosts = chosen[:count]
    policy = policy_for(REPO / "templates")
    families = {h: policy.os_family(inv.devices[h].platform, inv.devices[h].device.model)
                for h in hosts}
    return hosts, {h: inv.devices[h].platform.value for h in hosts}, families, left_out


def remediations(root: Path, feature: str, specs: list[tuple[str, str, str | None]],
                 workers: int) -> dict[str, list[str]]:
    """netctl's remediation per device against fresh emulated devices (a dry run), secrets
    filled: the lines the peer sends."""
    from netctl.config.connect import Target
    from netctl.config.placeholders import SecretRef, fill
    from netctl.config.push import PushOptions, push
    from netctl.ipam.merge import load_inventory
    from netctl.secrets import Secrets

    inv = load_inventory(root / "inventory")
    secrets = Secrets(None, env=dict(SECRETS))
    emu = Emulators(specs)
    try:
        opts = PushOptions(feature=feature, templates_dir=REPO / "templates",
                           backups_dir=root / "dry", commit=False, workers=workers,
                           timeout=60.0, targets={h: Target("127.0.0.1", p, "admin", "admin")
                                                  for h, p in emu.ports.items()})
        result = push(inv, [h for h, _, _ in specs], opts, secrets)
    finally:
        emu.stop()

    def resolve(ref: SecretRef) -> str:
        return str(getattr(secrets.require(ref.credential), ref.field))

    return {o.hostname: [fill(line, resolve) for line in o.remediation.splitlines()]
            for o in result.outcomes}


def summary(label: str, runs: list[dict[str, Any]], n: int) -> str:
    """Medians and ranges of one pusher's runs."""
    def med(key: str) -> str:
        vals = [r[key] for r in runs]
        return f"{statistics.median(vals):7.2f} ({min(vals):.2f}–{max(vals):.2f})"
    statuses: Counter[str] = Counter()
    for r in runs:
        statuses.update(r["statuses"])
    return (f"{label:<9} wall s {med('wall')}  CPU s {med('cpu')}  "
            f"peak MB {med('hwm')}  MB before 1st session {med('hwm_ready')}  "
            f"start-up s {med('ready')}  devices' CPU s {med('device_cpu')}  "
            f"{n / statistics.median(r['wall'] for r in runs):6.1f}"
            f" devices/s  {dict(statuses)}")


STEPS = ("connect", "read", "backup", "diff", "send", "verify", "save", "disconnect", "other")


def breakdown(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Per step, summed over the devices (medians of the runs): device-seconds of wall time and
    CPU seconds of the device's thread; the rest of the pusher's CPU is the SSH transport
    threads (encryption), the runner and the start."""
    names = [n for n in runs if runs[n]]
    head = "step        " + "".join(f"{n + ' wall':>14}{n + ' CPU':>13}" for n in names)
    rows = [head]
    for step in STEPS:
        cells = []
        for n in names:
            vals = [r["steps"].get(step) for r in runs[n]]
            if any(v is None for v in vals):
                cells.append(f"{'—':>14}{'—':>13}")
                continue
            wall = statistics.median(v[0] for v in vals if v is not None)
            cpu = statistics.median(v[1] for v in vals if v is not None)
            cells.append(f"{wall:14.1f}{cpu:13.2f}")
        rows.append(f"{step:<12}" + "".join(cells))
    rest = []
    for n in names:
        left = statistics.median(r["cpu"] - sum(v[1] for v in r["steps"].values())
                                 for r in runs[n])
        rest.append(f"{'':>14}{left:13.2f}")
    rows.append(f"{'SSH threads':<12}" + "".join(rest))
    return ("per step, summed over devices (device-seconds of wall; CPU seconds of the "
            "device's thread; 'SSH threads': the rest of the process's CPU):\n"
            + "\n".join(rows))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--workers", type=int, default=50)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--processes", type=int, default=1,
                    help="also time netctl with the devices shared by this many processes")
    ap.add_argument("--emulators", type=int, default=1,
                    help="processes serving the emulated devices (one is bound to one core)")
    ap.add_argument("--command", action="store_true",
                    help="also time `netctl config push` as a whole command (its imports, "
                         "load, state store and report included)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--feature", default="ipv6", choices=["ipv6", "baseline", "wlan"])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_push_") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        hosts, platforms, families, left_out = prepare(
            root / "inventory", args.schools, args.feature, args.devices, args.seed)
        print(f"inventory: {args.schools} schools, allocated and rendered in "
              f"{time.perf_counter() - t0:.1f} s")
        print(f"feature {args.feature}: {len(hosts)} devices, a seeded sample "
              f"({dict(Counter(platforms.values()))}); never chosen: {dict(left_out) or 'none'}")
        if len(hosts) < args.devices:
            print(f"only {len(hosts)} devices have something to push: raise --schools")
            return 2
        specs = [(h, p, "vrp8" if families[h].startswith("vrp8") else None)
                 for h, p in platforms.items()]
        lines = remediations(root, args.feature, specs, args.workers)
        print(f"emulated devices: {args.emulators} process(es) serving them")
        print(f"remediation: {statistics.mean(len(v) for v in lines.values()):.0f} lines a "
              f"device on average (netctl's dry run; the peer sends exactly these)")
        pushers: list[tuple[str, Any, int]] = [("netctl", netctl_pusher, 1),
                                               ("peer", peer_pusher, 1)]
        if args.processes > 1:
            pushers.append((f"netctl×{args.processes}", netctl_pusher, args.processes))
        if args.command:
            pushers.append(("command", command_pusher, 1))
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in pushers}
        failed = 0
        for rep in range(args.reps):
            for name, target, processes in pushers:
                emu = Emulators(specs, args.emulators)
                try:
                    job = {"inventory": str(root / "inventory"), "cache": str(root / "cache"),
                           "feature": args.feature,
                           "backups": str(root / f"b-{name}-{rep}"), "workers": args.workers,
                           "ports": emu.ports, "lines": lines, "platforms": platforms,
                           "families": families,
                           "processes": processes}
                    figures = run_child(target, job)
                finally:
                    device_cpu = emu.stop()
                figures["device_cpu"] = device_cpu
                runs[name].append(figures)
                failed += sum(v for k, v in figures["statuses"].items()
                              if k in ("failed", "rolled_back"))
                for err in figures["errors"]:
                    print(f"  {name} FAILED {err}")
                print(f"  rep {rep + 1} {name:<6} wall {figures['wall']:.2f} s, CPU "
                      f"{figures['cpu']:.2f} s, peak {figures['hwm']:.0f} MB, the emulated "
                      f"devices' CPU {device_cpu:.2f} s", flush=True)
        n = len(hosts)
        print(f"\n{n} devices, workers={args.workers}, medians (ranges) of {args.reps} runs each:")
        for name, rows in runs.items():
            print(summary(name, rows, n))
        if args.processes > 1:
            print(f"(netctl×{args.processes}: peak memory is the parent's; each worker process "
                  "loads the inventory again)")
        if args.command:
            print("(command: `netctl config push --commit` in its own process; its wall and CPU "
                  "include the start-up, the state store and the JSON report)")
        print(breakdown(runs))
        for key, label in (("wall", "wall"), ("cpu", "CPU"), ("hwm", "peak memory")):
            ratio = (statistics.median(r[key] for r in runs["netctl"])
                     / statistics.median(r[key] for r in runs["peer"]))
            print(f"ratio netctl / bare Nornir, {label}: {ratio:.2f}x")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
