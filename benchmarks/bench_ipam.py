"""Whole-region IPAM: allocate ~3,000 schools × 8 prefixes (IPv6 and IPv4), every device's
addresses and every link, write the records, generate the zones.

Generates a Ningxia-shaped region (``write_inventory``, default 3,000 schools) with the
repository's address plan, then times, from nothing allocated:

**The commands, as the user runs them** (each in a fresh process: interpreter start, imports,
loading and validating the inventory, the work, the output; CPU from the child's own rusage,
peak memory as the child's ``VmHWM``, read by a two-line wrapper when the command exits:
``ru_maxrss`` of a child carries its parent's high-water mark on Linux):

- ``netctl ipam allocate`` on an empty ``ipam/`` folder, then again (nothing to do);
- ``netctl dns zone`` (forward and reverse zones, BIND files);
- ``allocate + dns zone``: the first allocation and the zones, the figure issue 17 asks to keep
  under 2 s.

The commands use netctl's parse cache (one per checkout, under ``<home>/.netctl/``) as an
engineer's would: the first command of a run finds it empty (``cold``, reported on its own),
the measured ones find it filled. Every checkout is byte-compiled first (``compileall``), as
an installed netctl is. ``--code DIR`` (repeatable) runs the commands from other checkouts of
netctl too, interleaved with this one in the same run (``git worktree add /tmp/before
<commit>``): the before/after figures of docs/ipam.md come from one such run.

**The phases inside** (fresh processes pinned to one core, ``taskset -c 0`` when available):

- ``allocate``: the pure allocation (:func:`netctl.ipam.allocate.allocate`);
- ``write``: rendering and writing the 23 record files;
- ``zones``: building the forward and reverse zones and writing the BIND files;
- ``target``: allocate + write + zones without imports and load;
- ``reallocate``: a second ``allocate`` over the records (nothing changes);
- ``load`` / ``load_ipam``: ``load_inventory`` without and with the IPAM merge (devices get
  their addresses), to show what IPAM adds to every netctl command.

Prints the median of ``--runs`` runs. The machine is shared and noisy: compare within one run.

    python benchmarks/bench_ipam.py [--schools 3000] [--runs 3] [--code /tmp/before]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import gc, json, shutil, sys, time
from datetime import date
from pathlib import Path
from netctl.ipam.merge import load_inventory
from netctl.ipam.allocate import allocate
from netctl.ipam.records import Allocations
from netctl.ipam.store import plan_of, write_allocations
from netctl.dns.zone import write_zones

mode, root, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
today = date(2026, 11, 28)
t = {}
def phase(name, fn):
    s, c = time.perf_counter(), time.process_time()
    value = fn()
    t[name] = time.perf_counter() - s
    t[name + "_cpu"] = time.process_time() - c
    return value
if mode == "allocate":  # what 'netctl ipam allocate' does, from nothing
    shutil.rmtree(root / "ipam", ignore_errors=True)
    inv = load_inventory(root, apply_ipam=False)
    report = phase("allocate", lambda: allocate(inv, plan_of(inv), Allocations(), today=today))
    changed, _ = phase("write", lambda: write_allocations(inv, report.allocations))
    t["prefixes"] = report.added["role prefixes"]
    t["addresses"] = report.added["addresses"]
    t["links"] = report.added["links"]
    t["files"] = len(changed)
    t["schools"], t["devices"] = len(inv.schools), len(inv.devices)
elif mode == "zones":  # what 'netctl dns zone' does once the inventory is loaded
    shutil.rmtree(out, ignore_errors=True)
    inv = load_inventory(root)
    zones = phase("zones", lambda: write_zones(inv, out, today=today))
    t["records"] = sum(z.records for z in zones)
elif mode == "reallocate":  # 'netctl ipam allocate' again: parse the records, change nothing
    inv = load_inventory(root, apply_ipam=False)
    def again():
        return allocate(inv, plan_of(inv), inv.ipam.allocations(), today=today)
    report = phase("reallocate", again)
    assert sum(report.added.values()) == 0
elif mode == "load":
    phase("load", lambda: load_inventory(root, apply_ipam=False))
elif mode == "load_ipam":
    import netctl.inventory.index as index
    import netctl.ipam.merge as merge
    def timed(inv, apply=True):
        c = time.process_time()
        found = merge.attach_ipam(inv, apply=apply)
        t["merge_cpu"] = time.process_time() - c
        return found
    index.register_attachment(index.IPAM_ATTACHMENT, timed)
    phase("load_ipam", lambda: load_inventory(root))
t["rss_mb"] = next(int(l.split()[1]) for l in open("/proc/self/status")
                   if l.startswith("VmHWM:")) / 1024  # ru_maxrss carries the parent's
print(json.dumps(t))
"""

