"""The FRR lab itself: routers in namespaces, configured over SSH by netmiko, route real IPv6.

This proves the test bed; ``test_ipv6_push.py`` uses it to prove netctl's own push.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netctl.testing.frrlab import FrrLab, lab_unavailable

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrrLab]:
    why = lab_unavailable()
    if why:
        pytest.skip(f"FRR lab impossible here: {why}")
    with FrrLab(
        ["bb", "sch"], ["cli"], [("bb", "sch"), ("sch", "cli")], tmp_path_factory.mktemp("frrlab")
    ) as lab:
        yield lab


def push(lab: FrrLab, router: str, lines: list[str]) -> str:
    from netmiko import ConnectHandler

    conn = ConnectHandler(
        device_type="cisco_ios",
        host="127.0.0.1",
        port=lab.nodes[router].ssh_port,
        username="root",
        use_keys=True,
        key_file=str(lab.key_file),
        allow_agent=False,
        timeout=20,
    )
    try:
        conn.send_config_set(lines)
        conn.send_command("write memory")
        return str(conn.send_command("show running-config"))
    finally:
        conn.disconnect()


def test_netmiko_configures_frr_and_a_client_gets_slaac_and_pings(lab: FrrLab) -> None:
    bb_sch, sch_bb, sch_cli = (
        lab.iface("bb", "sch"),
        lab.iface("sch", "bb"),
        lab.iface("sch", "cli"),
    )
    running = push(
        lab,
        "bb",
        [
            "interface lo",
            "ipv6 address 2001:db8:ffff::1/128",
            "exit",
            f"interface {bb_sch}",
            "ipv6 address 2001:db8:fffe::/127",
            "exit",
            "ipv6 route 2001:db8:100::/48 2001:db8:fffe::1",
        ],
    )
    assert "ipv6 address 2001:db8:fffe::/127" in running
    push(
        lab,
        "sch",
        [
            f"interface {sch_bb}",
            "ipv6 address 2001:db8:fffe::1/127",
            "exit",
            f"interface {sch_cli}",
            "ipv6 address 2001:db8:100:10::1/64",
            "no ipv6 nd suppress-ra",
            "ipv6 nd prefix 2001:db8:100:10::/64",
            "exit",
            "ipv6 route ::/0 2001:db8:fffe::",
        ],
    )
    cli_if = lab.iface("cli", "sch")
    deadline = time.monotonic() + 20
    while not lab.global_ipv6("cli", cli_if) and time.monotonic() < deadline:
        time.sleep(0.2)
    addrs = lab.global_ipv6("cli", cli_if)
    assert addrs and addrs[0].startswith("2001:db8:100:10:"), addrs
    ok = False
    for _ in range(20):  # bounded: routes and DAD settle within a few seconds
        if (
            lab.run(
                "cli", "ping", "-6", "-c", "1", "-W", "1", "2001:db8:ffff::1", check=False
            ).returncode
            == 0
        ):
            ok = True
            break
        time.sleep(0.5)
    assert ok, lab.vtysh("sch", "show ipv6 route")


def test_stop_removes_everything(tmp_path: Path) -> None:
    if lab_unavailable():
        pytest.skip(str(lab_unavailable()))
    lab = FrrLab(["r1"], [], [], tmp_path, prefix="nctstop")
    lab.start()
    ns = lab.nodes["r1"].ns
    lab.stop()
    import subprocess

    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert ns not in listed.stdout
    assert not Path("/etc/frr/nctstopr1").exists()
