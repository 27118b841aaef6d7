"""Whole-region IPAM: allocate ~3,000 schools × 8 prefixes (IPv6 and IPv4), every device's
addresses and every link, write the records, generate the zones.

Generates a Ningxia-shaped region (``write_inventory``, default 3,000 schools) with the
repository's address plan, then times, from nothing allocated:

**The commands, as the user runs them** (each in a fresh process: interpreter start, imports,
loading and validating the inventory, the work, the output; CPU from the child's own rusage):

- ``netctl ipam allocate`` on an empty ``ipam/`` folder, then again (nothing to do);
- ``netctl dns zone`` (forward and reverse zones, BIND files);
- ``allocate + dns zone``: the first allocation and the zones, the figure issue 17 asks to keep
  under 2 s.

**The phases inside** (fresh processes pinned to one core, ``taskset -c 0`` when available):

- ``allocate``: the pure allocation (:func:`netctl.ipam.allocate.allocate`);
- ``write``: rendering and writing the 23 record files;
- ``zones``: building the forward and reverse zones and writing the BIND files;
- ``target``: allocate + write + zones without imports and load;
- ``reallocate``: a second ``allocate`` over the records (nothing changes);
- ``load`` / ``load_ipam``: ``load_inventory`` without and with the IPAM merge (devices get
  their addresses), to show what IPAM adds to every netctl command.

Prints the median of ``--runs`` runs. The machine is shared and noisy: compare within one run.

    python benchmarks/bench_ipam.py [--schools 3000] [--runs 3]
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
import gc, json, resource, shutil, sys, time
from datetime import date
from pathlib import Path
from netctl.inventory.index import load_inventory
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
    attach = index.attach_ipam
    def timed(inv, apply=True):
        c = time.process_time()
        found = attach(inv, apply=apply)
        t["merge_cpu"] = time.process_time() - c
        return found
    index.attach_ipam = timed
    phase("load_ipam", lambda: load_inventory(root))
t["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(t))
"""

MODES = ("allocate", "zones", "reallocate", "load", "load_ipam")


def run_child(mode: str, root: Path, out: Path) -> dict[str, float]:
    """One measured step in a fresh process, on one core when taskset exists."""
    cmd = [sys.executable, "-c", CHILD, mode, str(root), str(out)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


COMMANDS = (("cmd_allocate", ["ipam", "allocate"], True),
            ("cmd_reallocate", ["ipam", "allocate"], False),
            ("cmd_zone", ["dns", "zone"], False))


def run_command(args: list[str], root: Path, out: Path) -> tuple[float, float]:
    """One netctl command in a fresh process: (CPU seconds of that process, wall seconds)."""
    cmd = [sys.executable, "-m", "netctl", "--home", str(root.parent), "--inventory", str(root),
           *args, "--today", "2026-11-28"]
    if args[0] == "dns":
        cmd += ["--out", str(out)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        msg = f"{' '.join(cmd)} exited {proc.returncode}"
        raise RuntimeError(msg)
    return usage.ru_utime + usage.ru_stime, wall


def commands_run(root: Path, out: Path) -> dict[str, float]:
    """The commands the user types, each in a fresh process, from nothing allocated."""
    merged: dict[str, float] = {}
    for key, args, fresh in COMMANDS:
        if fresh:
            shutil.rmtree(root / "ipam", ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
        cpu, wall = run_command(args, root, out)
        merged[key + "_cpu"], merged[key] = cpu, wall
    for k in ("", "_cpu"):
        merged["cmd_both" + k] = merged["cmd_allocate" + k] + merged["cmd_zone" + k]
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
    args = parser.parse_args()
    from netctl.inventory.generate import write_inventory

    with tempfile.TemporaryDirectory(prefix="bench-ipam-") as tmp:
        root = Path(tmp) / "inventory"
        started = time.perf_counter()
        write_inventory(root, args.schools, 2027)
        shutil.copy(REPO / "inventory" / "address-plan.yaml", root / "address-plan.yaml")
        print(f"generated {args.schools} schools in {time.perf_counter() - started:.1f} s")
        runs = []
        for _ in range(max(1, args.runs)):
            run = commands_run(root, Path(tmp) / "dns")
            run.update(one_run(root, Path(tmp) / "dns"))
            runs.append(run)
    first = runs[0]
    print(f"region: {first['schools']:.0f} schools, {first['devices']:.0f} devices; allocated "
          f"{first['prefixes']:.0f} role prefixes, {first['addresses']:.0f} addresses, "
          f"{first['links']:.0f} link prefixes; {first['files']:.0f} record files; "
          f"{first['records']:.0f} DNS records")
    print(f"median of {len(runs)} run(s), one core: CPU seconds (wall seconds; the wall time "
          "counts the time other processes held the core)")
    print(" commands, each in a fresh process (imports + load + work + output):")
    for key, label in (("cmd_allocate", "netctl ipam allocate (from nothing)"),
                       ("cmd_reallocate", "netctl ipam allocate (again)"),
                       ("cmd_zone", "netctl dns zone"),
                       ("cmd_both", "GOAL allocate + dns zone")):
        cpu = statistics.median(r[key + "_cpu"] for r in runs)
        wall = statistics.median(r[key] for r in runs)
        print(f"  {label:36s} {cpu:6.2f} s CPU ({wall:6.2f} s wall)")
    print(" phases inside (no imports, load timed on its own):")
    for key, label in (("allocate", "allocate (pure)"), ("write", "write record files"),
                       ("zones", "build + write zones"), ("target", "TARGET allocate+write+zones"),
                       ("reallocate", "re-allocate (parse + no change)"),
                       ("load", "load_inventory without IPAM"),
                       ("load_ipam", "load_inventory with IPAM merge")):
        cpu = statistics.median(r[key + "_cpu"] for r in runs)
        wall = statistics.median(r[key] for r in runs)
        print(f"  {label:32s} {cpu:6.2f} s CPU ({wall:6.2f} s wall)")
    load = statistics.median(r["load_cpu"] for r in runs)
    merge = statistics.median(r["merge_cpu"] for r in runs)
    target = statistics.median(r["target_cpu"] for r in runs)
    print(f"  IPAM merge inside the load       {merge:6.2f} s CPU = {100 * merge / load:.1f} % "
          "of a whole-region load without IPAM")
    print(f"  peak RSS {max(r[f'rss_mb_{m}'] for r in runs for m in MODES):.0f} MB")
    both = statistics.median(r["cmd_both_cpu"] for r in runs)
    print(f"phases allocate+write+zones: {target:.2f} s CPU; commands allocate + dns zone: "
          f"{both:.2f} s CPU, goal < 2 s: {'met' if both < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
