"""Compliance on the whole region: KPIs for ~3,000 schools from a day of observations, and the
22 county reports (HTML).

Generates a Ningxia-shaped region (default 3,000 schools, ~32,000 devices), records a day of
sample evidence in a SQLite state store (``--rounds`` polls an hour apart: every observation
``rounds`` times in the history table, the last one in ``latest``) and a running-config backup
for every device but the APs, then, in fresh processes pinned to one core (``taskset -c 0``
when available), times (CPU seconds of the process, and wall):

- ``compute_kpis`` for the region, twice in one process: *cold* (the first run after new
  backups: no baseline cache, every device's newest backup is read and checked against its
  platform's rules, nothing kept from an earlier run) and *warm* (the cache of results by
  configuration content, as every run after the first, in the same process: caches of the
  first run's parsed texts help it); each reads the latest values, computes every KPI per
  school and rolls up to county, city and region;
- ``kpis_warm_fresh``: the warm run as the next command pays it, first thing in a new process;
- ``kpis_cold_distinct``: the cold run in a new process with the compiled rules' sharing off
  (configurations that agree on every line the rules read share their results: the sample
  region's configurations differ little there, a real region's more; this is the worst case,
  every configuration checked on its own);
- ``write_reports``: the region's KPIs once more, then all 22 county reports as HTML.

It also times a reference loop (10^7 additions) in the same process, to compare machines: a
recent desktop core does it in ~0.3-0.4 s; a shared, loaded CI machine can take 3x that.
With ``--compare DIR`` (a checkout of other code, e.g. the code before a change) each
measurement runs for both, interleaved, ``--repeat`` times; medians and ranges are printed.

    python benchmarks/bench_compliance.py [--schools 3000] [--rounds 24]
    python benchmarks/bench_compliance.py --keep DIR          # keep the generated data
    python benchmarks/bench_compliance.py --reuse DIR --repeat 5 --compare ../old-netctl
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MEASURE = """
import json, resource, sys, time
from datetime import datetime
from pathlib import Path
from netctl.inventory.index import load_inventory
from netctl.compliance.cache import CACHE_FILE
from netctl.compliance.runner import load_sources
from netctl.compliance.engine import compute_kpis
from netctl.report import write_reports
from netctl.state import StateStore
root, reports, now = Path(sys.argv[1]), Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
mode = sys.argv[4]
c = time.process_time(); s = 0
for i in range(10_000_000):
    s += i
ref = time.process_time() - c
t0 = time.perf_counter()
inv = load_inventory(root / "inventory")
targets, rules = load_sources(reports)
out = {"ref_loop_1e7_cpu_s": round(ref, 2), "load_inventory_s": round(time.perf_counter() - t0, 2)}
if mode == "cold-distinct":
    try:
        from netctl.compliance import fastcheck
        fastcheck.SHARE_VIEWS = False
    except ImportError:  # code without the compiled rules: nothing is shared anyway
        pass
runs = {"all": ("cold", "warm"), "warm-fresh": ("warm_fresh",),
        "cold-distinct": ("cold_distinct",)}[mode]
for run in runs:
    if run.startswith("cold"):
        (root / "backups" / CACHE_FILE).unlink(missing_ok=True)
    t1 = time.perf_counter(); c1 = time.process_time()
    with StateStore(f"sqlite:///{root / 'state.db'}") as store:
        report = compute_kpis(inv, targets, store=store, rules=rules,
                              backups_dir=root / "backups", now=now)
    out[f"kpis_{run}_s"] = round(time.perf_counter() - t1, 2)
    out[f"kpis_{run}_cpu_s"] = round(time.process_time() - c1, 2)
