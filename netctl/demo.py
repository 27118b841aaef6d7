"""netctl's main job end to end on an embedded default: the sample network, SQLite state, KPIs.

``netctl demo`` runs it: it generates the sample region, loads and validates it, allocates every
address and writes the DNS zones (IPAM), pushes the security baseline through the real push
workflow to emulated gateways of the four vendors (backup, diff, send, verify, save; recorded in
the state store), records a day of simulated evidence (polls, probes, config backups:
``netctl.compliance.sample``) in a SQLite state store, computes every KPI of the plan with the
compliance engine over all of it, stores them as a KPI snapshot, and writes one county's HTML
report.
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

REPO = Path(__file__).resolve().parent.parent
REPO_REPORTS = REPO / "reports"
DEMO_SECRETS = {  # the emulated devices' credentials: demo only, never real ones
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Demo-Adm1n-Pass",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "Demo-AuthKey-1",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "Demo-PrivKey-1",
}


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
    allocated: int = 0
    zones: int = 0
    pushed: tuple[tuple[str, str, str], ...] = ()  # (hostname, platform, status)


def run_demo(
    out: Path, schools: int = 66, seed: int = 2027, reports_dir: Path | None = None
) -> DemoResult:
    """Generate the sample network under ``out``, record sample evidence, compute and store
    the KPIs, and write the first county's HTML report (``reports/`` of the checkout)."""
    from netctl.report import ReportFormat, history, render

    start = time.perf_counter()
    inv_dir = out / "inventory"
    write_inventory(inv_dir, schools, seed, force=True)
    now = datetime.now(UTC)
    allocated, zones = _addresses(inv_dir, out, now)
    inv = load_inventory(inv_dir)
    stats = inventory_stats(inv)
    backups = out / "backups"
    url = state_to_url(str(out / "state.db"))
    with StateStore(url) as store:
        pushed = _push_baseline(inv, backups, store)
    reports = reports_dir or REPO_REPORTS
    targets, rules = load_sources(reports)
    pushed_hosts = {h for h, _, _ in pushed}
    write_sample_backups(inv, backups, now, seed, skip=pushed_hosts)
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
    return DemoResult(out, inv, stats, report, url, rows, html, time.perf_counter() - start,
                      allocated, zones, pushed)


def _addresses(inv_dir: Path, out: Path, now: datetime) -> tuple[int, int]:
    """Allocate with the repository's address plan and write the zones; (records, zones)."""
    from shutil import copyfile

    from netctl.dns.zone import write_zones
    from netctl.ipam.store import run_allocate

    plan = REPO / "inventory" / "address-plan.yaml"
    if not plan.is_file():
        return 0, 0
    copyfile(plan, inv_dir / "address-plan.yaml")
    result = run_allocate(inv_dir, today=now.date())
    zones = write_zones(load_inventory(inv_dir), out / "dns", today=now.date())
    return len(result.changed) + result.unchanged, len(zones)


def _push_baseline(inv: Inventory, backups: Path,
                   store: StateStore) -> tuple[tuple[str, str, str], ...]:
    """Push the security baseline to one emulated gateway per vendor, as an engineer would."""
    from netctl.config.connect import Target
    from netctl.config.guard import Guard
    from netctl.config.push import PushOptions, push
    from netctl.models.inventory import Role
    from netctl.secrets import Secrets
    from netctl.testing.emulator import EmulatedNetwork, HostSpec

    hosts: dict[str, str] = {}
    for entry in inv.devices.values():
        if entry.role is Role.GATEWAY:
            hosts.setdefault(entry.platform.value, entry.hostname)
    specs = [HostSpec(h, p) for p, h in hosts.items()]
    with EmulatedNetwork(specs) as net:
        options = PushOptions(
            feature="baseline", templates_dir=REPO / "templates", backups_dir=backups,
            commit=True, targets={h: Target("127.0.0.1", net.ports[h], "admin", "admin")
                                  for h in hosts.values()}, user="netctl-demo",
            # the baseline changes management access by design: the engineer's override
            guard=Guard(allow_protected=True),
        )
        result = push(inv, list(hosts.values()), options, Secrets(None, env=DEMO_SECRETS),
                      store=store)
    return tuple((o.hostname, o.platform.value, o.status) for o in result.outcomes)
