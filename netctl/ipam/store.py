"""IPAM's I/O: load what allocation starts from, write the record files, read imports.

The commands of ``netctl ipam`` are one call each here: :func:`run_allocate`,
:func:`run_reserve`, :func:`run_release`, :func:`run_import`. Each loads the inventory (devices
with their declared addresses only), computes the new records with the pure functions of
:mod:`netctl.ipam.allocate`, and writes only the files whose text changed, atomically.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from netctl import geo
from netctl.gctools import long_lived_frozen
from netctl.inventory.index import Inventory
from netctl.inventory.yamlio import YamlSyntaxError, read_yaml, write_atomic
from netctl.ipam.allocate import (
    AllocationError,
    AllocationReport,
    Pin,
    Refusal,
    allocate,
    release,
    reserve,
)
from netctl.ipam.merge import IpamData, load_inventory
from netctl.ipam.net import Net, gc_paused, parse_net
from netctl.ipam.plan import PLAN_FILE, AddressPlan
from netctl.ipam.records import (
    IPAM_DIR,
    REGION,
    Allocations,
    IpamError,
    render_county,
    render_region,
)
from netctl.state.filelock import file_lock


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a command did to the record files."""

    changed: list[Path] = field(default_factory=list)
    unchanged: int = 0
    report: AllocationReport | None = None
    released: list[Net] = field(default_factory=list)


def ipam_of(inv: Inventory) -> IpamData:
    """The inventory's IPAM data (attached by :func:`netctl.ipam.merge.load_inventory`; read
    from the folder when the inventory was loaded without it)."""
    data = inv.ipam
    return data if isinstance(data, IpamData) else IpamData(inv.root)


def plan_of(inv: Inventory) -> AddressPlan:
    """The address plan, or a clear error when the inventory has none."""
    plan = ipam_of(inv).plan
    if plan is None:
        msg = (f"no address plan: {inv.root / PLAN_FILE} does not exist (copy the sample's "
               "inventory/address-plan.yaml and adapt its blocks; see docs/ipam.md)")
        raise IpamError(msg)
    return plan


def allocations_of(inv: Inventory) -> Allocations:
    """The recorded allocations (empty before the first ``allocate``)."""
    return ipam_of(inv).allocations()


def write_allocations(inv: Inventory, allocs: Allocations) -> tuple[list[Path], int]:
    """Render every record file and write those whose text changed. Returns (changed, same)."""
    folder = inv.root / IPAM_DIR
    with gc_paused():
        texts = _render_all(inv, allocs, folder)
    changed: list[Path] = []
    for path in sorted(texts):
        text = texts[path]
        try:
            old = path.read_text(encoding="utf-8")
        except OSError:
            old = None
        if old != text:
            write_atomic(path, text)
            changed.append(path)
    return changed, len(texts) - len(changed)


def _render_all(inv: Inventory, allocs: Allocations, folder: Path) -> dict[Path, str]:
    texts: dict[Path, str] = {}
    for code, county in allocs.counties.items():
        county.label = geo.COUNTIES[code].name if code in geo.COUNTIES else ""
        for site_code, site in county.sites.items():
            entry = inv.schools.get(site_code)
            site.label = entry.school.name if entry else "(not in the inventory)"
        texts[folder / f"{code}.yaml"] = render_county(county)
    region = allocs.region
    if region.cities or region.infrastructure or region.reserved or region.released:
        texts[folder / "region.yaml"] = render_region(region)
    return texts


def ipam_lock(root: Path, timeout: float = 120.0) -> AbstractContextManager[None]:
    """Every IPAM change holds this lock from reading the records to writing them, so that
    ``ipam reserve`` racing ``ipam allocate`` (two engineers, two shells) loses nothing: the
    second waits, then re-reads what the first wrote."""
    return file_lock(root / ".ipam.lock", timeout=timeout,
                     what=f"the IPAM records of {root}")


@contextlib.contextmanager
def allocation_inventory(root: Path) -> Iterator[Inventory]:
    """The inventory with devices carrying only their declared addresses, for the block.

    Loaded with the cyclic collector paused (a region is millions of objects, nearly none in
    cycles), then kept out of its walks while the block runs (each collection would otherwise
    walk all of it again), and given back to it after (:func:`netctl.gctools.long_lived_frozen`).
    """
    with gc_paused():
        inv = load_inventory(root, apply_ipam=False)
    with long_lived_frozen():
        yield inv


