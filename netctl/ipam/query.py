"""Questions about the address space: show, utilisation, free blocks, and ``check``.

Everything here reads a loaded :class:`~netctl.inventory.index.Inventory` (whose ``ipam``
carries the plan and the records) and returns plain data: the CLI prints it as a table or JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netctl import geo
from netctl.inventory.index import Inventory
from netctl.ipam.merge import IpamData
from netctl.ipam.net import FAMILIES, Family, Net, Pool, gc_paused, parse_net
from netctl.ipam.plan import LOOPBACK, MANAGEMENT, P2P, AddressPlan
from netctl.ipam.records import REGION, Allocations, IpamError, SiteRecord, pair_text
from netctl.ipam.sites import in_zone, site_of, site_specs


def _data(inv: Inventory) -> IpamData:
    return inv.ipam if inv.ipam is not None else IpamData(inv.root)


def _plan(inv: Inventory) -> AddressPlan:
    plan = _data(inv).plan
    if plan is None:
        msg = f"no address plan: {inv.root / 'address-plan.yaml'} does not exist"
        raise IpamError(msg)
    return plan


@dataclass(frozen=True, slots=True)
class Item:
    """One recorded thing: a block, a role prefix, an address, a link, a reservation."""

    net: Net
    kind: str  # city county infrastructure school prefix address loopback service link
    #            reserved held
    owner: str  # city/county/school code, hostname, "link a – b", reservation text
    site: str | None = None  # the site it belongs to (for prefixes, addresses, links)
    role: str | None = None


def iter_items(allocs: Allocations) -> Iterator[Item]:
    """Every record, top-down."""
    region = allocs.region
    for code, pair in sorted(region.cities.items()):
        for net in pair.values():
            yield Item(net, "city", code)
    for code, county in sorted(allocs.counties.items()):
        for net in county.block.values():
            yield Item(net, "county", code)
    for _, rec, infra in allocs.iter_sites():
        for net in rec.block.values():
            yield Item(net, "infrastructure" if infra else "school", rec.site, rec.site)
        for role, prefix in rec.prefixes.items():
            for net in prefix.nets.values():
                yield Item(net, "prefix", rec.site, rec.site, role)
        for kind, table in (("address", rec.addresses), ("loopback", rec.loopbacks),
                            ("service", rec.services)):
            for host, pair in table.items():
                for net in pair.values():
                    yield Item(net, kind, host, rec.site)
        for link in rec.links:
            for net in link.nets.values():
                yield Item(net, "link", f"{link.a} – {link.b}", rec.site, P2P)
    reserved = [*region.reserved, *(r for c in allocs.counties.values() for r in c.reserved)]
    for r in reserved:
        yield Item(r.net, "reserved", r.description)
    held = [*region.released, *(h for c in allocs.counties.values() for h in c.released)]
    for h in held:
        kind = "held" if h.what.startswith("school") else "held-address"
        yield Item(h.net, kind, f"{h.what} (released {h.released})")


_DEPTH = {"city": 1, "county": 2, "infrastructure": 3, "school": 3, "reserved": 3, "held": 3,
          "prefix": 4, "address": 5, "loopback": 5, "service": 5, "link": 5,
          "held-address": 5}


# ---------------------------------------------------------------------------- show


def show(inv: Inventory, target: str) -> dict[str, Any]:
    """What IPAM holds for a school, a county, a city, ``region``, a device or a prefix."""
    plan = _plan(inv)
    allocs = _data(inv).allocations()
    if target == REGION:
        return _show_site(inv, plan, allocs, target)
    if target in inv.counties or target in allocs.counties:
        return _show_county(inv, plan, allocs, target)
    if target in inv.schools or allocs.site(target) is not None:
        return _show_site(inv, plan, allocs, target)
    if target in geo.CITIES:
        return _show_city(inv, plan, allocs, target)
    if target in inv.devices:
        from netctl.ipam.addresses import device_addressing

        d = device_addressing(inv, target)
        return {"device": target, "site": d.site, "mgmt_ipv6": d.mgmt_ipv6,
                "mgmt_ipv4": d.mgmt_ipv4, "loopback_ipv6": d.loopback_ipv6,
                "loopback_ipv4": d.loopback_ipv4,
                "links": [f"{x.interface or '-'} {x.ipv6 or ''} {x.ipv4 or ''} → {x.peer} "
                          f"{x.peer_interface or ''}".strip() for x in d.links],
                "vlans": [f"{v.vlan_id} {v.role} {v.ipv6 or ''} {v.ipv4 or ''} {v.mode.value}"
                          for v in d.vlans]}
    try:
        net = parse_net(target)
    except ValueError:
        msg = (f"'{target}' is not a school, county or city code, 'region', a hostname or a "
               "prefix/address")
        raise IpamError(msg) from None
    return _show_prefix(allocs, net)


def _text(net: Net | None) -> str | None:
    return str(net) if net is not None else None


def _site_rows(rec: SiteRecord) -> dict[str, Any]:
    return {
        "block": pair_text(rec.block),
        "prefixes": [{"role": role, "vlan": p.vlan, "ipv6": _text(p.nets.get("ipv6")),
                      "ipv4": _text(p.nets.get("ipv4"))} for role, p in rec.prefixes.items()],
        "addresses": [{"host": h, "ipv6": _text(v.get("ipv6")), "ipv4": _text(v.get("ipv4")),
                       "loopback_ipv6": _text(rec.loopbacks.get(h, {}).get("ipv6")),
                       "loopback_ipv4": _text(rec.loopbacks.get(h, {}).get("ipv4"))}
                      for h, v in sorted(rec.addresses.items())],
        "services": {k: pair_text(v) for k, v in sorted(rec.services.items())},
        "links": [f"{x.a} – {x.b}: {pair_text(x.nets)}" for x in sorted(rec.links,
                                                                        key=lambda x: x.key)],
    }


def _show_site(inv: Inventory, plan: AddressPlan, allocs: Allocations, code: str
               ) -> dict[str, Any]:
    rec = allocs.site(code)
    entry = inv.schools.get(code)
    out: dict[str, Any] = {"site": code,
                           "name": entry.school.name if entry else (
                               "backbone" if code == REGION else "")}
    if entry is not None:
        out["county"] = f"{entry.county} {geo.COUNTIES[entry.county].name}"
    if rec is None:
        out["allocated"] = False
        return out
    out["allocated"] = True
    out.update(_site_rows(rec))
    modes = {r.role: r.ipv6_mode.value for r in plan.roles if r.is_vlan}
    for p in out["prefixes"]:
        p["ipv6_mode"] = modes.get(p["role"], "")
    return out


def _show_county(inv: Inventory, plan: AddressPlan, allocs: Allocations, code: str
                 ) -> dict[str, Any]:
    county = allocs.counties.get(code)
    name = geo.COUNTIES[code].name if code in geo.COUNTIES else ""
    out: dict[str, Any] = {"county": code, "name": name}
    if county is None:
        out["allocated"] = False
        return out
    out["block"] = pair_text(county.block)
    out["infrastructure"] = pair_text(county.infrastructure.block) if county.infrastructure \
        else ""
    out["schools"] = [{"code": c, "name": s.label or (inv.schools[c].school.name
                                                      if c in inv.schools else ""),
                       "ipv6": _text(s.block.get("ipv6")), "ipv4": _text(s.block.get("ipv4"))}
                      for c, s in sorted(county.sites.items())]
    out["reserved"] = [f"{r.net} {r.description}".strip() for r in county.reserved]
    out["released"] = [f"{h.net} {h.what} {h.released}" for h in county.released]
    out["usage"] = [u for u in usage(inv, "county") if u.scope == code]
    return out


def _show_city(inv: Inventory, plan: AddressPlan, allocs: Allocations, code: str
               ) -> dict[str, Any]:
    return {"city": code, "name": geo.CITIES[code].name,
            "block": pair_text(allocs.region.cities.get(code, {})),
            "counties": [{"code": c, "name": geo.COUNTIES[c].name if c in geo.COUNTIES else "",
                          "block": pair_text(rec.block)}
                         for c, rec in sorted(allocs.counties.items()) if c[:4] + "00" == code]}


def _show_prefix(allocs: Allocations, net: Net) -> dict[str, Any]:
    within: list[Item] = []
    inside: list[Item] = []
    for item in iter_items(allocs):
        if item.net.contains(net):
            within.append(item)
        elif net.contains(item.net):
            inside.append(item)
    within.sort(key=lambda i: (i.net.length, _DEPTH.get(i.kind, 9)))
    inside.sort(key=lambda i: (i.net.start, i.net.length))
    return {
        "prefix": str(net),
        "held_by": [f"{i.kind} {i.owner}{f' {i.role}' if i.role else ''}: {i.net}"
                    for i in within],
        "contains": [f"{i.kind} {i.owner}{f' {i.role}' if i.role else ''}: {i.net}"
                     for i in inside[:200]],
        "contains_total": len(inside),
    }


# ---------------------------------------------------------------------------- usage, free


@dataclass(frozen=True, slots=True)
class Usage:
    """How full one block is, counted in blocks of the level below (or addresses)."""

    level: str
    scope: str
    name: str
    family: Family
    block: str
    unit: str  # "/36", "/48", "addresses"
    used: int
    capacity: int

    @property
    def percent(self) -> float:
        """Share used, 0-100."""
        return round(100.0 * self.used / self.capacity, 1) if self.capacity else 0.0


def usage(inv: Inventory, level: str = "county") -> list[Usage]:
    """Utilisation per level: ``region`` (cities, or counties without a city level), ``city``
    (counties), ``county`` (school blocks), ``school`` (management addresses)."""
    plan = _plan(inv)
    allocs = _data(inv).allocations()
    out: list[Usage] = []
    for family in plan.families:
        lv = plan.levels(family)
        region = Net.of(lv.block)
        if level == "region":
            children = list(allocs.region.cities.values()) if lv.city else [
                c.block for c in allocs.counties.values()]
            length = lv.city or lv.county
            used = sum(1 for p in children if family in p)
            out.append(Usage("region", REGION, "宁夏", family, str(region), f"/{length}",
                             used, region.size // Net(family, 0, length).size))
        elif level == "city":
            if lv.city is None:
                continue
            for code, pair in sorted(allocs.region.cities.items()):
                if family not in pair:
                    continue
                used = sum(1 for c, rec in allocs.counties.items()
                           if c[:4] + "00" == code and family in rec.block)
                out.append(Usage("city", code, geo.CITIES[code].name if code in geo.CITIES
                                 else "", family, str(pair[family]), f"/{lv.county}", used,
                                 pair[family].size // Net(family, 0, lv.county).size))
        elif level == "county":
            for code, county in sorted(allocs.counties.items()):
                if family not in county.block:
                    continue
                block = county.block[family]
                used = sum(1 for s in county.sites.values() if family in s.block)
                used += 1 if county.infrastructure and family in county.infrastructure.block \
                    else 0
                out.append(Usage("county", code, geo.COUNTIES[code].name
                                 if code in geo.COUNTIES else "", family, str(block),
                                 f"/{lv.school}", used,
                                 block.size // Net(family, 0, lv.school).size))
        elif level == "school":
            for _, rec, _ in allocs.iter_sites():
                mgmt = rec.prefixes.get(MANAGEMENT)
                net = mgmt.nets.get(family) if mgmt else None
                if net is None:
                    continue
                hosts = {v[family].start for v in rec.addresses.values() if family in v}
                hosts.add(net.start + 1)  # the gateway address
                name = rec.label or (inv.schools[rec.site].school.name
                                     if rec.site in inv.schools else "")
                out.append(Usage("school", rec.site, name, family, str(net), "addresses",
                                 len(hosts), net.size - (2 if family == "ipv4" else 1)))
        else:
            msg = f"unknown level '{level}': use region, city, county or school"
            raise IpamError(msg)
    return out


def free_blocks(inv: Inventory, target: str, length: int | None = None) -> list[Net]:
    """Available prefixes inside a block (a school, county, city code, ``region`` or a prefix):
    what no record, reservation or held block uses. With ``length``, only blocks that can
    hold a prefix of that length."""
    plan = _plan(inv)
    allocs = _data(inv).allocations()
    parents: list[Net] = []
    site = allocs.site(target) if target not in allocs.counties else None
    if target == REGION:
        parents = [Net.of(plan.levels(f).block) for f in plan.families]
    elif target in allocs.counties:
        parents = list(allocs.counties[target].block.values())
    elif target in allocs.region.cities:
        parents = list(allocs.region.cities[target].values())
    elif site is not None:
        parents = list(site.block.values())
    else:
        try:
            parents = [parse_net(target)]
        except ValueError:
            msg = f"'{target}' is not an allocated school, county, city, 'region' or a prefix"
            raise IpamError(msg) from None
    items = list(iter_items(allocs))
    out: list[Net] = []
    for parent in parents:
        pool = Pool(parent)
        inside = sorted((i.net for i in items
                         if parent.contains(i.net) and i.net != parent),
                        key=lambda n: (n.start, n.length))
        for n in inside:
            pool.claim(n, "")  # nested ones fail to claim: their parent already covers them
        out.extend(pool.free(length))
    return out


# ---------------------------------------------------------------------------- check


@dataclass(frozen=True, slots=True)
class CheckFinding:
    """One problem ``netctl ipam check`` reports."""

    severity: str  # "error" | "warning"
    kind: str  # overlap outside orphan duplicate unallocated drift
    scope: str
    message: str
    fix: str = ""
    file: str | None = None


@dataclass(slots=True)
class CheckReport:
    """Every finding, with counts."""

    findings: list[CheckFinding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Number of error findings."""
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        """Number of warnings."""
        return sum(1 for f in self.findings if f.severity == "warning")

    def add(self, severity: str, kind: str, scope: str, message: str, fix: str = "",
            file: Path | None = None) -> None:
        """Record a finding."""
        self.findings.append(CheckFinding(severity, kind, scope, message, fix,
                                          str(file) if file else None))


