"""One call per command: find targets, rules, evidence and backups, compute, optionally snapshot.

The CLI (``netctl compliance …``, ``netctl report``) and the demo call these; they hold no
logic of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from netctl import geo
from netctl.compliance.baseline import RuleSet, load_rules
from netctl.compliance.devices import DeviceBaseline, check_devices
from netctl.compliance.engine import KpiReport, compute_kpis, save_snapshot
from netctl.compliance.targets import Targets, load_targets
from netctl.exceptions import ConfigError
from netctl.inventory.filters import DeviceFilter, select
from netctl.inventory.index import Inventory
from netctl.state import StateStore


def check_scope(county: str | None, city: str | None) -> None:
    """Refuse an unknown county or city code, or both at once (``FilterError``/``ConfigError``)."""
    if county and city:
        msg = "give --county or --city, not both"
        raise ConfigError(msg)
    DeviceFilter.parse(counties=[county] if county else (), cities=[city] if city else ())


def load_sources(reports_dir: Path) -> tuple[Targets, dict[str, RuleSet]]:
    """``reports/targets.yaml`` and ``reports/rules/*.yaml``."""
    return load_targets(reports_dir / "targets.yaml"), load_rules(reports_dir / "rules")


def run_kpis(
    inv: Inventory,
    reports_dir: Path,
    state_url: str | None,
    backups_dir: Path | None,
    *,
    county: str | None = None,
    city: str | None = None,
    year: int | None = None,
    freshness_hours: float | None = None,
    snapshot: bool = False,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> tuple[KpiReport, int]:
    """Compute the KPIs from the state store at ``state_url``; store a snapshot when asked.

    Returns the report and the number of snapshot rows written (0 without ``snapshot``).
    """
    check_scope(county, city)
    if as_of is not None and snapshot:
        msg = "--as-of recomputes the past: it does not store a snapshot (drop --snapshot)"
        raise ConfigError(msg)
    targets, rules = load_sources(reports_dir)
    if state_url is None:
        report = compute_kpis(
            inv,
            targets,
            rules=rules,
            backups_dir=backups_dir,
            county=county,
            city=city,
            year=year,
            now=now,
            freshness_hours=freshness_hours,
            as_of=as_of,
        )
        return report, 0
    with StateStore(state_url) as store:
        report = compute_kpis(
            inv,
            targets,
            store=store,
            rules=rules,
            backups_dir=backups_dir,
            county=county,
            city=city,
            year=year,
            now=now,
            freshness_hours=freshness_hours,
            as_of=as_of,
        )
        rows = save_snapshot(store, report) if snapshot else 0
    return report, rows


def run_baseline(
    inv: Inventory,
    reports_dir: Path,
    backups_dir: Path | None,
    *,
    county: str | None = None,
    city: str | None = None,
    hosts: list[str] | None = None,
    freshness_hours: float | None = None,
    now: datetime | None = None,
) -> tuple[list[DeviceBaseline], datetime, float]:
    """Check the selected devices' newest backups against their platform's rules.

    Returns the results, the time they were judged at, and the freshness window in hours.
    """
    check_scope(county, city)
    targets, rules = load_sources(reports_dir)
    when = now or datetime.now(UTC)
    hours = freshness_hours or targets.backup_freshness_hours
    flt = DeviceFilter.parse(
        counties=[county] if county else (), cities=[city] if city else (), hostnames=hosts or ()
    )
    devices = check_devices(inv, backups_dir, rules, when, timedelta(hours=hours), select(inv, flt))
    return devices, when, hours


def scope_title(county: str | None, city: str | None) -> tuple[str, str]:
    """The scope's name in Chinese and English."""
    if county:
        div = geo.COUNTIES[county]
        return div.name, div.name_en
    if city:
        div = geo.CITIES[city]
        return div.name, div.name_en
    return geo.REGION_NAME, "Ningxia Hui Autonomous Region"