def run_allocate(root: Path, *, today: date, dry_run: bool = False,
                 pins: Sequence[Pin] = ()) -> WriteResult:
    """``netctl ipam allocate``: allocate what is missing and write the record files."""
    with ipam_lock(root), allocation_inventory(root) as inv:
        plan = plan_of(inv)
        report = allocate(inv, plan, allocations_of(inv), today=today,
                          pins=[*declared_pins(inv), *pins])
        if dry_run:
            return WriteResult(report=report)
        changed, same = write_allocations(inv, report.allocations)
        return WriteResult(changed, same, report)


def run_reserve(root: Path, prefix: str, description: str, *, today: date) -> WriteResult:
    """``netctl ipam reserve``: keep a prefix from ever being allocated."""
    with ipam_lock(root), allocation_inventory(root) as inv:
        plan = plan_of(inv)
        try:
            net = parse_net(prefix)
        except ValueError as exc:
            raise AllocationError([Refusal(prefix, str(exc))]) from None
        current = allocations_of(inv)
        for reserved in [*current.region.reserved,
                         *(r for c in current.counties.values() for r in c.reserved)]:
            if reserved.net == net:
                return WriteResult()
        block = plan.levels(net.family).block if net.family in plan.families else None
        if block is None or not Net.of(block).contains(net):
            raise AllocationError([Refusal(prefix, "is outside the region's blocks in "
                                           "address-plan.yaml")])
        allocs = reserve(current, net, description)
        report = allocate(inv, plan, allocs, today=today, pins=declared_pins(inv), fill=False)
        changed, same = write_allocations(inv, report.allocations)
        return WriteResult(changed, same, report)


def run_release(root: Path, target: str, *, today: date, force: bool = False) -> WriteResult:
    """``netctl ipam release``: free a school, a device's addresses or a reservation."""
    with ipam_lock(root), allocation_inventory(root) as inv:
        plan_of(inv)
        allocs, nets = release(inv, allocations_of(inv), target, today=today, force=force)
        changed, same = write_allocations(inv, allocs)
        return WriteResult(changed, same, None, nets)


def run_import(root: Path, source: Path, *, today: date, dry_run: bool = False) -> WriteResult:
    """``netctl ipam import``: record existing allocations (CSV or YAML), then allocate the
    rest around them."""
    with ipam_lock(root), allocation_inventory(root) as inv:
        pins, reservations = read_import(inv, source)
        allocs = allocations_of(inv)
        for net, description in reservations:
            allocs = reserve(allocs, net, description)
        plan = plan_of(inv)
        report = allocate(inv, plan, allocs, today=today, pins=[*declared_pins(inv), *pins])
        if dry_run:
            return WriteResult(report=report)
        changed, same = write_allocations(inv, report.allocations)
        return WriteResult(changed, same, report)


# ---------------------------------------------------------------------------- pins

IMPORT_COLUMNS = ("scope", "prefix", "role", "vlan")


