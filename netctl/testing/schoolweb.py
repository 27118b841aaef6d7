"""The schools' websites and their DNS on loopback, for the demo and by-hand probing.

Every school website of the inventory is a virtual host of one
:class:`~netctl.testing.websim.SiteServer` (HTTP and HTTPS on ``127.0.0.1`` and ``::1``, a
certificate from a demo CA), with a homepage and a few second-level pages. Its name is in the
authoritative zone of its parent domain (``nxedu.example.cn``): dual-stack sites have an A
(``127.0.0.1``) and an AAAA (``::1``) record, IPv4-only sites only the A record. The name
server is BIND's ``named`` started with a generated configuration
(:class:`~netctl.testing.websim.NamedServer`) when it is installed, else :class:`PyDnsServer`
(a small authoritative server on dnspython). The website probe then runs the national method
unchanged against them, with an allow-list of loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netctl.inventory.index import Inventory
from netctl.probes.web import WebProbeConfig
from netctl.testing.loopthread import start_loop_thread
from netctl.testing.probelab import SCHOOL_TEXT, page
from netctl.testing.websim import (
    NamedServer,
    SimSite,
    SiteServer,
    TlsMaterial,
    Zone,
    free_port,
    make_tls_material,
)

V4, V6 = "127.0.0.1", "::1"
DUAL_SHARE = {"urban": 0.85, "town": 0.7, "rural": 0.55}
ALLOWED = ("127.0.0.0/8", "::1/128")


def websites(inv: Inventory) -> dict[str, str]:
    """Website domain → school code."""
    out: dict[str, str] = {}
    for s in inv.schools.values():
        names = [s.school.website] if s.school.website else []
        names += [d.name for d in s.school.domains if d.kind == "website"]
        for n in names:
            out.setdefault(n.lower().rstrip("."), s.code)
    return out


def dual_stack(inv: Inventory, code: str, seed: int, no_ipv6_school: str | None) -> bool:
    """Whether a school's website has an AAAA record in the demo (deterministic)."""
    if code == no_ipv6_school:
        return False
    category = inv.schools[code].school.category.value
    return random.Random(f"{seed}:web:{code}").random() < DUAL_SHARE.get(category, 0.6)


def school_site(domain: str, name: str) -> SimSite:
    """A school homepage with three news pages (same-site second-level links)."""
    news = [f"/news/{i}.htm" for i in range(1, 4)]
    pages = {"/": page(name, SCHOOL_TEXT, news)}
    pages.update({u: page(f"{name} 新闻 {u[-5]}", "新闻正文") for u in news})
    return SimSite(domain, pages)


def zones_for(sites: dict[str, bool]) -> list[Zone]:
    """One zone per parent domain: NS on loopback (both families), A/AAAA per site."""
    by_zone: dict[str, list[str]] = {}
    for domain, v6 in sorted(sites.items()):
        label, _, parent = domain.partition(".")
        records = by_zone.setdefault(parent, ["@ NS ns1", f"ns1 A {V4}", f"ns1 AAAA {V6}"])
        records.append(f"{label} A {V4}")
        if v6:
            records.append(f"{label} AAAA {V6}")
    return [Zone(z, recs) for z, recs in sorted(by_zone.items())]


