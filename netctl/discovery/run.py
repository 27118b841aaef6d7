"""What the CLI and the report call: drift, the asset register and maps from the state store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from netctl import geo
from netctl.discovery.drift import Drift, compute_drift
from netctl.discovery.store import SeenDevice, SeenLink, seen_devices, seen_links, short_name
from netctl.discovery.topology import TopologyMap, build_map, render_html, render_svg
from netctl.inventory.filters import DeviceFilter
from netctl.inventory.index import Inventory
from netctl.state.store import StateStore


@dataclass(frozen=True, slots=True)
class Seen:
    """Everything discovery stored."""

    devices: dict[str, SeenDevice]
    links: list[SeenLink]

    def resolved(self, inv: Inventory) -> Seen:
        """Neighbours recorded as ``lldp:<name>`` that the inventory has declared since, under
        their hostname (an import does not need a new discovery to take effect)."""
        names = {short_name(h): h for h in inv.devices}
        links = []
        for sl in self.links:
            far = sl.remote_device or ""
            host = names.get(far.removeprefix("lldp:")) if far.startswith("lldp:") else None
            links.append(replace(sl, remote_device=host) if host else sl)
        return Seen(self.devices, links)


def baseline_status(inv: Inventory, reports_dir: Path, backups_dir: Path,
                    flt: DeviceFilter | None) -> dict[str, str]:
    """The MLPS baseline status of each selected device's newest backup (``netctl compliance
    baseline``: pass, fail, partial, stale, no_backup, no_rules)."""
    from datetime import UTC, datetime, timedelta

    from netctl.compliance.devices import check_devices
    from netctl.compliance.runner import load_sources
    from netctl.inventory.filters import select

    targets, rules = load_sources(reports_dir)
    found = check_devices(inv, backups_dir, rules, datetime.now(UTC),
                          timedelta(hours=targets.backup_freshness_hours), select(inv, flt))
    return {d.hostname: d.status for d in found}


def load_seen(state_url: str) -> Seen:
    """Read discovery's tables."""
    with StateStore(state_url) as store:
        return Seen(seen_devices(store), seen_links(store))


def drift(inv: Inventory, seen: Seen, flt: DeviceFilter | None = None) -> list[Drift]:
    """The drift of the selection."""
    seen = seen.resolved(inv)
    return compute_drift(inv, seen.devices, seen.links, flt)


def maps(inv: Inventory, seen: Seen, counties: list[str] | None = None,
         *, backbone: bool = True) -> tuple[list[TopologyMap], list[Drift]]:
    """One map per county (those given, else every county of the inventory) and, unless told
    otherwise, the region's backbone; plus the drift they mark."""
    codes = counties or sorted(inv.counties)
    found = drift(inv, seen, DeviceFilter.parse(codes) if counties else None)
    seen = seen.resolved(inv)
    out = []
    if backbone:
        out.append(build_map(inv, seen.devices, seen.links, found, county=None,
                             title="宁夏教育骨干网 / region backbone"))
    for code in codes:
        div = geo.COUNTIES.get(code)
        name = f"{div.name} {div.name_en}" if div else code
        out.append(build_map(inv, seen.devices, seen.links, found, county=code,
                             title=f"{code} {name}"))
    return out, found


def map_page(inv: Inventory, seen: Seen, counties: list[str] | None, out: Path) -> Path:
    """Write the standalone HTML map page."""
    from netctl.inventory.yamlio import write_atomic

    drawn, found = maps(inv, seen, counties)
    write_atomic(out, render_html(drawn, found, "网络拓扑与资产偏差 / topology and drift"))
    return out


def county_map_svg(inv: Inventory, state_url: str | None, county: str) -> str:
    """The county report's map ("" when discovery has not run or the store is unreachable)."""
    if not state_url:
        return ""
    from sqlalchemy.exc import SQLAlchemyError

    from netctl.exceptions import StateStoreError

    try:
        seen = load_seen(state_url)
    except (StateStoreError, SQLAlchemyError):
        return ""  # the report must not fail for want of a map
    if not seen.devices:
        return ""
    drawn, _found = maps(inv, seen, [county], backbone=False)
    return render_svg(drawn[0])
