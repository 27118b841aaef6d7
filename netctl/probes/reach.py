"""Reachability of school gateways: ICMPv6 / ICMP echo (or TCP connect), loss and round-trip time.

Three ways to ask "are you there?", chosen per address family (``method="auto"``):

1. **ICMP datagram sockets** (``icmp-dgram``): unprivileged echo, allowed when the process's group
   is inside ``net.ipv4.ping_group_range`` (it covers ICMPv6 too). The kernel sets the echo
   identifier and delivers only this socket's replies.
2. **Raw ICMP sockets** (``icmp-raw``): root or CAP_NET_RAW. The probe filters replies by its own
   identifier and a random token in the payload; a kernel filter passes only echo replies.
3. **TCP connect** (``tcp``) to a configured port: a completed handshake or a refusal (RST) both
   prove the host answered; a timeout or "unreachable" is a loss.

One socket per family serves every target: requests are matched to replies by (address,
sequence number), and receive times come from kernel timestamps (``SO_TIMESTAMPNS``) so that a
busy event loop does not inflate round-trip times. Concurrency is bounded, each echo has a timeout
and each target an overall deadline. Every address is checked against an
:class:`~netctl.probes.guard.AddressGuard` before any packet is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import os
import socket
import struct
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from ipaddress import ip_address
from pathlib import Path

from netctl.exceptions import ConfigError
from netctl.probes.guard import AddressGuard

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
SOL_RAW = getattr(socket, "SOL_RAW", 255)
ICMP_FILTER = 1
ICMP6_FILTER = 1
ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
RCVBUF = 4 * 1024 * 1024
MAX_READS_PER_WAKEUP = 512


class Method(StrEnum):
    """How reachability is tested."""

    AUTO = "auto"  # icmp-dgram, else icmp-raw, else tcp
    ICMP = "icmp"  # icmp-dgram, else icmp-raw, else fail
    DGRAM = "icmp-dgram"
    RAW = "icmp-raw"
    TCP = "tcp"


class ReachError(ConfigError):
    """The requested method cannot be used on this host (no permission for ICMP sockets)."""


@dataclass(frozen=True, slots=True)
class ReachTarget:
    """An address to test: ``name`` is the device hostname the result is recorded under."""

    name: str
    address: str
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def family(self) -> int:
        """4 or 6."""
        return ip_address(self.address).version


@dataclass(frozen=True, slots=True)
class ReachConfig:
    """Knobs of the reachability probe; the defaults are the production values."""

    method: Method = Method.AUTO
    count: int = 3
    interval: float = 0.2
    timeout: float = 1.0
    """Seconds to wait for each echo reply."""
    target_timeout: float = 5.0
    """Seconds a target may take in all (its echoes are cut off after that)."""
    concurrency: int = 256
    tcp_port: int = 22
    payload: int = 24
    """Echo payload bytes (at least 12: token and padding)."""
    allowed_networks: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ReachResult:
    """Loss and round-trip times of one target."""

    target: ReachTarget
    family: int
    method: str
    sent: int
    received: int
    loss: float | None
    rtt_ms: float | None = None
    rtt_min_ms: float | None = None
    rtt_max_ms: float | None = None
    error: str | None = None
    observed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        """At least one reply came back."""
        return self.received > 0


def ping_datagram_allowed() -> bool:
    """Whether this process's groups fall inside ``net.ipv4.ping_group_range``."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ping_group_range")
                     .read_text().split())
    except (OSError, ValueError):
        return False
    return any(low <= g <= high for g in {os.getgid(), *os.getgroups()})


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071).

    Examples:
        >>> hex(checksum(bytes([8, 0, 0, 0, 0x12, 0x34, 0, 1])))
        '0xe5ca'
    """
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return int(~total & 0xFFFF)


def echo_request(family: int, ident: int, seq: int, payload: bytes) -> bytes:
    """An ICMP (family 4) or ICMPv6 (6) echo request; the ICMPv6 checksum is the kernel's."""
    head = struct.pack("!BBHHH", ECHO_REQUEST[family], 0, 0, ident, seq)
    if family == 6:
        return head + payload
    csum = checksum(head + payload)
    return struct.pack("!BBHHH", ECHO_REQUEST[family], 0, csum, ident, seq) + payload


def parse_echo_reply(family: int, data: bytes, *, ip_header: bool) -> tuple[int, int, bytes] | None:
    """``(ident, seq, payload)`` of an echo reply, or None for anything else.

    ``ip_header``: the data starts with an IPv4 header (raw IPv4 sockets).
    """
    off = 0
    if ip_header and data:
        off = (data[0] & 0x0F) * 4
    if len(data) < off + 8:
        return None
    kind, code, _csum, ident, seq = struct.unpack_from("!BBHHH", data, off)
    if kind != ECHO_REPLY[family] or code != 0:
        return None
    return ident, seq, data[off + 8:]


