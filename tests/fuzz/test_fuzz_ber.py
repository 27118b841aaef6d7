"""Fuzz: SNMP replies (v2c and v3) from a broken or hostile agent.

Only :class:`~netctl.collectors.snmp.ber.BerError` and
:class:`~netctl.collectors.snmp.usm.UsmError` may come out of the decoders (the poller treats them
like a lost datagram); every decode is bounded in time and memory whatever lengths the message
claims. The v3 cases are signed with the user's keys, as an agent that knows them (a compromised
device) would sign them, so they get past authentication into the decryption and the PDU.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from netctl.collectors.snmp import ber, usm
from netctl.testing.hostile import bounded

OIDS = [ber.encode_oid("1.3.6.1.2.1.1.3.0"), ber.encode_oid("1.3.6.1.2.1.2.2.1.10.1")]
GOOD_V2C = ber.encode_v2c(b"public", ber.encode_pdu(ber.RESPONSE, 7, 0, 0, OIDS))
ERRORS = (ber.BerError, usm.UsmError)


def decode_v2c(data: bytes) -> None:
    with contextlib.suppress(*ERRORS):
        bounded(lambda: ber.decode_v2c(data))
    with contextlib.suppress(*ERRORS):
        bounded(lambda: ber.peek_id(data))


@given(st.binary(max_size=300))
def test_v2c_random_bytes(data: bytes) -> None:
    decode_v2c(data)


@given(st.lists(st.tuples(st.integers(0, len(GOOD_V2C) - 1), st.integers(0, 255)),
                min_size=1, max_size=6), st.integers(1, len(GOOD_V2C)))
def test_v2c_mutated_reply(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(GOOD_V2C)
    for pos, byte in flips:
        data[pos] = byte
    decode_v2c(bytes(data[:cut]))


value_tlv = st.one_of(
    st.tuples(st.sampled_from([0x02, 0x04, 0x05, 0x06, 0x40, 0x41, 0x42, 0x43, 0x44, 0x46, 0x80,
                               0x81, 0x82, 0x30, 0xFF]), st.binary(max_size=40))
    .map(lambda t: ber.tlv(t[0], t[1])),
    st.binary(max_size=12),  # not even a TLV
    # a length field claiming far more than the message holds
    st.sampled_from([b"\x04\x84\xff\xff\xff\xff", b"\x04\xff" + b"\xff" * 127, b"\x02\x80",
                     b"\x06\x82\x00\x10\x2b"]),
)


@given(st.lists(value_tlv, max_size=5))
def test_v2c_hostile_values(values: list[bytes]) -> None:
    binds = b"".join(ber.tlv(0x30, ber.tlv(0x06, OIDS[0]) + v) for v in values)
    pdu = ber.tlv(ber.RESPONSE, ber.encode_integer(1) + ber.encode_integer(0)
                  + ber.encode_integer(0) + ber.tlv(0x30, binds))
    decode_v2c(ber.encode_v2c(b"public", pdu))


ENGINE = b"\x80\x00\x1f\x88\x80netctl-fuzz"


@cache
def keys() -> usm.UserKeys:
    return usm.user_keys("fuzz", "SHA", "auth-pass-123", "AES", "priv-pass-456", ENGINE)


def forge(flags: int, boots: int, etime: int, priv_params: bytes, scoped: bytes,
          engine: bytes = ENGINE) -> bytes:
    """A v3 message signed with the user's key, with whatever fields an agent chooses."""
    k = keys()
    assert k.auth_key is not None
    tail = ber.tlv(0x04, priv_params)
    sec = ber.tlv(0x30, ber.tlv(0x04, engine) + ber.encode_integer(boots)
                  + ber.encode_integer(etime) + ber.tlv(0x04, k.user)
                  + ber.tlv(0x04, b"\x00" * k.mac_len) + tail)
    data = ber.tlv(0x04, scoped) if flags & usm.FLAG_PRIV else scoped
    whole = usm._message(7, flags, sec, data)
    mac_at = len(whole) - len(data) - len(tail) - k.mac_len
    mac = hmac.new(k.auth_key, whole, k.hash_name).digest()[:k.mac_len]
    return whole[:mac_at] + mac + whole[mac_at + k.mac_len:]


@given(flags=st.sampled_from([0, 1, 3, 2, 7]),
       boots=st.one_of(st.integers(-(2**40), 2**40), st.integers(0, 2**31)),
       etime=st.one_of(st.integers(-(2**40), 2**40), st.integers(0, 2**31)),
       priv_params=st.binary(max_size=12), scoped=st.binary(max_size=120))
def test_v3_signed_by_a_hostile_agent(flags: int, boots: int, etime: int, priv_params: bytes,
                                      scoped: bytes) -> None:
    message = forge(flags, boots, etime, priv_params, scoped)
    with contextlib.suppress(*ERRORS):
        bounded(lambda: usm.decode_response(message, keys()))
    with contextlib.suppress(*ERRORS):
        bounded(lambda: usm.decode_response(message, None))


@given(st.binary(max_size=300))
def test_v3_random_bytes(data: bytes) -> None:
    for k in (None, keys()):
        with contextlib.suppress(*ERRORS):
            bounded(functools.partial(usm.decode_response, data, k))