MODES = ("allocate", "zones", "reallocate", "load", "load_ipam")


def run_child(mode: str, root: Path, out: Path) -> dict[str, float]:
    """One measured step in a fresh process, on one core when taskset exists."""
    cmd = [sys.executable, "-c", CHILD, mode, str(root), str(out)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600,
                          cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


COMMANDS = (("cmd_allocate", ["ipam", "allocate"], True),
            ("cmd_reallocate", ["ipam", "allocate"], False),
            ("cmd_zone", ["dns", "zone"], False))

# `python -m netctl ARGS`, writing the process's VmHWM to a file when it exits (netctl's exit
# handlers run, also on its fast exit): the same wrapper as bench_inventory's
from bench_inventory import (  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
    WRAPPER,  # a sibling script, found beside this one
    compile_code,
)


def cache_of(root: Path, code: Path) -> Path:
    """The parse cache of the commands run from ``code`` (beside the inventory)."""
    import hashlib

    key = hashlib.blake2b(str(code).encode(), digest_size=4).hexdigest()
    return root.parent / ".netctl" / f"cache-{code.name}-{key}"


def run_command(args: list[str], root: Path, out: Path, code: Path = REPO,
                env_extra: dict[str, str] | None = None) -> tuple[float, float, float]:
    """One netctl command in a fresh process: (CPU seconds, wall seconds, VmHWM MB)."""
    hwm_file = out.parent / "hwm.txt"
    cmd = [sys.executable, "-c", WRAPPER, str(hwm_file), "--home", str(root.parent),
           "--inventory", str(root), *args]
    if args[0] in ("ipam", "dns"):
        cmd += ["--today", "2026-11-28"]
    if args[0] == "dns":
        cmd += ["--out", str(out)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    # each checkout its own parse cache: two versions of its format would evict each other
    env = dict(os.environ, PYTHONPATH=str(code), NETCTL_CACHE=str(cache_of(root, code)),
               **(env_extra or {}))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=code)  # `-m`-style runs import netctl from the current folder
    assert proc.stderr is not None  # noqa: S101 - PIPE
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        msg = f"{' '.join(cmd)} exited {proc.returncode}: {err.decode(errors='replace')[-500:]}"
        raise RuntimeError(msg)
    hwm = int(hwm_file.read_text() or 0) / 1024
    return usage.ru_utime + usage.ru_stime, wall, hwm


def commands_run(root: Path, out: Path, code: Path = REPO) -> dict[str, float]:
    """The commands the user types, each in a fresh process, from nothing allocated."""
    merged: dict[str, float] = {}
    for key, args, fresh in COMMANDS:
        if fresh:
            shutil.rmtree(root / "ipam", ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
        cpu, wall, hwm = run_command(args, root, out, code)
        merged[key + "_cpu"], merged[key], merged[key + "_hwm"] = cpu, wall, hwm
    for k in ("", "_cpu"):
        merged["cmd_both" + k] = merged["cmd_allocate" + k] + merged["cmd_zone" + k]
    merged["cmd_both_hwm"] = max(merged["cmd_allocate_hwm"], merged["cmd_zone_hwm"])
    return merged


def one_run(root: Path, out: Path) -> dict[str, float]:
    """Every step once, each in its own process (as the commands run)."""
    merged: dict[str, float] = {}
    for mode in MODES:
        result = run_child(mode, root, out)
        result["rss_mb_" + mode] = result.pop("rss_mb")
        merged.update(result)
    for k in ("", "_cpu"):
        merged["target" + k] = merged["allocate" + k] + merged["write" + k] + merged["zones" + k]
    return merged


def main() -> None:
    """Generate, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="another checkout of netctl to run the commands from, interleaved")
    parser.add_argument("--no-phases", action="store_true", help="the commands only")
    args = parser.parse_args()
    from netctl.inventory.generate import write_inventory

    codes = [REPO, *[c.resolve() for c in args.code]]
    for code in codes:  # from bytecode, as an installed netctl runs (see compile_code)
        compile_code(code)
    with tempfile.TemporaryDirectory(prefix="bench-ipam-") as tmp:
        root = Path(tmp) / "inventory"
        started = time.perf_counter()
        write_inventory(root, args.schools, 2027)
        shutil.copy(REPO / "inventory" / "address-plan.yaml", root / "address-plan.yaml")
        print(f"generated {args.schools} schools in {time.perf_counter() - started:.1f} s")
        cold = {}
        for code in codes:  # the first command of each checkout fills its parse cache
            shutil.rmtree(cache_of(root, code), ignore_errors=True)
            cold[code] = run_command(["inventory", "validate"], root, Path(tmp) / "dns", code)
        by_code: dict[Path, list[dict[str, float]]] = {c: [] for c in codes}
        runs = []
        for _ in range(max(1, args.runs)):
            for code in codes:  # interleaved: the machine's load falls on each alike
                by_code[code].append(commands_run(root, Path(tmp) / "dns", code))
            if not args.no_phases:
                runs.append(one_run(root, Path(tmp) / "dns"))
    print(f"median of {args.runs} run(s), one core: CPU seconds, wall seconds (the wall time "
          "counts the time other processes held the core), peak memory (VmHWM)")
    for code in codes:
        rows = by_code[code]
        print(f" commands, each in a fresh process (imports + load + work + output), code: {code}")
        c_cpu, c_wall, c_hwm = cold[code]
        print(f"  {'netctl inventory validate (cold cache)':40s} {c_cpu:6.2f} s CPU "
              f"{c_wall:6.2f} s wall {c_hwm:5.0f} MB")
        for key, label in (("cmd_allocate", "netctl ipam allocate (from nothing)"),
                           ("cmd_reallocate", "netctl ipam allocate (again)"),
                           ("cmd_zone", "netctl dns zone"),
                           ("cmd_both", "GOAL allocate + dns zone")):
            cpu = [r[key + "_cpu"] for r in rows]
            wall = statistics.median(r[key] for r in rows)
            hwm = statistics.median(r[key + "_hwm"] for r in rows)
            print(f"  {label:40s} {statistics.median(cpu):6.2f} s CPU "
                  f"({min(cpu):.2f}-{max(cpu):.2f}) {wall:6.2f} s wall {hwm:5.0f} MB")
        both = statistics.median(r["cmd_both_cpu"] for r in rows)
        print(f"  allocate + dns zone: {both:.2f} s CPU, goal < 2 s: "
              f"{'met' if both < 2 else 'NOT met'}")
    if not runs:
        return
    first = runs[0]
    print(f"region: {first['schools']:.0f} schools, {first['devices']:.0f} devices; allocated "
          f"{first['prefixes']:.0f} role prefixes, {first['addresses']:.0f} addresses, "
          f"{first['links']:.0f} link prefixes; {first['files']:.0f} record files; "
          f"{first['records']:.0f} DNS records")
    print(" phases inside (this checkout; no imports, load timed on its own, no parse cache):")
    for key, label in (("allocate", "allocate (pure)"), ("write", "write record files"),
                       ("zones", "build + write zones"), ("target", "TARGET allocate+write+zones"),
                       ("reallocate", "re-allocate (parse + no change)"),
                       ("load", "load_inventory without IPAM"),
                       ("load_ipam", "load_inventory with IPAM merge")):
        phase_cpu = statistics.median(r[key + "_cpu"] for r in runs)
        phase_wall = statistics.median(r[key] for r in runs)
        print(f"  {label:32s} {phase_cpu:6.2f} s CPU ({phase_wall:6.2f} s wall)")
    load = statistics.median(r["load_cpu"] for r in runs)
    merge = statistics.median(r["merge_cpu"] for r in runs)
    print(f"  IPAM merge inside the load       {merge:6.2f} s CPU = {100 * merge / load:.1f} % "
          "of a whole-region load without IPAM")
    print(f"  peak VmHWM {max(r[f'rss_mb_{m}'] for r in runs for m in MODES):.0f} MB")


if __name__ == "__main__":
    main()
