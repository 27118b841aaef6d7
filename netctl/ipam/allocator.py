"""The allocator: blocks level by level (region, city, county, school, role prefixes), then
each site's addresses (:mod:`netctl.ipam.site_alloc`). Used through
:func:`netctl.ipam.allocate.allocate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from netctl import geo
from netctl.inventory.index import Inventory
from netctl.ipam.allocation import AllocationError, AllocationReport, Pin, Refusal
from netctl.ipam.net import Family, Net, Pool, make_net
from netctl.ipam.plan import AddressPlan, RolePlan
from netctl.ipam.records import (
    REGION,
    Allocations,
    CountyRecord,
    Held,
    RegionRecord,
    Reservation,
    RolePrefix,
    SiteRecord,
    clone_site,
)
from netctl.ipam.site_alloc import SiteAllocator, _Extra, _Slot
from netctl.ipam.sites import SiteSpec, site_specs

FAST_PATHS = True
"""Compute new sites' layouts and addresses directly (tests compare with the general path)."""


class Allocator(SiteAllocator):
    """One allocation run (see :func:`netctl.ipam.allocate.allocate`)."""

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
        # each county's school codes (the county loop runs once per county and family: a scan
        # of every school each time was 130,000 steps on a region)
        self._school_codes: dict[str, set[str]] = {}
        for code, entry in inv.schools.items():
            self._school_codes.setdefault(entry.county, set()).add(code)


    def _active(self, held: list[Held]) -> list[Held]:
        keep = [h for h in held
                if h.released + timedelta(days=self.plan.hold_down_days) > self.today]
        self.report.expired_holds += len(held) - len(keep)
        return keep

    def _clone(self, cur: Allocations) -> Allocations:
        region = RegionRecord(
            {c: dict(p) for c, p in cur.region.cities.items()},
            clone_site(cur.region.infrastructure) if cur.region.infrastructure else None,
            list(cur.region.reserved), self._active(cur.region.released),
        )
        counties = {
            code: CountyRecord(
                code, dict(c.block),
                clone_site(c.infrastructure) if c.infrastructure else None,
                {k: clone_site(s) for k, s in c.sites.items()},
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
        here = self._school_codes.get(code, set())
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
        if (FAST_PATHS and spec is not None and not extras
                and f"site:{rec.site}" not in self.pinned
                and _laid_out(family, rec, block, roles)):
            # a site whose role prefixes are all recorded, in plan order, inside its block and
            # apart: the general path below would claim them and change nothing
            if not self._complete_hosts(family, rec, spec):
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


def _city(county: str) -> str:
    return county[:4] + "00"


def _get(rec: SiteRecord | None, family: Family) -> Net | None:
    return rec.block.get(family) if rec is not None else None



def _laid_out(family: Family, rec: SiteRecord, block: Net, roles: list[RolePlan]) -> bool:
    """True when ``rec`` holds a prefix of ``family`` for exactly the roles of the plan that
    have a length in it, in plan order (as the record files are written), each inside ``block``
    and none overlapping another: claiming them one by one would find nothing to refuse."""
    prefixes = rec.prefixes
    if len(prefixes) != len(roles):
        return False
    spans: list[tuple[int, int]] = []
    for role, (name, prefix) in zip(roles, prefixes.items(), strict=True):
        net = prefix.nets.get(family)
        if role.role != name or (net is None) != (role.length(family) is None):
            return False
        if net is not None:
            spans.append((net.start, net.end))
    spans.sort()
    low, high = block.start, block.end
    for start, end in spans:
        if start < low or end > high:
            return False
        low = end
    return True


def _in_plan_order(prefixes: dict[str, RolePrefix], roles: list[RolePlan]
                   ) -> dict[str, RolePrefix]:
    order = {r.role: i for i, r in enumerate(roles)}
    return dict(sorted(prefixes.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
