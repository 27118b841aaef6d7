"""Real servers on loopback for testing and benchmarking the probes: websites and a name server.

Nothing here is a fake: :class:`SiteServer` is an asyncio HTTP/1.1 server with TLS (keep-alive,
virtual hosts by the Host header and SNI) listening on ``127.0.0.1`` and ``::1``, where each site
can serve different pages, or refuse TLS, over one family; :class:`NamedServer` runs Debian's BIND
``named`` on a loopback port with zone files written from :class:`Zone` records; and
:func:`make_tls_material` issues a CA and a server certificate for the simulated names. The tests
under ``tests/integration/probes`` and ``benchmarks/bench_probes.py`` use them; the probes
themselves never import this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from netctl.testing.loopthread import start_loop_thread

MAX_REQUEST_HEAD = 16 * 1024
KEEPALIVE_IDLE_S = 10.0
MAX_REQUESTS_PER_CONNECTION = 1000


# -- websites -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SimPage:
    """One response: a page, an error or a redirect (``location`` set, status 301 by default)."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None

    def encoded(self) -> bytes:
        """The body as bytes (str bodies in UTF-8)."""
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass(frozen=True, slots=True)
class SimSite:
    """A virtual host: its pages, pages that differ over IPv6, and TLS per family."""

    host: str
    pages: Mapping[str, SimPage] = field(default_factory=dict)
    pages_v6: Mapping[str, SimPage] = field(default_factory=dict)
    tls_v6: bool = True
    tls_v4: bool = True


@dataclass(frozen=True, slots=True)
class Hit:
    """One request a :class:`SiteServer` answered."""

    family: int
    scheme: str
    host: str
    path: str
    status: int


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found",
            500: "Internal Server Error", 503: "Service Unavailable"}


