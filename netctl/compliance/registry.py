"""What IPAM allocated, as ``address_registered`` needs it: each school's blocks, each device's
recorded addresses, and who owns a prefix.

Sources, whichever exist: the prefixes a school declares in its county file (``prefixes:``) and
the records of ``netctl ipam`` (``Inventory.ipam``: each school's block and role prefixes, and
per device its management and loopback addresses and the point-to-point link prefixes of its
interfaces, which IPAM may take from the county's infrastructure block). IPAM records are read
through their public attributes only, so this module works before and without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from typing import Any

from netctl.inventory.index import Inventory

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def _nets(pair: Any) -> list[Network]:
    """The networks of an IPAM ``Pair`` (family → Net), tolerant of shape."""
    out: list[Network] = []
    values: Iterable[Any] = pair.values() if isinstance(pair, dict) else ()
    for net in values:
        convert = getattr(net, "network", None)
        if callable(convert):
            value = convert()
            if isinstance(value, IPv4Network | IPv6Network):
                out.append(value)
    return out


def _within(
    ranges: dict[str, list[tuple[int, int, int]]],
    nets: dict[str, list[Network]],
    key: str,
    version: int,
    value: int,
) -> bool:
    """Does ``nets[key]`` hold the address of ``version`` whose integer is ``value``?"""
    found = ranges.get(key)
    if found is None:
        found = ranges[key] = [
            (n.version, int(n.netmask), int(n.network_address)) for n in nets.get(key, ())
        ]
    for v, mask, net in found:  # noqa: SIM110 - a loop: no generator per address
        if v == version and value & mask == net:
            return True
    return False


class AddressRegistry:
    """Blocks per school, recorded networks per device, and a longest-match owner lookup."""

    def __init__(self, inv: Inventory) -> None:
        self.blocks: dict[str, list[Network]] = {}
        self.device_nets: dict[str, list[Network]] = {}
        self.services: dict[str, set[str]] = {}
        self.zone = inv.defaults.zone.lower().rstrip(".")
        for s in inv.schools.values():
            self.blocks[s.code] = [p.prefix for p in s.school.prefixes]
        for d in inv.iter_devices():
            for addr in (d.device.mgmt_ipv4, d.device.mgmt_ipv6):
                if addr is not None:
                    self.device_nets.setdefault(d.hostname, []).append(ip_network(addr))
        self._read_ipam(inv)
        self._by_len: dict[tuple[int, int], dict[int, str]] = {}
        for code, nets in self.blocks.items():
            for net in nets:
                self._by_len.setdefault((net.version, net.prefixlen), {})[
                    int(net.network_address)
                ] = code
        self._lengths = sorted(self._by_len, key=lambda k: -k[1])
        # school (device) → (version, netmask, network address) of each of its networks
        self._school_ranges: dict[str, list[tuple[int, int, int]]] = {}
        self._device_ranges: dict[str, list[tuple[int, int, int]]] = {}

    def _read_ipam(self, inv: Inventory) -> None:
        ipam = getattr(inv, "ipam", None)
        if ipam is None or not getattr(ipam, "files", None):
            return
        allocations = ipam.allocations()
        for _county, rec, infrastructure in allocations.iter_sites():
            if not infrastructure and rec.site in self.blocks:
                self.services[rec.site] = set(rec.services)
                nets = self.blocks[rec.site]
                nets += _nets(rec.block)
                for prefix in rec.prefixes.values():
                    nets += _nets(prefix.nets)
            for table in (rec.addresses, rec.loopbacks):
                for host, pair in table.items():
                    self.device_nets.setdefault(host, []).extend(_nets(pair))
            for link in rec.links:
                for end in (link.a, link.b):
                    host = str(end).split(":", 1)[0]
                    self.device_nets.setdefault(host, []).extend(_nets(link.nets))

    def registered(self, school: str, device: str, addr: Address) -> bool:
        """Is ``addr`` (seen on ``device`` of ``school``) one IPAM allocated to them?

        ``addr in net`` for each of the school's blocks, then each of the device's networks,
        compared as integers, as ``in`` compares them: ``addr & netmask == network address``
        (each network's integers worked out once per school and device)."""
        version, value = addr.version, int(addr)
        return _within(self._school_ranges, self.blocks, school, version, value) or _within(
            self._device_ranges, self.device_nets, device, version, value
        )

    def website_registered(self, school: str, website: str, domains: Iterable[str]) -> bool:
        """Is the school's website a name of the central zone? Either listed in the school's
        ``domains``, or under the region's zone with the address IPAM recorded for it (what
        ``netctl dns`` publishes)."""
        name = website.lower().rstrip(".")
        if name in {d.lower().rstrip(".") for d in domains}:
            return True
        in_zone = name == self.zone or name.endswith("." + self.zone)
        return in_zone and "website" in self.services.get(school, ())

    def has_block(self, school: str) -> bool:
        """True when the school has any allocated prefix."""
        return bool(self.blocks.get(school))

    def owner(self, addr: Address) -> str | None:
        """The school whose block holds ``addr`` (longest match), or None."""
        bits = 32 if addr.version == 4 else 128
        value = int(addr)
        for version, length in self._lengths:
            if version != addr.version:
                continue
            key = (value >> (bits - length)) << (bits - length) if length else 0
            code = self._by_len[(version, length)].get(key)
            if code is not None:
                return code
        return None
