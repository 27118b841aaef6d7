"""The lean SNMP client: one UDP socket for every target, request ids dispatched in a dict.

It speaks SNMPv2c and SNMPv3 (USM, see :mod:`netctl.collectors.snmp.usm`) for GET and GETBULK,
which is all the poller needs. pysnmp remains the reference and the fallback (see
:mod:`netctl.collectors.snmp.pysnmp_backend`); both implement :class:`Session`.

Design, for thousands of devices per process:

* one :class:`Transport` (one socket per address family) per event loop; its receive buffer
  is enlarged (``SO_RCVBUFFORCE`` when allowed, else ``SO_RCVBUF``, capped by
  ``net.core.rmem_max``): with the 208 KiB default, responses to 50+ concurrent polls are
  dropped;
* requests are matched to responses by request-id (v2c) or msgID (v3) and by source address;
* each request has a timeout and a bounded number of retries; the caller wraps a whole device
  poll in a deadline as well.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from netctl.collectors.snmp import ber, usm
from netctl.exceptions import NetctlError

log = logging.getLogger(__name__)

DEFAULT_RCVBUF = 4 * 1024 * 1024


class SnmpError(NetctlError):
    """An SNMP exchange failed (timeout, error-status, authentication)."""


class SnmpTimeoutError(SnmpError):
    """No response after every retry."""


class SnmpStatusError(SnmpError):
    """The agent answered with a non-zero error-status."""

    def __init__(self, status: int, index: int) -> None:
        self.status = status
        self.index = index
        super().__init__(f"agent returned error-status {status} at varbind {index}")


class Session(Protocol):
    """What the walker needs from an SNMP backend."""

    async def get(self, oids: Sequence[bytes]) -> list[ber.VarBind]:
        """GET the OIDs (BER content bytes); values in request order."""
        ...

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        """GETBULK."""
        ...

    @property
    def requests(self) -> int:
        """Requests sent so far (retries included)."""
        ...


@dataclass(eq=False)
class Transport:
    """One UDP socket per address family, shared by every session of an event loop.

    The sockets are read with ``loop.add_reader`` and drained at each wake-up (every datagram
    waiting is dispatched, not one per turn of the event loop as asyncio's datagram transport
    does), and written with ``sendto`` directly (a full send buffer waits with
    ``loop.sock_sendto``).
    """

    rcvbuf: int = DEFAULT_RCVBUF
    _endpoints: dict[int, socket.socket] = field(default_factory=dict)
    _pending: dict[int, tuple[asyncio.Future[bytes], tuple[str, int]]] = field(
        default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    effective_rcvbuf: int = 0
    dropped: int = 0  # datagrams that matched no pending request

    def next_id(self) -> int:
        """A fresh request-id / msgID (31 bits, never 0)."""
        return next(self._ids) % 0x7FFFFFFF or next(self._ids)

    async def _endpoint(self, family: int) -> socket.socket:
        sock = self._endpoints.get(family)
        if sock is not None:
            return sock
        async with self._lock:
            sock = self._endpoints.get(family)
            if sock is not None:
                return sock
            loop = asyncio.get_running_loop()
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setblocking(False)
                self.effective_rcvbuf = enlarge_rcvbuf(sock, self.rcvbuf)
                sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))  # noqa: S104
                loop.add_reader(sock.fileno(), self._readable, sock)
            except BaseException:
                sock.close()
                raise
            self._loop = loop
            self._endpoints[family] = sock
            return sock

    def _readable(self, sock: socket.socket) -> None:
        """Dispatch every datagram waiting on ``sock`` (bounded: others get their turn)."""
        recv = sock.recvfrom
        dispatch = self.dispatch
        for _ in range(_DRAIN_MAX):
            try:
                data, addr = recv(_MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # ICMP errors reported on the socket, and friends
                log.debug("UDP error: %s", exc)
                return
            dispatch(data, addr)

    def dispatch(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """Hand a datagram to the request waiting for it; drop anything else."""
        try:
            _version, rid = ber.peek_id(data)
        except ber.BerError:
            self.dropped += 1
            return
        entry = self._pending.get(rid)
        if entry is None or entry[0].done() or str(addr[0]) != entry[1][0] \
                or int(addr[1]) != entry[1][1]:
            self.dropped += 1
            return
        entry[0].set_result(data)

    async def exchange(self, rid: int, data: bytes, addr: tuple[str, int],
                       timeout: float) -> bytes:
        """Send ``data`` and wait for the datagram carrying ``rid`` from ``addr``.

        Raises:
            SnmpTimeoutError: after ``timeout`` seconds.
        """
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        sock = self._endpoints.get(family) or await self._endpoint(family)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()
        self._pending[rid] = (fut, addr)
        # A timer handle, not asyncio.timeout(): the same deadline for a fraction of the cost
        # (this runs for every request of every poll).
        timer = loop.call_later(timeout, _expire, fut)
        try:
            try:
                sock.sendto(data, addr)
            except (BlockingIOError, InterruptedError):
                await loop.sock_sendto(sock, data, addr)
            except OSError as exc:  # unreachable network and friends: as a lost datagram
                log.debug("UDP error sending to %s:%s: %s", addr[0], addr[1], exc)
            return await fut
        except _Expired as exc:
            msg = f"no response from {addr[0]}:{addr[1]} within {timeout:g} s"
            raise SnmpTimeoutError(msg) from exc
        finally:
            timer.cancel()
            self._pending.pop(rid, None)

    def close(self) -> None:
        """Close the sockets."""
        for sock in self._endpoints.values():
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._endpoints.clear()


_DRAIN_MAX = 256
_MAX_DATAGRAM = 65535


class _Expired(Exception):  # noqa: N818 - internal marker, never escapes exchange()
    """A request's timer fired before its response arrived."""


