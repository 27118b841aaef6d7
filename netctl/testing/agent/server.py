"""SNMP agents for emulated devices: v2c and v3 (USM authPriv) on loopback UDP ports.

One asyncio event loop (in a background thread) serves every device; each device has its own
UDP socket on a loopback address (``127.0.0.0/8`` or ``::1``; anything else is refused) and its
own engine ID, credentials and :class:`~netctl.testing.agent.mib.MibBuilder`. It answers GET,
GETNEXT and GETBULK (RFC 3416) from the device's MIB view, with SNMPv3 discovery, time-window
and authentication reports (RFC 3414) as net-snmp's tools expect them. The messages are made and
read with netctl's own codec (:mod:`netctl.collectors.snmp.ber`, key localisation of
:mod:`netctl.collectors.snmp.usm`); the tests check the agent with net-snmp's ``snmpget`` and
``snmpbulkwalk``, which netctl did not write.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from netctl.collectors.snmp import ber
from netctl.collectors.snmp.usm import AUTH_PROTOCOLS, UserKeys, user_keys
from netctl.testing.agent.mib import COUNTER32, MibBuilder, View, t_uint
from netctl.testing.loopthread import start_loop_thread

NO_SUCH_OBJECT = b"\x80\x00"
NO_SUCH_INSTANCE = b"\x81\x00"
END_OF_MIB_VIEW = b"\x82\x00"
MAX_RESPONSE = 65000
MAX_REPETITIONS = 200
TIME_WINDOW_S = 150
USM_STATS = {
    "unknown_engine": "1.3.6.1.6.3.15.1.1.4.0",
    "unknown_user": "1.3.6.1.6.3.15.1.1.3.0",
    "wrong_digest": "1.3.6.1.6.3.15.1.1.5.0",
    "not_in_time": "1.3.6.1.6.3.15.1.1.2.0",
    "decryption": "1.3.6.1.6.3.15.1.1.6.0",
    "unsupported_level": "1.3.6.1.6.3.15.1.1.1.0",
}


@dataclass(frozen=True, slots=True)
class V3Credentials:
    """An SNMPv3 user the agent accepts (``SHA``/``SHA256``…, ``AES``)."""

    user: str
    auth_protocol: str = "SHA"
    auth_password: str = field(default="", repr=False)
    priv_protocol: str | None = "AES"
    priv_password: str | None = field(default=None, repr=False)


@dataclass
class AgentSpec:
    """One device's agent: its MIB, where it listens and what it accepts."""

    name: str
    mib: MibBuilder
    community: bytes | None = b"public"
    v3: V3Credentials | None = None
    host: str = "127.0.0.1"
    port: int = 0
    """0 picks a free port."""


@dataclass
class _Stats:
    requests: int = 0
    answered: int = 0
    auth_failures: int = 0


