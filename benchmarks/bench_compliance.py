"""Compliance on the whole region: KPIs for ~3,000 schools from a day of observations, and the
22 county reports (HTML).

Generates a Ningxia-shaped region (default 3,000 schools, ~32,000 devices), records a day of
sample evidence in a SQLite state store (``--rounds`` polls an hour apart: every observation
``rounds`` times in the history table, the last one in ``latest``) and a running-config backup
for every device but the APs, then, in a fresh process pinned to one core (``taskset -c 0``
when available), times:

- ``compute_kpis`` for the region, twice: *cold* (no baseline cache: every device's newest
  backup is read and checked against its platform's rules) and *warm* (the cache of results by
  configuration content, as every run after the first); each reads the latest values, computes
  every KPI per school and rolls up to county, city and region;
- ``write_reports``: the region's KPIs once more, then all 22 county reports as HTML.

It also times a reference loop (10^7 additions) in the same process, to compare machines: a
recent desktop core does it in ~0.3-0.4 s; a shared, loaded CI machine can take 3x that.

    python benchmarks/bench_compliance.py [--schools 3000] [--rounds 24]
"""

from __future__ import annotations

import argparse
import json
import shutil
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
c = time.process_time(); s = 0
for i in range(10_000_000):
    s += i
ref = time.process_time() - c
t0 = time.perf_counter()
inv = load_inventory(root / "inventory")
targets, rules = load_sources(reports)
(root / "backups" / CACHE_FILE).unlink(missing_ok=True)
out = {"ref_loop_1e7_cpu_s": round(ref, 2), "load_inventory_s": round(time.perf_counter() - t0, 2)}
for run in ("cold", "warm"):
    t1 = time.perf_counter(); c1 = time.process_time()
    with StateStore(f"sqlite:///{root / 'state.db'}") as store:
        report = compute_kpis(inv, targets, store=store, rules=rules,
                              backups_dir=root / "backups", now=now)
    out[f"kpis_{run}_s"] = round(time.perf_counter() - t1, 2)
    out[f"kpis_{run}_cpu_s"] = round(time.process_time() - c1, 2)
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


def measure(root: Path, now: datetime) -> dict[str, object]:
    """Run the measurement in a fresh process pinned to one core."""
    cmd = [sys.executable, "-c", MEASURE, str(root), str(REPO / "reports"), now.isoformat()]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder")
    parser.add_argument("--reuse", type=Path, help="measure data kept by an earlier --keep run")
    args = parser.parse_args()

    from netctl.inventory.generate import write_inventory
    from netctl.inventory.index import load_inventory
    from netctl.state import StateStore
    from netctl.testing.sample_evidence import sample_evidence, write_sample_backups

    now = datetime.now(UTC)
    if args.reuse is not None:
        print(json.dumps(measure(args.reuse, now), indent=2))
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
    result = measure(root, now)
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
