"""Addresses inside a site: management and loopback addresses, services, link prefixes.

:class:`SiteAllocator` holds what every level of the allocator shares (pins, refusals, the
report) and hands out the host addresses and point-to-point prefixes inside a site's role
prefixes; :class:`netctl.ipam.allocator.Allocator` adds the blocks, level by level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from netctl.inventory.index import DeviceEntry
from netctl.ipam.allocation import AllocationReport, Pin, Refusal
from netctl.ipam.net import Family, Net, Pool, block_size
from netctl.ipam.plan import LOOPBACK, MANAGEMENT, P2P, AddressPlan
from netctl.ipam.records import REGION, LinkRecord, Pair, SiteRecord
from netctl.ipam.sites import SiteSpec

_PoolFor = Callable[[str], Pool | None]



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




class SiteAllocator:
    """The allocator's shared state, and the addresses inside a site."""

    plan: AddressPlan
    fill: bool
    refusals: list[Refusal]
    report: AllocationReport
    pins: dict[tuple[str, str, Family], Pin]
    used_pins: set[Pin]
    pinned: set[str]

    def refuse(self, scope: str, message: str, fix: str = "") -> None:
        self.refusals.append(Refusal(scope, message, fix))


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

    # -- addresses inside a site

    def _complete_hosts(self, family: Family, rec: SiteRecord, spec: SiteSpec) -> bool:
        """True when the site's records already hold every address and link of ``family`` it
        needs, and nothing else: nothing declared or pinned differs, every address lies inside
        its role prefix off the addresses kept free (network, IPv4 broadcast, a service's
        gateway address), no two overlap, no record is an orphan. :meth:`_hosts` would then
        claim them one by one and change nothing; False when it must run (it adds, refuses or
        reports)."""
        if self.pinned and any(f"host:{d.hostname}" in self.pinned for d in spec.devices):
            return False
        service_role = LOOPBACK if rec.site == REGION else self.plan.website_role
        last = 1 if family == "ipv4" else 0  # offset from the end kept free (broadcast)
        full = 128 if family == "ipv6" else 32
        used: dict[str, set[int]] = {}  # role → offsets taken in its prefix

        def place(role: str, table: dict[str, Pair], names: Iterable[str],
                  gateway_free: bool) -> bool:
            if len(table) != len(set(names)):
                return False
            p = rec.prefixes.get(role)
            prefix = p.nets.get(family) if p is not None else None
            if prefix is None:
                return not table
            taken = used.setdefault(role, set())
            top = prefix.size - 1 - last
            for name in names:
                pair = table.get(name)
                net = pair.get(family) if pair is not None else None
                if net is None or net.length != full:
                    return False
                offset = net.start - prefix.start
                if not 0 < offset <= top or offset in taken or (offset == 1 and gateway_free):
                    return False
                taken.add(offset)
            return True

        addresses = rec.addresses
        for d in spec.devices:
            declared = d.device.mgmt_ipv6 if family == "ipv6" else d.device.mgmt_ipv4
            if declared is not None:
                pair = addresses.get(d.hostname)
                net = pair.get(family) if pair is not None else None
                if net is None or net.start != int(declared):
                    return False
        if not (place(MANAGEMENT, addresses, [d.hostname for d in spec.devices], False)
                and place(LOOPBACK, rec.loopbacks, spec.routed, False)
                and place(service_role, rec.services, spec.services,
                          service_role != LOOPBACK)):
            return False
        wanted = {_key(a, b) for a, b in spec.links}
        links = rec.links
        if len(links) != len(wanted) or {x.key for x in links} != wanted:
            return False
        if not links:
            return True
        p = rec.prefixes.get(P2P)
        p2p = p.nets.get(family) if p is not None else None
        if p2p is None:
            return False
        spans = []
        for link in links:
            net = link.nets.get(family)
            if net is None:
                return False
            spans.append((net.start, net.end))
        spans.sort()
        low, high = p2p.start, p2p.end
        for start, end in spans:
            if start < low or end > high:
                return False
            low = end
        return True

    def _fresh_hosts(self, family: Family, rec: SiteRecord, spec: SiteSpec) -> bool:
        """Addresses of a site allocated just now, with nothing recorded, declared or pinned
        in it: what :meth:`_hosts` would hand out on empty pools, computed directly (the
        lowest free address is the next one). False when the site needs the general path."""
        if self.pinned and any(f"host:{d.hostname}" in self.pinned for d in spec.devices):
            return False
        for table in (rec.addresses, rec.loopbacks, rec.services):
            for v in table.values():
                if family in v:
                    return False
        for x in rec.links:
            if family in x.nets:
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
        hosts = [d.device.hostname for d in spec.devices]
        others = [h for h in hosts if h != spec.gateway]
        # capacity: anything that does not fit goes the general way, which refuses clearly
        if mgmt is not None and len(others) + 1 > mgmt.size - last:
            return False
        if loop is not None and len(spec.routed) + (
                len(spec.services) if service_role == LOOPBACK else 0) > loop.size - last:
            return False
        link_length = self.plan.levels(family).link
        link_size = block_size(family, link_length)
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
                record.nets[family] = new(Net, (family, p2p.start + i * link_size, link_length))
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
