"""Whole-region inventory: load + validate + Nornir build, next to Nornir's SimpleInventory.

Generates a Ningxia-shaped region (default 3,000 schools), then, in fresh processes pinned to one
core (``taskset -c 0`` when available), times:

- netctl: the import of its modules, ``load_inventory`` (parse every YAML file, validate, join,
  cross-check) and ``build_nornir_inventory`` over every device; peak memory of the process
  (``VmHWM`` read in the child: ``ru_maxrss`` of a child carries its parent's high-water mark);
- the peer: Nornir's own ``SimpleInventory`` loading the same hosts (written as hosts.yaml /
  groups.yaml with the same groups and data), which parses with ruamel.yaml and validates nothing.

Then what the engineer waits for: ``netctl inventory validate`` as a command (a fresh process:
interpreter, imports, load, output; CPU from its rusage, ``VmHWM`` read when it exits), with
the parse cache cold (``NETCTL_CACHE=off``) and warm (``<home>/.netctl/cache`` filled by the
previous run); ``--code DIR`` (repeatable) runs the command from other checkouts of netctl too,
interleaved in the same run, for before/after figures. Every checkout is byte-compiled first
(``compileall``), as an installed netctl is.

Prints the median of ``--runs`` runs for each and the ratio. The machine is shared and noisy:
compare the two in the same run, not with figures from another day.

    python benchmarks/bench_inventory.py [--schools 3000] [--runs 3] [--code /tmp/before]
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

NETCTL = """
import json, sys, time
from pathlib import Path
def _hwm():
    # VmHWM of this process: ru_maxrss of a child carries the parent's high-water mark on Linux
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
t0 = time.perf_counter(); c0 = time.process_time()
from netctl.inventory.index import load_inventory
from netctl.inventory.nornir import build_nornir_inventory
t1 = time.perf_counter(); c1 = time.process_time()
inv = load_inventory(Path(sys.argv[1]))
t2 = time.perf_counter(); c2 = time.process_time()
nr = build_nornir_inventory(inv)
t3 = time.perf_counter(); c3 = time.process_time()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "nornir": t3 - t2, "total": t3 - t1,
                  "command": t3 - t0,
                  "cpu": c3 - c1, "hosts": len(nr.hosts), "schools": len(inv.schools),
                  "links": len(inv.links),
                  "rss_mb": _hwm()}))
"""

PEER = """
import json, sys, time
def _hwm():
    # VmHWM of this process: ru_maxrss of a child carries the parent's high-water mark on Linux
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
t0 = time.perf_counter(); c0 = time.process_time()
from nornir.plugins.inventory.simple import SimpleInventory
t1 = time.perf_counter(); c1 = time.process_time()
d = sys.argv[1]
inv = SimpleInventory(host_file=d + "/hosts.yaml", group_file=d + "/groups.yaml",
                      defaults_file=d + "/defaults.yaml").load()
t3 = time.perf_counter(); c3 = time.process_time()
print(json.dumps({"import": t1 - t0, "total": t3 - t1, "cpu": c3 - c1, "hosts": len(inv.hosts),
                  "rss_mb": _hwm()}))
"""


REPO = Path(__file__).resolve().parent.parent

# `python -m netctl ARGS`, writing the process's VmHWM to the file named by the first argument
# when it exits
WRAPPER = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def hwm():
    with open("/proc/self/status") as fh, open(out, "w") as dst:
        dst.write(next((l.split()[1] for l in fh if l.startswith("VmHWM:")), "0"))
atexit.register(hwm)
sys.argv[0] = "netctl"
runpy.run_module("netctl", run_name="__main__", alter_sys=True)
"""


def compile_code(code: Path) -> None:
    """Byte-compile the netctl package of a checkout, as an installed netctl is (pip compiles
    at install; an editable checkout writes its ``__pycache__`` on first use): a command
    measured from a checkout without bytecode (a fresh ``git worktree``, or a shell with
    ``PYTHONDONTWRITEBYTECODE=1``, which keeps Python from writing it) pays for compiling
    netctl's sources on every run, ~0.1 s a command that no user pays."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "netctl")],
                   check=True, timeout=600, stdout=subprocess.DEVNULL)


def run_command(code: Path, home: Path, inv_dir: Path, *, cache: bool
                ) -> tuple[float, float, float]:
    """``netctl inventory validate`` in a fresh process: (CPU s, wall s, VmHWM MB)."""
    hwm_file = home / "hwm.txt"
    cmd = [sys.executable, "-c", WRAPPER, str(hwm_file), "--home", str(home), "--inventory",
           str(inv_dir), "inventory", "validate"]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    env = dict(os.environ, PYTHONPATH=str(code))
    env["NETCTL_CACHE"] = str(home / ".netctl" / "cache") if cache else "off"
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            cwd=code)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        msg = f"{' '.join(cmd)} failed"
        raise RuntimeError(msg)
    return usage.ru_utime + usage.ru_stime, wall, int(hwm_file.read_text() or 0) / 1024


def run(code: str, arg: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter on one core; return its JSON figures."""
    cmd = [sys.executable, "-c", code, arg]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600)
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def write_peer(inv_dir: Path, out: Path) -> None:
    """Write the same hosts as Nornir SimpleInventory files."""
    import yaml

    from netctl.inventory.index import load_inventory
    from netctl.inventory.nornir import build_nornir_inventory

    nr = build_nornir_inventory(load_inventory(inv_dir))
    hosts = {
        name: {
            "hostname": h.hostname,
            "platform": h.platform,
            "groups": [g.name for g in h.groups],
            "data": dict(h.data),
        }
        for name, h in nr.hosts.items()
    }
    groups = {name: {"data": dict(g.data)} for name, g in nr.groups.items()}
    (out / "hosts.yaml").write_text(yaml.safe_dump(hosts, allow_unicode=True), encoding="utf-8")
    (out / "groups.yaml").write_text(yaml.safe_dump(groups, allow_unicode=True), encoding="utf-8")
    (out / "defaults.yaml").write_text("{}\n", encoding="utf-8")


