"""Sites: what the inventory says each site needs addresses for.

A site is a school, a county's infrastructure (its metro nodes) or the region's (the backbone);
:func:`site_specs` lists each one's devices, routed devices, point-to-point links and services,
in the fixed order the allocator hands out addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from netctl import geo
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.ipam.plan import AddressPlan
from netctl.ipam.records import REGION
from netctl.models.inventory import Endpoint, Link, Role

ROLE_RANK: dict[Role, int] = {
    Role.BACKBONE: 0, Role.METRO: 1, Role.CORE: 2, Role.GATEWAY: 2, Role.FIREWALL: 3,
}
"""On a point-to-point link, the end closer to the backbone takes the first address."""


SITE_GATEWAY_ROLE = {"school": Role.GATEWAY, "county": Role.METRO, "region": Role.BACKBONE}


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """What the inventory says a site needs: its devices, routed devices, links, services."""

    site: str
    kind: str  # "school" | "county" (a county's infrastructure) | "region"
    county: str | None
    label: str
    devices: tuple[DeviceEntry, ...]
    gateway: str | None
    routed: tuple[str, ...]
    links: tuple[tuple[str, str], ...]  # (first end, second end)
    services: tuple[str, ...]

    @property
    def infrastructure(self) -> bool:
        """True for a county's or the region's infrastructure block."""
        return self.kind != "school"



def endpoint_text(end: Endpoint) -> str:
    """``hostname:interface`` (or ``hostname``), as link records name an end."""
    return str(end)


def in_zone(name: str | None, zone: str) -> bool:
    """True when ``name`` is ``zone`` or a name under it."""
    if not name:
        return False
    name, zone = name.lower().rstrip("."), zone.lower().rstrip(".")
    return name == zone or name.endswith("." + zone)


def site_of(entry: DeviceEntry) -> str:
    """The IPAM site of a device: its school code, its county (a node in a county file) or
    ``region`` (a node in region.yaml)."""
    if entry.school is not None:
        return entry.school
    return entry.county or REGION


def site_specs(inv: Inventory, plan: AddressPlan) -> dict[str, SiteSpec]:
    """Every site the inventory needs addresses for, keyed by site id."""
    routed = set(plan.routed_roles)
    by_site: dict[str, list[DeviceEntry]] = {}
    devices = inv.devices
    for host in sorted(devices):  # keyed by hostname: hostname order
        entry = devices[host]
        site = entry.school  # site_of, inlined (~30,000 devices)
        if site is None:
            site = entry.county or REGION
        list_ = by_site.get(site)
        if list_ is None:
            by_site[site] = [entry]
        else:
            list_.append(entry)
    links: dict[str, list[tuple[str, str]]] = {}
    for le in inv.links:
        pair = _p2p_ends(inv, le.link, routed)
        if pair is None:
            continue
        site, first, second = pair
        links.setdefault(site, []).append((first, second))
    zone = inv.defaults.zone
    specs: dict[str, SiteSpec] = {}

    def make(site: str, kind: str, county: str | None, label: str, services: tuple[str, ...]
             ) -> None:
        devices = tuple(by_site.get(site, ()))  # in hostname order
        gw_role = SITE_GATEWAY_ROLE[kind]
        gateway: str | None = None
        l3: list[tuple[int, str]] = []
        for d in devices:
            device = d.device
            role = device.role
            if gateway is None and role is gw_role:
                gateway = device.hostname
            if role in routed:
                l3.append((ROLE_RANK.get(role, 9), device.hostname))
        site_links = links.get(site)
        specs[site] = SiteSpec(
            site, kind, county, label, devices, gateway, tuple(h for _, h in sorted(l3)),
            tuple(sorted(set(site_links))) if site_links else (), services,
        )

    make(REGION, "region", None, "backbone", tuple(plan.dns.nameservers))
    for code in sorted(inv.counties):
        make(code, "county", code, f"{geo.COUNTIES[code].name} infrastructure", ())
    for code in sorted(inv.schools):
        s = inv.schools[code]
        website = ("website",) if in_zone(s.school.website, zone) else ()
        make(code, "school", s.county, s.school.name, website)
    return specs


def site_gateways(inv: Inventory) -> dict[str, str]:
    """Each site's gateway (as :func:`site_specs` chooses it: the first device, by hostname,
    with the site's gateway role), without the rest of the specs."""
    roles = {Role.GATEWAY: "school", Role.METRO: "county", Role.BACKBONE: "region"}
    out: dict[str, str] = {}
    for entry in inv.devices.values():
        kind = roles.get(entry.role)
        if kind is None:
            continue
        site = site_of(entry)
        if kind != ("school" if entry.school else "county" if entry.county else "region"):
            continue
        current = out.get(site)
        if current is None or entry.hostname < current:
            out[site] = entry.hostname
    return out


def _p2p_ends(inv: Inventory, link: Link, routed: set[Role]) -> tuple[str, str, str] | None:
    if link.a.device is None or link.b.device is None:
        return None
    a, b = inv.devices.get(link.a.device), inv.devices.get(link.b.device)
    if a is None or b is None or a.role not in routed or b.role not in routed:
        return None
    if a.school is not None:
        site = a.school
    elif b.school is not None:
        site = b.school
    else:
        site = a.county or b.county or REGION
    ends = sorted([(ROLE_RANK.get(a.device.role, 9), _device_end(link.a)),
                   (ROLE_RANK.get(b.device.role, 9), _device_end(link.b))])
    return site, ends[0][1], ends[1][1]


def _device_end(end: Endpoint) -> str:
    """:func:`endpoint_text` of an end that names a device (``Endpoint.__str__`` inlined)."""
    if end.provider is not None:  # never with a device (the model refuses both)
        return str(end)
    return f"{end.device}:{end.interface}" if end.interface else str(end.device)