def _norm(address: str) -> str:
    return ip_address(address.split("%", 1)[0]).compressed


class _Pinger:
    """One ICMP socket of one family and kind, shared by every target of a run."""

    def __init__(self, family: int, kind: Method, payload: int) -> None:
        af = socket.AF_INET6 if family == 6 else socket.AF_INET
        proto = socket.IPPROTO_ICMPV6 if family == 6 else socket.IPPROTO_ICMP
        stype = socket.SOCK_DGRAM if kind is Method.DGRAM else socket.SOCK_RAW
        self.family, self.kind = family, kind
        self.sock = socket.socket(af, stype, proto)
        self.sock.setblocking(False)
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.timestamps = True
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            self.timestamps = False
        if kind is Method.RAW:
            self._install_filter()
        self.ident = int.from_bytes(os.urandom(2), "big")
        self.token = os.urandom(8)
        self.payload = self.token + b"netctl"[: max(0, payload - 8)].ljust(max(0, payload - 8),
                                                                             b".")
        self.ip_header = kind is Method.RAW and family == 4
        self.pending: dict[tuple[str, int], asyncio.Future[int]] = {}
        self._seq = itertools.count(int.from_bytes(os.urandom(2), "big"))
        self.loop = asyncio.get_running_loop()
        self.loop.add_reader(self.sock.fileno(), self._on_readable)

    def _install_filter(self) -> None:
        with contextlib.suppress(OSError):
            if self.family == 4:  # bit set = type dropped: keep only echo replies (type 0)
                self.sock.setsockopt(SOL_RAW, ICMP_FILTER, struct.pack("I", 0xFFFFFFFE))
            else:
                words = [0xFFFFFFFF] * 8
                words[129 >> 5] &= ~(1 << (129 & 31)) & 0xFFFFFFFF
                self.sock.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER,
                                     struct.pack("8I", *words))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        for fut in self.pending.values():
            if not fut.done():
                fut.cancel()
        self.pending.clear()

    async def echo(self, address: str, timeout: float) -> float | None:
        """One echo: the round-trip time in ms, None on timeout; OSError when it cannot be sent."""
        addr = _norm(address)
        seq = next(self._seq) & 0xFFFF
        key = (addr, seq)
        while key in self.pending:  # 65,536 echoes in flight to one address: wrap further
            seq = next(self._seq) & 0xFFFF
            key = (addr, seq)
        fut: asyncio.Future[int] = self.loop.create_future()
        self.pending[key] = fut
        packet = echo_request(self.family, self.ident, seq, self.payload)
        try:
            sent_ns = time.time_ns()
            try:
                self.sock.sendto(packet, (addr, 0))
            except BlockingIOError:
                sent_ns = time.time_ns()
                await self.loop.sock_sendto(self.sock, packet, (addr, 0))
            try:
                async with asyncio.timeout(timeout):
                    received_ns = await fut
            except TimeoutError:
                return None
            return max(0.0, (received_ns - sent_ns) / 1e6)
        finally:
            self.pending.pop(key, None)

    def _on_readable(self) -> None:
        for _ in range(MAX_READS_PER_WAKEUP):
            try:
                data, anc, _flags, src = self.sock.recvmsg(4096, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error queued on the socket: replies will time out
                continue
            now = time.time_ns()
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                    sec, nsec = struct.unpack_from("qq", value)
                    now = sec * 1_000_000_000 + nsec
            reply = parse_echo_reply(self.family, data, ip_header=self.ip_header)
            if reply is None:
                continue
            ident, seq, payload = reply
            if self.kind is Method.RAW and ident != self.ident:
                continue
            if not payload.startswith(self.token):
                continue
            fut = self.pending.get((src[0], seq))  # the kernel's text form is canonical
            if fut is None:
                fut = self.pending.get((_norm(src[0]), seq))
            if fut is not None and not fut.done():
                fut.set_result(now)


async def _tcp_echo(address: str, port: int, timeout: float) -> float | None:
    """A TCP handshake as an echo: RTT in ms when the host accepts or refuses (RST); None on
    timeout; OSError for anything else (no route...). The end time is taken in the writability
    callback itself, before other ready work of the event loop, so a busy loop inflates it less."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    loop = asyncio.get_running_loop()
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        done: asyncio.Future[float] = loop.create_future()
        start = time.perf_counter()
        err = sock.connect_ex((address, port))
        if err in (0, errno.ECONNREFUSED):
            return (time.perf_counter() - start) * 1000
        if err not in (errno.EINPROGRESS, errno.EAGAIN):
            raise OSError(err, os.strerror(err))

        def writable() -> None:
            if not done.done():
                done.set_result(time.perf_counter())

        fd = sock.fileno()
        loop.add_writer(fd, writable)
        try:
            async with asyncio.timeout(timeout):
                end = await done
        except TimeoutError:
            return None
        finally:
            loop.remove_writer(fd)
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err not in (0, errno.ECONNREFUSED):  # a RST is an answer: the host is there
            raise OSError(err, os.strerror(err))
        return (end - start) * 1000
    finally:
        sock.close()


def resolve_method(requested: Method, family: int) -> Method:
    """The method usable for ``family`` on this host for a requested one.

    Raises:
        ReachError: ``icmp``, ``icmp-dgram`` or ``icmp-raw`` was asked for and is not allowed.
    """
    if requested is Method.TCP:
        return Method.TCP
    af = socket.AF_INET6 if family == 6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if family == 6 else socket.IPPROTO_ICMP
    tried: list[str] = []
    for kind, stype in ((Method.DGRAM, socket.SOCK_DGRAM), (Method.RAW, socket.SOCK_RAW)):
        if requested not in (Method.AUTO, Method.ICMP, kind):
            continue
        try:
            socket.socket(af, stype, proto).close()
        except PermissionError as exc:
            tried.append(f"{kind.value}: {exc.strerror or exc}")
            continue
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EAFNOSUPPORT):
                raise
            tried.append(f"{kind.value}: {exc.strerror or exc}")
            continue
        return kind
    if requested is Method.AUTO:
        return Method.TCP
    msg = (f"cannot send ICMP{'v6' if family == 6 else ''} echo ({'; '.join(tried)}): allow the "
           "group in net.ipv4.ping_group_range, run as root / with CAP_NET_RAW, or use --method "
           "tcp")
    raise ReachError(msg)


def _error_text(exc: OSError) -> str:
    if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no route"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"not permitted: {exc.strerror or exc}"
    return f"{exc.strerror or exc}"


async def probe_reachability(
    targets: Iterable[ReachTarget], cfg: ReachConfig | None = None,
    on_result: Callable[[ReachResult], None] | None = None,
) -> list[ReachResult]:
    """Test every target (at most ``cfg.concurrency`` at once); results in input order."""
    cfg = cfg or ReachConfig()
    targets = list(targets)
    guard = AddressGuard.parse(cfg.allowed_networks)
    methods = {fam: resolve_method(cfg.method, fam)
               for fam in sorted({t.family for t in targets})}
    pingers: dict[int, _Pinger] = {}
    try:
        for fam, m in methods.items():
            if m is not Method.TCP:
                pingers[fam] = _Pinger(fam, m, max(12, cfg.payload))
        sem = asyncio.Semaphore(max(1, cfg.concurrency))

        async def one(t: ReachTarget) -> ReachResult:
            async with sem:
                result = await _probe_target(t, cfg, guard, methods[t.family],
                                             pingers.get(t.family))
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(t) for t in targets)))
    finally:
        for p in pingers.values():
            p.close()


async def _probe_target(t: ReachTarget, cfg: ReachConfig, guard: AddressGuard, method: Method,
                        pinger: _Pinger | None) -> ReachResult:
    family = t.family
    at = datetime.now(UTC)
    refusal = guard.refusal(t.address)
    if refusal is not None:
        return ReachResult(t, family, method.value, 0, 0, None, error=f"refused: {refusal}",
                           observed_at=at)
    errors: list[str] = []

    async def echo(i: int) -> float | None:
        if i:
            await asyncio.sleep(i * cfg.interval)
        try:
            if pinger is not None:
                return await pinger.echo(t.address, cfg.timeout)
            return await _tcp_echo(t.address, cfg.tcp_port, cfg.timeout)
        except OSError as exc:
            errors.append(_error_text(exc))
            return None

    count = max(1, cfg.count)
    tasks = [asyncio.ensure_future(echo(i)) for i in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=cfg.target_timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        errors.append(f"target deadline of {cfg.target_timeout:g} s")
    rtts = [r for task in tasks if task in done and (r := task.result()) is not None]
    received = len(rtts)
    return ReachResult(
        t, family, method.value, count, received, round(1 - received / count, 4),
        rtt_ms=round(sum(rtts) / received, 3) if rtts else None,
        rtt_min_ms=round(min(rtts), 3) if rtts else None,
        rtt_max_ms=round(max(rtts), 3) if rtts else None,
        error=errors[0] if errors and not received else None, observed_at=at,
    )


def summarise(results: Sequence[ReachResult]) -> dict[str, int]:
    """Counts for a run: targets, answered, lost, refused (by the guard)."""
    return {
        "targets": len(results),
        "answered": sum(1 for r in results if r.ok),
        "lost": sum(1 for r in results if r.loss == 1.0),
        "refused": sum(1 for r in results if r.loss is None),
    }
