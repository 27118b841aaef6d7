"""The lean BER codec, checked against pyasn1/pysnmp's encoder and against malformed input."""

from __future__ import annotations

import pytest
from pyasn1.codec.ber import encoder  # type: ignore[import-untyped]
from pysnmp.proto import api, rfc1902  # type: ignore[import-untyped]

from netctl.collectors.snmp import ber

OIDS = [
    "1.3.6.1.2.1.1.3.0",
    "1.3.6.1.4.1.2011.6.139.13.3.3.1.4.0.224.252.0.0.1",
    "1.3.6.1.4.1.25506.2.75.2.1.2.1.8.11.50.49",
    "1.3.6.1.2.1.4.34.1.3.2.16.32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1",
    "2.999.3",
    "1.3.6.1.4.1.4294967295.128.16383.16384",
]


@pytest.mark.parametrize("dotted", OIDS)
def test_oid_round_trip_and_matches_pyasn1(dotted: str) -> None:
    content = ber.encode_oid(dotted)
    assert ber.oid_to_str(content) == dotted
    reference = encoder.encode(rfc1902.ObjectName(dotted))
    assert reference[2:] == content  # pyasn1 adds tag 0x06 and a short length


@pytest.mark.parametrize(("suffix", "arcs"), [
    (b"", ()),
    (b"\x01", (1,)),
    (b"\x02\x10 \x01", (2, 16, 32, 1)),
    (b"\x81\x00\x7f", (128, 127)),
    (b"\x8f\xff\xff\xff\x7f", (4294967295,)),
])
def test_suffix_arcs(suffix: bytes, arcs: tuple[int, ...]) -> None:
    assert ber.suffix_arcs(suffix) == arcs


def test_prefix_test_is_arc_exact() -> None:
    """b'...1.1' is not a prefix of '...1.10' in arcs, and the byte test agrees."""
    col = ber.encode_oid("1.3.6.1.2.1.31.1.1.1.1")
    assert ber.encode_oid("1.3.6.1.2.1.31.1.1.1.1.5").startswith(col)
    assert not ber.encode_oid("1.3.6.1.2.1.31.1.1.1.10.5").startswith(col)
    assert not ber.encode_oid("1.3.6.1.2.1.31.1.1.1.128").startswith(ber.encode_oid(
        "1.3.6.1.2.1.31.1.1.1.1"))


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, -1, -128, -129, 2**31 - 1, -(2**31)])
def test_integer_encoding_is_minimal_and_decodes_with_pyasn1(value: int) -> None:
    from pyasn1.codec.ber import decoder

    ours = ber.encode_integer(value)
    decoded, rest = decoder.decode(ours, asn1Spec=rfc1902.Integer32())
    assert int(decoded) == value
    assert not rest
    assert len(ours) - 2 == max(1, (value.bit_length() + 8) // 8 if value >= 0
                                else ((-value - 1).bit_length() + 8) // 8)


def _response(varbinds: list[tuple[str, object]], request_id: int = 42) -> bytes:
    """A v2c Response built by pysnmp's own API (the reference encoder)."""
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = p.ResponsePDU()
    p.apiPDU.set_defaults(pdu)
    p.apiPDU.set_request_id(pdu, request_id)
    p.apiPDU.set_varbinds(pdu, varbinds)
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, "public")
    p.apiMessage.set_pdu(msg, pdu)
    return bytes(encoder.encode(msg))


def test_decode_every_value_type_from_a_pysnmp_message() -> None:
    values = [
        ("1.3.6.1.2.1.1.5.0", rfc1902.OctetString(b"gw-1\x00")),
        ("1.3.6.1.2.1.1.2.0", rfc1902.ObjectName("1.3.6.1.4.1.2011.2.240.17")),
        ("1.3.6.1.2.1.1.3.0", rfc1902.TimeTicks(4294967295)),
        ("1.3.6.1.2.1.2.2.1.8.1", rfc1902.Integer32(-5)),
        ("1.3.6.1.2.1.2.2.1.14.1", rfc1902.Counter32(4294967295)),
        ("1.3.6.1.2.1.31.1.1.1.15.1", rfc1902.Gauge32(100000)),
        ("1.3.6.1.2.1.31.1.1.1.6.1", rfc1902.Counter64(2**64 - 1)),
        ("1.3.6.1.4.1.2011.6.139.13.3.3.1.13.1", rfc1902.IpAddress("192.0.2.7")),
        ("1.3.6.1.2.1.1.9.0", rfc1902.OctetString(b"x" * 300)),  # long-form length
    ]
    data = _response(values)
    community, rid, status, index, varbinds = ber.decode_v2c(data)
    assert (community, rid, status, index) == (b"public", 42, 0, 0)
    assert [ber.oid_to_str(o) for o, _ in varbinds] == [o for o, _ in values]
    assert [v for _, v in varbinds] == [
        b"gw-1\x00", "1.3.6.1.4.1.2011.2.240.17", 4294967295, -5, 4294967295, 100000,
        2**64 - 1, "192.0.2.7", b"x" * 300]


def test_decode_exception_values() -> None:
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    data = _response([("1.3.6.1.2.1.47.1", p.NoSuchObject()),
                      ("1.3.6.1.2.1.47.2", p.NoSuchInstance()),
                      ("1.3.6.1.2.1.47.3", p.EndOfMibView())])
    values = [v for _, v in ber.decode_v2c(data)[4]]
    assert values == [ber.NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW]


def test_our_request_decodes_with_pysnmp() -> None:
    """A GETBULK we encode is a valid message for pysnmp's decoder."""
    from pyasn1.codec.ber import decoder

    oids = [ber.encode_oid("1.3.6.1.2.1.1.3"), ber.encode_oid("1.3.6.1.2.1.31.1.1.1.1")]
    data = ber.encode_v2c(b"public", ber.encode_pdu(ber.GET_BULK, 9, 1, 25, oids))
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    msg, rest = decoder.decode(data, asn1Spec=p.Message())
    assert not rest
    pdu = p.apiMessage.get_pdu(msg)
    assert int(p.apiBulkPDU.get_request_id(pdu)) == 9
    assert int(p.apiBulkPDU.get_non_repeaters(pdu)) == 1
    assert int(p.apiBulkPDU.get_max_repetitions(pdu)) == 25
    assert [str(o) for o, _ in p.apiBulkPDU.get_varbinds(pdu)] == [
        "1.3.6.1.2.1.1.3", "1.3.6.1.2.1.31.1.1.1.1"]


@pytest.mark.parametrize("garbage", [
    b"", b"\x30", b"\x30\x05\x02\x01\x01", b"\x04\x00",
    b"\x30\x80\x02\x01\x01\x00\x00",  # indefinite length
])
def test_malformed_messages_raise_bererror(garbage: bytes) -> None:
    with pytest.raises(ber.BerError):
        ber.decode_v2c(garbage)
    with pytest.raises(ber.BerError):
        ber.peek_id(garbage)


def test_truncated_response_raises() -> None:
    data = _response([("1.3.6.1.2.1.1.5.0", rfc1902.OctetString(b"abc"))])
    for cut in range(1, len(data)):
        with pytest.raises(ber.BerError):
            ber.decode_v2c(data[:cut])


def test_peek_id_v2c() -> None:
    assert ber.peek_id(_response([], request_id=123456)) == (1, 123456)
