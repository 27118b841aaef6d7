"""The pysnmp 7 backend: the reference implementation, and the fallback for protocols the lean
client does not speak (MD5, DES, AES-192/256).

It follows the measured advice of ``/work/shared/notes``: numeric OIDs only, ``lookupMib=False``,
one :class:`~pysnmp.entity.engine.SnmpEngine` for every target (so its USM key cache and its
socket are shared), several columns per ``bulk_cmd``, and a larger UDP receive buffer, which
pysnmp has no API for: :func:`enlarge_engine_rcvbuf` reaches the transport's socket.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pyasn1.type import univ  # type: ignore[import-untyped]
from pysnmp.hlapi.v3arch.asyncio import (  # type: ignore[import-untyped]
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
)
from pysnmp.hlapi.v3arch.asyncio import auth as pauth
from pysnmp.proto import rfc1902, rfc1905  # type: ignore[import-untyped]

from netctl.collectors.snmp import ber
from netctl.collectors.snmp.client import (
    DEFAULT_RCVBUF,
    SnmpError,
    SnmpStatusError,
    SnmpTimeoutError,
    V3User,
    enlarge_rcvbuf,
)

log = logging.getLogger(__name__)

_AUTH = {
    "MD5": pauth.USM_AUTH_HMAC96_MD5,
    "SHA": pauth.USM_AUTH_HMAC96_SHA,
    "SHA1": pauth.USM_AUTH_HMAC96_SHA,
    "SHA224": pauth.USM_AUTH_HMAC128_SHA224,
    "SHA256": pauth.USM_AUTH_HMAC192_SHA256,
    "SHA384": pauth.USM_AUTH_HMAC256_SHA384,
    "SHA512": pauth.USM_AUTH_HMAC384_SHA512,
}
_PRIV = {
    "DES": pauth.USM_PRIV_CBC56_DES,
    "AES": pauth.USM_PRIV_CFB128_AES,
    "AES128": pauth.USM_PRIV_CFB128_AES,
    "AES192": pauth.USM_PRIV_CFB192_AES,
    "AES256": pauth.USM_PRIV_CFB256_AES,
}


def _value(v: Any) -> ber.Value:
    """A pysnmp value in the lean codec's representation."""
    if isinstance(v, rfc1905.EndOfMibView):
        return ber.END_OF_MIB_VIEW
    if isinstance(v, rfc1905.NoSuchInstance):
        return ber.NO_SUCH_INSTANCE
    if isinstance(v, rfc1905.NoSuchObject):
        return ber.NO_SUCH_OBJECT
    if isinstance(v, rfc1902.IpAddress):
        return ".".join(str(b) for b in v.asOctets())
    if isinstance(v, univ.ObjectIdentifier):  # lookupMib=False returns the pyasn1 base types
        return ".".join(str(a) for a in v.asTuple())
    if isinstance(v, univ.OctetString):
        return bytes(v.asOctets())
    if isinstance(v, univ.Null):
        return None
    if isinstance(v, univ.Integer):
        return int(v)
    return bytes(v.asOctets()) if hasattr(v, "asOctets") else None


@dataclass(eq=False)
class PysnmpEngine:
    """One pysnmp engine shared by every session."""

    rcvbuf: int = DEFAULT_RCVBUF
    engine: Any = field(default_factory=SnmpEngine)
    _tuned: bool = False

    def tune(self) -> None:
        """Enlarge the receive buffer of the engine's sockets (once they exist)."""
        if self._tuned:
            return
        enlarge_engine_rcvbuf(self.engine, self.rcvbuf)
        self._tuned = True

    def close(self) -> None:
        """Close the engine's transports."""
        self.engine.close_dispatcher()


def enlarge_engine_rcvbuf(engine: Any, size: int) -> int:
    """Reach every UDP socket of a pysnmp engine and enlarge its receive buffer."""
    from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
    from pysnmp.carrier.error import CarrierError  # type: ignore[import-untyped]

    dispatcher = getattr(engine, "transport_dispatcher", None)
    if dispatcher is None:
        return 0
    granted = 0
    for domain in (udp.DOMAIN_NAME, udp6.DOMAIN_NAME):
        try:
            transport = dispatcher.get_transport(domain)
        except CarrierError:
            continue
        asyncio_transport = getattr(transport, "transport", None)
        sock = asyncio_transport.get_extra_info("socket") if asyncio_transport else None
        if sock is not None and hasattr(sock, "setsockopt"):  # asyncio's TransportSocket
            granted = enlarge_rcvbuf(sock, size)
    return granted


@dataclass(eq=False)
class PysnmpSession:
    """A :class:`netctl.collectors.snmp.client.Session` on pysnmp 7."""

    engine: PysnmpEngine
    addr: tuple[str, int]
    community: bytes | None = None
    user: V3User | None = None
    timeout: float = 2.0
    retries: int = 1
    context: bytes = b""
    requests: int = 0
    _target: Any = None
    _auth: Any = None

    async def _setup(self) -> None:
        if self._target is not None:
            return
        cls = Udp6TransportTarget if ":" in self.addr[0] else UdpTransportTarget
        self._target = await cls.create(self.addr, timeout=self.timeout, retries=self.retries)
        if self.user is not None:
            u = self.user
            self._auth = UsmUserData(
                u.name,
                authKey=u.auth_password, privKey=u.priv_password,
                authProtocol=_AUTH[u.auth_protocol.upper()] if u.auth_protocol else None,
                privProtocol=_PRIV[u.priv_protocol.upper()] if u.priv_protocol else None,
            )
        else:
            # SNMPv2c where the network still needs it (S508: v3 is preferred and supported)
            community = (self.community or b"public").decode()
            self._auth = CommunityData(community, mpModel=1)  # noqa: S508

    def _result(self, result: tuple[Any, Any, Any, Sequence[Any]]) -> list[ber.VarBind]:
        error_indication, error_status, error_index, var_binds = result
        self.engine.tune()
        if error_indication:
            text = str(error_indication)
            if "timeout" in text.lower() or "no snmp response" in text.lower():
                msg = f"no response from {self.addr[0]}:{self.addr[1]}: {text}"
                raise SnmpTimeoutError(msg)
            msg = f"{self.addr[0]}:{self.addr[1]}: {text}"
            raise SnmpError(msg)
        if error_status and int(error_status):
            raise SnmpStatusError(int(error_status), int(error_index))
        out: list[ber.VarBind] = []
        for vb in var_binds:
            oid, value = vb[0], vb[1]
            out.append((ber.encode_oid(tuple(oid)), _value(value)))
        return out

    def _objects(self, oids: Sequence[bytes]) -> list[Any]:
        return [ObjectType(ObjectIdentity(ber.oid_to_str(o))) for o in oids]

    async def get(self, oids: Sequence[bytes]) -> list[ber.VarBind]:
        """GET."""
        await self._setup()
        self.requests += 1
        result = await get_cmd(self.engine.engine, self._auth, self._target,
                               ContextData(contextName=self.context), *self._objects(oids),
                               lookupMib=False)
        return self._result(result)

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        """GETBULK."""
        await self._setup()
        self.requests += 1
        result = await bulk_cmd(self.engine.engine, self._auth, self._target,
                                ContextData(contextName=self.context), non_repeaters,
                                max_repetitions, *self._objects(oids), lookupMib=False)
        return self._result(result)