class SiteServer:
    """HTTP and HTTPS for :class:`SimSite` s on ``127.0.0.1`` and ``::1``.

    Each scheme has one port number, the same on both families, so a probe's ``port_map``
    ({80: http_port, 443: https_port}) works for either. Runs its own event loop in a thread.
    """

    def __init__(self, sites: Iterable[SimSite], cert_file: Path, key_file: Path, *,
                 v4_host: str = "127.0.0.1", v6_host: str = "::1", log_size: int = 100_000,
                 http_port: int = 0, https_port: int = 0) -> None:
        self.sites = {s.host.lower(): s for s in sites}
        self.cert_file, self.key_file = cert_file, key_file
        self.v4_host, self.v6_host = v4_host, v6_host
        self.hits: deque[Hit] = deque(maxlen=log_size)
        self.http_port = http_port  # 0: any free port (the same number on both families)
        self.https_port = https_port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._stop: asyncio.Event | None = None

    # lifecycle
    def start(self, timeout: float = 10.0) -> SiteServer:
        """Start listening (in a background thread); returns once every listener is up."""
        self._loop, self._thread, started = start_loop_thread(self._serve, name="netctl-sim-sites")
        why = started.failure(timeout)
        if why is not None:
            msg = f"site server did not start: {why}"
            raise RuntimeError(msg)
        return self

    def stop(self) -> None:
        """Stop listening and close connections."""
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self, on_ready: Callable[[SiteServer], None] | None = None) -> None:
        """Serve in the calling thread until SIGTERM/SIGINT (for a server process); ``on_ready``
        is called once every listener is up (it can report the ports to a parent)."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready = threading.Event()

        async def run() -> None:
            task = asyncio.ensure_future(self._serve(ready))
            while not ready.is_set() and not task.done():
                await asyncio.sleep(0.01)
            stop = self._stop
            if stop is not None:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, stop.set)
            if on_ready is not None and not task.done():
                on_ready(self)
            await task

        try:
            loop.run_until_complete(run())
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        ctx = {fam: self._tls_context(fam) for fam in (4, 6)}
        self.http_port = await self._listen_pair("http", None, self.http_port)
        self.https_port = await self._listen_pair("https", ctx, self.https_port)
        ready.set()
        await self._stop.wait()
        for srv in self._servers:
            srv.close()
        for srv in self._servers:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await srv.wait_closed()

    async def _listen_pair(self, scheme: str, ctx: dict[int, ssl.SSLContext] | None,
                           port: int) -> int:
        last: OSError | None = None
        for _ in range(50):
            try:
                v6 = await asyncio.start_server(
                    lambda r, w: self._handle(r, w, 6, scheme), self.v6_host, port,
                    family=socket.AF_INET6, ssl=ctx[6] if ctx else None, backlog=1024,
                    reuse_address=True)
            except OSError as exc:
                last = exc
                port = 0
                continue
            chosen = int(v6.sockets[0].getsockname()[1])
            try:
                v4 = await asyncio.start_server(
                    lambda r, w: self._handle(r, w, 4, scheme), self.v4_host, chosen,
                    family=socket.AF_INET, ssl=ctx[4] if ctx else None, backlog=1024,
                    reuse_address=True)
            except OSError as exc:
                last = exc
                v6.close()
                port = 0
                continue
            self._servers += [v6, v4]
            return chosen
        msg = f"no free {scheme} port on both {self.v4_host} and {self.v6_host}: {last}"
        raise OSError(msg)

    def _tls_context(self, family: int) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)

        def sni(sslobj: ssl.SSLObject | ssl.SSLSocket, name: str | None,
                _ctx: ssl.SSLContext) -> int | None:
            site = self.sites.get((name or "").lower())
            if site is not None and not (site.tls_v6 if family == 6 else site.tls_v4):
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            return None

        ctx.sni_callback = sni
        return ctx

    # requests
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      family: int, scheme: str) -> None:
        try:
            for _ in range(MAX_REQUESTS_PER_CONNECTION):
                async with asyncio.timeout(KEEPALIVE_IDLE_S):
                    head = await reader.readuntil(b"\r\n\r\n")
                if len(head) > MAX_REQUEST_HEAD:
                    break
                keep = self._respond(writer, head, family, scheme)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ConnectionError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _respond(self, writer: asyncio.StreamWriter, head: bytes, family: int,
                 scheme: str) -> bool:
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rpartition(" ")[0] or "/"
        headers = {}
        for line in lines[1:]:
            key, sep, value = line.partition(":")
            if sep:
                headers[key.strip().lower()] = value.strip()
        host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get(
            "host", "").startswith("[") else headers["host"]
        host = host.lower()
        path = target.split("?", 1)[0] if target.startswith("/") else "/"
        site = self.sites.get(host)
        page: SimPage | None = None
        if site is not None:
            if family == 6:
                page = site.pages_v6.get(path)
            page = page or site.pages.get(path)
        if page is None:
            page = SimPage(b"<html><head><title>404</title></head><body>not found</body></html>",
                           status=404)
        status = page.status if page.location is None or page.status != 200 else 301
        body = page.encoded() if method != "HEAD" else b""
        out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
               f"Content-Type: {page.content_type}", f"Content-Length: {len(page.encoded())}",
               "Server: netctl-sim"]
        if page.location is not None:
            out.append(f"Location: {page.location}")
        keep = headers.get("connection", "").lower() != "close"
        if not keep:
            out.append("Connection: close")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        self.hits.append(Hit(family, scheme, host, path, status))
        return keep


# -- TLS material ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """Files of a test CA and a server certificate for the simulated names."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_tls_material(names: Sequence[str], folder: Path) -> TlsMaterial:
    """A CA and one server certificate (EC P-256) valid for ``names`` (wildcards allowed)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netctl test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                       critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    out = TlsMaterial(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    out.ca_file.write_bytes(ca.public_bytes(pem))
    out.cert_file.write_bytes(leaf.public_bytes(pem))
    out.key_file.write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return out


# -- DNS ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Zone:
    """A zone: its name and records (zone-file lines relative to the origin, without SOA)."""

    name: str
    records: Sequence[str]

    def text(self) -> str:
        """The zone file (an SOA is added)."""
        head = [f"$ORIGIN {self.name.rstrip('.')}.", "$TTL 300",
                "@ IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 60"]
        return "\n".join([*head, *self.records, ""])


def free_port(hosts: Sequence[str] = ("127.0.0.1", "::1"), tries: int = 50) -> int:
    """A port number free for UDP and TCP on every host in ``hosts`` (checked, then released)."""
    for _ in range(tries):
        socks: list[socket.socket] = []
        try:
            first = socket.socket(socket.AF_INET6 if ":" in hosts[0] else socket.AF_INET,
                                  socket.SOCK_STREAM)
            socks.append(first)
            first.bind((hosts[0], 0))
            port = int(first.getsockname()[1])
            for host in hosts:
                fam = socket.AF_INET6 if ":" in host else socket.AF_INET
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    if host == hosts[0] and kind == socket.SOCK_STREAM:
                        continue
                    s = socket.socket(fam, kind)
                    socks.append(s)
                    s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    msg = f"no port free on {', '.join(hosts)}"
    raise OSError(msg)


class NamedServer:
    """BIND ``named`` (Debian package ``bind9``), authoritative only, on a loopback port."""

    def __init__(self, zones: Iterable[Zone], folder: Path, *, v4_host: str = "127.0.0.1",
                 v6_host: str = "::1", port: int | None = None) -> None:
        self.zones = list(zones)
        self.folder = folder
        self.v4_host, self.v6_host = v4_host, v6_host
        self.port = port or 0
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str | None:
        """Path of ``named``, or None when BIND is not installed."""
        return shutil.which("named") or next(
            (p for p in ("/usr/sbin/named", "/usr/local/sbin/named") if Path(p).exists()), None)

    @property
    def servers(self) -> tuple[str, str]:
        """``address:port`` strings for a resolver configuration (IPv4 and IPv6)."""
        return f"{self.v4_host}:{self.port}", f"[{self.v6_host}]:{self.port}"

    def start(self, timeout: float = 20.0) -> NamedServer:
        """Write the configuration and zones, start named and wait until it answers."""
        named = self.binary()
        if named is None:
            msg = "named is not installed (Debian package bind9)"
            raise FileNotFoundError(msg)
        self.folder.mkdir(parents=True, exist_ok=True)
        last = ""
        for _ in range(3):
            self.port = self.port or free_port((self.v4_host, self.v6_host))
            self._write_config()
            log = (self.folder / "named.log").open("wb")
            self.proc = subprocess.Popen(
                [named, "-g", "-c", str(self.folder / "named.conf")],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            log.close()
            if self._wait_ready(timeout):
                return self
            last = (self.folder / "named.log").read_text(errors="replace")[-2000:]
            self.stop()
            self.port = 0
        msg = f"named did not start:\n{last}"
        raise RuntimeError(msg)

    def _write_config(self) -> None:
        d = self.folder
        zones = []
        for z in self.zones:
            name = z.name.rstrip(".")
            (d / f"{name}.zone").write_text(z.text())
            zones.append(f'zone "{name}" {{ type primary; file "{d / (name + ".zone")}"; }};')
        (d / "named.conf").write_text("\n".join([
            "options {",
            f'  directory "{d}";',
            f'  pid-file "{d / "named.pid"}";',
            f'  session-keyfile "{d / "session.key"}";',
            f'  managed-keys-directory "{d}";',
            f"  listen-on port {self.port} {{ {self.v4_host}; }};",
            f"  listen-on-v6 port {self.port} {{ {self.v6_host}; }};",
            "  recursion no;",
            "  allow-query { any; };",
            "  dnssec-validation no;",
            "  notify no;",
            "  minimal-responses no;",
            "};",
            "controls { };",
            *zones,
            "",
        ]))

    def _wait_ready(self, timeout: float) -> bool:
        import dns.exception
        import dns.message
        import dns.query

        deadline = time.monotonic() + timeout
        zone = self.zones[0].name if self.zones else "."
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                for host in (self.v4_host, self.v6_host):
                    dns.query.udp(dns.message.make_query(zone, "SOA"), host, timeout=0.5,
                                  port=self.port)
                return True
            except (dns.exception.DNSException, OSError):
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop named."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> NamedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
