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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from netctl import geo
from netctl.exceptions import NetctlError
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.ipam.net import Family, Net, Pool, gc_paused, make_net, parse_net
from netctl.ipam.plan import LOOPBACK, MANAGEMENT, P2P, AddressPlan, RolePlan
from netctl.ipam.records import (
    REGION,
    Allocations,
    CountyRecord,
    Held,
    LinkRecord,
    Pair,
    RegionRecord,
    Reservation,
    RolePrefix,
    SiteRecord,
)
from netctl.models.inventory import Endpoint, Link, Role

ROLE_RANK: dict[Role, int] = {
    Role.BACKBONE: 0, Role.METRO: 1, Role.CORE: 2, Role.GATEWAY: 2, Role.FIREWALL: 3,
}
"""On a point-to-point link, the end closer to the backbone takes the first address."""

_PoolFor = Callable[[str], Pool | None]

FAST_PATHS = True
"""Compute new sites' layouts and addresses directly (tests compare with the general path)."""

SITE_GATEWAY_ROLE = {"school": Role.GATEWAY, "county": Role.METRO, "region": Role.BACKBONE}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Something allocation will not do, with the reason and how to fix it."""

    scope: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{self.scope}: {self.message}{fix}"


class AllocationError(NetctlError):
    """Allocation refused: carries every refusal; nothing was written."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        lines = [str(r) for r in self.refusals]
        super().__init__(f"{len(lines)} refusal(s), nothing written:\n  " + "\n  ".join(lines))


@dataclass(frozen=True, slots=True)
class Pin:
    """A value decided outside the allocator: an import row, a prefix declared in a county file.

    ``scope`` is ``city:<code>``, ``county:<code>``, ``site:<school code|county code|region>``
    or ``host:<hostname>``; ``role`` is ``block`` (the scope's own block), a role of the plan
    (a site's prefix), or ``management`` / ``loopback`` (a host's address).
    """

    scope: str
    role: str
    net: Net
    source: str
    vlan: int | None = None


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


@dataclass(slots=True)
class AllocationReport:
    """The new records and what changed."""

    allocations: Allocations
    added: Counter[str] = field(default_factory=Counter)
    expired_holds: int = 0
    orphans: list[str] = field(default_factory=list)


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
    for entry in sorted(inv.devices.values(), key=lambda d: d.hostname):
        by_site.setdefault(site_of(entry), []).append(entry)
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
        gateway = next((d.hostname for d in devices if d.role is gw_role), None)
        l3 = [(ROLE_RANK.get(d.role, 9), d.hostname) for d in devices if d.role in routed]
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
    ends = sorted([(ROLE_RANK.get(a.role, 9), endpoint_text(link.a)),
                   (ROLE_RANK.get(b.role, 9), endpoint_text(link.b))])
    return site, ends[0][1], ends[1][1]


# ---------------------------------------------------------------------------- the allocator


@dataclass(slots=True)
class _Slot:
    """One thing at one level that has (or needs) a block."""

    key: str
    owner: str
    net: Net | None
    pin: Pin | None = None
    wanted: bool = True
    extras: list[_Extra] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Extra:
    """A reservation or a held block: space nobody may be given."""

    net: Net
    owner: str
    reservation: bool