def check(inv: Inventory) -> CheckReport:
    """Overlaps, records outside their parent, addresses outside their school's block,
    orphans (records of things gone from the inventory), duplicates, and what is not allocated
    yet or differs from the plan."""
    plan = _plan(inv)
    data = _data(inv)
    allocs = data.allocations()
    report = CheckReport()
    files = data.files

    def file_of(county: str | None) -> Path | None:
        return files.get(county or "region")

    with gc_paused():
        _check_tree(plan, allocs, report, file_of)
        _check_overlaps(allocs, report)
        _check_inventory(inv, plan, allocs, report, file_of)
    report.findings.sort(key=lambda f: (f.severity != "error", f.kind, f.scope, f.message))
    return report


def _check_tree(plan: AddressPlan, allocs: Allocations, report: CheckReport,
                file_of: Any) -> None:
    region_blocks = {f: Net.of(plan.levels(f).block) for f in plan.families}

    def inside(child: Net, parent: Net | None, what: str, parent_what: str, scope: str,
               county: str | None) -> None:
        if parent is None:
            report.add("error", "outside", scope, f"{what} {child} has no {child.family} "
                       f"{parent_what} to live in", "release it, or allocate its parent",
                       file_of(county))
        elif not parent.contains(child):
            report.add("error", "outside", scope, f"{what} {child} is outside its "
                       f"{parent_what} {parent}",
                       "release it and allocate again, or fix the record", file_of(county))

    for code, pair in sorted(allocs.region.cities.items()):
        for fam, net in pair.items():
            inside(net, region_blocks.get(fam), f"city {code}", "region block", code, None)
    for code, county in sorted(allocs.counties.items()):
        for fam, net in county.block.items():
            lv_city = plan.levels(fam).city if fam in plan.families else None
            parent = allocs.region.cities.get(code[:4] + "00", {}).get(fam) if lv_city \
                else region_blocks.get(fam)
            inside(net, parent, f"county {code}", "city block" if lv_city else "region block",
                   code, code)
    for county_code, rec, infra in allocs.iter_sites():
        what = "infrastructure" if infra else "school"
        if county_code is None:
            parents = {f: region_blocks.get(f) for f in FAMILIES}
        else:
            parents = {f: allocs.counties[county_code].block.get(f) for f in FAMILIES}
        for fam, net in rec.block.items():
            inside(net, parents.get(fam), f"{what} {rec.site} block",
                   "county block" if county_code else "region block", rec.site, county_code)
        for role, prefix in rec.prefixes.items():
            for fam, net in prefix.nets.items():
                inside(net, rec.block.get(fam), f"{role} prefix", f"{what} block", rec.site,
                       county_code)
        service_role = LOOPBACK if rec.site == REGION else plan.website_role
        for kind, role, table in (("management address", MANAGEMENT, rec.addresses),
                                  ("loopback", LOOPBACK, rec.loopbacks),
                                  ("service address", service_role, rec.services)):
            for host, pair in table.items():
                for fam, net in pair.items():
                    rp = rec.prefixes.get(role)
                    inside(net, rp.nets.get(fam) if rp else None, f"{kind} of {host}",
                           f"{role} prefix", rec.site, county_code)
        for link in rec.links:
            for fam, net in link.nets.items():
                rp = rec.prefixes.get(P2P)
                inside(net, rp.nets.get(fam) if rp else None, f"link {link.a} – {link.b}",
                       "p2p prefix", rec.site, county_code)


