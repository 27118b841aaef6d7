"""SNMPv3 User-based Security Model for the lean client: keys, HMAC, AES-CFB (RFC 3414, 3826,
7860).

Supported: authentication HMAC-SHA-96 (``SHA``), HMAC-SHA-2 (``SHA224``/``SHA256``/``SHA384``/
``SHA512``); privacy AES-128-CFB (``AES``). Anything else (MD5, DES, AES-192/256) is served by the
pysnmp backend instead (see :mod:`netctl.collectors.snmp.client`).

Password-to-key costs a 1 MiB hash (about 2 ms): results are cached for the whole process, as
snmp_exporter does, keyed by (protocol, password, engine ID).

Examples:
    >>> ku = password_to_key(b"maplesyrup", "SHA")
    >>> localize_key(ku, bytes.fromhex("000000000000000000000002"), "SHA").hex()
    '6695febc9288e36282235fc7151f128497b38f3f'
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from netctl.collectors.snmp import ber
from netctl.exceptions import NetctlError

AUTH_PROTOCOLS: Final[dict[str, tuple[str, int]]] = {
    # name: (hashlib name, truncated MAC length)
    "SHA": ("sha1", 12),
    "SHA1": ("sha1", 12),
    "SHA224": ("sha224", 16),
    "SHA256": ("sha256", 24),
    "SHA384": ("sha384", 32),
    "SHA512": ("sha512", 48),
}
PRIV_PROTOCOLS: Final = frozenset({"AES", "AES128"})

FLAG_AUTH: Final = 0x01
FLAG_PRIV: Final = 0x02
FLAG_REPORTABLE: Final = 0x04
MAX_MESSAGE_SIZE: Final = 65507

# Report OIDs (usmStats*, snmpUnknownContexts) and what they mean to the poller.
REPORT_REASONS: Final[dict[str, str]] = {
    "1.3.6.1.6.3.15.1.1.1.0": "unsupported security level",
    "1.3.6.1.6.3.15.1.1.2.0": "not in time window",
    "1.3.6.1.6.3.15.1.1.3.0": "unknown user name",
    "1.3.6.1.6.3.15.1.1.4.0": "unknown engine ID",
    "1.3.6.1.6.3.15.1.1.5.0": "wrong digest (authentication key)",
    "1.3.6.1.6.3.15.1.1.6.0": "decryption error (privacy key)",
    "1.3.6.1.6.3.12.1.5.0": "unknown context",
}
NOT_IN_TIME_WINDOW: Final = "1.3.6.1.6.3.15.1.1.2.0"
UNKNOWN_ENGINE_ID: Final = "1.3.6.1.6.3.15.1.1.4.0"


class UsmError(NetctlError):
    """SNMPv3 security failure: bad digest, unknown user, decryption error, unsupported
    protocol."""


def supports(auth_protocol: str | None, priv_protocol: str | None) -> bool:
    """Whether the lean client implements this protocol pair (else use pysnmp).

    Examples:
        >>> supports("SHA", "AES"), supports("MD5", "DES"), supports(None, None)
        (True, False, True)
    """
    auth_ok = auth_protocol is None or auth_protocol.upper() in AUTH_PROTOCOLS
    priv_ok = priv_protocol is None or priv_protocol.upper() in PRIV_PROTOCOLS
    return auth_ok and priv_ok and not (priv_protocol and not auth_protocol)


@lru_cache(maxsize=4096)
def password_to_key(password: bytes, protocol: str) -> bytes:
    """RFC 3414 A.2: hash of the password repeated to 1 MiB."""
    name, _ = AUTH_PROTOCOLS[protocol.upper()]
    if not password:
        msg = "an SNMPv3 password cannot be empty"
        raise UsmError(msg)
    blob = (password * (1048576 // len(password) + 1))[:1048576]
    return hashlib.new(name, blob).digest()


@lru_cache(maxsize=16384)
def localize_key(ku: bytes, engine_id: bytes, protocol: str) -> bytes:
    """RFC 3414 A.2.2: Kul = H(Ku || engineID || Ku)."""
    name, _ = AUTH_PROTOCOLS[protocol.upper()]
    return hashlib.new(name, ku + engine_id + ku).digest()


@dataclass(frozen=True, slots=True)
class UserKeys:
    """Localized keys of one user for one authoritative engine."""

    user: bytes
    auth_protocol: str | None
    auth_key: bytes | None
    priv_key: bytes | None
    mac_len: int
    hash_name: str


def user_keys(user: str, auth_protocol: str | None, auth_password: str | None,
              priv_protocol: str | None, priv_password: str | None,
              engine_id: bytes) -> UserKeys:
    """Localize a user's passwords for ``engine_id`` (cached)."""
    if not supports(auth_protocol, priv_protocol):
        msg = f"SNMPv3 protocols {auth_protocol}/{priv_protocol} are not in the lean client"
        raise UsmError(msg)
    if auth_protocol is None:
        return UserKeys(user.encode(), None, None, None, 0, "")
    proto = auth_protocol.upper()
    name, mac_len = AUTH_PROTOCOLS[proto]
    if not auth_password:
        msg = f"SNMPv3 user {user}: authentication needs a password"
        raise UsmError(msg)
    auth_key = localize_key(password_to_key(auth_password.encode(), proto), engine_id, proto)
    priv_key = None
    if priv_protocol is not None:
        if not priv_password:
            msg = f"SNMPv3 user {user}: privacy needs a password"
            raise UsmError(msg)
        # RFC 3826 3.1.2.1: the privacy key is localized with the authentication hash.
        priv_key = localize_key(password_to_key(priv_password.encode(), proto), engine_id,
                                proto)[:16]
    return UserKeys(user.encode(), proto, auth_key, priv_key, mac_len, name)


