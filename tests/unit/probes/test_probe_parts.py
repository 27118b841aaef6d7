"""Small pure parts of the probes: address guard, ICMP packets, resolver addresses, the schedule
settings and loop, doctests. No sockets, no subprocesses."""

from __future__ import annotations

import asyncio
import doctest
import importlib
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netctl.exceptions import ConfigError
from netctl.probes.guard import AddressGuard
from netctl.probes.reach import (
    ECHO_REPLY,
    ReachTarget,
    checksum,
    echo_request,
    parse_echo_reply,
)
from netctl.probes.resolve import parse_server
from netctl.probes.schedule import StateWriter, _every, load_probe_settings
from netctl.state.store import Observation

MODULES = ["content", "guard", "reach", "resolve", "reasons", "run", "web", "fetch", "schedule",
           "../testing/probelab", "../testing/websim"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    dotted = name.replace("../", "").replace("/", ".")
    module = importlib.import_module(
        f"netctl.{dotted}" if name.startswith("../") else f"netctl.probes.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# -- guard ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("addr", "why"), [
    ("2001:da8:1::1", None), ("10.1.2.3", None), ("fd00::1", None),
    ("::1", "loopback address"), ("127.0.0.1", "loopback address"),
    ("::ffff:10.0.0.1", "IPv4-mapped address, not IPv6"), ("::", "unspecified address"),
    ("0.0.0.0", "unspecified address"),  # noqa: S104 - an address under test, not a bind ("ff02::1", "multicast address"),
    ("fe80::1", "link-local address"), ("not-an-ip", "not an IP address"),
])
def test_default_guard(addr: str, why: str | None) -> None:
    assert AddressGuard().refusal(addr) == why


def test_allow_list_guard() -> None:
    g = AddressGuard.parse(["127.0.0.0/8", "::1/128", "2001:db8:6e0::/64"])
    assert g.refusal("127.1.2.3") is None and g.refusal("2001:db8:6e0::99") is None
    assert g.refusal("192.0.2.1") is not None and g.refusal("2001:db8:6e1::1") is not None
    assert g.invalid("2001:db8:6e1::1") is None  # refused by policy, not invalid
    assert g.invalid("::ffff:127.0.0.1") is not None


# -- ICMP -----------------------------------------------------------------------------------------
def test_checksum_of_a_packet_with_its_checksum_is_zero() -> None:
    pkt = echo_request(4, 0x1234, 7, b"netctl-payload")
    assert checksum(pkt) == 0
    assert pkt[0] == 8 and struct.unpack("!HH", pkt[4:8]) == (0x1234, 7)
    assert echo_request(6, 1, 2, b"x")[:4] == bytes([128, 0, 0, 0])  # kernel sums ICMPv6


def test_parse_echo_reply() -> None:
    reply4 = struct.pack("!BBHHH", ECHO_REPLY[4], 0, 0, 0x1234, 7) + b"tok"
    ip_header = bytes([0x45]) + bytes(19)
    assert parse_echo_reply(4, ip_header + reply4, ip_header=True) == (0x1234, 7, b"tok")
    assert parse_echo_reply(4, reply4, ip_header=False) == (0x1234, 7, b"tok")
    reply6 = struct.pack("!BBHHH", ECHO_REPLY[6], 0, 0, 9, 65535)
    assert parse_echo_reply(6, reply6, ip_header=False) == (9, 65535, b"")
    request = echo_request(4, 1, 1, b"")
    assert parse_echo_reply(4, request, ip_header=False) is None  # our own request looped back
    assert parse_echo_reply(6, b"\x81\x00", ip_header=False) is None  # short


def test_reach_target_family() -> None:
    assert ReachTarget("gw", "2001:da8::1").family == 6
    assert ReachTarget("gw", "10.0.0.1").family == 4


# -- resolver addresses ---------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:53", ("::1", 53)), ("::1", ("::1", 53)),
    ("2001:da8::53", ("2001:da8::53", 53)), (" 10.0.0.53 ", ("10.0.0.53", 53)),
])
def test_parse_server(text: str, expected: tuple[str, int]) -> None:
    assert parse_server(text) == expected


def test_parse_server_rejects_names() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        parse_server("dns.example.cn")


# -- schedule -------------------------------------------------------------------------------------
def test_probe_settings(tmp_path: Path) -> None:
    f = tmp_path / "probes.toml"
    f.write_text('[web]\nresolvers = ["10.0.0.53"]\nport_map = {443 = 8443}\n'
                 '[reach]\nmethod = "tcp"\nroles = ["gateway", "core"]\n')
    cfg = load_probe_settings(f)
    assert cfg.web.probe_config().resolvers == ("10.0.0.53",)
    assert dict(cfg.web.probe_config().port_map) == {443: 8443}
    assert cfg.reach.probe_config().method.value == "tcp"
    f.write_text('[reach]\nmethod = "smoke-signals"\n')
    with pytest.raises(ConfigError, match=r"reach\.method"):
        load_probe_settings(f)
    f.write_text("[reach\n")
    with pytest.raises(ConfigError, match=r"probes\.toml"):
        load_probe_settings(f)


def test_state_writer_throttles_volatile_and_unchanged_values() -> None:
    w = StateWriter(store=None, refresh_s=900)  # type: ignore[arg-type]
    at = datetime.now(UTC)

    def obs(metric: str, value: float) -> Observation:
        return Observation("gw", metric, value, at, "probe-reach")

    first = [obs("reach_v6_loss", 0.0), obs("reach_v6_rtt_ms", 1.0)]
    assert w.select(first, 0.0) == first
    assert w.select([obs("reach_v6_loss", 0.0), obs("reach_v6_rtt_ms", 1.2)], 60.0) == []
    assert w.select([obs("reach_v6_loss", 1.0), obs("reach_v6_rtt_ms", 9.0)], 120.0) == [
        obs("reach_v6_loss", 1.0)]  # a change is written at once; RTT waits for the refresh
    assert len(w.select([obs("reach_v6_loss", 1.0), obs("reach_v6_rtt_ms", 9.0)], 1200.0)) == 2


async def test_every_runs_rounds_survives_failures_and_stops() -> None:
    stop = asyncio.Event()
    calls: list[int] = []

    async def round_() -> str:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("boom")
        if len(calls) == 4:
            stop.set()
            await asyncio.sleep(10)  # cancelled by the stop
        return "ok"

    await asyncio.wait_for(_every("test", 0.01, round_, stop), 5)
    assert calls == [0, 1, 2, 3]


async def test_every_cuts_off_a_round_longer_than_its_interval() -> None:
    stop = asyncio.Event()
    started: list[float] = []

    async def slow() -> str:
        started.append(asyncio.get_running_loop().time())
        if len(started) == 3:
            stop.set()
        await asyncio.sleep(10)
        return "never"

    await asyncio.wait_for(_every("slow", 0.05, slow, stop), 5)
    assert len(started) == 3