def read_import(inv: Inventory, source: Path) -> tuple[list[Pin], list[tuple[Net, str]]]:
    """Rows of an import file → pins and reservations.

    A row is ``scope, prefix[, role[, vlan]]`` (CSV with that header, or a YAML list of
    mappings). ``scope`` is a city or county code, a school code, a node id or ``region`` (an
    infrastructure block), a hostname (an address: role ``management``, the default, or
    ``loopback``), or ``reserved`` (``role`` is then the description).

    Raises:
        AllocationError: with every bad row (file:line), nothing applied.
    """
    rows: list[tuple[int, dict[str, str]]] = []
    bad: list[Refusal] = []
    if source.suffix.lower() in (".yaml", ".yml"):
        try:
            data = read_yaml(source)
        except YamlSyntaxError as exc:
            raise AllocationError([Refusal(f"{source}:{exc.line}", exc.message)]) from None
        if not isinstance(data, list):
            raise AllocationError([Refusal(str(source), "expected a list of rows")])
        for i, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                bad.append(Refusal(f"{source} row {i}", "expected a mapping"))
                continue
            rows.append((i, {str(k): "" if v is None else str(v) for k, v in item.items()}))
    else:
        try:
            with source.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in ("scope", "prefix") if c not in (reader.fieldnames or [])]
                if missing:
                    raise AllocationError([Refusal(str(source), f"missing column(s) "
                                                   f"{', '.join(missing)}; the header is "
                                                   f"{','.join(IMPORT_COLUMNS)}")])
                rows = [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
                        for row in reader]
        except OSError as exc:
            raise AllocationError([Refusal(str(source), f"cannot read: {exc}")]) from None
    pins: list[Pin] = []
    reservations: list[tuple[Net, str]] = []
    for line, row in rows:
        where = f"{source.name}:{line}"
        try:
            net = parse_net(row.get("prefix", ""))
        except ValueError as exc:
            bad.append(Refusal(where, f"'{row.get('prefix', '')}' is not a prefix: {exc}"))
            continue
        scope, role = row.get("scope", "").strip(), row.get("role", "").strip()
        vlan_text = row.get("vlan", "").strip()
        if scope == "reserved":
            reservations.append((net, role))
            continue
        resolved = resolve_scope(inv, scope, role, net)
        if isinstance(resolved, str):
            bad.append(Refusal(where, resolved))
            continue
        scope_key, role_key = resolved
        vlan = int(vlan_text) if vlan_text.isdigit() else None
        pins.append(Pin(scope_key, role_key, net, where, vlan))
    if bad:
        raise AllocationError(bad)
    return pins, reservations


def resolve_scope(inv: Inventory, scope: str, role: str, net: Net) -> tuple[str, str] | str:
    """(pin scope, pin role) for an import row, or why the row makes no sense."""
    plan = ipam_of(inv).plan
    roles = {r.role for r in plan.roles} if plan else set()
    site_role = role or "block"
    if site_role != "block" and site_role not in roles and not (
            scope in inv.devices and site_role in ("management", "loopback")):
        return f"unknown role '{role}': use block, or one of {', '.join(sorted(roles))}"
    if scope in inv.devices:
        if not net.is_host:
            return f"{scope} is a device: give an address, not the prefix {net}"
        return f"host:{scope}", role or "management"
    if net.is_host:
        return f"{net} is an address: its scope must be a device's hostname"
    if scope == REGION:
        return f"site:{REGION}", site_role
    if scope in inv.nodes:
        return f"site:{node_county(inv, scope) or REGION}", site_role
    if scope in geo.CITIES:
        return (f"city:{scope}", "block") if site_role == "block" else (
            f"a city takes only its block, not role '{role}'")
    if scope in geo.COUNTIES:
        if site_role == "block":
            return f"county:{scope}", "block"
        return f"site:{scope}", "block" if role == "infrastructure" else site_role
    if scope in inv.schools:
        return f"site:{scope}", site_role
    return (f"unknown scope '{scope}': use a city, county or school code, a node id, "
            "'region', a hostname or 'reserved'")


def declared_pins(inv: Inventory) -> list[Pin]:
    """Prefixes declared in county files (``prefixes:`` of a school, a node or a county)."""
    pins: list[Pin] = []
    for code, s in sorted(inv.schools.items()):
        for p in s.school.prefixes:
            pins.append(Pin(f"site:{code}", p.role, Net.of(p.prefix),
                            f"{s.file.name} school {code}", p.vlan))
    for node_id, node in sorted(inv.nodes.items()):
        county = node_county(inv, node_id)
        for p in node.prefixes:
            pins.append(Pin(f"site:{county or REGION}", p.role, Net.of(p.prefix),
                            f"node {node_id}", p.vlan))
    for code, cf in sorted(inv.counties.items()):
        for p in cf.prefixes:
            role = p.role if p.role != "infrastructure" else "block"
            scope = f"county:{code}" if p.role == "block" else f"site:{code}"
            pins.append(Pin(scope, role, Net.of(p.prefix), f"{inv.county_files[code].name}",
                            p.vlan))
    return pins


def node_county(inv: Inventory, node_id: str) -> str | None:
    """The county whose file declares the node (None: region.yaml)."""
    for code, cf in inv.counties.items():
        if any(n.id == node_id for n in cf.nodes):
            return code
    return None
