"""The addresses devices are configured with, derived from IPAM's records.

Config templates (``netctl.config``) take every address from here, never from hand-written
files:

- :func:`device_addressing` ``(inv, hostname) -> DeviceAddressing``: one device's management
  and loopback addresses, its VLAN interfaces (the site's gateway carries every VLAN of the
  school) and both ends of each of its point-to-point links, with the prefixes behind the peer;
- :func:`site_addressing` ``(inv, site) -> SiteAddressing``: a whole school (or a county's or
  the region's infrastructure block): VLAN interfaces, links, every device, services.

Shapes are documented in ``docs/ipam.md``. Both raise :class:`IpamError` for an unknown name;
an inventory without a plan or records gives empty addressing (nothing allocated yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)

from netctl.inventory.index import Inventory
from netctl.ipam.merge import IpamData
from netctl.ipam.net import Net
from netctl.ipam.plan import MANAGEMENT, AddressPlan, Ipv6Mode
from netctl.ipam.records import REGION, IpamError, LinkRecord, Pair, SiteRecord
from netctl.ipam.sites import ROLE_RANK, SiteSpec, site_of, site_specs
from netctl.models.inventory import Role


@dataclass(frozen=True, slots=True)
class VlanAddressing:
    """One VLAN interface of a site's gateway (an SVI): its gateway addresses and IPv6 mode."""

    role: str
    vlan_id: int
    name: str
    ipv6: IPv6Interface | None  # the gateway address with the prefix, e.g. 2001:db8:1001:1::1/64
    ipv4: IPv4Interface | None  # e.g. 10.4.4.1/24
    mode: Ipv6Mode

    @property
    def prefix(self) -> IPv6Network | None:
        """The VLAN's IPv6 prefix."""
        return self.ipv6.network if self.ipv6 else None

    @property
    def prefix_ipv4(self) -> IPv4Network | None:
        """The VLAN's IPv4 subnet."""
        return self.ipv4.network if self.ipv4 else None

    @property
    def ra(self) -> bool:
        """Router advertisements carry this prefix."""
        return self.mode.ra

    @property
    def managed_flag(self) -> bool:
        """RA M flag (addresses by DHCPv6)."""
        return self.mode.managed_flag

    @property
    def other_flag(self) -> bool:
        """RA O flag (DNS and other settings by DHCPv6)."""
        return self.mode.other_flag

    @property
    def autoconfig(self) -> bool:
        """Prefix A flag (SLAAC)."""
        return self.mode.autoconfig


@dataclass(frozen=True, slots=True)
class LinkEnd:
    """One end of a point-to-point link."""

    hostname: str
    interface: str | None
    ipv6: IPv6Interface | None  # e.g. 2001:db8:1001:6::/127
    ipv4: IPv4Interface | None  # e.g. 10.4.7.0/31


@dataclass(frozen=True, slots=True)
class PointToPoint:
    """A point-to-point link: ``a`` (closer to the backbone) has the first address."""

    a: LinkEnd
    b: LinkEnd
    prefix_ipv6: IPv6Network | None
    prefix_ipv4: IPv4Network | None
    site: str

    def end(self, hostname: str) -> LinkEnd:
        """The end on ``hostname``."""
        return self.a if self.a.hostname == hostname else self.b

    def peer(self, hostname: str) -> LinkEnd:
        """The end facing ``hostname``."""
        return self.b if self.a.hostname == hostname else self.a


@dataclass(frozen=True, slots=True)
class LinkAddressing:
    """A point-to-point link seen from one device: local addresses and the peer's."""

    interface: str | None
    peer: str
    peer_interface: str | None
    ipv6: IPv6Interface | None
    peer_ipv6: IPv6Address | None
    ipv4: IPv4Interface | None
    peer_ipv4: IPv4Address | None
    routed_prefixes: list[IPv6Network] = field(default_factory=list)
    routed_prefixes_ipv4: list[IPv4Network] = field(default_factory=list)
    """Blocks behind the peer when the peer is downstream in another site (a metro node's
    link to a school: the school's block), for static routing."""


