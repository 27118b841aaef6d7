"""Which addresses a probe may send traffic to.

Probes send packets to addresses that come from DNS answers and the inventory: both can be wrong.
:class:`AddressGuard` is checked before every connection and every echo request. Some addresses
are never usable (unspecified, multicast, link-local without a scope, IPv4-mapped IPv6: a socket
"over IPv6" to ``::ffff:a.b.c.d`` really speaks IPv4). Loopback is refused too unless the guard is
given an explicit allow-list that contains it: that is how tests keep every packet on the machine
(``AddressGuard.parse(["127.0.0.0/8", "::1/128"])``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """``allowed=None``: any usable unicast address but loopback; else only those networks."""

    allowed: tuple[IPNetwork, ...] | None = None

    @classmethod
    def parse(cls, networks: Iterable[str] | None) -> AddressGuard:
        """Build a guard from CIDR strings (``None``: no allow-list).

        Examples:
            >>> g = AddressGuard.parse(["127.0.0.0/8", "::1/128"])
            >>> g.refusal("127.0.0.9") is None, g.refusal("192.0.2.1")
            (True, 'not in the allowed networks (127.0.0.0/8, ::1/128)')
        """
        if networks is None:
            return cls(None)
        return cls(tuple(ip_network(n, strict=False) for n in networks))

    def invalid(self, address: str | IPAddress) -> str | None:
        """Why ``address`` can never be a service address (whatever the allow-list), or None.

        Loopback counts as invalid unless the allow-list names it.

        Examples:
            >>> AddressGuard().invalid("::ffff:10.0.0.1"), AddressGuard().invalid("::1")
            ('IPv4-mapped address, not IPv6', 'loopback address')
            >>> AddressGuard.parse(["::1/128"]).invalid("::1") is None
            True
        """
        why = self.refusal(address)
        if why is None or why.startswith("not in the allowed"):
            return None
        return why

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why traffic to ``address`` is refused, or None when it is allowed.

        Examples:
            >>> AddressGuard().refusal("::ffff:10.0.0.1")
            'IPv4-mapped address, not IPv6'
            >>> AddressGuard().refusal("::1")
            'loopback address'
            >>> AddressGuard().refusal("2001:da8::1") is None
            True
        """
        try:
            addr = ip_address(address) if isinstance(address, str) else address
        except ValueError:
            return "not an IP address"
        if isinstance(addr, IPv6Address) and addr.ipv4_mapped is not None:
            return "IPv4-mapped address, not IPv6"
        if addr.is_unspecified:
            return "unspecified address"
        if addr.is_multicast:
            return "multicast address"
        if addr.is_link_local:
            return "link-local address"
        if self.allowed is None:
            return "loopback address" if addr.is_loopback else None
        if any(addr.version == n.version and addr in n for n in self.allowed):
            return None
        if addr.is_loopback:
            return "loopback address"
        return "not in the allowed networks (" + ", ".join(str(n) for n in self.allowed) + ")"
