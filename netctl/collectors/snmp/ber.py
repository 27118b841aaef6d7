"""A lean BER codec for the few SNMP messages the poller exchanges (RFC 3416, 3412, 3414).

pysnmp decodes every response through pyasn1, which costs about 70 % of a poll's CPU. The poller
only ever sends GET and GETBULK requests and reads Response and Report PDUs, so this module
encodes and decodes exactly those, with plain byte arithmetic and no per-value objects:

* an OID is kept as its BER content bytes (``b"+\\x06\\x01\\x02\\x01\\x01\\x03\\x00"`` for
  ``1.3.6.1.2.1.1.3.0``); a column prefix test is then ``oid.startswith(prefix)``, because the
  base-128 encoding of each arc is self-delimiting;
* a value is a Python ``int`` (INTEGER, Counter32/64, Gauge32, TimeTicks, Unsigned32), ``bytes``
  (OCTET STRING, Opaque), ``str`` (OBJECT IDENTIFIER and IpAddress, dotted), ``None`` (NULL) or
  one of the three exception markers :data:`NO_SUCH_OBJECT`, :data:`NO_SUCH_INSTANCE`,
  :data:`END_OF_MIB_VIEW`.

Anything malformed raises :class:`BerError`; the caller treats it like a lost datagram.

Examples:
    >>> oid = encode_oid("1.3.6.1.2.1.1.3.0")
    >>> oid
    b'+\\x06\\x01\\x02\\x01\\x01\\x03\\x00'
    >>> oid_to_str(oid)
    '1.3.6.1.2.1.1.3.0'
    >>> msg = encode_v2c(b"public", encode_pdu(RESPONSE, 7, 0, 0, [oid]))
    >>> decode_v2c(msg)[1:3]
    (7, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from netctl.exceptions import NetctlError

# PDU tags (context-specific, constructed)
GET: Final = 0xA0
GET_NEXT: Final = 0xA1
RESPONSE: Final = 0xA2
GET_BULK: Final = 0xA5
REPORT: Final = 0xA8

# Error-status values the poller reacts to
TOO_BIG: Final = 1


class BerError(NetctlError):
    """A message could not be decoded (truncated, wrong tag, wrong length)."""


class Special:
    """An SNMPv2 exception value: noSuchObject, noSuchInstance or endOfMibView."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NO_SUCH_OBJECT: Final = Special("noSuchObject")
NO_SUCH_INSTANCE: Final = Special("noSuchInstance")
END_OF_MIB_VIEW: Final = Special("endOfMibView")

Value = int | bytes | str | Special | None
VarBind = tuple[bytes, Value]
"""(OID as BER content bytes, decoded value)."""

_UNSIGNED_TAGS: Final = frozenset((0x41, 0x42, 0x43, 0x46, 0x47))
_NULL_VARBIND_TAIL: Final = b"\x05\x00"