def _check_overlaps(allocs: Allocations, report: CheckReport) -> None:
    groups: dict[tuple[Family, str], list[Item]] = defaultdict(list)
    for item in iter_items(allocs):
        if item.kind in ("city", "county"):
            groups[(item.net.family, item.kind)].append(item)
        elif item.kind in ("infrastructure", "school", "reserved", "held"):
            groups[(item.net.family, "site")].append(item)
        elif item.kind == "prefix":
            groups[(item.net.family, f"prefix:{item.site}")].append(item)
        elif item.kind in ("address", "loopback", "service", "link", "held-address"):
            groups[(item.net.family, "host")].append(item)
    for (_, _), items in sorted(groups.items()):
        items.sort(key=lambda i: (i.net.start, -i.net.size))
        reach: Item | None = None
        for item in items:
            if reach is not None and item.net.start < reach.net.end:
                if {reach.kind, item.kind} <= {"reserved", "held", "held-address"}:
                    continue  # two reservations may nest
                if item.kind in ("reserved", "held") and reach.net.contains(item.net) \
                        and item.net != reach.net:
                    continue  # reserved inside a site's block: kept free inside that site
                label = "duplicate" if item.net == reach.net and item.net.is_host else "overlap"
                report.add("error", label, item.owner,
                           f"{_describe(item)} overlaps {_describe(reach)}",
                           "each prefix or address belongs to one owner: release one of them")
            if reach is None or item.net.end > reach.net.end:
                reach = item