@dataclass(slots=True)
class EngineState:
    """What we know about one authoritative engine (the agent)."""

    engine_id: bytes = b""
    boots: int = 0
    time: int = 0
    learned_at: float = 0.0  # loop.time() when boots/time were learned

    def now(self, loop_time: float) -> tuple[int, int]:
        """Estimated (boots, time) of the agent at ``loop_time``."""
        return self.boots, self.time + int(loop_time - self.learned_at)


@dataclass(slots=True)
class _Salt:
    value: int = field(default_factory=lambda: int.from_bytes(os.urandom(8), "big"))

    def next(self) -> bytes:
        self.value = (self.value + 1) & 0xFFFFFFFFFFFFFFFF
        return self.value.to_bytes(8, "big")


_SALT = _Salt()


_HMAC_COPY_MIN = 1024


@lru_cache(maxsize=16384)
def _hmac_context(key: bytes, hash_name: str) -> hmac.HMAC:
    """An HMAC context keyed with ``key`` and nothing hashed yet (copied per message)."""
    return hmac.new(key, digestmod=hash_name)


@lru_cache(maxsize=1)
def _cfb_parts() -> tuple[Any, Any, Any]:
    """cryptography's Cipher, AES and CFB (imported once, on first use)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    try:  # cryptography >= 47 keeps CFB among the "decrepit" modes
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # pragma: no cover - older cryptography
        from cryptography.hazmat.primitives.ciphers.modes import CFB
    return Cipher, algorithms.AES, CFB


@lru_cache(maxsize=16384)
def _aes(key: bytes) -> Any:
    """The AES algorithm object of a key (one per agent and user)."""
    return _cfb_parts()[1](key)


@lru_cache(maxsize=16384)
def _aes_ecb(key: bytes) -> Any:
    """A reusable AES-ECB encryption context of a key (ECB keeps no state between blocks)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - CFB keystream


