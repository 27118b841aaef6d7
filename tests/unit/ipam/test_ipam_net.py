"""Prefix values and the free-space pool: agree with :mod:`ipaddress` everywhere."""

from __future__ import annotations

import ipaddress
import random

import pytest

from netctl.ipam.net import Net, Pool, format_address, parse_net, parse_token


def test_format_matches_ipaddress_on_random_addresses() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        groups = [rng.choice([0, 0, 0, 1, 0xABC, 0xFFFF, rng.randrange(65536)])
                  for _ in range(8)]
        value = int("".join(f"{g:04x}" for g in groups), 16)
        assert format_address("ipv6", value) == str(ipaddress.IPv6Address(value))
    for _ in range(2_000):
        value = rng.randrange(2**32)
        assert format_address("ipv4", value) == str(ipaddress.IPv4Address(value))


@pytest.mark.parametrize("text", ["2001:db8::/32", "2001:db8:1:2::/64", "10.4.0.0/14",
                                  "10.0.0.1", "2001:db8::1", "::/0", "0.0.0.0/0"])
def test_parse_round_trip(text: str) -> None:
    net = parse_net(text)
    assert str(net) == text
    if "/" in text:
        assert net.network() == ipaddress.ip_network(text)


@pytest.mark.parametrize(("text", "message"), [
    ("10.0.0.1/24", "host bits set (did you mean 10.0.0.0/24?)"),
    ("2001:db8::1/32", "host bits set"),
    ("010.0.0.0/8", "does not appear to be an IPv4 or IPv6 network"),
    ("10.0.0.0/33", "10.0.0.0/33"),
    ("nonsense", "nonsense"),
])
def test_parse_rejects_with_ipaddress_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_net(text)
    assert message in str(exc.value)


def test_non_canonical_input_is_accepted_through_ipaddress() -> None:
    assert str(parse_net("2001:0DB8:0000::/48")) == "2001:db8::/48"


def _brute_force_lowest(parent: ipaddress.IPv6Network, length: int,
                        used: list[ipaddress.IPv6Network]) -> ipaddress.IPv6Network | None:
    for candidate in parent.subnets(new_prefix=length):
        if not any(candidate.overlaps(u) for u in used):
            return candidate
    return None


def test_pool_hands_out_the_lowest_free_block_like_a_brute_force_search() -> None:
    rng = random.Random(11)
    parent = ipaddress.IPv6Network("2001:db8:100::/52")
    for _ in range(30):
        pool = Pool(Net.of(parent))
        used: list[ipaddress.IPv6Network] = []
        for _ in range(rng.randrange(1, 25)):
            length = rng.choice([56, 58, 60, 62, 64])
            if rng.random() < 0.3:  # claims anywhere, as recorded blocks are
                offset = rng.randrange(2 ** (length - 52))
                net = ipaddress.IPv6Network((int(parent.network_address)
                                             + offset * 2 ** (128 - length), length))
                if pool.claim(Net.of(net), "x") is None:
                    used.append(net)
                else:
                    assert any(net.overlaps(u) for u in used)
                continue
            want = _brute_force_lowest(parent, length, used)
            got = pool.take(length, "y")
            assert (got.network() if got else None) == want
            if want is not None:
                used.append(want)


def test_pool_claims_report_the_owner_in_the_way_and_the_parent() -> None:
    pool = Pool(parse_net("10.4.0.0/22"))
    assert pool.claim(parse_net("10.4.1.0/24"), "teaching") is None
    assert pool.claim(parse_net("10.4.1.128/25"), "office") == "teaching"
    assert pool.claim(parse_net("10.5.0.0/24"), "iot") == "outside 10.4.0.0/22"
    assert [str(n) for n in pool.free()] == ["10.4.0.0/24", "10.4.2.0/23"]
    assert [str(n) for n in pool.free(23)] == ["10.4.2.0/23"]
    assert pool.count_free(24) == 3


def test_pool_full_returns_none() -> None:
    pool = Pool(parse_net("10.0.0.0/30"))
    assert [str(pool.take(32, "h")) for _ in range(4)] == [
        "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert pool.take(32, "h") is None


@pytest.mark.parametrize(("six", "four", "fast"), [
    ("2001:db8:1001:1::/64", "10.4.4.0/24", True),
    ("2001:db8:1001:6::2/127", "10.4.7.2/31", True),
    ("::/0", "0.0.0.0/0", False),  # /0: left to the careful path
    ("2001:db8:1001:1::1/64", "10.4.4.0/24", False),  # host bits set
    ("2001:db8:1001:1::/64", "10.4.4.1/24", False),
    ("2001:db8::/129", "10.4.4.0/24", False),
    ("2001:db8::/064", "10.4.4.0/24", False),
    ("2001:db8::/²", "10.4.4.0/24", False),
    ("10.4.4.0/24", "2001:db8:1001:1::/64", False),  # families swapped: the careful path
    ("2001:db8::1", "10.4.4.1", False),  # addresses, not prefixes
    ("2001:db8::/64", "-", False),
])
def test_the_record_files_fast_prefix_reader_agrees_with_parse_token(
        six: str, four: str, fast: bool) -> None:
    from netctl.ipam.record_parse import _prefix_pair
    pair = _prefix_pair(six, four)
    assert (pair is not None) == fast
    if pair is not None:
        assert pair == {"ipv6": parse_token(six), "ipv4": parse_token(four)}


def test_a_vlan_written_with_a_non_ascii_digit_is_a_finding_not_a_crash() -> None:
    """``'²'.isdigit()`` is true but ``int('²')`` raises: the reader names the line instead."""
    from pathlib import Path

    from netctl.ipam.records import parse_county

    raw = {"county": "640104", "block": "2001:db8:1000::/40 10.4.0.0/14",
           "sites": {"2401040001": {
               "block": "2001:db8:1001::/48 10.4.4.0/22",
               "prefixes": "management ² 2001:db8:1001::/64 10.4.6.0/26\n"}}}
    rec, findings = parse_county(raw, Path("640104.yaml"))
    assert any("'²' is not a VLAN id" in str(f) for f in findings), findings
    del rec
