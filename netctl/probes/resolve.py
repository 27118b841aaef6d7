"""DNS for the website probe: timed A/AAAA lookups and the "authoritative servers answer over
IPv6" check, with dnspython's asyncio resolver pointed wherever the configuration says.

The resolver is either the system's (``/etc/resolv.conf``) or an explicit list of
``address[:port]`` servers, so that tests query a name server on a loopback port. Authoritative
servers are queried directly at their own IPv6 addresses (on ``ns_port``, 53 in production), and
only when :class:`~netctl.probes.guard.AddressGuard` allows the address.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv6Address, ip_address

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver

from netctl.probes.guard import AddressGuard

MAX_NS = 6
"""Authoritative servers checked per zone (a zone rarely has more; bounds the work)."""
MAX_NS_ADDRESSES = 2
"""IPv6 addresses checked per authoritative server."""


def parse_server(text: str, default_port: int = 53) -> tuple[str, int]:
    """``"127.0.0.1:5353"``, ``"[::1]:5353"``, ``"::1"`` or ``"10.0.0.1"`` → (address, port).

    Examples:
        >>> parse_server("[::1]:5353"), parse_server("127.0.0.1:5353"), parse_server("::1")
        (('::1', 5353), ('127.0.0.1', 5353), ('::1', 53))
    """
    text = text.strip()
    if text.startswith("["):
        addr, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else default_port
        return str(ip_address(addr)), port
    if text.count(":") == 1:
        addr, _, port_s = text.partition(":")
        return str(ip_address(addr)), int(port_s)
    return str(ip_address(text)), default_port


def make_resolver(
    servers: Sequence[str] | None, *, timeout: float = 2.0, lifetime: float = 5.0,
    cache: bool = False,
) -> dns.asyncresolver.Resolver:
    """A dnspython asyncio resolver on ``servers`` (``address[:port]``), or the system's."""
    if servers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(addr, port)
            for addr, port in (parse_server(s) for s in servers)
        ]
    else:
        resolver = dns.asyncresolver.Resolver()
    resolver.timeout = timeout
    resolver.lifetime = lifetime
    if cache:
        resolver.cache = dns.resolver.LRUCache(50_000)
    return resolver


@dataclass(frozen=True, slots=True)
class Lookup:
    """One A or AAAA lookup: the addresses, how long it took and what went wrong."""

    rdtype: str
    addresses: tuple[str, ...] = ()
    ms: float | None = None
    error: str | None = None  # nxdomain | nodata | servfail | timeout | error: <detail>

    @property
    def ok(self) -> bool:
        """True when at least one address came back."""
        return bool(self.addresses)


async def lookup(resolver: dns.asyncresolver.Resolver, name: str, rdtype: str) -> Lookup:
    """Resolve ``name``/``rdtype`` (following CNAMEs), timing the query."""
    start = time.perf_counter()
    try:
        answer = await resolver.resolve(name, rdtype, search=False)
    except dns.resolver.NXDOMAIN:
        return Lookup(rdtype, ms=_ms(start), error="nxdomain")
    except dns.resolver.NoAnswer:
        return Lookup(rdtype, ms=_ms(start), error="nodata")
    except dns.resolver.NoNameservers as exc:
        return Lookup(rdtype, ms=_ms(start), error=f"servfail: {_short(exc)}")
    except dns.exception.Timeout:
        return Lookup(rdtype, ms=_ms(start), error="timeout")
    except dns.exception.DNSException as exc:
        return Lookup(rdtype, ms=_ms(start), error=f"error: {_short(exc)}")
    addrs = tuple(dict.fromkeys(r.to_text() for r in answer))
    return Lookup(rdtype, addrs, _ms(start))


@dataclass(frozen=True, slots=True)
class NameServer:
    """One authoritative server of a zone and whether it answered over IPv6."""

    name: str
    ipv6: tuple[str, ...] = ()
    ipv4: tuple[str, ...] = ()
    answered_v6: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class NsCheck:
    """The zone of a domain and its authoritative servers."""

    zone: str | None
    servers: tuple[NameServer, ...] = ()
    error: str | None = None

    @property
    def with_ipv6(self) -> int:
        """Servers that have an AAAA record."""
        return sum(1 for s in self.servers if s.ipv6)

    @property
    def answering_v6(self) -> int:
        """Servers that answered authoritatively over IPv6."""
        return sum(1 for s in self.servers if s.answered_v6)


@dataclass
class NsChecker:
    """Checks zones' authoritative servers over IPv6, once per zone for a whole run."""

    resolver: dns.asyncresolver.Resolver
    guard: AddressGuard = field(default_factory=AddressGuard)
    ns_port: int = 53
    timeout: float = 2.0
    _zones: dict[str, asyncio.Task[NsCheck]] = field(default_factory=dict)

    async def check(self, domain: str) -> NsCheck:
        """The zone that holds ``domain`` and whether its servers answer over IPv6."""
        try:
            zone = (await dns.asyncresolver.zone_for_name(
                domain, resolver=self.resolver, lifetime=self.resolver.lifetime)).to_text()
        except dns.exception.DNSException as exc:
            return NsCheck(None, error=f"zone of {domain}: {_short(exc)}")
        task = self._zones.get(zone)
        if task is None:  # one check per zone; a caller that gives up does not cancel it
            task = asyncio.ensure_future(self._check_zone(zone))
            self._zones[zone] = task
        return await asyncio.shield(task)

    async def _check_zone(self, zone: str) -> NsCheck:
        ns = await lookup(self.resolver, zone, "NS")
        if not ns.ok:
            return NsCheck(zone, error=f"NS of {zone}: {ns.error}")
        names = sorted(ns.addresses)[:MAX_NS]
        servers = await asyncio.gather(*(self._check_server(zone, n) for n in names))
        return NsCheck(zone, tuple(servers))

    async def _check_server(self, zone: str, name: str) -> NameServer:
        v6, v4 = await asyncio.gather(lookup(self.resolver, name, "AAAA"),
                                      lookup(self.resolver, name, "A"))
        errors: list[str] = []
        for addr in v6.addresses[:MAX_NS_ADDRESSES]:
            refusal = self.guard.refusal(addr)
            if refusal is not None:
                errors.append(f"{addr}: {refusal}")
                continue
            err = await self._ask(zone, addr)
            if err is None:
                return NameServer(name, v6.addresses, v4.addresses, True)
            errors.append(f"{addr}: {err}")
        if not v6.addresses:
            errors.append("no AAAA record")
        return NameServer(name, v6.addresses, v4.addresses, False, "; ".join(errors))

    async def _ask(self, zone: str, addr: str, tries: int = 2) -> str | None:
        query = dns.message.make_query(zone, dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD
        for attempt in range(tries):  # UDP: one lost packet is not "does not answer"
            try:
                resp = await dns.asyncquery.udp(query, str(IPv6Address(addr)),
                                                timeout=self.timeout, port=self.ns_port)
                break
            except dns.exception.Timeout:
                if attempt == tries - 1:
                    return "timeout"
            except (OSError, dns.exception.DNSException) as exc:
                return _short(exc)
        else:  # pragma: no cover - the loop returns or breaks
            return "no answer"
        if resp.rcode() != dns.rcode.NOERROR:
            return f"rcode {dns.rcode.to_text(resp.rcode())}"
        if not resp.flags & dns.flags.AA:
            return "answer is not authoritative"
        return None


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