@dataclass(frozen=True, slots=True)
class ServiceAddressing:
    """A service address of a site (``website`` of a school; ``ns1``… of the region)."""

    name: str
    ipv6: IPv6Address | None
    ipv4: IPv4Address | None


@dataclass(frozen=True, slots=True)
class DeviceAddressing:
    """Everything IPAM gives one device."""

    hostname: str
    site: str
    mgmt_ipv6: IPv6Address | None = None
    mgmt_ipv4: IPv4Address | None = None
    mgmt_prefix_ipv6: IPv6Network | None = None
    mgmt_prefix_ipv4: IPv4Network | None = None
    mgmt_gateway_ipv6: IPv6Address | None = None  # the management VLAN's gateway (not on itself)
    mgmt_gateway_ipv4: IPv4Address | None = None
    mgmt_vlan: int | None = None
    loopback_ipv6: IPv6Address | None = None  # a /128
    loopback_ipv4: IPv4Address | None = None  # a /32, also the router-id
    site_prefix: IPv6Network | None = None  # the site's whole block
    site_prefix_ipv4: IPv4Network | None = None
    vlans: list[VlanAddressing] = field(default_factory=list)  # only on the site's gateway
    links: list[LinkAddressing] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SiteAddressing:
    """Everything IPAM gives one site (a school, or an infrastructure block)."""

    site: str
    kind: str  # "school" | "county" (its metro nodes) | "region" (the backbone)
    county: str | None
    name: str
    block_ipv6: IPv6Network | None
    block_ipv4: IPv4Network | None
    gateway: str | None  # the device that carries the VLAN interfaces
    vlans: list[VlanAddressing]
    links: list[PointToPoint]
    devices: dict[str, DeviceAddressing]
    services: dict[str, ServiceAddressing]

    def device(self, hostname: str) -> DeviceAddressing:
        """One device of the site."""
        return self.devices[hostname]


# ---------------------------------------------------------------------------- building

def _v6(pair: Pair | None) -> Net | None:
    return pair.get("ipv6") if pair else None


def _v4(pair: Pair | None) -> Net | None:
    return pair.get("ipv4") if pair else None


def _addr6(net: Net | None) -> IPv6Address | None:
    return IPv6Address(net.start) if net is not None else None


def _addr4(net: Net | None) -> IPv4Address | None:
    return IPv4Address(net.start) if net is not None else None


def _net6(net: Net | None) -> IPv6Network | None:
    return IPv6Network((net.start, net.length)) if net is not None else None


def _net4(net: Net | None) -> IPv4Network | None:
    return IPv4Network((net.start, net.length)) if net is not None else None


def _gateway_iface6(net: Net | None) -> IPv6Interface | None:
    return IPv6Interface((net.start + 1, net.length)) if net is not None else None


def _gateway_iface4(net: Net | None) -> IPv4Interface | None:
    return IPv4Interface((net.start + 1, net.length)) if net is not None else None


def _ends(net: Net | None) -> tuple[int, int] | None:
    """Offsets of the two ends in a link prefix: /127 and /31 use both addresses, /126 and
    /30 the two between the network and the last address."""
    if net is None:
        return None
    return (0, 1) if net.size == 2 else (1, 2)


def _link_end(host_end: str, nets: Pair, which: int) -> LinkEnd:
    host, _, iface = host_end.partition(":")
    v6, v4 = _v6(nets), _v4(nets)
    o6, o4 = _ends(v6), _ends(v4)
    return LinkEnd(
        host, iface or None,
        IPv6Interface((v6.start + o6[which], v6.length)) if v6 is not None and o6 else None,
        IPv4Interface((v4.start + o4[which], v4.length)) if v4 is not None and o4 else None,
    )


