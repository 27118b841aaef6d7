"""Counts of what the inventory holds, per region or per county/city."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from netctl.inventory.index import Inventory
from netctl.models.inventory import Role


@dataclass(frozen=True, slots=True)
class InventoryStats:
    """What ``netctl inventory stats`` prints."""

    cities: int
    counties: int
    schools: int
    nodes: int
    devices: int
    links: int
    classes: int
    teaching_rooms: int
    schools_by_category: dict[str, int] = field(default_factory=dict)
    devices_by_role: dict[str, int] = field(default_factory=dict)
    devices_by_platform: dict[str, int] = field(default_factory=dict)
    links_by_kind: dict[str, int] = field(default_factory=dict)
    aps_by_wifi: dict[str, int] = field(default_factory=dict)
    warnings: int = 0


def inventory_stats(
    inv: Inventory, county: str | None = None, city: str | None = None
) -> InventoryStats:
    """Count schools, devices and links, for the region or one county or city."""
    schools = inv.schools_in(county, city)
    devices = [
        d
        for d in inv.devices.values()
        if (county is None or d.county == county) and (city is None or d.city == city)
    ]
    hosts = {d.hostname for d in devices}
    links = [
        e.link
        for e in inv.links
        if (county is None and city is None)
        or (e.link.a.device in hosts or e.link.b.device in hosts)
    ]
    return InventoryStats(
        cities=len({s.city for s in schools} | {d.city for d in devices if d.city}),
        counties=len({s.county for s in schools} | {d.county for d in devices if d.county}),
        schools=len(schools),
        nodes=len({d.node for d in devices if d.node}),
        devices=len(devices),
        links=len(links),
        classes=sum(s.school.classes for s in schools),
        teaching_rooms=sum(s.school.teaching_rooms for s in schools),
        schools_by_category=dict(Counter(s.school.category.value for s in schools)),
        devices_by_role=dict(Counter(d.role.value for d in devices)),
        devices_by_platform=dict(Counter(d.platform.value for d in devices)),
        links_by_kind=dict(Counter(link.kind.value for link in links)),
        aps_by_wifi=dict(
            Counter(d.wifi.value for d in devices if d.role is Role.AP and d.wifi is not None)
        ),
        warnings=len(inv.warnings),
    )