class _Allocator:
    def __init__(self, inv: Inventory, plan: AddressPlan, current: Allocations,
                 pins: Sequence[Pin], today: date, fill: bool) -> None:
        self.inv = inv
        self.plan = plan
        self.today = today
        self.fill = fill
        self.refusals: list[Refusal] = []
        self.report = AllocationReport(Allocations())
        self.pins: dict[tuple[str, str, Family], Pin] = {}
        for pin in pins:
            key = (pin.scope, pin.role, pin.net.family)
            other = self.pins.get(key)
            if other is not None and other.net != pin.net:
                self.refuse(pin.scope, f"{pin.source} sets {pin.role} to {pin.net} but "
                            f"{other.source} sets it to {other.net}", "keep one of them")
            self.pins[key] = pin
        self.used_pins: set[Pin] = set()
        self.pinned = {scope for scope, _, _ in self.pins}
        self._orders: dict[tuple[Family, bool], tuple[list[RolePlan], list[RolePlan]]] = {}
        self._layouts: dict[tuple[Family, bool, int],
                            list[tuple[str, int, int, int | None]]] = {}
        self.specs = site_specs(inv, plan)
        self.out = self._clone(current)

    # -- helpers

    def refuse(self, scope: str, message: str, fix: str = "") -> None:
        self.refusals.append(Refusal(scope, message, fix))

    def _active(self, held: list[Held]) -> list[Held]:
        keep = [h for h in held
                if h.released + timedelta(days=self.plan.hold_down_days) > self.today]
        self.report.expired_holds += len(held) - len(keep)
        return keep

    def _clone(self, cur: Allocations) -> Allocations:
        region = RegionRecord(
            {c: dict(p) for c, p in cur.region.cities.items()},
            _clone_site(cur.region.infrastructure) if cur.region.infrastructure else None,
            list(cur.region.reserved), self._active(cur.region.released),
        )
        counties = {
            code: CountyRecord(
                code, dict(c.block),
                _clone_site(c.infrastructure) if c.infrastructure else None,
                {k: _clone_site(s) for k, s in c.sites.items()},
                list(c.reserved), self._active(c.released),
                geo.COUNTIES[code].name if code in geo.COUNTIES else "",
            )
            for code, c in cur.counties.items()
        }
        return Allocations(region, counties)

    def _extras(self, reserved: Iterable[Reservation], held: Iterable[Held], family: Family
                ) -> list[_Extra]:
        out = [_Extra(r.net, f"reservation {r.net} ({r.description})".replace(" ()", ""), True)
               for r in reserved if r.net.family == family]
        out += [_Extra(h.net, f"{h.what} (released {h.released}, held "
                              f"{self.plan.hold_down_days} days)", False)
                for h in held if h.net.family == family]
        return out

    def _fill(self, pool: Pool, groups: Sequence[tuple[Sequence[_Slot], int, str]],
              extras: Sequence[_Extra], scope: str) -> None:
        """Claim recorded blocks, extras and pins in ``pool``; then give missing slots the
        lowest free block, group by group (each group: slots, prefix length, what they are)."""
        slots = [s for group, _, _ in groups for s in group]
        for s in slots:
            if s.net is None:
                continue
            if s.pin is not None:
                self.used_pins.add(s.pin)
                if s.pin.net != s.net:
                    self.refuse(s.owner, f"{s.pin.source} says {s.pin.net}, but it already "
                                f"has {s.net}", f"release it first ('netctl ipam release "
                                f"{s.key}')")
            why = pool.claim(s.net, s.owner)
            if why is not None:
                self._conflict(s.owner, s.net, why, scope)
        pending: list[_Extra] = []
        for e in extras:
            home = next((s for s in slots if s.net is not None and s.net.contains(e.net)), None)
            if home is not None and home.net == e.net and e.reservation:
                self._conflict(e.owner, e.net, home.owner, scope)  # reserving what is in use
            elif home is not None:
                home.extras.append(e)
            else:
                pending.append(e)
        for s in slots:
            if s.net is None and s.pin is not None:
                self.used_pins.add(s.pin)
                why = pool.claim(s.pin.net, s.owner)
                if why is None:
                    s.net = s.pin.net
                    self.report.added["imported"] += 1
                else:
                    self._conflict(f"{s.owner} ({s.pin.source})", s.pin.net, why, scope)
        # a reservation or held block keeps new blocks off it, unless a new block is larger
        # and holds it whole: then it is passed down to that block
        avoid = [e.net for e in pending]
        for group, length, what in groups if self.fill else ():
            missing = [s for s in group if s.net is None and s.wanted]
            for taken, s in enumerate(missing):
                s.net = pool.take(length, s.owner, avoid)
                if s.net is None:
                    have = sum(1 for x in group if x.wanted and x.net is not None) - taken
                    self.refuse(
                        scope, f"out of {what}: needs {have + len(missing)}, has "
                        f"{have + taken} (/{length} in {pool.parent})",
                        "give the level above a larger block or this one a smaller block in "
                        "address-plan.yaml, or release blocks no longer used",
                    )
                    break
                self.report.added[what] += 1
        for e in pending:
            home = next((s for s in slots if s.net is not None and s.net.contains(e.net)), None)
            if home is not None:
                home.extras.append(e)
            else:
                self._claim_extra(pool, e, scope)

    def _claim_extra(self, pool: Pool, extra: _Extra, scope: str) -> None:
        why = pool.claim(extra.net, extra.owner)
        if why is not None and extra.reservation:
            self._conflict(extra.owner, extra.net, why, scope)

    def _conflict(self, owner: str, net: Net, why: str, scope: str) -> None:
        if why.startswith("outside"):
            self.refuse(owner, f"{net} leaves its parent: it is {why} ({scope})",
                        "release it, or import it where it belongs")
        else:
            self.refuse(owner, f"{net} overlaps {why}",
                        "each prefix belongs to one owner: release or re-import one of them")

    # -- levels

    def run(self) -> AllocationReport:
        for family in self.plan.families:
            self._region(family)
        for key, pin in sorted(self.pins.items()):
            if pin not in self.used_pins:
                self.refuse(pin.scope, f"{pin.source}: {pin.role} {pin.net} was not applied: "
                            f"{key[0]} has no {pin.net.family} parent block, or takes no "
                            f"'{pin.role}'", "check the scope and role, or allocate its parent")
        self.report.allocations = self.out
        return self.report

    def _region(self, family: Family) -> None:
        lv = self.plan.levels(family)
        region = Net.of(lv.block)
        pool = Pool(region)
        rec = self.out.region
        infra = _Slot(REGION, "region infrastructure", _get(rec.infrastructure, family),
                      self.pins.get((f"site:{REGION}", "block", family)))
        inv_counties = set(self.inv.counties)
        counties = sorted(inv_counties | set(self.out.counties))
        extras = self._extras(rec.reserved, rec.released, family)
        if lv.city is not None:
            cities = sorted({_city(c) for c in counties} | set(rec.cities))
            wanted = {_city(c) for c in inv_counties}
            slots = [_Slot(c, f"city {c}", rec.cities.get(c, {}).get(family),
                           self.pins.get((f"city:{c}", "block", family)), c in wanted)
                     for c in cities]
            self._fill(pool, [([infra], lv.school, "infrastructure blocks"),
                              (slots, lv.city, f"{family} city blocks")], extras, "region")
            for s in slots:
                if s.net is not None:
                    rec.cities.setdefault(s.key, {})[family] = s.net
            by_city = {s.key: s for s in slots}
            for city in cities:
                s = by_city[city]
                members = [c for c in counties if _city(c) == city]
                if s.net is not None:
                    self._parent_of_counties(family, s.net, f"city {city}", members, s.extras,
                                             lv.county)
        else:
            self._parent_of_counties(family, region, "region", counties, extras, lv.county,
                                     infra)
        if infra.net is not None:
            site = rec.infrastructure or SiteRecord(REGION, label="backbone")
            rec.infrastructure = site
            site.block[family] = infra.net
            self._site(family, site, self.specs.get(REGION), infra.extras, infrastructure=True)

    def _parent_of_counties(self, family: Family, parent: Net, scope: str,
                            counties: list[str], extras: list[_Extra], length: int,
                            infra: _Slot | None = None) -> None:
        pool = Pool(parent)
        slots = []
        for code in counties:
            cur = self.out.counties.get(code)
            slots.append(_Slot(code, f"county {code}", cur.block.get(family) if cur else None,
                               self.pins.get((f"county:{code}", "block", family)),
                               code in self.inv.counties))
        groups: list[tuple[Sequence[_Slot], int, str]] = []
        if infra is not None:
            groups.append(([infra], self.plan.levels(family).school, "infrastructure blocks"))
        groups.append((slots, length, f"{family} county blocks"))
        self._fill(pool, groups, extras, scope)
        for s in slots:
            if s.net is None:
                continue
            rec = self.out.counties.get(s.key)
            if rec is None:
                rec = self.out.counties[s.key] = CountyRecord(
                    s.key, label=geo.COUNTIES[s.key].name if s.key in geo.COUNTIES else "")
            rec.block[family] = s.net
            self._county(family, rec, s.extras)

    def _county(self, family: Family, rec: CountyRecord, extras: list[_Extra]) -> None:
        lv = self.plan.levels(family)
        code = rec.county
        pool = Pool(rec.block[family])
        in_inventory = code in self.inv.counties
        infra = _Slot(code, f"infrastructure of county {code}", _get(rec.infrastructure, family),
                      self.pins.get((f"site:{code}", "block", family)), in_inventory)
        schools = [s.code for s in self.inv.schools_in(county=code)]
        here = set(schools)
        orphans = sorted(set(rec.sites) - here)
        slots = [
            _Slot(c, f"school {c}", _get(rec.sites.get(c), family),
                  self.pins.get((f"site:{c}", "block", family)), c in here)
            for c in sorted(here | set(orphans))
        ]
        if family == self.plan.families[0]:
            self.report.orphans += [f"school {c} (county {code})" for c in orphans]
        extras = extras + self._extras(rec.reserved, rec.released, family)
        name = geo.COUNTIES[code].name if code in geo.COUNTIES else ""
        self._fill(pool, [([infra], lv.school, "infrastructure blocks"),
                          (slots, lv.school, f"{family} school blocks")],
                   extras, f"county {code} {name}".strip())
        if infra.net is not None:
            site = rec.infrastructure or SiteRecord(code, label=f"{name} infrastructure")
            rec.infrastructure = site
            site.block[family] = infra.net
            self._site(family, site, self.specs.get(code) if in_inventory else None,
                       infra.extras, infrastructure=True)
        for s in slots:
            if s.net is None:
                continue
            school = rec.sites.get(s.key)
            if school is None:
                school = rec.sites[s.key] = SiteRecord(s.key)
            spec = self.specs.get(s.key)
            if spec is not None:
                school.label = spec.label
            school.block[family] = s.net
            self._site(family, school, spec if s.wanted else None, s.extras,
                       infrastructure=False)

    def _role_order(self, family: Family, infrastructure: bool
                    ) -> tuple[list[RolePlan], list[RolePlan]]:
        """The roles of a site in plan order, and in allocation order (largest first)."""
        key = (family, infrastructure)
        if key not in self._orders:
            roles = self.plan.site_roles(infrastructure)
            order = sorted(
                ((r, i) for i, r in enumerate(roles) if r.length(family) is not None),
                key=lambda ri: (ri[0].length(family) or 0, ri[1]),
            )
            self._orders[key] = (roles, [r for r, _ in order])
        return self._orders[key]

    def _layout(self, family: Family, infrastructure: bool, length: int
                ) -> list[tuple[str, int, int, int | None]]:
        """(role, offset, length, VLAN) of each role prefix inside an empty site block, in plan
        order: what the general path below gives a new site, computed once per block size."""
        key = (family, infrastructure, length)
        if key not in self._layouts:
            pool = Pool(Net(family, 0, length))
            taken: dict[str, tuple[str, int, int, int | None]] = {}
            roles, order = self._role_order(family, infrastructure)
            for role in order:
                plen = role.length(family) or 0
                net = pool.take(plen, role.role)
                if net is None:
                    msg = f"the {family} roles do not fit a /{length} block"
                    raise AllocationError([Refusal("address-plan.yaml", msg)])
                taken[role.role] = (role.role, net.start, plen, role.vlan)
            self._layouts[key] = [taken[r.role] for r in roles if r.role in taken]
        return self._layouts[key]

    def _site(self, family: Family, rec: SiteRecord, spec: SiteSpec | None,
              extras: list[_Extra], *, infrastructure: bool) -> None:
        block = rec.block[family]
        what = f"school {rec.site}" if not infrastructure else (
            "region infrastructure" if rec.site == REGION else f"infrastructure of {rec.site}")
        roles, order = self._role_order(family, infrastructure)
        if (FAST_PATHS and spec is not None and not extras
                and f"site:{rec.site}" not in self.pinned
                and all(family not in p.nets for p in rec.prefixes.values())):
            # a new site: the layout inside its block is the same for every site of this size
            layout = self._layout(family, infrastructure, block.length)
            ordered: dict[str, RolePrefix] = {}
            for name, offset, length, vlan in layout:  # in plan order
                rp = rec.prefixes.get(name) or RolePrefix(vlan, {})
                rp.nets[family] = make_net(family, block.start + offset, length)
                ordered[name] = rp
            self.report.added["role prefixes"] += len(layout)
            for name, other in rec.prefixes.items():  # roles the plan no longer has
                ordered.setdefault(name, other)
            rec.prefixes = ordered
            if not self._fresh_hosts(family, rec, spec):
                self._hosts(family, rec, spec, {}, what)
            return
        pool = Pool(block)
        groups: list[tuple[Sequence[_Slot], int, str]] = []
        slots: dict[str, _Slot] = {}
        for role in order:
            cur = rec.prefixes.get(role.role)
            slot = _Slot(role.role, f"{what} {role.role}", cur.nets.get(family) if cur else None,
                         self.pins.get((f"site:{rec.site}", role.role, family)),
                         spec is not None)
            slots[role.role] = slot
            groups.append(([slot], role.length(family) or 0, "role prefixes"))
        for name, old in rec.prefixes.items():  # roles no longer in the plan stay claimed
            if name not in slots and family in old.nets:
                slots[name] = _Slot(name, f"{what} {name}", old.nets[family], wanted=False)
                groups.append(([slots[name]], old.nets[family].length, "role prefixes"))
        self._fill(pool, groups, extras, what)
        for name, slot in slots.items():
            if slot.net is None:
                continue
            prefix = rec.prefixes.get(name)
            if prefix is None:
                plan_role = self.plan.role(name)
                vlan = slot.pin.vlan if slot.pin and slot.pin.vlan else (
                    plan_role.vlan if plan_role else None)
                prefix = rec.prefixes[name] = RolePrefix(vlan, {})
            prefix.nets[family] = slot.net
        rec.prefixes = _in_plan_order(rec.prefixes, roles)
        self._hosts(family, rec, spec, slots, what)

    # -- addresses inside a site

    def _fresh_hosts(self, family: Family, rec: SiteRecord, spec: SiteSpec) -> bool:
        """Addresses of a site allocated just now, with nothing recorded, declared or pinned
        in it: what :meth:`_hosts` would hand out on empty pools, computed directly (the
        lowest free address is the next one). False when the site needs the general path."""
        if self.pinned and any(f"host:{d.hostname}" in self.pinned for d in spec.devices):
            return False
        if any(family in v for t in (rec.addresses, rec.loopbacks, rec.services)
               for v in t.values()) or any(family in x.nets for x in rec.links):
            return False
        for d in spec.devices:
            if (d.device.mgmt_ipv6 if family == "ipv6" else d.device.mgmt_ipv4) is not None:
                return False
        last = 2 if family == "ipv4" else 1  # network (and broadcast) addresses stay free
        cursor: dict[str, int] = {}  # role → next free offset in its prefix

        def prefix(role: str) -> Net | None:
            p = rec.prefixes.get(role)
            return p.nets.get(family) if p is not None else None

        mgmt = prefix(MANAGEMENT)
        loop = prefix(LOOPBACK)
        service_role = LOOPBACK if rec.site == REGION else self.plan.website_role
        service = prefix(service_role)
        p2p = prefix(P2P)
        hosts = [d.hostname for d in spec.devices]
        others = [h for h in hosts if h != spec.gateway]
        # capacity: anything that does not fit goes the general way, which refuses clearly
        if mgmt is not None and len(others) + 1 > mgmt.size - last:
            return False
        if loop is not None and len(spec.routed) + (
                len(spec.services) if service_role == LOOPBACK else 0) > loop.size - last:
            return False
        link_size = Net(family, 0, self.plan.levels(family).link).size
        if p2p is not None and len(spec.links) * link_size > p2p.size:
            return False
        full = 128 if family == "ipv6" else 32
        new = tuple.__new__
        if mgmt is not None:
            table = rec.addresses
            base = mgmt.start
            if spec.gateway is not None:
                table.setdefault(spec.gateway, {})[family] = new(Net, (family, base + 1, full))
            for i, host in enumerate(others, start=2):
                table.setdefault(host, {})[family] = new(Net, (family, base + i, full))
            cursor[MANAGEMENT] = len(others) + 2
            self.report.added["addresses"] += len(hosts)
        if loop is not None:
            base = loop.start
            for i, host in enumerate(spec.routed, start=1):
                rec.loopbacks.setdefault(host, {})[family] = new(Net, (family, base + i, full))
            cursor[LOOPBACK] = len(spec.routed) + 1
            self.report.added["addresses"] += len(spec.routed)
        if service is not None and spec.services:
            first = cursor.get(service_role, 1 if service_role == LOOPBACK else 2)
            if first + len(spec.services) > service.size - last + 1:
                return False
            for i, name in enumerate(sorted(spec.services), start=first):
                rec.services.setdefault(name, {})[family] = new(Net, (family, service.start + i,
                                                                      full))
            self.report.added["addresses"] += len(spec.services)
        if p2p is not None:
            by_key = {x.key: x for x in rec.links}
            for i, (a, b) in enumerate(sorted(spec.links, key=lambda ab: _key(*ab))):
                if " | " in a + b or "\n" in a + b:
                    return False
                record = by_key.get(_key(a, b))
                if record is None:
                    record = by_key[_key(a, b)] = LinkRecord(a, b, {})
                    rec.links.append(record)
                record.nets[family] = Net(family, p2p.start + i * link_size,
                                          self.plan.levels(family).link)
                self.report.added["links"] += 1
        return True

    def _hosts(self, family: Family, rec: SiteRecord, spec: SiteSpec | None,
               slots: dict[str, _Slot], what: str) -> None:
        pools: dict[str, Pool] = {}
        extras = [e for s in slots.values() for e in s.extras]

        def pool_for(role: str) -> Pool | None:
            if role in pools:
                return pools[role]
            p = rec.prefixes.get(role)
            net = p.nets.get(family) if p else None
            if net is None:
                return None
            pool = pools[role] = Pool(net)
            pool.claim(net.host(0), "the network address")
            if family == "ipv4":
                pool.claim(net.host(net.size - 1), "the broadcast address")
            for e in extras:
                if net.contains(e.net):
                    why = pool.claim(e.net, e.owner)
                    if why is not None and e.reservation:
                        self._conflict(e.owner, e.net, why, what)
            return pool

        devices = {d.hostname: d for d in spec.devices} if spec else {}
        self._addresses(family, rec, spec, devices, pool_for, what)
        self._loopbacks(family, rec, spec, pool_for, what)
        self._services(family, rec, spec, pool_for, what)
        self._links(family, rec, spec, pool_for, what)

    def _claim_all(self, family: Family, table: dict[str, Pair], pool: Pool | None,
                   kind: str, what: str, keep: set[str]) -> None:
        for host in sorted(table):
            net = table[host].get(family)
            if net is None:
                continue
            if pool is None:
                self.refuse(f"{what} {host}", f"{kind} {net} has no {family} prefix to live in")
                continue
            why = pool.claim(net, f"{host} ({kind})")
            if why is not None:
                self._conflict(f"{host} ({kind})", net, why, what)
            if host not in keep and family == self.plan.families[0]:
                self.report.orphans.append(f"{kind} of {host} ({what})")

    def _addresses(self, family: Family, rec: SiteRecord, spec: SiteSpec | None,
                   devices: dict[str, DeviceEntry], pool_for: _PoolFor, what: str) -> None:
        pool = pool_for(MANAGEMENT)
        # declared addresses (county files) win over recorded ones; imports fill gaps
        for host, entry in devices.items():
            declared = entry.device.mgmt_ipv6 if family == "ipv6" else entry.device.mgmt_ipv4
            pin = self.pins.get((f"host:{host}", MANAGEMENT, family))
            recorded = rec.addresses.get(host, {}).get(family)
            want = Net.of(declared) if declared is not None else None
            if pin is not None:
                self.used_pins.add(pin)
            if want is None and pin is not None:
                if recorded is not None and recorded != pin.net:
                    self.refuse(f"device {host}", f"{pin.source} says {pin.net}, but IPAM "
                                f"has {recorded}", f"release it first ('netctl ipam release "
                                f"{host}')")
                want = pin.net
            if want is not None and want != recorded:
                mgmt = pool.parent if pool else None
                if mgmt is None or not mgmt.contains(want):
                    self.refuse(f"device {host}", f"management address {want} is outside "
                                f"{what}'s management prefix {mgmt or '(none)'}",
                                f"declare an address inside {mgmt}, or remove it and let "
                                "IPAM choose" if mgmt else "allocate the site first")
                    continue
                rec.addresses.setdefault(host, {})[family] = want
                self.report.added["imported"] += 1
        self._claim_all(family, rec.addresses, pool, "management", what, set(devices))
        if pool is None or not self.fill or spec is None:
            return
        gateway_addr = pool.parent.host(1)
        missing = [h for h in sorted(devices) if family not in rec.addresses.get(h, {})]
        if spec.gateway in missing and pool.conflict(gateway_addr) is None:
            pool.claim(gateway_addr, f"{spec.gateway} (management)")
            rec.addresses.setdefault(spec.gateway, {})[family] = gateway_addr
            self.report.added["addresses"] += 1
            missing.remove(spec.gateway)
        if pool.conflict(gateway_addr) is None:
            pool.claim(gateway_addr, "the gateway address")
        self._take_hosts(family, pool, missing, rec.addresses, "management", what)

    def _take_hosts(self, family: Family, pool: Pool, hosts: list[str],
                    table: dict[str, Pair], kind: str, what: str) -> None:
        full = 128 if family == "ipv6" else 32
        for i, host in enumerate(hosts):
            net = pool.take(full, f"{host} ({kind})")
            if net is None:
                have = sum(1 for v in table.values() if family in v) - i
                self.refuse(what, f"{kind} prefix {pool.parent} is full: needs "
                            f"{have + len(hosts)} addresses, has {have + i}",
                            f"make the '{kind}' role larger in address-plan.yaml (new schools), "
                            "or release addresses of devices that are gone")
                return
            table.setdefault(host, {})[family] = net
            self.report.added["addresses"] += 1

    def _loopbacks(self, family: Family, rec: SiteRecord, spec: SiteSpec | None,
                   pool_for: _PoolFor, what: str) -> None:
        order = list(spec.routed) if spec else []
        routed = set(order)
        pool = pool_for(LOOPBACK)
        for host in order:
            pin = self.pins.get((f"host:{host}", LOOPBACK, family))
            recorded = rec.loopbacks.get(host, {}).get(family)
            if pin is not None:
                self.used_pins.add(pin)
            if pin is not None and recorded is None:
                rec.loopbacks.setdefault(host, {})[family] = pin.net
            elif pin is not None and recorded != pin.net:
                self.refuse(f"device {host}", f"{pin.source} says loopback {pin.net}, but "
                            f"IPAM has {recorded}", f"release it first ('netctl ipam release "
                            f"{host}')")
        self._claim_all(family, rec.loopbacks, pool, "loopback", what, routed)
        if pool is None or not self.fill:
            return
        missing = [h for h in order if family not in rec.loopbacks.get(h, {})]
        self._take_hosts(family, pool, missing, rec.loopbacks, "loopback", what)

    def _services(self, family: Family, rec: SiteRecord, spec: SiteSpec | None,
                  pool_for: _PoolFor, what: str) -> None:
        wanted = set(spec.services) if spec else set()
        role = LOOPBACK if rec.site == REGION else self.plan.website_role
        pool = pool_for(role)
        if pool is not None and role != LOOPBACK:
            gateway_addr = pool.parent.host(1)
            if pool.conflict(gateway_addr) is None:
                pool.claim(gateway_addr, "the gateway address")
        self._claim_all(family, rec.services, pool, "service", what, wanted)
        if pool is None or not self.fill:
            return
        missing = [s for s in sorted(wanted) if family not in rec.services.get(s, {})]
        self._take_hosts(family, pool, missing, rec.services, role, what)

    def _links(self, family: Family, rec: SiteRecord, spec: SiteSpec | None,
               pool_for: _PoolFor, what: str) -> None:
        wanted = {(_key(a, b)): (a, b) for a, b in (spec.links if spec else ())}
        p = rec.prefixes.get(P2P)
        parent = p.nets.get(family) if p else None
        pool = Pool(parent) if parent is not None else None
        by_key = {link.key: link for link in rec.links}
        for key in sorted(by_key):
            link = by_key[key]
            net = link.nets.get(family)
            if net is None:
                continue
            if pool is None:
                self.refuse(f"{what} link {link.a} – {link.b}", f"{net} has no p2p prefix")
                continue
            why = pool.claim(net, f"link {link.a} – {link.b}")
            if why is not None:
                self._conflict(f"link {link.a} – {link.b}", net, why, what)
            if key not in wanted and family == self.plan.families[0]:
                self.report.orphans.append(f"link {link.a} – {link.b} ({what})")
        if pool is None or not self.fill:
            return
        length = self.plan.levels(family).link
        missing = [k for k in sorted(wanted)
                   if k not in by_key or family not in by_key[k].nets]
        for i, k in enumerate(missing):
            record = by_key.get(k)
            if record is None:
                a, b = wanted[k]
                if " | " in a + b or "\n" in a + b:
                    self.refuse(f"link {a} – {b}", "an interface name holds ' | ' or a line "
                                "break, which the record files use as separators",
                                "rename the interface in the county file")
                    continue
                record = by_key[k] = LinkRecord(a, b, {})
                rec.links.append(record)
            net = pool.take(length, f"link {record.a} – {record.b}")
            if net is None:
                have = sum(1 for x in wanted if x in by_key and family in by_key[x].nets) - i
                self.refuse(what, f"p2p prefix {pool.parent} is out of /{length} links: needs "
                            f"{have + len(missing)}, has {have + i}",
                            "make the 'p2p' role larger in address-plan.yaml")
                return
            record.nets[family] = net
            self.report.added["links"] += 1


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _city(county: str) -> str:
    return county[:4] + "00"


def _get(rec: SiteRecord | None, family: Family) -> Net | None:
    return rec.block.get(family) if rec is not None else None


def _clone_site(rec: SiteRecord) -> SiteRecord:
    return SiteRecord(
        rec.site, dict(rec.block),
        {k: RolePrefix(p.vlan, dict(p.nets)) for k, p in rec.prefixes.items()},
        loopbacks={k: dict(v) for k, v in rec.loopbacks.items()},
        services={k: dict(v) for k, v in rec.services.items()},
        links=[LinkRecord(x.a, x.b, dict(x.nets)) for x in rec.links],
        label=rec.label,
        _addresses={k: dict(v) for k, v in rec.addresses.items()},
    )


def _in_plan_order(prefixes: dict[str, RolePrefix], roles: list[RolePlan]
                   ) -> dict[str, RolePrefix]:
    order = {r.role: i for i, r in enumerate(roles)}
    return dict(sorted(prefixes.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


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
        alloc = _Allocator(inv, plan, current, pins, today, fill)
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


# ---------------------------------------------------------------------------- reserve, release


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
        new_site = _clone_site(site)
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
