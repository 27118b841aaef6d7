"""The emulator refuses what devices refuse, and VRP V8 is a two-stage (candidate/commit) device.

Texts and sources: netctl/testing/emulator/refusals.py and docs/emulator.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.config.connect import Target, connect, send_lines
from netctl.platforms import Platform
from netctl.testing.emulator import Device, EmulatedNetwork, HostSpec, Session
from netctl.testing.emulator.two_stage import EXIT_QUESTION

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"
ENTER = {"huawei_vrp": ["system-view"], "hp_comware": ["system-view"],
         "cisco_ios": ["enable", "configure terminal"],
         "ruijie_os": ["enable", "configure terminal"]}
UNKNOWN = {"huawei_vrp": "Error: Unrecognized command found at '^' position.",
           "hp_comware": "% Unrecognized command found at '^' position.",
           "cisco_ios": "% Invalid input detected at '^' marker.",
           "ruijie_os": "% Invalid input detected at '^' marker."}

REFUSED = [
    ("huawei_vrp", [], "undo user-interface con 0", UNKNOWN["huawei_vrp"]),
    ("huawei_vrp", [], "undo user-interface vty 0 4", UNKNOWN["huawei_vrp"]),
    ("huawei_vrp", ["aaa"], "undo local-user admin",
     "Error: Have user(s) online, can not be deleted."),
    ("huawei_vrp", [], "frobnicate the network", UNKNOWN["huawei_vrp"]),
    ("hp_comware", [], "undo line vty 0 63", UNKNOWN["hp_comware"]),
    ("hp_comware", [], "undo line con 0", UNKNOWN["hp_comware"]),
    ("hp_comware", [], "undo user-interface vty 0 4", UNKNOWN["hp_comware"]),
    ("hp_comware", [], "undo local-user admin class manage",
     "% The user is online and can't be deleted."),
    ("cisco_ios", [], "no line vty 0 4", "% Can't delete last 5 VTY lines"),
    ("cisco_ios", [], "no line con 0", UNKNOWN["cisco_ios"]),
    ("cisco_ios", [], "frobnicate", UNKNOWN["cisco_ios"]),
    ("ruijie_os", [], "no line vty 0 4", UNKNOWN["ruijie_os"]),
    ("ruijie_os", [], "no line con 0", UNKNOWN["ruijie_os"]),
]


@pytest.mark.parametrize(("platform", "before", "line", "error"), REFUSED,
                         ids=[f"{p}:{ln}" for p, _, ln, _ in REFUSED])
def test_refused_lines_print_the_os_error_and_change_nothing(
        platform: str, before: list[str], line: str, error: str) -> None:
    dev = Device("R1", platform)
    s = Session(dev)
    for ln in [*ENTER[platform], *before]:
        s.feed(ln)
    running = dev.running_config
    out = s.feed(line).text
    assert error in out
    assert dev.running_config == running


@pytest.mark.parametrize(("platform", "line"), [
    ("cisco_ios", "no line vty 5 15"), ("ruijie_os", "no line vty 5 35"),
    ("huawei_vrp", "undo local-user bob")])
def test_the_forms_that_exist_are_accepted(platform: str, line: str) -> None:
    s = Session(Device("R1", platform))
    for ln in ENTER[platform]:
        s.feed(ln)
    out = s.feed(line).text
    assert "Error" not in out and "%" not in out


@pytest.mark.parametrize("platform", list(ENTER))
def test_console_and_vty_sections_always_exist(platform: str) -> None:
    lines = Device("R1", platform).running_lines()
    assert any(ln.startswith(("line vty", "user-interface vty")) for ln in lines)


def test_v8_changes_stay_in_the_candidate_until_commit() -> None:
    dev = Device("CE1", "huawei_vrp", variant="vrp8")
    s = Session(dev)
    assert "return user view with return command" in s.feed("system-view").text
    assert s.prompt() == "[~CE1]"
    s.feed("ntp-service unicast-server 192.0.2.1")
    assert s.prompt() == "[*CE1]"
    assert "192.0.2.1" not in dev.running_config
    assert "192.0.2.1" not in s.feed("display current-configuration").text
    assert "192.0.2.1" in s.feed("display configuration candidate").text
    s.feed("commit")
    assert s.prompt() == "[~CE1]"
    assert dev.has_line("ntp-service unicast-server 192.0.2.1")
    assert len(dev.commits) == 2


@pytest.mark.parametrize(("answer", "kept"), [("n", False), ("y", True)])
def test_v8_asks_before_leaving_with_uncommitted_changes(answer: str, kept: bool) -> None:
    dev = Device("CE1", "huawei_vrp", variant="vrp8")
    s = Session(dev)
    s.feed("system-view")
    s.feed("sysname CE2")
    out = s.feed("return").text
    assert out.endswith(EXIT_QUESTION)
    assert s.feed("c").text.endswith("[*CE1]")  # cancel: still in system view
    assert s.feed("return").text.endswith(EXIT_QUESTION)
    s.feed(answer)
    assert s.prompt() == ("<CE2>" if kept else "<CE1>")
    assert dev.has_line("sysname CE2") is kept


def test_v8_abort_discards_and_rollback_returns_to_a_commit() -> None:
    dev = Device("CE1", "huawei_vrp", variant="vrp8")
    s = Session(dev)
    s.feed("system-view")
    s.feed("sysname CE2")
    s.feed("abort")
    assert s.prompt() == "<CE1>"
    s.feed("system-view")
    s.feed("sysname CE3")
    s.feed("commit")
    s.feed("return")
    assert dev.has_line("sysname CE3")
    s.feed("rollback configuration to commit-id 1")
    assert dev.has_line("sysname CE1")


def test_a_real_v8_config_boots_and_commits_over_ssh() -> None:
    """HostSpec(config_file=…, variant="vrp8"): netmiko's huawei_vrpv8 driver, as netctl uses it."""
    path = REAL / "huawei_vrp" / "ce6880_isp_aggregation_v200r005.cfg"
    with EmulatedNetwork([HostSpec("CE1", "huawei_vrp", config_file=path,
                                   variant="vrp8")]) as net:
        dev = net["CE1"]
        before = dev.running_config
        assert "V200R005C10SPC800" in before
        target = Target("127.0.0.1", net.ports["CE1"], "admin", "admin")
        conn = connect(Platform.HUAWEI_VRP, target, family="vrp8-ce")
        try:
            send_lines(conn, Platform.HUAWEI_VRP, ["ntp-service unicast-server 192.0.2.9"],
                       lambda ref: "", commit=False)
            assert dev.running_config == before, "without commit nothing may change"
            send_lines(conn, Platform.HUAWEI_VRP, ["ntp-service unicast-server 192.0.2.9"],
                       lambda ref: "", commit=True)
            assert dev.has_line("ntp-service unicast-server 192.0.2.9")
        finally:
            conn.disconnect()
