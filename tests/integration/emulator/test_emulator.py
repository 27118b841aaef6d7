"""The device emulator driven by netmiko's real drivers (``huawei``, ``hp_comware``,
``ruijie_os``, ``cisco_ios``) and by Nornir + nornir_netmiko.

One emulated network is started for the whole module. The push/negate/save scenario runs once
per platform, the four platforms concurrently (the ``huawei`` and ``ruijie_os`` drivers spend
~9 s per ``send_config_set`` in their 2 s silence mode checks), and the tests assert on what it
recorded. Other tests enter config mode through prompt-pattern reads to stay fast.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    ReadTimeout,
)

import netctl
import netctl.testing.emulator as emulator_pkg
from netctl.testing.emulator import Device, EmulatedNetwork, HostSpec, Knobs, Session
from netctl.testing.emulator.measure import ERROR_PATTERN, PUSH, READ_BACK

pytestmark = pytest.mark.integration

PLATFORMS = ("huawei_vrp", "hp_comware", "ruijie_os", "cisco_ios")
VRP = ("huawei_vrp", "hp_comware")
BULK = 50

ENTER = {  # command that enters config mode, and the prompt it leads to
    "huawei_vrp": ("system-view", "[{n}]"),
    "hp_comware": ("system-view", "[{n}]"),
    "ruijie_os": ("configure terminal", "{n}(config)#"),
    "cisco_ios": ("configure terminal", "{n}(config)#"),
}
LEAVE = {"huawei_vrp": "return", "hp_comware": "return", "ruijie_os": "end", "cisco_ios": "end"}
USER_PROMPT = {
    "huawei_vrp": "<{n}>",
    "hp_comware": "<{n}>",
    "ruijie_os": "{n}#",
    "cisco_ios": "{n}#",
}
SUBVIEW = {  # a section command and the prompt of the view it opens
    "huawei_vrp": ("interface Vlanif10", "[{n}-Vlanif10]"),
    "hp_comware": ("interface Vlan-interface10", "[{n}-Vlan-interface10]"),
    "ruijie_os": ("interface VLAN 10", "{n}(config-if-VLAN 10)#"),
    "cisco_ios": ("interface Vlan10", "{n}(config-if)#"),
}
NEGATE = {  # undo/no of part of PUSH, and the lines that must then be gone
    "huawei_vrp": (
        [
            "interface Vlanif10",
            "undo ipv6 address 2001:DB8:10::1/64",
            "quit",
            "undo ipv6 route-static :: 0 2001:DB8:FFFF::1",
            "undo ospfv3 1",
        ],
        ["ipv6 address 2001:DB8:10::1/64", "ipv6 route-static :: 0 2001:DB8:FFFF::1", "ospfv3 1"],
    ),
    "hp_comware": (
        [
            "interface Vlan-interface10",
            "undo ipv6 address 2001:DB8:10::1/64",
            "quit",
            "undo ipv6 route-static :: 0 2001:DB8:FFFF::1",
            "undo ospfv3 1",
        ],
        ["ipv6 address 2001:DB8:10::1/64", "ipv6 route-static :: 0 2001:DB8:FFFF::1", "ospfv3 1"],
    ),
    "ruijie_os": (
        [
            "interface VLAN 10",
            "no ipv6 address 2001:DB8:10::1/64",
            "exit",
            "no ipv6 route ::/0 2001:DB8:FFFF::1",
            "no ipv6 router ospf 1",
        ],
        [
            "ipv6 address 2001:DB8:10::1/64",
            "ipv6 route ::/0 2001:DB8:FFFF::1",
            "ipv6 router ospf 1",
        ],
    ),
    "cisco_ios": (
        [
            "interface Vlan10",
            "no ipv6 address 2001:DB8:10::1/64",
            "exit",
            "no ipv6 route ::/0 2001:DB8:FFFF::1",
            "no ipv6 router ospf 1",
        ],
        [
            "ipv6 address 2001:DB8:10::1/64",
            "ipv6 route ::/0 2001:DB8:FFFF::1",
            "ipv6 router ospf 1",
        ],
    ),
}
KEPT = {  # a pushed interface line that NEGATE leaves in place
    "huawei_vrp": "undo ipv6 nd ra halt",
    "hp_comware": "undo ipv6 nd ra halt",
    "ruijie_os": "no ipv6 nd suppress-ra",
    "cisco_ios": "ipv6 nd managed-config-flag",
}
REJECTED = {  # (line the host refuses, exact error line)
    "huawei_vrp": ("stelnet server enable", "Error: Unrecognized command found at '^' position."),
    "hp_comware": ("ssh server enable", " % Unrecognized command found at '^' position."),
    "ruijie_os": ("enable service ssh-server", "% Invalid input detected at '^' marker."),
    "cisco_ios": ("ip ssh version 2", "% Invalid input detected at '^' marker."),
}
BEFORE_REJECTED = {  # a line accepted before the rejected one: what a rollback must undo
    "huawei_vrp": ("info-center loghost 2001:DB8::30", "undo info-center loghost 2001:DB8::30"),
    "hp_comware": ("info-center loghost 2001:DB8::30", "undo info-center loghost 2001:DB8::30"),
    "ruijie_os": ("logging server 2001:DB8::30", "no logging server 2001:DB8::30"),
    "cisco_ios": ("logging host 2001:DB8::30", "no logging host 2001:DB8::30"),
}
VERSION = {
    "huawei_vrp": ("display version", "Huawei Versatile Routing Platform Software"),
    "hp_comware": ("display version", "H3C Comware Software"),
    "ruijie_os": ("show version", "Ruijie"),
    "cisco_ios": ("show version", "Cisco IOS Software"),
}


def name(role: str, platform: str) -> str:
    return f"{role}-{platform.replace('_', '-')}"


@dataclass
class Started:
    net: EmulatedNetwork
    start_seconds: float


@pytest.fixture(scope="module")
def started() -> Iterator[Started]:
    specs = [HostSpec(name(r, p), p) for p in PLATFORMS for r in ("main", "modes", "reject")]
    specs += [HostSpec(name("refuse", p), p, knobs=Knobs(refuse_login=True)) for p in PLATFORMS]
    specs += [
        HostSpec(name("slow", p), p, knobs=Knobs(delay=3.0, delay_match=r"version"))
        for p in PLATFORMS
    ]
    specs += [HostSpec(f"bulk{i:02d}", PLATFORMS[i % 4]) for i in range(BULK)]
    specs += [
        HostSpec("bulk-slow", "cisco_ios", knobs=Knobs(delay=5.0, delay_match=r"^logging")),
        HostSpec("bulk-refuse", "cisco_ios", knobs=Knobs(refuse_login=True)),
    ]
    t0 = time.perf_counter()
    net = EmulatedNetwork(specs).start()
    started = Started(net, time.perf_counter() - t0)
    try:
        yield started
    finally:
        net.stop()


@pytest.fixture(scope="module")
def net(started: Started) -> EmulatedNetwork:
    return started.net


def connect(net: EmulatedNetwork, host: str) -> Any:
    conn = ConnectHandler(**net.netmiko_params(host))
    conn.enable()  # Ruijie/Cisco: privileged exec; Comware: system-view; Huawei: no-op
    if net[host].platform == "hp_comware":
        conn.send_command("return", expect_string=r">")
    return conn


def close_fast(conn: Any) -> None:
    """Close without netmiko's cleanup, whose mode check costs 2 s on huawei/ruijie_os."""
    conn.remote_conn_pre.close()


