"""Reachability against real kernels: loopback addresses of this host, and two network
namespaces these tests create (a prober and a target joined by a veth, no default route), so
that "unreachable" is real and nothing ever leaves the machine."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netctl.probes.reach import (
    Method,
    ReachConfig,
    ReachError,
    ReachTarget,
    ping_datagram_allowed,
    probe_reachability,
)
from netctl.state.store import StateStore
from netctl.testing.probelab import NsPair, namespace_pair, netns_unavailable, write_lab_inventory

pytestmark = pytest.mark.integration

LOOPBACK = ("127.0.0.0/8", "::1/128")
FAST = {"count": 3, "interval": 0.02, "timeout": 1.0, "target_timeout": 5.0}
REACHABLE = ("198.18.60.2", "2001:db8:6a::2")  # the target namespace's own addresses
ABSENT = ("198.18.60.99", "2001:db8:6a::99")  # on the link, but nobody owns them
NO_ROUTE = ("203.0.113.7", "2001:db8:ffff::7")  # no route in the prober namespace

PROBER = """
import asyncio, json, sys
from netctl.probes.reach import Method, ReachConfig, ReachTarget, probe_reachability
method, addrs = sys.argv[1], sys.argv[2:]
cfg = ReachConfig(method=Method(method), count=2, interval=0.05, timeout=0.5,
                  target_timeout=3.0, tcp_port=7)
results = asyncio.run(probe_reachability([ReachTarget(a, a) for a in addrs], cfg))
print(json.dumps([{"address": r.target.address, "method": r.method, "loss": r.loss,
                   "received": r.received, "rtt_ms": r.rtt_ms, "error": r.error}
                  for r in results]))
