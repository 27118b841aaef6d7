"""netctl's main job end to end on an embedded default: the sample network, SQLite state, KPIs.

``netctl demo`` runs it. It grows as capabilities land: today it generates the sample region,
loads and validates it, records a day of sample evidence (polls, probes, config backups:
``netctl.compliance.sample``) in a SQLite state store, computes every KPI of the plan with the
compliance engine, stores them as a KPI snapshot, and writes one county's HTML report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from netctl.compliance.engine import KpiReport, compute_kpis, save_snapshot
from netctl.compliance.runner import load_sources
from netctl.compliance.sample import sample_evidence, write_sample_backups
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import Inventory, load_inventory
from netctl.inventory.stats import InventoryStats, inventory_stats
from netctl.settings import state_to_url
from netctl.state import StateStore

REPO_REPORTS = Path(__file__).resolve().parent.parent / "reports"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo produced, and where."""

    out: Path
    inventory: Inventory
    stats: InventoryStats
    kpis: KpiReport
    state_url: str
    snapshot_rows: int
    report: Path | None
    seconds: float


def run_demo(
    out: Path, schools: int = 66, seed: int = 2027, reports_dir: Path | None = None
) -> DemoResult:
    """Generate the sample network under ``out``, record sample evidence, compute and store
    the KPIs, and write the first county's HTML report (``reports/`` of the checkout)."""
    from netctl.report import ReportFormat, history, render

    start = time.perf_counter()
    inv_dir = out / "inventory"
    write_inventory(inv_dir, schools, seed, force=True)
    inv = load_inventory(inv_dir)
    stats = inventory_stats(inv)
    reports = reports_dir or REPO_REPORTS
    targets, rules = load_sources(reports)
    now = datetime.now(UTC)
    backups = out / "backups"
    write_sample_backups(inv, backups, now, seed)
    url = state_to_url(str(out / "state.db"))
    with StateStore(url) as store:
        store.record_observations(sample_evidence(inv, now, seed))
        report = compute_kpis(inv, targets, store=store, rules=rules, backups_dir=backups, now=now)
        rows = save_snapshot(store, report)
        county = min(s.county for s in inv.schools.values())
        html = render(
            report.for_county(inv, county),
            inv,
            targets,
            reports,
            ReportFormat.html,
            out / f"report-{county}.html",
            trend=history(store, "county", county),
        )
    return DemoResult(out, inv, stats, report, url, rows, html, time.perf_counter() - start)