def _describe(item: Item) -> str:
    role = f" {item.role}" if item.role else ""
    site = f" (site {item.site})" if item.site and item.site != item.owner else ""
    return f"{item.kind} {item.owner}{role} {item.net}{site}"


def _check_inventory(inv: Inventory, plan: AddressPlan, allocs: Allocations,
                     report: CheckReport, file_of: Any) -> None:
    specs = site_specs(inv, plan)
    for code in sorted(allocs.counties):
        if code not in inv.counties:
            report.add("error", "orphan", code, f"county {code} has records but no county file",
                       f"release its schools, or restore counties/{code}.yaml", file_of(code))
    for county_code, rec, infra in allocs.iter_sites():
        spec = specs.get(rec.site)
        moved = (not infra and rec.site in inv.schools
                 and inv.schools[rec.site].county != county_code)
        if spec is None or moved:
            what = "infrastructure of" if infra else "school"
            now = f" (it is now in county {inv.schools[rec.site].county})" if moved else ""
            report.add("error", "orphan", rec.site,
                       f"{what} {rec.site} has a block ({pair_text(rec.block)}) but is not in "
                       f"the inventory{now}", f"netctl ipam release {rec.site}",
                       file_of(county_code))
            continue
        here = {d.hostname for d in spec.devices}
        for kind, table, wanted in (("management address", rec.addresses, here),
                                    ("loopback", rec.loopbacks, set(spec.routed)),
                                    ("service", rec.services, set(spec.services))):
            for host in sorted(set(table) - wanted):
                where = f" (now at {site_of(inv.devices[host])})" if host in inv.devices else ""
                report.add("error", "orphan", host, f"{kind} {pair_text(table[host])} of "
                           f"{host} in {rec.site}, which has no such device{where}",
                           f"netctl ipam release {host}", file_of(county_code))
        wanted_links = {(a, b) if a <= b else (b, a) for a, b in spec.links}
        for link in rec.links:
            if link.key not in wanted_links:
                report.add("error", "orphan", f"{link.a} – {link.b}",
                           f"link {pair_text(link.nets)} is not a point-to-point link of the "
                           "inventory any more", f"netctl ipam release {link.a.partition(':')[0]}",
                           file_of(county_code))
        recorded_links = {link.key for link in rec.links}
        for a, b in spec.links:
            if ((a, b) if a <= b else (b, a)) not in recorded_links:
                report.add("warning", "unallocated", rec.site, f"link {a} – {b} has no "
                           "point-to-point prefix", "netctl ipam allocate", file_of(county_code))
        for host in spec.routed:
            if host not in rec.loopbacks:
                report.add("warning", "unallocated", host, "no loopback",
                           "netctl ipam allocate", file_of(county_code))
        _check_drift(plan, rec, infra, report, file_of(county_code))
    for code, spec in sorted(specs.items()):
        if spec.kind == "school" and allocs.site(code) is None:
            report.add("warning", "unallocated", code, f"school {code} {spec.label} has no "
                       "block", "netctl ipam allocate", file_of(spec.county))
    _check_devices(inv, plan, allocs, report, file_of)