@dataclass
class Scenario:
    """What one platform's push / read-back / negate / save run produced."""

    platform: str
    host: str
    push_output: str = ""
    pushed_readback: str = ""
    negated_readback: str = ""
    startup_before_save: str = ""
    save_output: str = ""
    saves: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def run_scenario(net: EmulatedNetwork, platform: str) -> Scenario:
    host = name("main", platform)
    sc = Scenario(platform, host)
    t = time.perf_counter()
    conn = ConnectHandler(**net.netmiko_params(host))
    sc.seconds["connect"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.enable()
    sc.push_output = conn.send_config_set(PUSH[platform], error_pattern=ERROR_PATTERN)
    sc.seconds["push"] = time.perf_counter() - t
    sc.pushed_readback = str(conn.send_command(READ_BACK[platform]))
    # Negation: enter config mode through the prompt (fast), push with send_config_set.
    cmd, prompt = ENTER[platform]
    conn.send_command(cmd, expect_string=re.escape(prompt.format(n=host)))
    conn.send_config_set(
        NEGATE[platform][0],
        enter_config_mode=False,
        exit_config_mode=False,
        error_pattern=ERROR_PATTERN,
    )
    conn.send_command(LEAVE[platform], expect_string=r"[>#]\s*$")
    sc.negated_readback = str(conn.send_command(READ_BACK[platform]))
    sc.startup_before_save = net[host].startup_config
    t = time.perf_counter()
    sc.save_output = conn.save_config()  # Huawei: answers the [Y/N] question (confirm=True)
    sc.seconds["save"] = time.perf_counter() - t
    sc.saves = net[host].saves
    t = time.perf_counter()
    conn.disconnect()
    sc.seconds["disconnect"] = time.perf_counter() - t
    return sc


@pytest.fixture(scope="module")
def scenarios(net: EmulatedNetwork) -> dict[str, Scenario]:
    with ThreadPoolExecutor(max_workers=len(PLATFORMS)) as pool:
        results = list(pool.map(lambda p: run_scenario(net, p), PLATFORMS))
    return {s.platform: s for s in results}


# ------------------------------------------------------------------------------- lifecycle
def test_start_is_fast_and_every_port_listens(started: Started) -> None:
    net = started.net
    assert len(net) == BULK + 2 + 5 * len(PLATFORMS)
    assert started.start_seconds < 10.0  # ~0.5 s on an idle 2-core machine
    listening = emulator_pkg.network.listening_ports()
    assert listening is None or set(net.ports.values()) <= listening
    assert all(net.ports[h].__class__ is int for h in net.devices)


def test_stop_of_many_hosts_with_live_sessions_is_parallel() -> None:
    specs = [HostSpec(f"s{i}", PLATFORMS[i % 4]) for i in range(50)]
    net = EmulatedNetwork(specs).start()
    conns = [ConnectHandler(**net.netmiko_params(f"s{i}")) for i in (1, 3, 5, 7)]
    t0 = time.perf_counter()
    net.stop()
    assert time.perf_counter() - t0 < 5.0  # ~0.02 s on an idle machine
    for conn in conns:
        close_fast(conn)
    assert not net.running


def test_a_port_belongs_to_one_emulated_host() -> None:
    """Like a device, an emulated host's port is its own: a second emulator asking for it (an
    explicit port fails to bind), and one picking free ports while another runs, never share
    it with another device (fakenos's SO_REUSEPORT let two processes bind one port, and the
    kernel split a push's connections between two devices)."""
    first = EmulatedNetwork([HostSpec("one", "cisco_ios")]).start()
    try:
        port = first.ports["one"]
        clash = EmulatedNetwork([HostSpec("two", "huawei_vrp", port=port)])
        try:
            with pytest.raises(OSError):
                clash.start()
        finally:
            clash.stop()  # had it bound the port, it must not outlive the test
        second = EmulatedNetwork([HostSpec("two", "huawei_vrp")]).start()
        try:
            assert second.ports["two"] != port
            conn = ConnectHandler(**first.netmiko_params("one"))
            try:
                assert conn.find_prompt().endswith(("#", ">"))
                assert "Cisco" in conn.send_command("show version")
            finally:
                close_fast(conn)
        finally:
            second.stop()
    finally:
        first.stop()


def test_only_loopback_addresses_are_accepted() -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmulatedNetwork([HostSpec("x", "cisco_ios")], address="0.0.0.0")  # noqa: S104


# ---------------------------------------------------------------------------- per platform
@pytest.mark.parametrize("platform", PLATFORMS)
def test_login_shows_the_vendor_prompt_and_version(net: EmulatedNetwork, platform: str) -> None:
    host = name("modes", platform)
    conn = ConnectHandler(**net.netmiko_params(host))
    try:
        # netmiko's ruijie_os runs `enable` in its session preparation, after seeing `NAME>`.
        login = {"huawei_vrp": "<{n}>", "hp_comware": "<{n}>", "ruijie_os": "{n}#"}
        assert conn.find_prompt() == login.get(platform, "{n}>").format(n=host)
        if platform == "ruijie_os":
            assert "enable" in net[host].history
        cmd, marker = VERSION[platform]
        assert marker in conn.send_command(cmd)
    finally:
        close_fast(conn)
    assert net[host].logins >= 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_config_mode_sub_view_and_back(net: EmulatedNetwork, platform: str) -> None:
    host = name("modes", platform)
    conn = connect(net, host)
    try:
        cmd, prompt = ENTER[platform]
        out = conn.send_command(cmd, expect_string=re.escape(prompt.format(n=host)))
        assert conn.find_prompt() == prompt.format(n=host)
        assert "Ctrl+Z" in out or "CNTL/Z" in out
        sub, sub_prompt = SUBVIEW[platform]
        conn.send_command(sub, expect_string=re.escape(sub_prompt.format(n=host)))
        assert conn.find_prompt() == sub_prompt.format(n=host)
        if platform in ("hp_comware", "cisco_ios"):  # the others' check waits 2 s of silence
            assert conn.check_config_mode()
        conn.send_command(LEAVE[platform], expect_string=r"[>#]\s*$")
        assert conn.find_prompt() == USER_PROMPT[platform].format(n=host)
    finally:
        close_fast(conn)
    section = SUBVIEW[platform][0]
    assert net[host].section(section) == []  # entering a view creates it, empty


@pytest.mark.parametrize("platform", PLATFORMS)
def test_push_then_read_back_shows_the_lines(
    scenarios: dict[str, Scenario], net: EmulatedNetwork, platform: str
) -> None:
    sc = scenarios[platform]
    for line in PUSH[platform]:
        if line not in ("quit", "exit"):
            assert line in sc.pushed_readback, line
    assert not re.search(ERROR_PATTERN, sc.push_output, re.M)
    # Lines the negation step leaves alone are still in the device's running config.
    assert net[sc.host].has_line(KEPT[platform], section=SUBVIEW[platform][0])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_negation_removes_the_lines(scenarios: dict[str, Scenario], platform: str) -> None:
    sc = scenarios[platform]
    for line in NEGATE[platform][1]:
        assert not re.search(rf"^\s*{re.escape(line)}$", sc.negated_readback, re.M), line
    # What was not negated stays, and the emptied interface section is still there.
    assert SUBVIEW[platform][0] in sc.negated_readback


@pytest.mark.parametrize("platform", PLATFORMS)
def test_save_persists_running_to_startup(
    scenarios: dict[str, Scenario], net: EmulatedNetwork, platform: str
) -> None:
    sc = scenarios[platform]
    assert "ospf" not in sc.startup_before_save  # pushed, never saved before
    assert sc.saves == 1
    dev = net[sc.host]
    assert dev.startup_config == dev.running_config
    expected = {
        "huawei_vrp": "Are you sure to continue?[Y/N]:",
        "hp_comware": "Saved the current configuration to mainboard device successfully.",
        "ruijie_os": "[OK]",
        "cisco_ios": "[OK]",
    }[platform]
    assert expected in sc.save_output


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rejected_line_gets_the_vendor_error_and_can_be_rolled_back(
    net: EmulatedNetwork, platform: str
) -> None:
    host = name("reject", platform)
    dev = net[host]
    bad, error = REJECTED[platform]
    dev.knobs.unsupported = [rf"^{re.escape(bad)}$"]
    before = dev.running_config
    good, undo = BEFORE_REJECTED[platform]
    conn = connect(net, host)
    try:
        cmd, prompt = ENTER[platform]
        conn.send_command(cmd, expect_string=re.escape(prompt.format(n=host)))
        with pytest.raises(ConfigInvalidException) as err:
            conn.send_config_set(
                [good, bad, "this line is never sent"],
                enter_config_mode=False,
                exit_config_mode=False,
                error_pattern=ERROR_PATTERN,
            )
        assert dev.has_line(good)  # applied before the rejection: half-applied
        assert "never sent" not in "".join(dev.history)
        assert bad in str(err.value)
        # The vendor's exact two lines: caret under the first word, then the message.
        out = conn.send_command(
            bad,
            expect_string=re.escape(prompt.format(n=host)),
            strip_command=False,
            strip_prompt=False,
        )
        lines = out.replace("\r", "").split("\n")
        i = next(k for k, line in enumerate(lines) if line.rstrip() == error.rstrip())
        caret_col = lines[i - 1].index("^")
        assert caret_col == len(prompt.format(n=host))
        # Rollback: undo what was applied; the running config is back to where it was.
        conn.send_config_set(
            [undo], enter_config_mode=False, exit_config_mode=False, error_pattern=ERROR_PATTERN
        )
        conn.send_command(LEAVE[platform], expect_string=r"[>#]\s*$")
    finally:
        close_fast(conn)
    assert dev.running_config == before


@pytest.mark.parametrize("platform", PLATFORMS)
def test_refused_login(net: EmulatedNetwork, platform: str) -> None:
    host = name("refuse", platform)
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(**net.netmiko_params(host), auth_timeout=5)
    assert net[host].failed_logins >= 1
    assert net[host].logins == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_delay_knob_makes_a_command_time_out(net: EmulatedNetwork, platform: str) -> None:
    host = name("slow", platform)
    conn = ConnectHandler(**net.netmiko_params(host))
    try:
        cmd, _ = VERSION[platform]
        t0 = time.perf_counter()
        with pytest.raises(ReadTimeout):
            conn.send_command(cmd, read_timeout=0.5)
        assert 0.4 < time.perf_counter() - t0 < 2.9  # the device answers only after 3 s
    finally:
        close_fast(conn)


def test_dropped_session_fails_the_push(net: EmulatedNetwork) -> None:
    host = name("modes", "cisco_ios")
    dev = net[host]
    dev.knobs.drop_match = r"^snmp-server location"
    conn = connect(net, host)
    try:
        with pytest.raises((OSError, EOFError, ReadTimeout)):
            conn.send_config_set(["snmp-server location lab"], read_timeout=1)
    finally:
        dev.knobs.drop_match = None
        close_fast(conn)
    assert not dev.has_line("snmp-server location lab")


# --------------------------------------------------------------------------------- at scale
def test_fifty_hosts_in_parallel_through_nornir(net: EmulatedNetwork) -> None:
    from nornir_netmiko.tasks import netmiko_send_config

    lines = {
        "huawei_vrp": ["info-center loghost 2001:DB8::30"],
        "hp_comware": ["info-center loghost 2001:DB8::30"],
        "ruijie_os": ["logging server 2001:DB8::30"],
        "cisco_ios": ["logging host 2001:DB8::30"],
    }
    names = [f"bulk{i:02d}" for i in range(BULK)] + ["bulk-slow", "bulk-refuse"]
    nr = net.nornir(names, workers=len(names), conn_timeout=5, auth_timeout=5)

    def push(task: Any) -> Any:
        platform = task.host.data["platform"]
        return task.run(
            netmiko_send_config,
            config_commands=lines[platform],
            error_pattern=ERROR_PATTERN,
            read_timeout=2,
        )

    t0 = time.perf_counter()
    result = nr.run(task=push)
    nr.close_connections()
    wall = time.perf_counter() - t0
    assert sorted(result.failed_hosts) == ["bulk-refuse", "bulk-slow"]
    assert any(isinstance(r.exception, ReadTimeout) for r in result["bulk-slow"])
    assert any(
        isinstance(r.exception, NetmikoAuthenticationException) for r in result["bulk-refuse"]
    )
    for i in range(BULK):
        dev = net[f"bulk{i:02d}"]
        assert dev.has_line(lines[dev.platform][0]), dev.name
    assert wall < 60.0  # ~13 s: the huawei/ruijie_os drivers' 2 s silence checks


# ------------------------------------------------------------- the state machine, no SSH
def feed_all(session: Session, lines: list[str]) -> str:
    return "".join(session.feed(line).text for line in lines)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_display_parses_back_to_the_same_tree(platform: str) -> None:
    dev = Device("R1", platform)
    s = Session(dev)
    feed_all(s, ["enable", ENTER[platform][0], *PUSH[platform]])
    if platform in ("cisco_ios", "ruijie_os"):
        feed_all(s, ["banner login ^C", "Authorized use only.", "  Second line.", "^C"])
    assert dev.parse(dev.running_config).lines() == dev.running_lines()
    assert dev.parse(dev.startup_config).lines() == dev.startup_lines()


def test_a_line_of_a_parent_view_moves_up_and_sections_merge() -> None:
    dev = Device("R1", "huawei_vrp")
    s = Session(dev)
    feed_all(s, ["system-view", "interface Vlanif10", "ipv6 enable"])
    assert s.prompt() == "[R1-Vlanif10]"
    feed_all(s, ["ipv6 route-static :: 0 2001:db8::1"])  # a system-view command
    assert s.prompt() == "[R1]"
    assert dev.has_line("ipv6 route-static :: 0 2001:DB8::1")
    feed_all(s, ["interface vlanif 10", "description users", "description teachers"])
    assert dev.section("interface Vlanif10") == ["ipv6 enable", "description teachers"]
    feed_all(s, ["sysname GW"])  # a system-view command again: the view changes with it
    assert s.prompt() == "[GW]"


def test_vendor_display_form_and_encrypted_secrets() -> None:
    dev = Device("R1", "hp_comware")
    s = Session(dev)
    feed_all(
        s,
        [
            "system-view",
            "interface Vlan-interface10",
            "ipv6 address 2001:db8:10::1 64",
            "quit",
            "radius scheme R",
            "primary authentication 10.0.0.1 key simple s3cret",
        ],
    )
    text = dev.running_config
    assert " ipv6 address 2001:DB8:10::1/64" in text
    assert "key simple" not in text and " key cipher $c$3$" in text
    assert "\n sysname R1\n" in text  # Comware shows global lines with one leading space
    raw = Device("R2", "hp_comware", knobs=Knobs(normalize=False))
    feed_all(Session(raw), ["system-view", "interface Vlan-interface10", "ipv6 address A::1 64"])
    assert raw.has_line("ipv6 address A::1 64", section="interface Vlan-interface10")


def test_huawei_questions_and_interactive_passwords() -> None:
    dev = Device("AC", "huawei_vrp")
    s = Session(dev)
    feed_all(s, ["system-view", "wlan", "regulatory-domain-profile name D"])
    reply = s.feed("country-code cn").text
    assert reply.endswith("Continue? [Y/N]:")
    assert s.feed("n").text == "[AC-wlan-regulate-domain-D]"
    assert dev.section("wlan") == ["regulatory-domain-profile name D"]
    s.feed("country-code cn")
    s.feed("y")
    assert " country-code cn" in (dev.section("wlan") or [])
    feed_all(s, ["return", "system-view"])
    assert s.feed("snmp-agent usm-user v3 nms authentication-mode sha").text.endswith(
        "Enter Password:"
    )
    assert s.secret
    assert s.feed("Auth-Key-123").text == "Confirm Password:"
    assert s.feed("Auth-Key-123").text == "[AC]"
    line = next(x for x in dev.running_lines() if "authentication-mode sha" in x)
    assert re.fullmatch(r"snmp-agent usm-user v3 nms authentication-mode sha %#%#\S+%#%#", line)


def test_cisco_banner_delimiter_and_hidden_snmp_users() -> None:
    dev = Device("R1", "cisco_ios")
    s = Session(dev)
    feed_all(s, ["enable", "configure terminal"])
    assert "End with the character '#'." in s.feed("banner login #").text
    feed_all(
        s, ["Authorized use only.", "#", "snmp-server user nms NMS v3 auth sha a priv aes 128 b"]
    )
    assert "banner login ^C\nAuthorized use only.\n^C" in dev.running_config
    assert "snmp-server user" not in dev.running_config
    assert dev.hidden.lines() == ["snmp-server user nms NMS v3 auth sha a priv aes 128 b"]


def test_save_dialogs_and_output_filters() -> None:
    h3c = Device("S", "hp_comware")
    s = Session(h3c)
    feed_all(s, ["system-view", "vlan 10", "return"])
    assert s.feed("save").text.endswith("Are you sure? [Y/N]:")
    assert "press the enter key):" in s.feed("y").text
    assert s.feed("").text.endswith("flash:/startup.cfg exists, overwrite? [Y/N]:")
    assert "successfully" in s.feed("y").text
    assert h3c.has_line("vlan 10", saved=True)

    hw = Device("H", "huawei_vrp")
    s = Session(hw)
    feed_all(s, ["system-view", "vlan 10", "return", "save"])
    assert s.feed("n").text == "<H>"
    assert hw.saves == 0
    out = s.feed("display current-configuration | include ^vlan").text
    assert out == "vlan 10\r\n<H>"
    assert s.feed("dis cur | begin ^vlan").text.startswith("vlan 10\r\n#\r\nreturn")

    cisco = Device("C", "cisco_ios")
    s = Session(cisco)
    assert "% Invalid input" in feed_all(s, ["show running-config"])  # user exec: not allowed
    feed_all(s, ["enable", "conf t", "vlan 10", "end"])
    assert s.feed("copy running-config startup-config").text.endswith(
        "Destination filename [startup-config]? "
    )
    assert s.feed("").text == "Building configuration...\r\n[OK]\r\nC#"
    assert cisco.startup_config == cisco.running_config


# ----------------------------------------------------------------------------- the package
def test_doctests_of_the_emulator_modules() -> None:
    failures = 0
    for mod in pkgutil.iter_modules(emulator_pkg.__path__):
        module = importlib.import_module(f"netctl.testing.emulator.{mod.name}")
        failures += doctest.testmod(module).failed
    assert failures == 0


def test_runtime_netctl_never_imports_the_testing_package() -> None:
    """No module outside netctl/testing imports it at module level (a lazy import inside a
    function, as a demo may do, is allowed)."""
    root = Path(netctl.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "testing" in path.relative_to(root).parts or not re.search(r"testing|fakenos", text):
            continue
        for node in ast.parse(text).body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.startswith(("netctl.testing", "fakenos")) for n in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_an_emulated_device_waits_for_a_slow_handshake_as_long_as_its_clients() -> None:
    """paramiko's server default gives a handshake 15 s: on shared cores an emulated device
    closed sessions the pusher (30-60 s timeouts) was still opening (``EOFError``). A
    configuration check: exercising 15 s of starvation here would make a slow test."""
    import socket

    import paramiko  # type: ignore[import-untyped]

    from netctl.config.connect import connect
    from netctl.testing.emulator.server import HANDSHAKE_SECONDS, server_transport

    a, b = socket.socketpair()
    try:
        transport = server_transport(a, paramiko.RSAKey.generate(1024))
        assert transport.handshake_timeout == transport.banner_timeout == HANDSHAKE_SECONDS
        defaults = connect.__kwdefaults__ or {}
        assert defaults["timeout"] * 2 <= HANDSHAKE_SECONDS  # netctl's own client timeout
    finally:
        a.close()
        b.close()