def _cfb_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CFB128 decryption (RFC 3826) in one call: the keystream is the encryption of the IV
    and of every ciphertext block but the last, all known in advance, so it is one ECB pass
    over them on a context kept per key, XORed with the ciphertext (the same bytes as
    ``_aes_cfb(..., encrypt=False)``, tests/unit/collectors/test_snmp_usm.py)."""
    n = len(data)
    if not n:
        return b""
    if n > _XOR_MAX:  # the XOR of long integers costs more than a CFB context from here on
        return _aes_cfb(key, iv, data, encrypt=False)
    stream = _aes_ecb(key).update(iv + data[:(n - 1) // 16 * 16])
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream[:n], "big")).to_bytes(n, "big")


_XOR_MAX = 2048
"""Longest ciphertext :func:`_cfb_decrypt` XORs itself (measured: one ECB pass and an integer
XOR cost ~1 µs at 100 bytes, ~20 µs at 4 KiB, where cryptography's CFB context is ~7 µs)."""


def _aes_cfb(key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher_cls, _aes_cls, cfb = _cfb_parts()
    cipher = cipher_cls(_aes(key), cfb(iv))
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return bytes(ctx.update(data) + ctx.finalize())


def encode_discovery(msg_id: int, request_id: int) -> bytes:
    """An unauthenticated GET with no varbinds that makes the agent report its engine ID,
    boots and time (RFC 3414 4)."""
    pdu = ber.encode_pdu(ber.GET, request_id, 0, 0, ())
    scoped = ber.tlv(0x30, ber.tlv(0x04, b"") + ber.tlv(0x04, b"") + pdu)
    sec = ber.tlv(0x30, ber.tlv(0x04, b"") + ber.encode_integer(0) + ber.encode_integer(0)
                  + ber.tlv(0x04, b"") + ber.tlv(0x04, b"") + ber.tlv(0x04, b""))
    return _message(msg_id, FLAG_REPORTABLE, sec, scoped)


def _message(msg_id: int, flags: int, sec_params: bytes, data: bytes) -> bytes:
    global_data = ber.tlv(0x30, ber.encode_integer(msg_id) + _GLOBAL_TAILS[flags])
    return ber.tlv(0x30, b"\x02\x01\x03" + global_data + ber.tlv(0x04, sec_params) + data)


_GLOBAL_TAILS: Final = tuple(
    ber.encode_integer(MAX_MESSAGE_SIZE) + ber.tlv(0x04, bytes((flags,))) + ber.encode_integer(3)
    for flags in range(8))
"""msgMaxSize, msgFlags and msgSecurityModel (USM) of msgGlobalData, by flags."""


def encode_request(msg_id: int, pdu: bytes, keys: UserKeys, engine: EngineState,
                   loop_time: float, context_name: bytes = b"") -> bytes:
    """An authenticated (and, with a privacy key, encrypted) request carrying ``pdu``."""
    boots, etime = engine.now(loop_time)
    scoped = ber.tlv(0x30, _scoped_head(engine.engine_id, context_name) + pdu)
    flags = FLAG_REPORTABLE
    priv_params = b""
    if keys.auth_key is not None:
        flags |= FLAG_AUTH
    if keys.priv_key is not None:
        flags |= FLAG_PRIV
        priv_params = _SALT.next()
        iv = boots.to_bytes(4, "big") + etime.to_bytes(4, "big") + priv_params
        data = ber.tlv(0x04, _aes_cfb(keys.priv_key, iv, scoped, encrypt=True))
    else:
        data = scoped
    tail = ber.tlv(0x04, priv_params)
    eid, user_and_mac = _sec_parts(engine.engine_id, keys.user, keys.mac_len)
    sec = ber.tlv(0x30, eid + ber.encode_integer(boots) + ber.encode_integer(etime)
                  + user_and_mac + tail)
    whole = _message(msg_id, flags, sec, data)
    if keys.auth_key is None:
        return whole
    # The MAC placeholder sits just before the privacy parameters inside the security
    # parameters, which are followed only by the scoped PDU (or its ciphertext).
    mac_at = len(whole) - len(data) - len(tail) - keys.mac_len
    mac = hmac.digest(keys.auth_key, whole, keys.hash_name)[:keys.mac_len]
    return whole[:mac_at] + mac + whole[mac_at + keys.mac_len:]


@lru_cache(maxsize=16384)
def _scoped_head(engine_id: bytes, context_name: bytes) -> bytes:
    """contextEngineID and contextName of a scoped PDU (the same for every request)."""
    return ber.tlv(0x04, engine_id) + ber.tlv(0x04, context_name)


@lru_cache(maxsize=16384)
def _sec_parts(engine_id: bytes, user: bytes, mac_len: int) -> tuple[bytes, bytes]:
    """The constant parts of the security parameters: the engine ID; the user name and the
    zeroed MAC placeholder."""
    return ber.tlv(0x04, engine_id), ber.tlv(0x04, user) + ber.tlv(0x04, b"\x00" * mac_len)


@dataclass(frozen=True, slots=True)
class V3Response:
    """A decoded SNMPv3 response or report."""

    msg_id: int
    engine_id: bytes
    boots: int
    time: int
    pdu_tag: int
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[ber.VarBind]
    body: bytes = b""
    """The (decrypted) scoped PDU; with ``raw``, the varbinds are left in it, between
    ``vb_start`` and ``vb_end``."""
    vb_start: int = 0
    vb_end: int = 0

    def report_reason(self) -> str | None:
        """For a Report PDU, which usmStats counter it carries (its OID), else None."""
        if self.pdu_tag != ber.REPORT or not self.varbinds:
            return None
        return ber.oid_to_str(self.varbinds[0][0])


def decode_response(data: bytes, keys: UserKeys | None, *, raw: bool = False) -> V3Response:
    """Decode, authenticate and decrypt an SNMPv3 message.

    ``keys`` may be None for the discovery exchange (the Report is not authenticated). With
    ``raw``, a Response's varbinds are not decoded (``body``, ``vb_start``, ``vb_end``: for the
    walker's column scanner); a Report's always are.

    Raises:
        UsmError: wrong digest, or encrypted data without a privacy key.
        BerError: malformed message.
    """
    tag, start, _ = ber.read_header(data, 0)
    if tag != 0x30:
        msg = "not an SNMP message"
        raise ber.BerError(msg)
    version, p = ber.read_int(data, start)
    if version != 3:
        msg = f"not an SNMPv3 message (version {version})"
        raise ber.BerError(msg)
    _gtag, gstart, gend = ber.read_header(data, p)
    msg_id, q = ber.read_int(data, gstart)
    _max, q = ber.read_int(data, q)
    flags_b, q = ber.read_octets(data, q)
    flags = flags_b[0] if flags_b else 0
    sec_raw_tag, sec_start, sec_end = ber.read_header(data, gend)
    if sec_raw_tag != 0x04:
        msg = "bad msgSecurityParameters"
        raise ber.BerError(msg)
    _stag, s, _ = ber.read_header(data, sec_start)
    engine_id, s = ber.read_octets(data, s)
    boots, s = ber.read_int(data, s)
    etime, s = ber.read_int(data, s)
    _user, s = ber.read_octets(data, s)
    _atag, mac_start, mac_end = ber.read_header(data, s)
    priv_params, s = ber.read_octets(data, mac_end)
    if flags & FLAG_AUTH:
        if keys is None or keys.auth_key is None:
            msg = "authenticated response without an authentication key"
            raise UsmError(msg)
        received = data[mac_start:mac_end]
        zeroed = data[:mac_start] + b"\x00" * (mac_end - mac_start) + data[mac_end:]
        if len(zeroed) > _HMAC_COPY_MIN:  # a keyed context copied: the key's pads hashed once
            ctx = _hmac_context(keys.auth_key, keys.hash_name).copy()
            ctx.update(zeroed)
            mac = ctx.digest()[:keys.mac_len]
        else:
            mac = hmac.digest(keys.auth_key, zeroed, keys.hash_name)[:keys.mac_len]
        if not hmac.compare_digest(mac, received):
            msg = "SNMPv3 response failed authentication (wrong digest)"
            raise UsmError(msg)
    if flags & FLAG_PRIV:
        if keys is None or keys.priv_key is None:
            msg = "encrypted response without a privacy key"
            raise UsmError(msg)
        cipher_text, _ = ber.read_octets(data, sec_end)
        if not (0 <= boots < 2**31 and 0 <= etime < 2**31) or len(priv_params) != 8:
            msg = "bad msgAuthoritativeEngineBoots/Time or msgPrivacyParameters (RFC 3826)"
            raise ber.BerError(msg)
        iv = boots.to_bytes(4, "big") + etime.to_bytes(4, "big") + priv_params
        scoped = _cfb_decrypt(keys.priv_key, iv, cipher_text)
        sp = 0
    else:
        scoped = data
        sp = sec_end
    _t, sstart, _ = ber.read_header(scoped, sp)
    _ctx_engine, sp = ber.read_octets(scoped, sstart)
    _ctx_name, sp = ber.read_octets(scoped, sp)
    ptag, request_id, error_status, error_index, vstart, vend = ber.read_pdu(scoped, sp)
    varbinds = ([] if raw and ptag != ber.REPORT
                else ber.decode_varbinds(scoped, vstart, vend))
    return V3Response(msg_id, engine_id, boots, etime, ptag, request_id, error_status,
                      error_index, varbinds, scoped, vstart, vend)