class PyDnsServer:
    """An authoritative DNS server over UDP and TCP on loopback, from :class:`Zone` records
    (used when BIND is not installed). Answers A, AAAA, NS, SOA with the AA flag."""

    def __init__(self, zones: Sequence[Zone], v4_host: str = V4, v6_host: str = V6) -> None:
        import dns.zone

        self.zones = {z.name.rstrip(".").lower() + ".": dns.zone.from_text(
            z.text(), origin=z.name.rstrip(".") + ".", relativize=False) for z in zones}
        self.v4_host, self.v6_host = v4_host, v6_host
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def servers(self) -> tuple[str, str]:
        """``host:port`` of the server (IPv4 and IPv6)."""
        return f"{self.v4_host}:{self.port}", f"[{self.v6_host}]:{self.port}"

    def answer(self, wire: bytes) -> bytes | None:
        """The response to one query (None for garbage)."""
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rdatatype

        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        r = dns.message.make_response(q)
        if not q.question:
            return r.to_wire()
        qn = q.question[0].name
        qt = q.question[0].rdtype
        zone = next((z for origin, z in self.zones.items()
                     if qn.to_text().lower().endswith(origin)), None)
        if zone is None:
            r.set_rcode(dns.rcode.REFUSED)
            return r.to_wire()
        r.flags |= dns.flags.AA
        node = zone.get_node(qn)
        if node is None:
            r.set_rcode(dns.rcode.NXDOMAIN)
        else:
            rds = node.get_rdataset(dns.rdataclass.IN, qt)
            if rds is not None:
                r.answer.append(_rrset(qn, rds))
        if not r.answer:
            origin: Any = zone.origin
            soa = zone.get_rdataset(origin, dns.rdatatype.SOA)
            if soa is not None:
                r.authority.append(_rrset(origin, soa))
        return r.to_wire()

    def start(self, timeout: float = 10.0) -> PyDnsServer:
        """Listen on both families (one port number); returns when listening."""
        self._loop, self._thread, started = start_loop_thread(self._serve, name="netctl-pydns")
        why = started.failure(timeout)
        if why is not None:
            msg = f"DNS server did not start: {why}"
            raise RuntimeError(msg)
        return self

    async def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.port = free_port((self.v4_host, self.v6_host))
        server = self

        class Udp(asyncio.DatagramProtocol):
            transport: asyncio.DatagramTransport | None = None

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport  # type: ignore[assignment]

            def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
                out = server.answer(data)
                if out is not None and self.transport is not None:
                    self.transport.sendto(out, addr)

        async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    n = int.from_bytes(await reader.readexactly(2), "big")
                    out = server.answer(await reader.readexactly(n))
                    if out is not None:
                        writer.write(len(out).to_bytes(2, "big") + out)
                        await writer.drain()
            writer.close()

        closers: list[Any] = []
        for host, fam in ((self.v4_host, socket.AF_INET), (self.v6_host, socket.AF_INET6)):
            t, _ = await loop.create_datagram_endpoint(Udp, local_addr=(host, self.port),
                                                       family=fam)
            closers.append(t)
            srv = await asyncio.start_server(tcp, host, self.port, family=fam)
            closers.append(srv)
        ready.set()
        await self._stop.wait()
        for c in closers:
            c.close()

    def stop(self) -> None:
        """Stop serving."""
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


def _rrset(name: Any, rds: Any) -> Any:
    import dns.rrset

    rrset = dns.rrset.RRset(name, rds.rdclass, rds.rdtype)
    rrset.update(rds)  # type: ignore[no-untyped-call]
    return rrset


@dataclass
class SchoolWeb:
    """The schools' websites and their name server, started together."""

    inv: Inventory
    folder: Path
    seed: int = 2027
    no_ipv6_school: str | None = None
    use_bind: bool = True
    sites: dict[str, bool] = field(default_factory=dict)
    """domain → dual-stack."""
    dns_kind: str = ""
    tls: TlsMaterial | None = None
    server: SiteServer | None = None
    dns: NamedServer | PyDnsServer | None = None

    def start(self) -> SchoolWeb:
        """Write the certificate, start the websites and the name server."""
        names = dict(websites(self.inv))
        self.sites = {d: dual_stack(self.inv, c, self.seed, self.no_ipv6_school)
                      for d, c in names.items()}
        self.tls = make_tls_material(sorted(names) or ["localhost"], self.folder / "tls")
        sims = [school_site(d, self.inv.schools[c].school.name) for d, c in names.items()]
        self.server = SiteServer(sims, self.tls.cert_file, self.tls.key_file).start()
        zones = zones_for(self.sites)
        try:
            if self.use_bind and NamedServer.binary() is not None:
                self.dns = NamedServer(zones, self.folder / "named").start()
                self.dns_kind = "BIND named"
            else:
                self.dns = PyDnsServer(zones).start()
                self.dns_kind = "Python DNS server (" + (
                    "BIND is not installed" if self.use_bind else "BIND not wanted") + ")"
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def dns_port(self) -> int:
        """The name server's port (both families)."""
        assert self.dns is not None  # noqa: S101
        return self.dns.port

    def probe_config(self) -> WebProbeConfig:
        """The website probe's settings for this lab: resolver, ports, CA, loopback only."""
        assert self.server is not None and self.tls is not None and self.dns is not None  # noqa: S101
        return WebProbeConfig(
            resolvers=(f"{V4}:{self.dns.port}",), ns_port=self.dns.port,
            port_map={80: self.server.http_port, 443: self.server.https_port},
            allowed_networks=ALLOWED, ca_file=str(self.tls.ca_file),
            connect_timeout=2.0, read_timeout=5.0, request_timeout=10.0, site_timeout=30.0,
            dns_timeout=1.0, dns_lifetime=2.0, retry_delay=0.2)

    def probe_command(self, home: str) -> str:
        """The ``netctl probe web`` command line that reaches this lab."""
        assert self.server is not None and self.tls is not None and self.dns is not None  # noqa: S101
        return (f"netctl --home {home} probe web --once --resolver {V4}:{self.dns.port} "
                f"--ns-port {self.dns.port} --port-map 80={self.server.http_port} "
                f"--port-map 443={self.server.https_port} --allow 127.0.0.0/8 "
                f"--allow ::1/128 --ca-file {self.tls.ca_file}")

    def stop(self) -> None:
        """Stop the websites and the name server."""
        if self.dns is not None:
            self.dns.stop()
            self.dns = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def __enter__(self) -> SchoolWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