"""


def _root() -> bool:
    return os.geteuid() == 0


async def test_loopback_icmp() -> None:
    if not (_root() or ping_datagram_allowed()):
        pytest.skip("ICMP needs root or a group inside net.ipv4.ping_group_range")
    targets = [ReachTarget(f"t{i}", a) for i, a in enumerate(("127.0.0.1", "127.9.8.7", "::1"))]
    results = await probe_reachability(
        targets, ReachConfig(method=Method.ICMP, allowed_networks=LOOPBACK, **FAST))  # type: ignore[arg-type]
    for r in results:
        assert (r.sent, r.received, r.loss, r.error) == (3, 3, 0.0, None), r
        assert r.method in ("icmp-dgram", "icmp-raw")
        assert r.rtt_ms is not None and 0 <= r.rtt_min_ms <= r.rtt_ms <= r.rtt_max_ms < 500  # type: ignore[operator]
    assert {r.family for r in results} == {4, 6}


async def test_loopback_tcp() -> None:
    async def accept(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.close()

    for _ in range(20):  # one port on both families: the v6 one may be taken on v4
        srv6 = await asyncio.start_server(accept, "::1", 0, family=socket.AF_INET6)
        port = srv6.sockets[0].getsockname()[1]
        try:
            srv4 = await asyncio.start_server(accept, "127.0.0.1", port, family=socket.AF_INET)
            break
        except OSError:
            srv6.close()
    else:
        pytest.fail("no port free on both 127.0.0.1 and ::1 in 20 tries")
    try:
        cfg = ReachConfig(method=Method.TCP, tcp_port=port, allowed_networks=LOOPBACK,
                          **FAST)  # type: ignore[arg-type]
        # 127.0.0.5 has no listener: its RST is an answer too.
        results = await probe_reachability(
            [ReachTarget("a", "127.0.0.1"), ReachTarget("b", "::1"),
             ReachTarget("c", "127.0.0.5")], cfg)
    finally:
        srv4.close()
        srv6.close()
    assert [(r.method, r.loss) for r in results] == [("tcp", 0.0)] * 3


async def test_guard_refuses_addresses_outside_the_allow_list() -> None:
    results = await probe_reachability(
        [ReachTarget("x", "192.0.2.1"), ReachTarget("y", "::ffff:127.0.0.1")],
        ReachConfig(method=Method.TCP, allowed_networks=LOOPBACK))
    for r in results:
        assert (r.sent, r.loss) == (0, None) and r.error is not None
        assert r.error.startswith("refused:")


async def test_icmp_without_permission_is_a_clear_error() -> None:
    if ping_datagram_allowed():
        pytest.skip("this host allows unprivileged ICMP: nothing to refuse")
    with pytest.raises(ReachError, match="ping_group_range"):
        await probe_reachability([ReachTarget("a", "127.0.0.1")],
                                 ReachConfig(method=Method.DGRAM))


# -- namespaces -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pair() -> Iterator[NsPair]:
    why = netns_unavailable()
    if why is not None:
        pytest.skip(f"unreachable targets need network namespaces: {why}")
    with namespace_pair() as p:
        yield p


def _probe_in(ns: str, method: str, *, user: int | None = None) -> dict[str, dict[str, Any]]:
    cmd = ["ip", "netns", "exec", ns]
    if user is not None:
        cmd += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    addrs = [*REACHABLE, *ABSENT, *NO_ROUTE]
    out = subprocess.run([*cmd, sys.executable, "-c", PROBER, method, *addrs],
                         capture_output=True, text=True, timeout=60, check=False,
                         cwd=Path(__file__).resolve().parents[3])
    assert out.returncode == 0, out.stderr
    return {r["address"]: r for r in json.loads(out.stdout)}


def _assert_verdicts(got: dict[str, dict[str, Any]], method: str) -> None:
    for addr in REACHABLE:
        assert (got[addr]["method"], got[addr]["loss"], got[addr]["error"]) == (method, 0.0, None)
        assert got[addr]["rtt_ms"] is not None
    for addr in ABSENT:  # timeouts: lost, no error to report
        assert (got[addr]["loss"], got[addr]["received"], got[addr]["rtt_ms"]) == (1.0, 0, None)
    for addr in NO_ROUTE:
        assert (got[addr]["loss"], got[addr]["error"]) == (1.0, "no route")


def test_namespace_icmp_raw(pair: NsPair) -> None:
    _assert_verdicts(_probe_in(pair.prober, "icmp-raw"), "icmp-raw")


def test_namespace_icmp_datagram_unprivileged(pair: NsPair) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop to an unprivileged user")
    subprocess.run(["ip", "netns", "exec", pair.prober, "sh", "-c",
                    "echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range"], check=True)
    # As user nobody: no raw sockets, so "auto" must pick unprivileged datagram ICMP.
    _assert_verdicts(_probe_in(pair.prober, "auto", user=65534), "icmp-dgram")


def test_namespace_tcp(pair: NsPair) -> None:
    # Port 7 is closed on the target: the RST proves the host is there.
    _assert_verdicts(_probe_in(pair.prober, "tcp"), "tcp")


def test_cli_probe_reach_once(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from netctl.cli import app

    inv = write_lab_inventory(tmp_path / "inventory")
    method = ["--method", "icmp"] if _root() or ping_datagram_allowed() else [
        "--method", "tcp", "--tcp-port", "9"]
    res = CliRunner().invoke(app, [
        "--inventory", str(inv), "--state", str(tmp_path / "state.db"), "probe", "reach",
        "--once", "--county", "640104", *method, "--count", "2", "--interval", "0.02",
        "--allow", "127.0.0.0/8", "--allow", "::1/128", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output[res.output.index("{"):])
    assert out["missing"] == ["gw-none"] and out["unreachable"] == 0
    assert sorted((r["device"], r["family"]) for r in out["results"]) == [
        ("gw-dual", "ipv4"), ("gw-dual", "ipv6"), ("gw-v4", "ipv4")]
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        latest = {(o.device, o.metric): o.value for o in store.latest()}
    assert latest[("gw-dual", "reach_v6_loss")] == 0.0
    assert isinstance(latest[("gw-dual", "reach_v6_rtt_ms")], float)
    assert ("gw-v4", "reach_v6_loss") not in latest