def _expire(fut: asyncio.Future[bytes]) -> None:
    if not fut.done():
        fut.set_exception(_Expired())


class _Sock(Protocol):
    def setsockopt(self, level: int, optname: int, value: int, /) -> None: ...
    def getsockopt(self, level: int, optname: int, /) -> int: ...


def enlarge_rcvbuf(sock: _Sock, size: int) -> int:
    """Ask for a ``size`` receive buffer; return what the kernel granted.

    ``SO_RCVBUFFORCE`` ignores ``net.core.rmem_max`` but needs CAP_NET_ADMIN; otherwise the
    request is capped at ``rmem_max`` (212,992 bytes on a default Debian).
    """
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    try:
        if force is None:
            raise PermissionError
        sock.setsockopt(socket.SOL_SOCKET, force, size)
    except (PermissionError, OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    if granted < size:
        log.info("UDP receive buffer is %d bytes (asked %d): raise net.core.rmem_max or give "
                 "the daemon CAP_NET_ADMIN", granted, size)
    return int(granted)


@dataclass(eq=False)
class V2cSession:
    """SNMPv2c to one agent."""

    transport: Transport
    addr: tuple[str, int]
    community: bytes
    timeout: float = 2.0
    retries: int = 1
    requests: int = 0
    walk_hints: dict[tuple[bytes, ...], int] = field(default_factory=dict, repr=False)
    """Rows per walked column set at the last poll (see :func:`~.walk.fetch`)."""

    async def _call(self, tag: int, a: int, b: int,
                    oids: Sequence[bytes]) -> tuple[bytes, int, int]:
        last: SnmpTimeoutError | None = None
        for _attempt in range(self.retries + 1):
            rid = self.transport.next_id()
            msg = ber.encode_v2c(self.community, ber.encode_pdu(tag, rid, a, b, oids))
            self.requests += 1
            try:
                data = await self.transport.exchange(rid, msg, self.addr, self.timeout)
            except SnmpTimeoutError as exc:
                last = exc
                continue
            try:
                _rid, status, index, vstart, vend = ber.decode_v2c_header(data)
            except ber.BerError as exc:
                msg_ = f"{self.addr[0]}:{self.addr[1]}: undecodable response: {exc}"
                raise SnmpError(msg_) from exc
            if status:
                raise SnmpStatusError(status, index)
            return data, vstart, vend
        assert last is not None  # noqa: S101 - the loop runs at least once
        raise last

    def _varbinds(self, data: bytes, vstart: int, vend: int) -> list[ber.VarBind]:
        try:
            return ber.decode_varbinds(data, vstart, vend)
        except ber.BerError as exc:
            msg = f"{self.addr[0]}:{self.addr[1]}: undecodable response: {exc}"
            raise SnmpError(msg) from exc

    async def get(self, oids: Sequence[bytes]) -> list[ber.VarBind]:
        """GET."""
        return self._varbinds(*await self._call(ber.GET, 0, 0, oids))

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        """GETBULK."""
        return self._varbinds(*await self._call(ber.GET_BULK, non_repeaters, max_repetitions,
                                                oids))

    async def bulk_raw(self, oids: Sequence[bytes], non_repeaters: int,
                       max_repetitions: int) -> tuple[bytes, int, int]:
        """GETBULK; the response undecoded: (message, start, end of the VarBindList's content),
        read by :func:`netctl.collectors.snmp.walk.scan_columns`."""
        return await self._call(ber.GET_BULK, non_repeaters, max_repetitions, oids)


@dataclass(frozen=True, slots=True)
class V3User:
    """An SNMPv3 user (passwords, not localized keys)."""

    name: str
    auth_protocol: str | None = None
    auth_password: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None
    priv_password: str | None = field(default=None, repr=False)


@dataclass(eq=False)
class V3Session:
    """SNMPv3 (USM) to one agent; discovers the engine on first use."""

    transport: Transport
    addr: tuple[str, int]
    user: V3User
    engines: dict[tuple[str, int], usm.EngineState]
    timeout: float = 2.0
    retries: int = 1
    context: bytes = b""
    requests: int = 0
    walk_hints: dict[tuple[bytes, ...], int] = field(default_factory=dict, repr=False)
    _keys: usm.UserKeys | None = None
    _keys_engine: bytes = b""

    async def _roundtrip(self, build: bytes, msg_id: int, keys: usm.UserKeys | None, *,
                         raw: bool = False) -> usm.V3Response:
        self.requests += 1
        data = await self.transport.exchange(msg_id, build, self.addr, self.timeout)
        try:
            return usm.decode_response(data, keys, raw=raw)
        except ber.BerError as exc:
            msg = f"{self.addr[0]}:{self.addr[1]}: undecodable SNMPv3 response: {exc}"
            raise SnmpError(msg) from exc

    async def _discover(self) -> usm.EngineState:
        loop = asyncio.get_running_loop()
        last: SnmpTimeoutError | None = None
        for _attempt in range(self.retries + 1):
            mid = self.transport.next_id()
            try:
                resp = await self._roundtrip(usm.encode_discovery(mid, mid), mid, None)
            except SnmpTimeoutError as exc:
                last = exc
                continue
            state = usm.EngineState(resp.engine_id, resp.boots, resp.time, loop.time())
            self.engines[self.addr] = state
            return state
        assert last is not None  # noqa: S101
        raise last

    async def _engine(self) -> tuple[usm.EngineState, usm.UserKeys]:
        state = self.engines.get(self.addr)
        if state is None or not state.engine_id:
            state = await self._discover()
        if self._keys is None or self._keys_engine != state.engine_id:
            u = self.user
            self._keys = usm.user_keys(u.name, u.auth_protocol, u.auth_password,
                                       u.priv_protocol, u.priv_password, state.engine_id)
            self._keys_engine = state.engine_id
        return state, self._keys

    async def _call(self, tag: int, a: int, b: int, oids: Sequence[bytes], *,
                    raw: bool = False) -> usm.V3Response:
        loop = asyncio.get_running_loop()
        last: SnmpError | None = None
        resynced = False
        attempts = 0
        while attempts <= self.retries:
            attempts += 1
            state, keys = await self._engine()
            mid = self.transport.next_id()
            pdu = ber.encode_pdu(tag, mid, a, b, oids)
            msg = usm.encode_request(mid, pdu, keys, state, loop.time(), self.context)
            try:
                resp = await self._roundtrip(msg, mid, keys, raw=raw)
            except SnmpTimeoutError as exc:
                last = exc
                continue
            except usm.UsmError as exc:
                raise SnmpError(f"{self.addr[0]}:{self.addr[1]}: {exc}") from exc
            if resp.pdu_tag == ber.REPORT:
                reason = resp.report_reason() or ""
                if reason in (usm.NOT_IN_TIME_WINDOW, usm.UNKNOWN_ENGINE_ID) and not resynced:
                    # The agent rebooted or our clock estimate drifted: learn and retry once.
                    self.engines[self.addr] = usm.EngineState(resp.engine_id, resp.boots,
                                                              resp.time, loop.time())
                    resynced = True
                    attempts -= 1
                    continue
                text = usm.REPORT_REASONS.get(reason, reason)
                msg_ = f"{self.addr[0]}:{self.addr[1]}: SNMPv3 report: {text}"
                raise SnmpError(msg_)
            if resp.boots > state.boots or (resp.boots == state.boots
                                            and resp.time > state.now(loop.time())[1]):
                self.engines[self.addr] = usm.EngineState(state.engine_id, resp.boots,
                                                          resp.time, loop.time())
            if resp.error_status:
                raise SnmpStatusError(resp.error_status, resp.error_index)
            return resp
        assert last is not None  # noqa: S101
        raise last

    async def get(self, oids: Sequence[bytes]) -> list[ber.VarBind]:
        """GET."""
        return (await self._call(ber.GET, 0, 0, oids)).varbinds

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        """GETBULK."""
        return (await self._call(ber.GET_BULK, non_repeaters, max_repetitions, oids)).varbinds

    async def bulk_raw(self, oids: Sequence[bytes], non_repeaters: int,
                       max_repetitions: int) -> tuple[bytes, int, int]:
        """GETBULK; the response's varbinds undecoded (see :meth:`V2cSession.bulk_raw`)."""
        resp = await self._call(ber.GET_BULK, non_repeaters, max_repetitions, oids, raw=True)
        return resp.body, resp.vb_start, resp.vb_end
