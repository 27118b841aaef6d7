"""Reservations and releases: pure functions over the records (the caller validates the result
with ``allocate(..., fill=False)`` and writes it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from netctl.inventory.index import Inventory
from netctl.ipam.allocation import AllocationError, Refusal
from netctl.ipam.net import Net, parse_net
from netctl.ipam.records import Allocations, CountyRecord, Held, Reservation, SiteRecord, clone_site


def reserve(current: Allocations, net: Net, description: str) -> Allocations:
    """Record a reservation (in the county file whose block holds it, else the region file).

    The caller validates the result with ``allocate(..., fill=False)``.
    """
    out = replace(current, counties=dict(current.counties))
    for code, county in current.counties.items():
        if any(b.contains(net) for b in county.block.values()):
            out.counties[code] = replace(county, reserved=[*county.reserved,
                                                           Reservation(net, description)])
            return out
    out.region = replace(current.region, reserved=[*current.region.reserved,
                                                   Reservation(net, description)])
    return out


def release(inv: Inventory, current: Allocations, target: str, *, today: date,
            force: bool = False) -> tuple[Allocations, list[Net]]:
    """Release a school (its whole block), a device's addresses, or a reservation (a prefix).

    Released blocks and addresses are held for the plan's hold-down before anyone else gets
    them; a reservation is simply removed.

    Raises:
        AllocationError: the target is unknown, or still in the inventory (without ``force``).
    """
    still = target in inv.schools or target in inv.devices
    if still and not force:
        where = "school" if target in inv.schools else "device"
        raise AllocationError([Refusal(
            target, f"the {where} is still in the inventory: allocate would give it a new "
            "block right away", "remove it from its county file first, or pass --force to "
            "renumber it")])
    out = replace(current, counties=dict(current.counties))
    for code, county in current.counties.items():
        if target in county.sites:
            site = county.sites[target]
            held = [Held(n, f"school {target}", today) for n in site.block.values()]
            sites = {k: v for k, v in county.sites.items() if k != target}
            out.counties[code] = replace(county, sites=sites, released=[*county.released, *held])
            return out, [h.net for h in held]
    for where, owner, site in _sites_with(current):
        nets = [n for table in (site.addresses, site.loopbacks)
                for n in table.get(target, {}).values()]
        nets += [n for link in site.links if _host(link.a) == target or _host(link.b) == target
                 for n in link.nets.values()]
        if not nets:
            continue
        new_site = clone_site(site)
        new_site.addresses.pop(target, None)
        new_site.loopbacks.pop(target, None)
        new_site.links = [x for x in new_site.links
                          if _host(x.a) != target and _host(x.b) != target]
        held = [Held(n, f"device {target}", today) for n in nets]
        if owner is None:
            out.region = replace(current.region, infrastructure=new_site,
                                 released=[*current.region.released, *held])
        elif where == "infrastructure":
            out.counties[owner.county] = replace(
                owner, infrastructure=new_site, released=[*owner.released, *held])
        else:
            out.counties[owner.county] = replace(
                owner, sites={**owner.sites, site.site: new_site},
                released=[*owner.released, *held])
        return out, nets
    try:
        net = parse_net(target)
    except ValueError:
        net = None
    if net is not None:
        for code, county in current.counties.items():
            kept = [r for r in county.reserved if r.net != net]
            if len(kept) != len(county.reserved):
                out.counties[code] = replace(county, reserved=kept)
                return out, [net]
        kept = [r for r in current.region.reserved if r.net != net]
        if len(kept) != len(current.region.reserved):
            out.region = replace(current.region, reserved=kept)
            return out, [net]
    raise AllocationError([Refusal(
        target, "nothing to release: not a school, a device or a reservation that IPAM records",
        "'netctl ipam show' lists what is recorded")])


def _host(end: str) -> str:
    return end.partition(":")[0]


def _sites_with(allocs: Allocations
                ) -> Iterable[tuple[str, CountyRecord | None, SiteRecord]]:
    if allocs.region.infrastructure is not None:
        yield "infrastructure", None, allocs.region.infrastructure
    for code in sorted(allocs.counties):
        county = allocs.counties[code]
        if county.infrastructure is not None:
            yield "infrastructure", county, county.infrastructure
        for site in county.sites.values():
            yield "site", county, site