# -- encoding ----------------------------------------------------------------------------------
def encode_length(n: int) -> bytes:
    """BER definite length.

    Examples:
        >>> encode_length(5), encode_length(200), encode_length(70000)
        (b'\\x05', b'\\x81\\xc8', b'\\x83\\x01\\x11p')
    """
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, content: bytes) -> bytes:
    """One tag-length-value."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    return bytes((tag,)) + encode_length(n) + content


def encode_integer(value: int) -> bytes:
    """A signed INTEGER TLV (minimal two's complement).

    Examples:
        >>> encode_integer(0), encode_integer(128), encode_integer(-1)
        (b'\\x02\\x01\\x00', b'\\x02\\x02\\x00\\x80', b'\\x02\\x01\\xff')
    """
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def encode_oid(dotted: str | Sequence[int]) -> bytes:
    """The BER content bytes of an OBJECT IDENTIFIER (no tag, no length)."""
    arcs = [int(a) for a in dotted.strip(".").split(".")] if isinstance(dotted, str) else list(
        dotted)
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39):
        msg = f"not a valid OID: {dotted!r}"
        raise BerError(msg)
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        if arc < 0:
            msg = f"negative arc in OID {dotted!r}"
            raise BerError(msg)
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = bytearray()
        rest = arc
        while rest:
            chunk.append((rest & 0x7F) | 0x80)
            rest >>= 7
        chunk[0] &= 0x7F
        out += chunk[::-1]
    return bytes(out)


def oid_arcs(content: bytes) -> tuple[int, ...]:
    """Arcs of an OID given as BER content bytes.

    Examples:
        >>> oid_arcs(encode_oid("1.3.6.1.4.1.2011.6.139"))
        (1, 3, 6, 1, 4, 1, 2011, 6, 139)
    """
    arcs: list[int] = []
    value = 0
    for b in content:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return ()
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


def oid_to_str(content: bytes) -> str:
    """Dotted form of an OID given as BER content bytes."""
    return ".".join(map(str, oid_arcs(content)))


def suffix_arcs(suffix: bytes) -> tuple[int, ...]:
    """Arcs of an OID tail (a table index) given as BER bytes; no first-two-arcs folding.

    Examples:
        >>> suffix_arcs(b"\\x01\\x04\\x7f\\x00\\x00\\x01")
        (1, 4, 127, 0, 0, 1)
        >>> suffix_arcs(b"\\x8f\\x20")
        (1952,)
    """
    if suffix.isascii():  # every arc < 128: the common case, done in C
        return tuple(suffix)
    arcs: list[int] = []
    value = 0
    for b in suffix:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    return tuple(arcs)


def encode_varbinds(oids: Iterable[bytes]) -> bytes:
    """A VarBindList with NULL values for the given OIDs (BER content bytes)."""
    known = _NULL_VARBINDS
    parts = []
    for oid in oids:
        vb = known.get(oid)
        if vb is None:
            vb = tlv(0x30, tlv(0x06, oid) + _NULL_VARBIND_TAIL)
            if len(known) >= 1 << 16:
                known.clear()
            known[oid] = vb
        parts.append(vb)
    return tlv(0x30, b"".join(parts))


_NULL_VARBINDS: dict[bytes, bytes] = {}
"""OID -> its encoded VarBind with a NULL value (requests repeat the same cursors every poll)."""
_SMALL_INTEGERS: Final = tuple(encode_integer(i) for i in range(256))


def encode_pdu(tag: int, request_id: int, a: int, b: int, oids: Iterable[bytes]) -> bytes:
    """A PDU: for GET ``a``/``b`` are error-status/index (0), for GETBULK non-repeaters and
    max-repetitions."""
    small = _SMALL_INTEGERS
    return tlv(tag, encode_integer(request_id)
               + (small[a] if 0 <= a < 256 else encode_integer(a))
               + (small[b] if 0 <= b < 256 else encode_integer(b))
               + encode_varbinds(oids))


def encode_v2c(community: bytes, pdu: bytes) -> bytes:
    """An SNMPv2c message."""
    return tlv(0x30, b"\x02\x01\x01" + tlv(0x04, community) + pdu)


# -- decoding ----------------------------------------------------------------------------------
def read_header(data: bytes, pos: int) -> tuple[int, int, int]:
    """Read a tag and a definite length at ``pos``; return (tag, content start, content end)."""
    try:
        tag = data[pos]
        n = data[pos + 1]
        if n == 0x80:
            msg = "indefinite BER length"
            raise BerError(msg)
        if n < 0x80:
            start = pos + 2
            end = start + n
        else:
            k = n & 0x7F
            start = pos + 2 + k
            end = start + int.from_bytes(data[pos + 2:start], "big")
    except IndexError as exc:
        msg = "truncated BER header"
        raise BerError(msg) from exc
    if end > len(data):
        msg = "BER length beyond the end of the message"
        raise BerError(msg)
    return tag, start, end


def read_int(data: bytes, pos: int) -> tuple[int, int]:
    """Read an INTEGER at ``pos``; return (value, next position)."""
    tag, start, end = read_header(data, pos)
    if tag != 0x02:
        msg = f"expected INTEGER, found tag 0x{tag:02x}"
        raise BerError(msg)
    return int.from_bytes(data[start:end], "big", signed=True), end


def read_octets(data: bytes, pos: int) -> tuple[bytes, int]:
    """Read an OCTET STRING at ``pos``; return (bytes, next position)."""
    tag, start, end = read_header(data, pos)
    if tag != 0x04:
        msg = f"expected OCTET STRING, found tag 0x{tag:02x}"
        raise BerError(msg)
    return data[start:end], end


def decode_pdu(data: bytes, pos: int) -> tuple[int, int, int, int, list[VarBind]]:
    """Decode the PDU at ``pos``: (tag, request-id, error-status, error-index, varbinds)."""
    tag, request_id, error_status, error_index, vstart, vend = read_pdu(data, pos)
    return tag, request_id, error_status, error_index, decode_varbinds(data, vstart, vend)


def read_pdu(data: bytes, pos: int) -> tuple[int, int, int, int, int, int]:
    """Read the PDU header at ``pos``: (tag, request-id, error-status, error-index, start and
    end of the VarBindList's content); the varbinds are left to :func:`decode_varbinds` or to
    the walker's column scanner."""
    tag, start, end = read_header(data, pos)
    request_id, p = read_int(data, start)
    error_status, p = read_int(data, p)
    error_index, p = read_int(data, p)
    vtag, vstart, vend = read_header(data, p)
    if vtag != 0x30 or vend > end:
        msg = "bad VarBindList"
        raise BerError(msg)
    return tag, request_id, error_status, error_index, vstart, vend


def decode_value(tag: int, raw: bytes) -> Value:
    """A varbind value from its tag and content bytes.

    Examples:
        >>> decode_value(0x41, b"\\x01\\x00"), decode_value(0x02, b"\\xff")
        (256, -1)
    """
    if tag in _UNSIGNED_TAGS:
        return int.from_bytes(raw, "big")
    if tag == 0x04:
        return raw
    if tag == 0x02:
        return int.from_bytes(raw, "big", signed=True)
    if tag == 0x06:
        return oid_to_str(raw)
    if tag == 0x40:
        return ".".join(map(str, raw))
    if tag == 0x05:
        return None
    if tag == 0x80:
        return NO_SUCH_OBJECT
    if tag == 0x81:
        return NO_SUCH_INSTANCE
    if tag == 0x82:
        return END_OF_MIB_VIEW
    return raw  # Opaque (0x44) and anything unknown: raw bytes


def varbind_bounds(data: bytes, pos: int) -> tuple[int, int, int, int, int, int]:
    """The parts of the VarBind at ``pos``: (OID start, OID end, value tag, value start,
    value end, VarBind end). Raises BerError (or IndexError: truncated) when malformed."""
    if data[pos] != 0x30:
        msg = "expected VarBind SEQUENCE"
        raise BerError(msg)
    n = data[pos + 1]
    if n < 0x80:
        pos += 2
        vb_end = pos + n
    else:
        k = n & 0x7F
        vb_end = pos + 2 + k + int.from_bytes(data[pos + 2:pos + 2 + k], "big")
        pos += 2 + k
    if data[pos] != 0x06:
        msg = "expected OBJECT IDENTIFIER in VarBind"
        raise BerError(msg)
    n = data[pos + 1]
    if n < 0x80:
        os = pos + 2
    else:
        k = n & 0x7F
        os = pos + 2 + k
        n = int.from_bytes(data[pos + 2:os], "big")
    oe = os + n
    tag = data[oe]
    n = data[oe + 1]
    if n < 0x80:
        vs = oe + 2
    else:
        k = n & 0x7F
        vs = oe + 2 + k
        n = int.from_bytes(data[oe + 2:vs], "big")
    ve = vs + n
    if ve > vb_end:
        msg = "value beyond its VarBind"
        raise BerError(msg)
    return os, oe, tag, vs, ve, vb_end


def decode_varbinds(data: bytes, pos: int, end: int, limit: int = -1) -> list[VarBind]:
    """Decode a VarBindList's content (at most ``limit`` varbinds when ``limit`` >= 0; then
    the rest is not checked)."""
    out: list[VarBind] = []
    append = out.append
    try:
        while pos < end and limit:
            os, oe, tag, vs, ve, pos = varbind_bounds(data, pos)
            append((data[os:oe], decode_value(tag, data[vs:ve])))
            limit -= 1
    except IndexError as exc:
        msg = "truncated VarBind"
        raise BerError(msg) from exc
    if pos != end and limit:
        msg = "VarBindList length mismatch"
        raise BerError(msg)
    return out


def skip_varbinds(data: bytes, pos: int, end: int, count: int) -> int:
    """The position after ``count`` varbinds at ``pos`` (checked as :func:`decode_varbinds`
    checks them)."""
    try:
        while count and pos < end:
            pos = varbind_bounds(data, pos)[5]
            count -= 1
    except IndexError as exc:
        msg = "truncated VarBind"
        raise BerError(msg) from exc
    return pos


def decode_v2c_header(data: bytes) -> tuple[int, int, int, int, int]:
    """Read an SNMPv2c Response up to its varbinds: (request-id, error-status, error-index,
    start and end of the VarBindList's content)."""
    tag, start, _end = read_header(data, 0)
    if tag != 0x30:
        msg = "an SNMP message is a SEQUENCE"
        raise BerError(msg)
    version, p = read_int(data, start)
    if version != 1:
        msg = f"not an SNMPv2c message (version {version})"
        raise BerError(msg)
    _community, p = read_octets(data, p)
    ptag, request_id, error_status, error_index, vstart, vend = read_pdu(data, p)
    if ptag != RESPONSE:
        msg = f"unexpected PDU 0x{ptag:02x}"
        raise BerError(msg)
    return request_id, error_status, error_index, vstart, vend


def decode_v2c(data: bytes) -> tuple[bytes, int, int, int, list[VarBind]]:
    """Decode an SNMPv2c Response: (community, request-id, error-status, error-index,
    varbinds)."""
    request_id, error_status, error_index, vstart, vend = decode_v2c_header(data)
    community = read_octets(data, read_int(data, read_header(data, 0)[1])[1])[0]
    return community, request_id, error_status, error_index, decode_varbinds(data, vstart, vend)


def peek_id(data: bytes) -> tuple[int, int]:
    """(version, dispatch id) of a message: the request-id for v1/v2c, the msgID for v3.

    Raises:
        BerError: on anything that is not an SNMP message.
    """
    if len(data) > 16 and data[0] == 0x30 and data[1] > 0x80 and data[2 + (k := data[1] & 0x7F)] \
            == 0x02 and data[3 + k] == 0x01 and data[4 + k] == 0x01 and data[5 + k] == 0x04:
        # v2c with a long message length (every response of a walk): skip to the request-id
        p = 7 + k + data[6 + k]  # after the community (short form)
        if data[6 + k] < 0x80 and len(data) > p + 4 and data[p + 1] & 0x80:
            p += 2 + (data[p + 1] & 0x7F)  # the PDU's header
            if data[p] == 0x02 and 0 < data[p + 1] <= 8:
                return 1, int.from_bytes(data[p + 2:p + 2 + data[p + 1]], "big", signed=True)
    tag, start, _end = read_header(data, 0)
    if tag != 0x30:
        msg = "not an SNMP message"
        raise BerError(msg)
    version, p = read_int(data, start)
    if version == 3:
        _gtag, gstart, _gend = read_header(data, p)
        msg_id, _ = read_int(data, gstart)
        return version, msg_id
    _community, p = read_octets(data, p)
    _ptag, pstart, _pend = read_header(data, p)
    request_id, _ = read_int(data, pstart)
    return version, request_id