def _aes_cfb(key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    try:
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # pragma: no cover - older cryptography
        from cryptography.hazmat.primitives.ciphers.modes import CFB
    ctx = Cipher(algorithms.AES(key), CFB(iv))
    c = ctx.encryptor() if encrypt else ctx.decryptor()
    return c.update(data) + c.finalize()


class _Agent(asyncio.DatagramProtocol):
    """The protocol of one device's socket."""

    def __init__(self, spec: AgentSpec, boots: int = 1) -> None:
        self.spec = spec
        self.engine_id = b"\x80\x00\x1f\x88\x04" + hashlib.blake2b(
            b"netctl-agent:" + spec.name.encode(), digest_size=12).digest()
        self.boots = boots
        self.started = time.monotonic()
        self.keys: UserKeys | None = None
        if spec.v3 is not None:
            c = spec.v3
            self.keys = user_keys(c.user, c.auth_protocol, c.auth_password, c.priv_protocol,
                                  c.priv_password, self.engine_id)
        self.transport: asyncio.DatagramTransport | None = None
        self.stats = _Stats()
        self._salt = int.from_bytes(os.urandom(8), "big")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        faults = self.spec.mib.facts.faults
        if faults.silent:
            return
        self.stats.requests += 1
        try:
            reply = self.handle(data)
        except (ber.BerError, ValueError, IndexError, KeyError):
            return
        if reply is None or self.transport is None:
            return
        self.stats.answered += 1
        if faults.delay_s > 0:
            asyncio.get_running_loop().call_later(faults.delay_s, self._send, reply, addr)
        else:
            self.transport.sendto(reply, addr)

    def _send(self, reply: bytes, addr: tuple[str | int, ...]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)

    # -- messages
    def handle(self, data: bytes) -> bytes | None:
        """The answer to one datagram (None: drop it, as an agent does with bad messages)."""
        tag, start, _end = ber.read_header(data, 0)
        if tag != 0x30:
            return None
        version, p = ber.read_int(data, start)
        if version == 1:
            return self._v2c(data, p)
        if version == 3:
            return self._v3(data, p)
        return None

    def _v2c(self, data: bytes, p: int) -> bytes | None:
        community, p = ber.read_octets(data, p)
        if self.spec.community is None or not hmac.compare_digest(community,
                                                                   self.spec.community):
            self.stats.auth_failures += 1
            return None
        pdu = self._answer(data, p, MAX_RESPONSE)
        if pdu is None:
            return None
        return ber.tlv(0x30, b"\x02\x01\x01" + ber.tlv(0x04, community) + pdu)

    def _now(self) -> int:
        return int(time.monotonic() - self.started)

    def _v3(self, data: bytes, p: int) -> bytes | None:
        _gtag, gstart, gend = ber.read_header(data, p)
        msg_id, q = ber.read_int(data, gstart)
        max_size, q = ber.read_int(data, q)
        flags_b, q = ber.read_octets(data, q)
        flags = flags_b[0] if flags_b else 0
        stag, sec_start, sec_end = ber.read_header(data, gend)
        if stag != 0x04:
            return None
        _t, s, _ = ber.read_header(data, sec_start)
        engine_id, s = ber.read_octets(data, s)
        boots, s = ber.read_int(data, s)
        etime, s = ber.read_int(data, s)
        user, s = ber.read_octets(data, s)
        _atag, mac_start, mac_end = ber.read_header(data, s)
        salt, s = ber.read_octets(data, mac_end)
        request_id = 0
        if not flags & 0x02:  # plaintext scoped PDU: read the request-id for a report
            with contextlib.suppress(ber.BerError):
                _st, ss, _se = ber.read_header(data, sec_end)
                _ce, sp = ber.read_octets(data, ss)
                _cn, sp = ber.read_octets(data, sp)
                _pt, ps, _pe = ber.read_header(data, sp)
                request_id, _ = ber.read_int(data, ps)
        keys = self.keys
        if engine_id != self.engine_id:
            return self._report(msg_id, request_id, "unknown_engine", None, b"")
        if keys is None or user != keys.user:
            self.stats.auth_failures += 1
            return self._report(msg_id, request_id, "unknown_user", None, user)
        if not flags & 0x01 or keys.auth_key is None:
            return self._report(msg_id, request_id, "unsupported_level", None, user)
        received = data[mac_start:mac_end]
        zeroed = data[:mac_start] + b"\x00" * (mac_end - mac_start) + data[mac_end:]
        mac = hmac.new(keys.auth_key, zeroed, keys.hash_name).digest()[:keys.mac_len]
        if not hmac.compare_digest(mac, received):
            self.stats.auth_failures += 1
            return self._report(msg_id, request_id, "wrong_digest", None, user)
        if boots != self.boots or abs(etime - self._now()) > TIME_WINDOW_S:
            return self._report(msg_id, request_id, "not_in_time", keys, user)
        if flags & 0x02:
            if keys.priv_key is None:
                return self._report(msg_id, request_id, "unsupported_level", None, user)
            cipher_text, _ = ber.read_octets(data, sec_end)
            iv = boots.to_bytes(4, "big") + etime.to_bytes(4, "big") + salt
            scoped = _aes_cfb(keys.priv_key, iv, cipher_text, encrypt=False)
            sp0 = 0
        else:
            scoped, sp0 = data, sec_end
        try:
            _t, ss, _se = ber.read_header(scoped, sp0)
            _ctx_engine, sp = ber.read_octets(scoped, ss)
            ctx_name, sp = ber.read_octets(scoped, sp)
        except ber.BerError:
            return self._report(msg_id, request_id, "decryption", None, user)
        pdu = self._answer(scoped, sp, min(max_size, MAX_RESPONSE) - 200)
        if pdu is None:
            return None
        return self._message(msg_id, flags & 0x03, keys, user, ctx_name, pdu)

    def _message(self, msg_id: int, flags: int, keys: UserKeys | None, user: bytes,
                 ctx_name: bytes, pdu: bytes) -> bytes:
        boots, etime = self.boots, self._now()
        scoped = ber.tlv(0x30, ber.tlv(0x04, self.engine_id) + ber.tlv(0x04, ctx_name) + pdu)
        salt = b""
        if flags & 0x02 and keys is not None and keys.priv_key is not None:
            self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
            salt = self._salt.to_bytes(8, "big")
            iv = boots.to_bytes(4, "big") + etime.to_bytes(4, "big") + salt
            body = ber.tlv(0x04, _aes_cfb(keys.priv_key, iv, scoped, encrypt=True))
        else:
            body = scoped
        mac_len = keys.mac_len if flags & 0x01 and keys is not None else 0
        tail = ber.tlv(0x04, salt)
        sec = ber.tlv(0x30, ber.tlv(0x04, self.engine_id) + ber.encode_integer(boots)
                      + ber.encode_integer(etime) + ber.tlv(0x04, user)
                      + ber.tlv(0x04, b"\x00" * mac_len) + tail)
        global_data = ber.tlv(0x30, ber.encode_integer(msg_id) + ber.encode_integer(65507)
                              + ber.tlv(0x04, bytes((flags,))) + ber.encode_integer(3))
        whole = ber.tlv(0x30, b"\x02\x01\x03" + global_data + ber.tlv(0x04, sec) + body)
        if not mac_len or keys is None or keys.auth_key is None:
            return whole
        mac_at = len(whole) - len(body) - len(tail) - mac_len
        mac = hmac.new(keys.auth_key, whole, keys.hash_name).digest()[:mac_len]
        return whole[:mac_at] + mac + whole[mac_at + mac_len:]

    def _report(self, msg_id: int, request_id: int, what: str, keys: UserKeys | None,
                user: bytes) -> bytes:
        vb = ber.tlv(0x30, ber.tlv(0x06, ber.encode_oid(USM_STATS[what]))
                     + t_uint(COUNTER32, self.stats.auth_failures + 1))
        pdu = ber.tlv(ber.REPORT, ber.encode_integer(request_id) + ber.encode_integer(0)
                      + ber.encode_integer(0) + ber.tlv(0x30, vb))
        return self._message(msg_id, 0x01 if keys is not None else 0, keys, user, b"", pdu)

    def _answer(self, data: bytes, p: int, max_bytes: int) -> bytes | None:
        ptag, request_id, a, b, varbinds = ber.decode_pdu(data, p)
        view = self.spec.mib.view()
        oids = [oid for oid, _ in varbinds]
        out: list[bytes] = []
        if ptag == ber.GET:
            out = [self._vb(oid, view.get(oid) or self._missing(view, oid)) for oid in oids]
        elif ptag == ber.GET_NEXT:
            out = [self._next(view, oid)[0] for oid in oids]
        elif ptag == ber.GET_BULK:
            out = self._bulk(view, oids, max(0, a), max(0, min(b, MAX_REPETITIONS)), max_bytes)
        else:
            return None
        err = 0
        return ber.tlv(ber.RESPONSE, ber.encode_integer(request_id) + ber.encode_integer(err)
                       + ber.encode_integer(0) + ber.tlv(0x30, b"".join(out)))

    @staticmethod
    def _vb(oid: bytes, value: bytes) -> bytes:
        return ber.tlv(0x30, ber.tlv(0x06, oid) + value)

    @staticmethod
    def _missing(view: View, oid: bytes) -> bytes:
        # noSuchInstance when the object (the OID minus its last arc) has instances
        i = view.next_index(oid)
        if i < len(view.oids) and view.oids[i][:-1] == oid[:-1]:
            return NO_SUCH_INSTANCE
        return NO_SUCH_OBJECT

    def _next(self, view: View, oid: bytes) -> tuple[bytes, bytes | None]:
        i = view.next_index(oid)
        if i >= len(view.oids):
            return self._vb(oid, END_OF_MIB_VIEW), None
        nxt = view.oids[i]
        return self._vb(nxt, view.values[i]), nxt

    def _bulk(self, view: View, oids: list[bytes], non_rep: int, reps: int,
              max_bytes: int) -> list[bytes]:
        out: list[bytes] = []
        size = 0
        for oid in oids[:non_rep]:
            vb, _ = self._next(view, oid)
            out.append(vb)
            size += len(vb)
        cursors: list[bytes | None] = list(oids[non_rep:])
        for _ in range(reps):
            if not cursors or all(c is None for c in cursors):
                break
            row: list[bytes] = []
            for k, cur in enumerate(cursors):
                if cur is None:
                    vb = self._vb(oids[non_rep + k], END_OF_MIB_VIEW)
                else:
                    vb, nxt = self._next(view, cur)
                    cursors[k] = nxt
                row.append(vb)
            row_size = sum(len(v) for v in row)
            if size + row_size > max_bytes:
                break
            out += row
            size += row_size
        return out


class AgentNetwork:
    """SNMP agents of many emulated devices, served by one event loop in a thread.

    Examples:
        Serve, poll, stop::

            with AgentNetwork([AgentSpec("gw1", MibBuilder(device, facts))]) as agents:
                host, port = agents.address("gw1")
    """

    def __init__(self, specs: list[AgentSpec]) -> None:
        for spec in specs:
            if not ipaddress.ip_address(spec.host).is_loopback:
                msg = f"agent {spec.name}: {spec.host} is not a loopback address"
                raise ValueError(msg)
        self.specs = {s.name: s for s in specs}
        self.agents: dict[str, _Agent] = {}
        self.ports: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    def address(self, name: str) -> tuple[str, int]:
        """(host, port) of a device's agent."""
        return self.specs[name].host, self.ports[name]

    def target_url(self, name: str) -> str:
        """``udp://127.0.0.1:PORT`` (or ``udp6://[::1]:PORT``) for target overrides."""
        host, port = self.address(name)
        return f"udp6://[{host}]:{port}" if ":" in host else f"udp://{host}:{port}"

    def mib(self, name: str) -> MibBuilder:
        """The MIB builder of a device (to read what the agent reports)."""
        return self.specs[name].mib

    def start(self, timeout: float = 20.0) -> AgentNetwork:
        """Bind every socket; returns once all are bound."""
        self._loop, self._thread, started = start_loop_thread(self._serve,
                                                              name="netctl-snmp-agents")
        why = started.failure(timeout)
        if why is not None:
            self.stop()
            msg = f"SNMP agents did not start: {why}"
            raise RuntimeError(msg)
        return self

    async def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        transports: list[asyncio.BaseTransport] = []
        try:
            for name, spec in self.specs.items():
                fam = socket.AF_INET6 if ":" in spec.host else socket.AF_INET
                transport, proto = await loop.create_datagram_endpoint(
                    functools.partial(_Agent, spec), local_addr=(spec.host, spec.port),
                    family=fam)
                transports.append(transport)
                self.agents[name] = proto
                self.ports[name] = int(transport.get_extra_info("sockname")[1])
            ready.set()
            await self._stop.wait()
        finally:
            for t in transports:
                t.close()

    def stop(self) -> None:
        """Close every socket and end the loop's thread."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> AgentNetwork:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stats(self) -> Mapping[str, tuple[int, int, int]]:
        """Per device: (requests, answered, authentication failures)."""
        return {n: (a.stats.requests, a.stats.answered, a.stats.auth_failures)
                for n, a in self.agents.items()}


__all__ = ["AUTH_PROTOCOLS", "AgentNetwork", "AgentSpec", "V3Credentials"]
