"""netctl's main job end to end on an embedded default: the sample network, SQLite state, KPIs.

``netctl demo`` runs it. It grows as capabilities land: today it generates the sample region,
loads and validates it, computes the KPIs the inventory can judge, and stores them as a KPI
snapshot in a SQLite state store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from netctl.compliance.declared import DeclaredReport, declared_kpis
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import Inventory, load_inventory
from netctl.inventory.stats import InventoryStats, inventory_stats
from netctl.settings import state_to_url
from netctl.state import KpiRow, StateStore


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo produced, and where."""

    out: Path
    inventory: Inventory
    stats: InventoryStats
    kpis: DeclaredReport
    state_url: str
    snapshot_rows: int
    seconds: float


def run_demo(out: Path, schools: int = 66, seed: int = 2027) -> DemoResult:
    """Generate the sample network under ``out``, validate it, compute and store KPIs."""
    start = time.perf_counter()
    inv_dir = out / "inventory"
    write_inventory(inv_dir, schools, seed, force=True)
    inv = load_inventory(inv_dir)
    stats = inventory_stats(inv)
    report = declared_kpis(inv)
    url = state_to_url(str(out / "state.db"))
    with StateStore(url) as store:
        rows = store.save_kpi_snapshot(
            (
                KpiRow(
                    k.kpi,
                    k.scope_level,
                    k.scope_code,
                    k.numerator,
                    k.denominator,
                    k.value,
                    k.target,
                    k.met,
                )
                for k in report.kpis
            ),
            year=datetime.now(UTC).year,
        )
    return DemoResult(out, inv, stats, report, url, rows, time.perf_counter() - start)
