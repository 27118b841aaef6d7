"""HTTP over one address family at a time, to the addresses the probe's own DNS returned.

A website probe must know that "over IPv6" really was IPv6: the operating system's resolver and
happy-eyeballs connect would quietly fall back to IPv4. So each family gets its own httpx client
whose httpcore network backend (:class:`PinnedBackend`) resolves every host name itself (AAAA for
the IPv6 client, A for the IPv4 one, through the probe's resolver), checks the address against the
:class:`~netctl.probes.guard.AddressGuard`, and connects a socket of that family to it. URLs keep
their host names, so the Host header, TLS SNI, certificate checks, connection pooling and
redirects behave exactly as for a browser. ``port_map`` sends port 80/443 elsewhere (tests).
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from netctl.probes.guard import AddressGuard

Resolve = Callable[[str, int], Awaitable[tuple[str, ...]]]
"""``(host, family) -> addresses``: the probe's lookup (family 6 → AAAA, 4 → A)."""


class NoAddressError(httpcore.ConnectError):
    """The host has no address of the family (no AAAA / no A record)."""


class AddressRefusedError(httpcore.ConnectError):
    """Every address of the host was refused by the guard."""


@dataclass
class ConnectLog:
    """Where a client really connected: ``(host, address, port)`` per new connection."""

    connections: list[tuple[str, str, int]] = field(default_factory=list)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """A network backend that connects only over ``family``, to the probe's own DNS answers."""

    def __init__(
        self, family: int, resolve: Resolve, guard: AddressGuard,
        port_map: Mapping[int, int] | None = None, log: ConnectLog | None = None,
    ) -> None:
        self.family = family
        self.resolve = resolve
        self.guard = guard
        self.port_map = dict(port_map or {})
        self.log = log if log is not None else ConnectLog()
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve ``host`` for the family, then connect to the first allowed address."""
        addresses = await self.resolve(host, self.family)
        if not addresses:
            rr = "AAAA" if self.family == 6 else "A"
            raise NoAddressError(f"{host} has no {rr} record")
        usable = []
        refusals = []
        for addr in addresses:
            why = self.guard.refusal(addr)
            if why is None and (":" in addr) == (self.family == 6):
                usable.append(addr)
            else:
                refusals.append(f"{addr}: {why or 'wrong family'}")
        if not usable:
            raise AddressRefusedError("; ".join(refusals))
        target_port = self.port_map.get(port, port)
        self.log.connections.append((host, usable[0], target_port))
        # One address only (the first, as a browser's first attempt): a probe measures that
        # address rather than hiding its failure behind the next one.
        return await self._inner.connect_tcp(usable[0], target_port, timeout=timeout,
                                             local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - never used by the probe
        msg = "the website probe does not use unix sockets"
        raise httpcore.ConnectError(msg)

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retry backoff)."""
        await asyncio.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a :class:`PinnedBackend` (HTTP/1.1, no retries, no proxies)."""

    def __init__(self, backend: PinnedBackend, ssl_context: ssl.SSLContext,
                 limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False, retries=0,
            network_backend=backend,
        )


@dataclass(frozen=True, slots=True)
class Fetch:
    """One GET of a URL over one family, redirects followed."""

    url: str
    family: int
    status: int | None = None
    final_url: str | None = None
    redirects: int = 0
    body: bytes = b""
    content_type: str | None = None
    truncated: bool = False
    error: str | None = None
    detail: str = ""
    connected: bool = False
    connect_ms: float | None = None
    ttfb_ms: float | None = None
    peer: str | None = None

    @property
    def ok(self) -> bool:
        """The URL answered: 2xx after following redirects (3xx when the chain was cut short
        by the redirect limit does not count)."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def transient(self) -> bool:
        """A failure worth one more try (timeouts, resets, 502/503/504)."""
        return self.error in TRANSIENT or self.status in (502, 503, 504)


class _Trace:
    """httpcore trace callback: times of the first TCP connect and of the first response."""

    __slots__ = ("conn_done", "conn_start", "req_start", "resp_done")

    def __init__(self) -> None:
        self.conn_start: float | None = None
        self.conn_done: float | None = None
        self.req_start: float | None = None
        self.resp_done: float | None = None

    async def __call__(self, name: str, info: Mapping[str, Any]) -> None:
        now = time.perf_counter()
        if name == "connection.connect_tcp.started" and self.conn_start is None:
            self.conn_start = now
        elif name == "connection.connect_tcp.complete" and self.conn_done is None:
            self.conn_done = now
        elif name == "http11.send_request_headers.started" and self.req_start is None:
            self.req_start = now
        elif name == "http11.receive_response_headers.complete" and self.resp_done is None:
            self.resp_done = now

    def connect_ms(self) -> float | None:
        if self.conn_start is None or self.conn_done is None:
            return None
        return round((self.conn_done - self.conn_start) * 1000, 3)

    def ttfb_ms(self) -> float | None:
        if self.req_start is None or self.resp_done is None:
            return None
        return round((self.resp_done - self.req_start) * 1000, 3)


def classify(exc: BaseException) -> tuple[str, str]:
    """Map an httpx/httpcore/OS exception to a stable error key and a short detail."""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    detail = (str(exc) or type(exc).__name__)[:200]
    for e in chain:
        if isinstance(e, NoAddressError):
            return "no_address", str(e)
        if isinstance(e, AddressRefusedError):
            return "address_refused", str(e)
        if isinstance(e, ssl.SSLError):
            return "tls_error", (str(e) or type(e).__name__)[:200]
        if isinstance(e, ConnectionRefusedError):
            return "connect_refused", detail
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH,
                                                  errno.EADDRNOTAVAIL):
            return "unreachable", detail
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect_timeout", detail
    if isinstance(exc, httpx.TooManyRedirects):
        return "too_many_redirects", detail
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout", detail
    if isinstance(exc, httpx.ConnectError):
        return "connect_error", detail
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return "protocol_error", detail
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "bad_url", detail
    if isinstance(exc, httpx.HTTPError | OSError):
        return "read_error", detail
    return "error", f"{type(exc).__name__}: {detail}"