if mode == "all":
    try:
        from netctl.compliance.fastcheck import compiled
        out["distinct_rule_views"] = sum(compiled(r).views for r in rules.values())
    except ImportError:
        pass
    t2 = time.perf_counter(); c2 = time.process_time()
    paths = write_reports(inv, reports, f"sqlite:///{root / 'state.db'}", root / "backups",
                          root / "out")
    out.update({
        "reports_s": round(time.perf_counter() - t2, 2),
        "reports_cpu_s": round(time.process_time() - c2, 2), "reports": len(paths),
        "schools": len(inv.schools), "devices": len(inv.devices), "kpi_rows": len(report.kpis),
        "devices_checked": len(report.devices),
        "html_mb": round(sum(p.stat().st_size for p in paths) / 1e6, 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
print(json.dumps(out))
"""


def measure(root: Path, now: datetime, repo: Path = REPO) -> dict[str, object]:
    """The measurements of the code in ``repo``, each mode in a fresh process pinned to one
    core: cold then warm, warm first thing in a process, cold with nothing shared."""
    result: dict[str, object] = {}
    for mode in ("all", "warm-fresh", "cold-distinct"):
        cmd = [sys.executable, "-c", MEASURE, str(root), str(repo / "reports"), now.isoformat(),
               mode]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        env = {**os.environ, "PYTHONPATH": str(repo)}
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=repo, env=env)
        result.update(json.loads(done.stdout))
    return result


def _summary(runs: list[dict[str, object]]) -> dict[str, object]:
    """Median (min-max) of each figure over repeated runs."""
    out: dict[str, object] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        if len(values) != len(runs):
            out[key] = runs[0][key]
            continue
        ordered = sorted(float(v) for v in values)  # type: ignore[arg-type]
        median = statistics.median(ordered)
        out[key] = median if len(ordered) == 1 else f"{median:g} ({ordered[0]:g}-{ordered[-1]:g})"
    return out


def compare(root: Path, now: datetime, repeat: int, other: Path | None) -> dict[str, object]:
    """``repeat`` measurements of this code (and of ``other``, interleaved)."""
    mine: list[dict[str, object]] = []
    theirs: list[dict[str, object]] = []
    for _ in range(repeat):
        mine.append(measure(root, now))
        if other is not None:
            theirs.append(measure(root, now, other))
    result: dict[str, object] = {"runs": repeat, "this": _summary(mine)}
    if other is not None:
        result["other"] = {"repo": str(other), **_summary(theirs)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder")
    parser.add_argument("--reuse", type=Path, help="measure data kept by an earlier --keep run")
    parser.add_argument("--repeat", type=int, default=1, help="measure this many times")
    parser.add_argument("--compare", type=Path,
                        help="a checkout of other code to measure too, interleaved")
    args = parser.parse_args()

    from netctl.inventory.generate import write_inventory
    from netctl.inventory.index import load_inventory
    from netctl.state import StateStore
    from netctl.testing.sample_evidence import sample_evidence, write_sample_backups

    now = datetime.now(UTC)
    if args.reuse is not None:
        print(json.dumps(compare(args.reuse, now, args.repeat, args.compare), indent=2))
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-compliance-"))
    t = time.perf_counter()
    write_inventory(root / "inventory", args.schools, 2027, force=True)
    inv = load_inventory(root / "inventory")
    backups = write_sample_backups(inv, root / "backups", now)
    rows = 0
    with StateStore(f"sqlite:///{root / 'state.db'}") as store:
        latest = sample_evidence(inv, now)
        for r in range(args.rounds - 1, -1, -1):  # oldest round first, as a day of polls
            shift = timedelta(hours=r)
            rows += store.record_observations(
                o
                if not r
                else type(o)(
                    o.device, o.metric, o.value, o.observed_at - shift, o.source, o.interface
                )
                for o in latest
            )
    setup = time.perf_counter() - t
    result = compare(root, now, args.repeat, args.compare)
    result.update(
        {
            "observations": rows,
            "latest_per_round": len(latest),
            "backups": backups,
            "setup_s": round(setup, 1),
        }
    )
    print(json.dumps(result, indent=2))
    if args.keep is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