def point_to_point(link: LinkRecord, site: str) -> PointToPoint:
    """Both ends of a recorded link."""
    return PointToPoint(_link_end(link.a, link.nets, 0), _link_end(link.b, link.nets, 1),
                        _net6(_v6(link.nets)), _net4(_v4(link.nets)), site)


def _ipam(inv: Inventory) -> IpamData:
    return inv.ipam if inv.ipam is not None else IpamData(inv.root)


def cached_site_specs(inv: Inventory, plan: AddressPlan) -> dict[str, SiteSpec]:
    """:func:`~netctl.ipam.allocate.site_specs`, computed once per loaded inventory."""
    cache = _ipam(inv).cache
    specs: dict[str, SiteSpec] | None = cache.get("specs")  # one read: release() may clear it
    if specs is None:
        specs = cache["specs"] = site_specs(inv, plan)
    return specs


def _links_by_host(inv: Inventory) -> dict[str, list[tuple[str, LinkRecord]]]:
    data = _ipam(inv)
    found: dict[str, list[tuple[str, LinkRecord]]] | None = data.cache.get("links_by_host")
    if found is None:  # one read: release() may clear the cache meanwhile
        found = {}
        for _, rec, _ in data.allocations().iter_sites():
            for link in rec.links:
                for end in (link.a, link.b):
                    found.setdefault(end.partition(":")[0], []).append((rec.site, link))
        data.cache["links_by_host"] = found
    return found


def _vlans(rec: SiteRecord, plan: AddressPlan) -> list[VlanAddressing]:
    out = []
    for role, prefix in rec.prefixes.items():
        plan_role = plan.role(role)
        vlan = prefix.vlan if prefix.vlan is not None else (plan_role.vlan if plan_role else None)
        if vlan is None or (plan_role is not None and not plan_role.is_vlan):
            continue
        out.append(VlanAddressing(
            role, vlan, (plan_role.description if plan_role else None) or role,
            _gateway_iface6(_v6(prefix.nets)), _gateway_iface4(_v4(prefix.nets)),
            plan_role.ipv6_mode if plan_role else Ipv6Mode.NONE,
        ))
    return sorted(out, key=lambda v: v.vlan_id)


def _served(inv: Inventory, host: str) -> tuple[list[IPv6Network], list[IPv4Network]]:
    """The blocks a device routes for (a school gateway: its school; a metro: its county)."""
    entry = inv.devices.get(host)
    if entry is None:
        return [], []
    allocs = _ipam(inv).allocations()
    block: Pair = {}
    if entry.school is not None and entry.role in (Role.GATEWAY, Role.CORE):
        rec = allocs.site(entry.school)
        block = rec.block if rec else {}
    elif entry.role is Role.METRO and entry.county in allocs.counties:
        block = allocs.counties[entry.county].block
    six, four = _net6(_v6(block)), _net4(_v4(block))
    return ([six] if six else []), ([four] if four else [])


def _rank(inv: Inventory, host: str) -> int:
    entry = inv.devices.get(host)
    return ROLE_RANK.get(entry.role, 9) if entry else 9