TRANSIENT = frozenset({"timeout", "connect_timeout", "connect_error", "read_error",
                       "protocol_error"})
"""Errors that may go away on a second try."""

CONNECT_FAILURES = frozenset({"no_address", "address_refused", "connect_refused", "unreachable",
                              "connect_timeout", "connect_error"})
"""Errors that mean no TCP connection was made to the host."""


class HostLimiter:
    """At most ``concurrency`` requests in flight per host name and a minimum gap between the
    starts of two requests to it (robots.txt Crawl-delay)."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._next: dict[str, float] = {}
        self.delays: dict[str, float] = {}

    def semaphore(self, host: str) -> asyncio.Semaphore:
        """The semaphore of ``host``."""
        sem = self._sems.get(host)
        if sem is None:
            sem = self._sems[host] = asyncio.Semaphore(self.concurrency)
        return sem

    async def pace(self, host: str) -> None:
        """Wait until the host's Crawl-delay since the previous request start has passed."""
        delay = self.delays.get(host, 0.0)
        if delay <= 0:
            return
        now = time.monotonic()
        start = max(now, self._next.get(host, now))
        self._next[host] = start + delay
        if start > now:
            await asyncio.sleep(start - now)


class Fetcher:
    """Per-website HTTP: one pinned client per family, a request budget, per-host limits."""

    def __init__(
        self, *, resolve: Resolve, guard: AddressGuard, ssl_context: ssl.SSLContext,
        user_agent: str, port_map: Mapping[int, int] | None = None,
        per_host: int = 4, max_requests: int = 200, connect_timeout: float = 5.0,
        read_timeout: float = 10.0, request_timeout: float = 20.0, max_redirects: int = 10,
        retries: int = 1, retry_delay: float = 1.0,
    ) -> None:
        self.log = {6: ConnectLog(), 4: ConnectLog()}
        limits = httpx.Limits(max_connections=max(2, per_host * 2),
                              max_keepalive_connections=max(2, per_host * 2),
                              keepalive_expiry=5.0)
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout,
                                write=read_timeout, pool=request_timeout)
        headers = {
            "User-Agent": user_agent,
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
        }
        self.clients = {
            fam: httpx.AsyncClient(
                transport=PinnedTransport(
                    PinnedBackend(fam, resolve, guard, port_map, self.log[fam]), ssl_context,
                    limits),
                headers=headers, timeout=timeout, follow_redirects=True,
                max_redirects=max_redirects, trust_env=False,
            )
            for fam in (6, 4)
        }
        self.limiter = HostLimiter(per_host)
        self.max_requests = max_requests
        self.requests = 0
        self.request_timeout = request_timeout
        self.retries = retries
        self.retry_delay = retry_delay

    @property
    def budget_left(self) -> int:
        """Requests this website may still be sent."""
        return self.max_requests - self.requests

    async def aclose(self) -> None:
        """Close both clients (and their connections)."""
        await asyncio.gather(*(c.aclose() for c in self.clients.values()),
                             return_exceptions=True)

    async def get(self, url: str, family: int, *, max_body: int,
                  retries: int | None = None) -> Fetch:
        """GET ``url`` over ``family`` (6 or 4), following redirects, reading at most
        ``max_body`` bytes of the final body. Never raises for network errors.

        A transient failure (timeout, reset, 502/503/504) is tried again ``retries`` times
        (default: the fetcher's) after ``retry_delay``: one lost packet must not turn a website's
        verdict. Each try counts against the request budget."""
        result = await self._get_once(url, family, max_body)
        for _ in range(max(0, self.retries if retries is None else retries)):
            if not result.transient or self.requests >= self.max_requests:
                break
            await asyncio.sleep(self.retry_delay)
            result = await self._get_once(url, family, max_body)
        return result

    async def _get_once(self, url: str, family: int, max_body: int) -> Fetch:
        if self.requests >= self.max_requests:
            return Fetch(url, family, error="budget", detail="request budget of the site spent")
        self.requests += 1
        host = (urlsplit(url).hostname or "").lower()
        trace = _Trace()
        async with self.limiter.semaphore(host):
            await self.limiter.pace(host)
            try:
                async with asyncio.timeout(self.request_timeout):
                    return await self._get(url, family, max_body, trace)
            except Exception as exc:
                key, detail = classify(exc)
                return Fetch(url, family, error=key, detail=detail,
                             connected=trace.conn_done is not None or trace.req_start is not None,
                             connect_ms=trace.connect_ms(), ttfb_ms=trace.ttfb_ms())

    async def _get(self, url: str, family: int, max_body: int, trace: _Trace) -> Fetch:
        client = self.clients[family]
        n_log = len(self.log[family].connections)
        async with client.stream("GET", url, extensions={"trace": trace}) as resp:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            if max_body > 0:
                async for chunk in resp.aiter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= max_body:
                        truncated = True
                        break
            body = b"".join(chunks)[:max_body] if max_body > 0 else b""
            new = self.log[family].connections[n_log:]
            peer = _hostport(new[0][1], new[0][2]) if new else None
            return Fetch(
                url, family, status=resp.status_code, final_url=str(resp.url),
                redirects=len(resp.history), body=body,
                content_type=resp.headers.get("content-type"), truncated=truncated,
                connected=True, connect_ms=trace.connect_ms(), ttfb_ms=trace.ttfb_ms(),
                peer=peer,
            )


def _hostport(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
