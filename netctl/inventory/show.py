"""Describe one object of the inventory (what ``netctl inventory show`` prints)."""

from __future__ import annotations

from typing import Any

from netctl import geo
from netctl.exceptions import NetctlError
from netctl.inventory.index import Inventory


class NotFoundError(NetctlError):
    """The name matches no school, device, node or county."""


def _prefixes(inv: Inventory, code: str, pinned: list[str]) -> list[str]:
    """The school's prefixes as IPAM holds them (what ``ipam show`` lists), else the pinned ones."""
    from netctl.ipam import query  # IPAM reads the inventory; only `show` needs it here

    try:
        held = query.show(inv, code).get("prefixes", [])
    except NetctlError:
        return pinned
    out = [" ".join(str(v) for v in (p["role"], p.get("vlan"), p.get("ipv6"), p.get("ipv4"))
                    if v) for p in held]
    return out or pinned


def describe(inv: Inventory, name: str) -> dict[str, Any]:
    """A plain dict describing a school, device, node or county named ``name``."""
    if name in inv.schools:
        s = inv.schools[name]
        school = s.school
        return {
            "school": school.code,
            "name": school.name,
            "county": f"{s.county} {geo.COUNTIES[s.county].name}",
            "city": f"{s.city} {geo.CITIES[s.city].name}",
            "category": f"{school.category.value} ({school.category.zh})",
            "stage": f"{school.stage.value} ({school.stage.zh})",
            "classes": school.classes,
            "teaching_rooms": school.teaching_rooms,
            "digital_classrooms": school.digital_classrooms,
            "website": school.website or "",
            "file": str(s.file),
            "devices": [
                f"{d.hostname} {d.role.value} {d.platform.value} {d.device.model or ''}".rstrip()
                for d in inv.devices_at(school.code)
            ],
            "links": [
                f"{link.kind.value} {link.a} ↔ {link.b} {link.mbps or ''}".rstrip()
                for link in inv.links_at(school.code)
            ],
            "prefixes": _prefixes(inv, school.code, [f"{p.prefix} {p.role} (pinned in the "
                                                     "inventory)" for p in school.prefixes]),
        }
    if name in inv.devices:
        d = inv.devices[name]
        dev = d.device
        return {
            "hostname": dev.hostname,
            "role": d.role.value,
            "platform": d.platform.value,
            "model": dev.model or "",
            "site": d.site,
            "county": d.county or "",
            "city": d.city or "",
            "mgmt_ipv4": str(dev.mgmt_ipv4 or ""),
            "mgmt_ipv6": str(dev.mgmt_ipv6 or ""),
            "credentials": dev.credentials or inv.defaults.credentials or "",
            "wifi": d.wifi.value if d.wifi else "",
            "room": dev.room or "",
            "controller": dev.controller or "",
            "file": str(d.file),
            "interfaces": [
                f"{i.name} {i.role.value if i.role else ''} {i.description or ''}".rstrip()
                for i in dev.interfaces
            ],
        }
    if name in inv.nodes:
        node = inv.nodes[name]
        return {
            "node": node.id,
            "kind": node.kind.value,
            "name": node.name,
            "devices": [f"{d.hostname} {d.role.value}" for d in inv.devices_at(node.id)],
            "links": [f"{link.kind.value} {link.a} ↔ {link.b}" for link in inv.links_at(node.id)],
        }
    if name in inv.counties:
        schools = inv.schools_in(county=name)
        return {
            "county": name,
            "name": geo.COUNTIES[name].name,
            "city": geo.city_of(name).name,
            "file": str(inv.county_files[name]),
            "schools": [f"{s.code} {s.school.name}" for s in schools],
        }
    msg = f"'{name}' is not a school code, hostname, node id or county code of the inventory"
    raise NotFoundError(msg)
