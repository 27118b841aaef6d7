"""Allocation: give every city, county, school, VLAN, device and link its prefix or address.

:func:`allocate` is a pure function: (inventory, plan, current records, pins, today) → new
records. It never moves anything already recorded. At every level (region → city → county →
school → role prefix → host address) it first claims what is recorded, then reservations and
held (recently released) blocks, then pinned values (imports, addresses declared in county
files), and only then hands out the lowest free aligned block to what is still missing, in a
fixed order: city code, county code, school code, role (largest prefix first, then plan order),
hostname. So re-running changes nothing, and a new school takes the next free block while every
other school keeps its own.

Anything that cannot be done is a :class:`Refusal`; :func:`allocate` collects all of them and
raises one :class:`AllocationError`, and nothing is written.

The work is split by responsibility: :mod:`netctl.ipam.sites` (what each site needs),
:mod:`netctl.ipam.allocator` (blocks, level by level), :mod:`netctl.ipam.site_alloc` (addresses
inside a site), :mod:`netctl.ipam.release` (reservations and releases),
:mod:`netctl.ipam.allocation` (pins, the report, refusals). This module is the entry point and
re-exports their public names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from netctl.inventory.index import Inventory
from netctl.ipam.allocation import AllocationError, AllocationReport, Pin, Refusal
from netctl.ipam.allocator import Allocator
from netctl.ipam.net import gc_paused
from netctl.ipam.plan import AddressPlan
from netctl.ipam.records import Allocations
from netctl.ipam.release import release, reserve
from netctl.ipam.sites import (
    ROLE_RANK,
    SITE_GATEWAY_ROLE,
    SiteSpec,
    endpoint_text,
    in_zone,
    site_gateways,
    site_of,
    site_specs,
)

__all__ = ["ROLE_RANK", "SITE_GATEWAY_ROLE", "AllocationError", "AllocationReport", "Pin",
           "Refusal", "SiteSpec", "allocate", "endpoint_text", "in_zone", "release", "reserve",
           "site_gateways", "site_of", "site_specs"]


def allocate(inv: Inventory, plan: AddressPlan, current: Allocations, *, today: date,
             pins: Sequence[Pin] = (), fill: bool = True) -> AllocationReport:
    """Allocate everything the inventory needs; never move what ``current`` records.

    With ``fill=False`` nothing new is handed out: recorded values, reservations and pins are
    only checked (what ``reserve`` and ``import`` do before they write).

    Raises:
        AllocationError: with every refusal (overlap, outside its parent, out of blocks, a
            declared address outside its prefix, an import that contradicts a record).
    """
    with gc_paused():
        alloc = Allocator(inv, plan, current, pins, today, fill)
        report = alloc.run()
    if alloc.refusals:
        raise AllocationError(_dedupe(alloc.refusals))
    return report


def _dedupe(refusals: list[Refusal]) -> list[Refusal]:
    seen: set[Refusal] = set()
    out = []
    for r in refusals:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out