def _device(inv: Inventory, plan: AddressPlan, rec: SiteRecord | None, hostname: str,
            gateway: str | None) -> DeviceAddressing:
    site = rec.site if rec else ""
    if rec is None:
        return DeviceAddressing(hostname, site)
    mgmt = rec.prefixes.get(MANAGEMENT)
    m6, m4 = _v6(mgmt.nets) if mgmt else None, _v4(mgmt.nets) if mgmt else None
    a6, a4 = _v6(rec.addresses.get(hostname)), _v4(rec.addresses.get(hostname))
    g6 = IPv6Address(m6.start + 1) if m6 is not None else None
    g4 = IPv4Address(m4.start + 1) if m4 is not None else None
    links: list[LinkAddressing] = []
    my_rank = _rank(inv, hostname)
    my_site = site_of(inv.devices[hostname]) if hostname in inv.devices else site
    for link_site, link in _links_by_host(inv).get(hostname, []):
        p2p = point_to_point(link, link_site)
        mine, peer = p2p.end(hostname), p2p.peer(hostname)
        routed6: list[IPv6Network] = []
        routed4: list[IPv4Network] = []
        peer_entry = inv.devices.get(peer.hostname)
        if (peer_entry is not None and _rank(inv, peer.hostname) > my_rank
                and site_of(peer_entry) != my_site):
            routed6, routed4 = _served(inv, peer.hostname)
        links.append(LinkAddressing(
            mine.interface, peer.hostname, peer.interface, mine.ipv6,
            peer.ipv6.ip if peer.ipv6 else None, mine.ipv4, peer.ipv4.ip if peer.ipv4 else None,
            routed6, routed4,
        ))
    links.sort(key=lambda x: (x.interface or "", x.peer))
    loop = rec.loopbacks.get(hostname)
    return DeviceAddressing(
        hostname, site,
        mgmt_ipv6=_addr6(a6), mgmt_ipv4=_addr4(a4),
        mgmt_prefix_ipv6=_net6(m6), mgmt_prefix_ipv4=_net4(m4),
        mgmt_gateway_ipv6=g6 if a6 is not None and g6 != _addr6(a6) else None,
        mgmt_gateway_ipv4=g4 if a4 is not None and g4 != _addr4(a4) else None,
        mgmt_vlan=mgmt.vlan if mgmt else None,
        loopback_ipv6=_addr6(_v6(loop)), loopback_ipv4=_addr4(_v4(loop)),
        site_prefix=_net6(_v6(rec.block)), site_prefix_ipv4=_net4(_v4(rec.block)),
        vlans=_vlans(rec, plan) if hostname == gateway else [],
        links=links,
    )


def device_addressing(inv: Inventory, hostname: str) -> DeviceAddressing:
    """Every address IPAM gives ``hostname`` (empty when nothing is allocated yet).

    Raises:
        IpamError: ``hostname`` is not a device of the inventory.
    """
    entry = inv.devices.get(hostname)
    if entry is None:
        msg = f"unknown device '{hostname}'"
        raise IpamError(msg)
    data = _ipam(inv)
    site = site_of(entry)
    if data.plan is None or not data.files:
        return DeviceAddressing(hostname, site)
    rec = data.allocations().site(site)
    spec = cached_site_specs(inv, data.plan).get(site)
    return _device(inv, data.plan, rec, hostname, spec.gateway if spec else None)


def site_addressing(inv: Inventory, site: str, plan: AddressPlan | None = None
                    ) -> SiteAddressing:
    """Everything IPAM gives a school (by code), a county's infrastructure (by county code) or
    the backbone (``region``).

    Raises:
        IpamError: no such site in the inventory, no address plan, or the site has no
            allocation yet (run ``netctl ipam allocate``).
    """
    data = _ipam(inv)
    plan = plan or data.plan
    if plan is None:
        msg = "no address plan (inventory/address-plan.yaml): nothing is allocated"
        raise IpamError(msg)
    spec = cached_site_specs(inv, plan).get(site)
    if spec is None:
        msg = (f"'{site}' is not a site: give a school code, a county code (its metro "
               f"infrastructure) or '{REGION}'")
        raise IpamError(msg)
    rec = data.allocations().site(site)
    if rec is None:
        msg = f"{spec.kind} {site} has no allocation yet: run 'netctl ipam allocate'"
        raise IpamError(msg)
    devices = {d.hostname: _device(inv, plan, rec, d.hostname, spec.gateway)
               for d in spec.devices}
    services = {name: ServiceAddressing(name, _addr6(_v6(pair)), _addr4(_v4(pair)))
                for name, pair in sorted(rec.services.items())}
    return SiteAddressing(
        site, spec.kind, spec.county, spec.label, _net6(_v6(rec.block)), _net4(_v4(rec.block)),
        spec.gateway, _vlans(rec, plan),
        [point_to_point(link, site) for link in sorted(rec.links, key=lambda x: x.key)],
        devices, services,
    )