def _check_drift(plan: AddressPlan, rec: SiteRecord, infra: bool, report: CheckReport,
                 file: Path | None) -> None:
    for family in plan.families:
        lv = plan.levels(family)
        net = rec.block.get(family)
        if net is not None and net.length != lv.school:
            report.add("warning", "drift", rec.site, f"{family} block {net} is a /{net.length};"
                       f" the plan gives a /{lv.school}", "fine for imported blocks", file)
    for role in plan.site_roles(infra):
        prefix = rec.prefixes.get(role.role)
        if prefix is None:
            if any(role.length(f) is not None for f in plan.families) and rec.block:
                report.add("warning", "unallocated", rec.site, f"no '{role.role}' prefix",
                           "netctl ipam allocate", file)
            continue
        if role.vlan is not None and prefix.vlan != role.vlan:
            report.add("warning", "drift", rec.site, f"'{role.role}' is VLAN {prefix.vlan}; "
                       f"the plan says {role.vlan}", "the record keeps the VLAN it was given",
                       file)


def _check_devices(inv: Inventory, plan: AddressPlan, allocs: Allocations, report: CheckReport,
                   file_of: Any) -> None:
    seen: dict[tuple[str, int], str] = {}
    zone = inv.defaults.zone
    for entry in inv.devices.values():
        site = site_of(entry)
        rec = allocs.site(site)
        mgmt = rec.prefixes.get(MANAGEMENT) if rec else None
        declared: tuple[tuple[Family, Any], ...] = (("ipv6", entry.device.mgmt_ipv6),
                                                    ("ipv4", entry.device.mgmt_ipv4))
        for fam, addr in declared:
            if addr is None:
                if rec is not None and fam in plan.families:
                    report.add("warning", "unallocated", entry.hostname,
                               f"no {fam} management address", "netctl ipam allocate",
                               file_of(entry.county))
                continue
            key = (fam, int(addr))
            if key in seen and seen[key] != entry.hostname:
                report.add("error", "duplicate", entry.hostname, f"management address {addr} "
                           f"is also {seen[key]}'s", "give each device its own address",
                           entry.file)
            seen[key] = entry.hostname
            net = Net.of(addr)
            block = rec.block.get(fam) if rec else None
            prefix = mgmt.nets.get(fam) if mgmt else None
            if block is not None and not block.contains(net):
                report.add("error", "outside", entry.hostname,
                           f"management address {addr} is outside its site {site}'s block "
                           f"{block}", "remove the declared address and let IPAM choose, or "
                           "import the site's real prefixes", entry.file)
            elif prefix is not None and not prefix.contains(net):
                report.add("error", "outside", entry.hostname,
                           f"management address {addr} is outside the management prefix "
                           f"{prefix} of {site}", "use an address of the management VLAN",
                           entry.file)
    for s in inv.schools.values():
        if s.school.website and not in_zone(s.school.website, zone):
            report.add("warning", "unregistered", s.code, f"website {s.school.website} is not "
                       f"in the education zone {zone}", f"register a name under {zone}",
                       s.file)