def main() -> None:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=1, help="SimpleInventory is slow")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="another checkout of netctl to run the command from, interleaved")
    args = parser.parse_args()
    codes = [REPO, *[c.resolve() for c in args.code]]
    for code in codes:
        compile_code(code)
    commands: dict[tuple[Path, bool], list[tuple[float, float, float]]] = {}

    from netctl.inventory.generate import write_inventory

    with tempfile.TemporaryDirectory() as tmp:
        inv_dir, peer_dir = Path(tmp) / "inventory", Path(tmp) / "peer"
        peer_dir.mkdir()
        t = time.perf_counter()
        write_inventory(inv_dir, args.schools, args.seed)
        size = sum(p.stat().st_size for p in inv_dir.rglob("*.yaml"))
        print(
            f"generated {args.schools} schools in {time.perf_counter() - t:.1f} s: "
            f"{size / 1e6:.1f} MB of YAML in {len(list(inv_dir.rglob('*.yaml')))} files"
        )
        write_peer(inv_dir, peer_dir)
        ours = [run(NETCTL, str(inv_dir)) for _ in range(args.runs)]
        peer = [run(PEER, str(peer_dir)) for _ in range(args.peer_runs)]
        for _ in range(args.runs):
            for code in codes:  # interleaved; a home per checkout (its own parse cache)
                home = Path(tmp) / f"home-{codes.index(code)}"
                home.mkdir(exist_ok=True)
                for cache in (False, True):
                    commands.setdefault((code, cache), []).append(
                        run_command(code, home, inv_dir, cache=cache))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    o = ours[0]
    print(
        f"netctl: {int(o['schools'])} schools, {int(o['hosts'])} devices, {int(o['links'])} links"
        f" ({args.runs} runs, one core, medians)"
    )
    print(f"  load + validate + cross-check  {med(ours, 'load'):6.2f} s")
    print(f"  Nornir inventory build         {med(ours, 'nornir'):6.2f} s")
    print(
        f"  total                          {med(ours, 'total'):6.2f} s   "
        f"(CPU {med(ours, 'cpu'):.2f} s; target < 2 s)"
    )
    print(f"  peak memory (VmHWM)            {med(ours, 'rss_mb'):6.0f} MB  (target < 500 MB)")
    print(f"  import of netctl modules       {med(ours, 'import'):6.2f} s")
    print(f"  what a command waits for       {med(ours, 'command'):6.2f} s   "
          "(import + load + build)")
    print(
        f"Nornir SimpleInventory, same {int(peer[0]['hosts'])} hosts "
        f"({args.peer_runs} run(s); parse only, no validation; import "
        f"{med(peer, 'import'):.2f} s not in its total)"
    )
    print(
        f"  total                          {med(peer, 'total'):6.2f} s   "
        f"(CPU {med(peer, 'cpu'):.2f} s)"
    )
    print(f"  peak memory (VmHWM)            {med(peer, 'rss_mb'):6.0f} MB")
    print(f"ratio SimpleInventory / netctl: {med(peer, 'total') / med(ours, 'total'):.1f}x")
    print(f"the command `netctl inventory validate`, fresh processes ({args.runs} runs, medians; "
          "CPU, wall, VmHWM):")
    for code in codes:
        for cache in (False, True):
            rows = commands[(code, cache)]
            cpu = statistics.median(r[0] for r in rows)
            wall = statistics.median(r[1] for r in rows)
            hwm = statistics.median(r[2] for r in rows)
            label = "parse cache warm" if cache else "parse cache off "
            print(f"  {label} {cpu:6.2f} s CPU {wall:6.2f} s wall {hwm:5.0f} MB   {code}")


if __name__ == "__main__":
    main()
