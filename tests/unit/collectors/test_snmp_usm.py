"""SNMPv3 USM: RFC test vectors, and a message our encoder authenticates and encrypts decodes."""

from __future__ import annotations

import pytest

from netctl.collectors.snmp import ber, usm

ENGINE = bytes.fromhex("000000000000000000000002")


def test_rfc3414_sha_vectors() -> None:
    ku = usm.password_to_key(b"maplesyrup", "SHA")
    assert ku.hex() == "9fb5cc0381497b3793528939ff788d5d79145211"
    assert usm.localize_key(ku, ENGINE, "SHA").hex() == "6695febc9288e36282235fc7151f128497b38f3f"


def test_rfc7860_sha256_localized_key() -> None:
    ku = usm.password_to_key(b"maplesyrup", "SHA256")
    assert usm.localize_key(ku, ENGINE, "SHA256").hex() == (
        "8982e0e549e866db361a6b625d84cccc11162d453ee8ce3a6445c2d6776f0f8b")


@pytest.mark.parametrize(("auth", "priv", "ok"), [
    ("SHA", "AES", True), ("sha256", "aes128", True), ("SHA", None, True), (None, None, True),
    ("MD5", "AES", False), ("SHA", "DES", False), ("SHA", "AES256", False), (None, "AES", False),
])
def test_supported_protocols(auth: str | None, priv: str | None, ok: bool) -> None:
    assert usm.supports(auth, priv) is ok


@pytest.mark.parametrize(("auth", "priv"), [("SHA", "AES"), ("SHA256", "AES"), ("SHA", None)])
def test_encode_then_decode_authpriv(auth: str, priv: str | None) -> None:
    keys = usm.user_keys("netctl", auth, "authpass123", priv, "privpass123" if priv else None,
                         ENGINE)
    engine = usm.EngineState(ENGINE, boots=3, time=1000, learned_at=0.0)
    pdu = ber.encode_pdu(ber.GET, 77, 0, 0, [ber.encode_oid("1.3.6.1.2.1.1.5.0")])
    msg = usm.encode_request(77, pdu, keys, engine, loop_time=5.0, context_name=b"ctx")
    resp = usm.decode_response(msg, keys)  # our request has the same layout as a response
    assert (resp.msg_id, resp.engine_id, resp.boots, resp.time) == (77, ENGINE, 3, 1005)
    assert resp.pdu_tag == ber.GET
    assert [ber.oid_to_str(o) for o, _ in resp.varbinds] == ["1.3.6.1.2.1.1.5.0"]
    if priv:
        assert b"\x2b\x06\x01\x02\x01\x01\x05\x00" not in msg  # the OID travels encrypted


def test_tampered_message_fails_authentication() -> None:
    keys = usm.user_keys("netctl", "SHA", "authpass123", "AES", "privpass123", ENGINE)
    engine = usm.EngineState(ENGINE, 1, 1, 0.0)
    msg = bytearray(usm.encode_request(5, ber.encode_pdu(ber.GET, 5, 0, 0, []), keys, engine,
                                       0.0))
    msg[-1] ^= 0x01
    with pytest.raises(usm.UsmError, match="wrong digest"):
        usm.decode_response(bytes(msg), keys)


def test_wrong_key_fails_authentication() -> None:
    good = usm.user_keys("netctl", "SHA", "authpass123", None, None, ENGINE)
    bad = usm.user_keys("netctl", "SHA", "otherpass123", None, None, ENGINE)
    msg = usm.encode_request(5, ber.encode_pdu(ber.GET, 5, 0, 0, []), good,
                             usm.EngineState(ENGINE, 1, 1, 0.0), 0.0)
    with pytest.raises(usm.UsmError):
        usm.decode_response(msg, bad)


def test_discovery_message_is_unauthenticated() -> None:
    msg = usm.encode_discovery(9, 9)
    resp = usm.decode_response(msg, None)
    assert (resp.msg_id, resp.engine_id, resp.request_id) == (9, b"", 9)
    assert ber.peek_id(msg) == (3, 9)


def test_salt_changes_between_messages() -> None:
    keys = usm.user_keys("netctl", "SHA", "authpass123", "AES", "privpass123", ENGINE)
    engine = usm.EngineState(ENGINE, 1, 1, 0.0)
    pdu = ber.encode_pdu(ber.GET, 1, 0, 0, [])
    assert usm.encode_request(1, pdu, keys, engine, 0.0) != usm.encode_request(
        1, pdu, keys, engine, 0.0)


def test_cfb_decrypt_equals_the_cfb_mode() -> None:
    """The one-pass CFB decryption gives the CFB mode's bytes, for every length."""
    import os

    from netctl.collectors.snmp.usm import _aes_cfb, _cfb_decrypt

    for n in [*range(70), 1500, 1751, 2047, 2048, 2049, 2050, 4200, 8191]:
        key, iv, plain = os.urandom(16), os.urandom(16), os.urandom(n)
        cipher = _aes_cfb(key, iv, plain, encrypt=True)
        assert _cfb_decrypt(key, iv, cipher) == plain == _aes_cfb(key, iv, cipher, encrypt=False)


@pytest.mark.parametrize("n_oids", [1, 40, 150])  # short and long messages (HMAC, CFB paths)
@pytest.mark.parametrize("auth", ["SHA", "SHA256"])
def test_long_messages_authenticate_and_decrypt(auth: str, n_oids: int) -> None:
    """Messages past the sizes where the HMAC context is copied and the CFB context replaces
    the XOR decode as short ones do; one flipped bit anywhere still fails authentication."""
    keys = usm.user_keys("netctl", auth, "authpass123", "AES", "privpass123", ENGINE)
    engine = usm.EngineState(ENGINE, boots=2, time=50, learned_at=0.0)
    oids = [ber.encode_oid(f"1.3.6.1.2.1.31.1.1.1.6.{i}") for i in range(1, n_oids + 1)]
    msg = usm.encode_request(8, ber.encode_pdu(ber.GET_BULK, 8, 0, 25, oids), keys, engine, 0.0)
    assert len(msg) > 2048 or n_oids < 150
    resp = usm.decode_response(msg, keys)
    assert [o for o, _ in resp.varbinds] == oids
    for at in (len(msg) - len(msg) // 4, len(msg) - 1):  # inside the encrypted scoped PDU
        bad = bytearray(msg)
        bad[at] ^= 0x10
        with pytest.raises(usm.UsmError, match="wrong digest"):
            usm.decode_response(bytes(bad), keys)
