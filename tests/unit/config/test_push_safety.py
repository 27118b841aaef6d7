"""Push safety on configurations netctl did not write (issue 11: ownership, protection, guard).

Every public running config of ``tests/fixtures/real/<platform>/`` is diffed against each
feature rendered for a sample device of its platform (the shipped templates and sample
inventory): it must parse, the remediation must remove nothing protected and only lines the
feature owns, and ``all`` on an access switch must not touch a port line the templates do not
render. Then the concrete cases of the issue, on configurations shaped like the real devices it
names.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from hier_config import HConfig
from hier_config.child import HConfigChild

from netctl.config.diff import Diff, compute_diff
from netctl.config.guard import Guard, verdict
from netctl.config.hier import parse
from netctl.config.protect import load_protection
from netctl.config.render import render_many
from netctl.config.scope import FeatureScope, StalePattern, load_scopes
from netctl.exceptions import ConfigError
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role
from netctl.platforms import Platform

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "templates"
REAL = REPO / "tests" / "fixtures" / "real"
CORPUS = sorted(REAL.glob("*/*.cfg"))
FEATURES = ("ipv6", "baseline", "wlan", "all")

# What a push must never take away from a device it did not configure (any feature).
NEVER_REMOVED = re.compile(
    r"^((undo|no) )?(line (vty|con|console|aux)|user-interface|local-user|username|enable "
    r"(secret|password)|ssh server|ip ssh|snmp-agent|snmp-server|aaa|hwtacacs|tacacs|"
    r"ip http|service password-encryption|super password)\b")
# Port lines the templates never render: `all` on an access switch must leave them alone.
PORT_LINES = re.compile(
    r"^((undo|no) )?(port (access|trunk|link-type|hybrid)|switchport|dot1x|port-security|poe|"
    r"stp|spanning-tree|mac-authentication|loopback-detection|description|shutdown)\b")


@pytest.fixture(scope="module")
def inv(allocated_dir: Path) -> Inventory:
    return load_inventory(allocated_dir)


@cache
def _sample(inv_id: int, platform: Platform, role: Role) -> str | None:
    inv = _INVS[inv_id]
    return next((d.hostname for d in inv.devices.values()
                 if d.platform is platform and d.role is role), None)


_INVS: dict[int, Inventory] = {}


def _role_for(path: Path) -> Role:
    name = path.stem
    if "access" in name:
        return Role.ACCESS
    if re.search(r"wlan|wireless|_ap_|wlc|^ac\d", name):
        return Role.WLC
    return Role.GATEWAY


def _diff(inv: Inventory, path: Path, feature: str) -> tuple[Diff, str] | None:
    platform = Platform(path.parent.name)
    _INVS[id(inv)] = inv
    host = _sample(id(inv), platform, _role_for(path)) or _sample(id(inv), platform,
                                                                   Role.GATEWAY)
    assert host is not None
    rendered = render_many(inv, [host], feature, templates_dir=TEMPLATES)[0]
    if rendered.text is None:
        return None  # the template refuses this device (its reason is tested elsewhere)
    device = inv.devices[host].device
    protection = load_protection(TEMPLATES).for_platform(platform).for_device(
        str(a) for a in (device.mgmt_ipv4, device.mgmt_ipv6) if a)
    scope = load_scopes(TEMPLATES).for_feature(feature)
    running = path.read_text(encoding="utf-8")
    return compute_diff(platform, running, rendered.text, scope, protection), rendered.text


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 19
    assert {p.parent.name for p in CORPUS} == {"huawei_vrp", "hp_comware", "ruijie_os",
                                               "cisco_ios"}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_real_config_parses(path: Path) -> None:
    tree = parse(Platform(path.parent.name), path.read_text(encoding="utf-8"))
    assert len(list(tree.all_children())) > 10


def _redeclared(want: HConfig, path: tuple[str, ...]) -> bool:
    """A removed negation (``no X``/``undo X``) whose positive form the intended config
    declares at the same place: the same push re-declares the line (the issue's exception)."""
    last = path[-1]
    positive = next((last[len(p):] for p in ("no ", "undo ") if last.startswith(p)), None)
    node: HConfig | HConfigChild | None = want
    for text in path[:-1]:
        node = node.get_child(equals=text) if node is not None else None
    return positive is not None and node is not None and \
        node.get_child(equals=positive) is not None


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_remediation_on_real_configs_is_owned_and_spares_protection(
        inv: Inventory, path: Path, feature: str) -> None:
    result = _diff(inv, path, feature)
    if result is None:
        pytest.skip("the template refuses the sample device")
    diff, intended = result
    platform = Platform(path.parent.name)
    protection = load_protection(TEMPLATES).for_platform(platform).for_device()
    want = parse(platform, intended)
    for line in diff.removed:
        path_ = tuple(line.split(" > "))
        if _redeclared(want, path_):
            continue  # `no aaa new-model` → the rendered `aaa new-model`: the push says so
        assert protection.reason(path_) is None, f"protected line removed: {line}"
        assert not NEVER_REMOVED.match(path_[-1]), f"management line removed: {line}"
        if len(path_) > 1:  # inside a section: only a section the intended config declares
            assert want.get_child(equals=path_[0]) is not None, line
    rendered_lines = {ln.strip() for ln in intended.splitlines()}
    for line in diff.remediation:
        text = line.strip()
        assert not re.match(r"^(undo|no) (line|user-interface) ", text), text
        if re.match(r"^(undo|no) ", text) and text not in rendered_lines:
            assert not NEVER_REMOVED.match(text), text
    if platform is not Platform.FRR and feature == "all" and "access" in path.stem:
        for line in diff.removed:
            if line.startswith("interface "):
                assert not PORT_LINES.match(line.split(" > ")[-1]), line
        port_lines = [ln for ln in diff.remediation if PORT_LINES.match(ln.strip())]
        rendered = {ln.strip() for ln in intended.splitlines()}
        assert all(ln.strip() in rendered for ln in port_lines), port_lines


@pytest.mark.parametrize("feature", FEATURES)
def test_every_removed_line_is_the_same_command_as_a_rendered_line_or_declared_stale(
        inv: Inventory, feature: str) -> None:
    """The ownership invariant, checked line by line on the whole corpus."""
    scope = load_scopes(TEMPLATES).for_feature(feature)
    checked = 0
    for path in CORPUS:
        result = _diff(inv, path, feature)
        if result is None:
            continue
        diff, intended = result
        want = parse(Platform(path.parent.name), intended)
        for line in diff.removed:
            parts = line.split(" > ")
            level = want
            stale = False
            for depth, text in enumerate(parts[:-1]):
                nxt = level.get_child(equals=text)
                if nxt is None:  # inside a section removed whole: that section must be stale
                    stale = scope._stale(text, tuple(parts[:depth]))
                    break
                level = nxt  # type: ignore[assignment]
            if stale:
                continue
            last = parts[-1]
            keys = {scope.key(c.text) for c in level.children if not c.children}
            assert (scope.key(last) in keys or scope._stale(last, tuple(parts[:-1]))
                    ), (path.name, feature, line)
            checked += 1
    assert checked or feature == "wlan"


def test_removed_lines_are_owned_by_the_feature(inv: Inventory) -> None:
    """ipv6 on a real VRP router removes only IPv6 lines of interfaces the template addresses."""
    for path in CORPUS:
        result = _diff(inv, path, "ipv6")
        if result is None:
            continue
        for line in result[0].removed:
            last = line.split(" > ")[-1]
            assert re.match(r"^(ipv6|dhcpv6|ospfv3|silent-interface|passive-interface|"
                            r"network|address prefix|dns-server|router-id)\b", last), (path, line)


# -- the concrete cases ----------------------------------------------------------------

H3C_PORT = """#
interface GigabitEthernet1/0/{i}
 port access vlan 100
 stp edged-port
 poe enable
 dot1x
 undo dot1x handshake
 dot1x mandatory-domain campus
 port-security max-mac-count 2
 port-security port-mode userlogin-secure-ext
"""
H3C_ACCESS = ("#\n sysname SW-A1\n#\n telnet server enable\n#\n dot1x\n#\nradius scheme campus\n"
              " primary authentication 10.0.0.5\n primary accounting 10.0.0.5\n#\n"
              "domain campus\n authentication lan-access radius-scheme campus\n#\n"
              "interface Vlan-interface1\n ip address 10.20.0.11 255.255.255.0\n"
              + "".join(H3C_PORT.format(i=i) for i in range(1, 49))
              + "#\n ip route-static 0.0.0.0 0 10.20.0.1\n#\n snmp-agent\n"
              " snmp-agent community read cipher $c$3$xyz== acl 2000\n"
              " snmp-agent sys-info version v2c v3\n#\n ssh server enable\n"
              " ssh server acl 2001\n#\nacl basic 2001\n rule 0 permit source 10.0.0.0 0.0.0.255\n"
              "#\nline class console\n user-role network-admin\n#\nline vty 0 63\n"
              " authentication-mode scheme\n user-role network-operator\n acl 2001 inbound\n"
              "#\nline vty 64 65\n user-role network-operator\n#\n"
              "local-user admin class manage\n password hash $h$6$abc\n service-type ssh\n#\n")


def _device(inv: Inventory, platform: Platform, role: Role) -> tuple[str, str]:
    host = next(d.hostname for d in inv.devices.values()
                if d.platform is platform and d.role is role)
    return host, ""


def _sample_diff(inv: Inventory, platform: Platform, role: Role, feature: str,
                 running: str) -> Diff:
    host, _ = _device(inv, platform, role)
    rendered = render_many(inv, [host], feature, templates_dir=TEMPLATES)[0]
    assert rendered.text is not None, rendered.error
    protection = load_protection(TEMPLATES).for_platform(platform).for_device()
    return compute_diff(platform, running, rendered.text,
                        load_scopes(TEMPLATES).for_feature(feature), protection)


def test_all_on_a_48_port_h3c_access_switch_keeps_its_ports(inv: Inventory) -> None:
    diff = _sample_diff(inv, Platform.HP_COMWARE, Role.ACCESS, "all", H3C_ACCESS)
    text = diff.text
    for bad in ("undo port access vlan", "undo dot1x", "undo port-security", "undo poe enable",
                "undo stp edged-port", "undo radius scheme", "undo domain",
                "undo line vty 64 65", "undo line", "undo ssh server acl",
                "undo local-user", "undo snmp-agent"):
        assert bad not in text, bad
    assert diff.removed_count <= 2  # the old telnet server and nothing of the ports
    assert " ipv6 nd raguard role host" in diff.remediation  # what the template renders


CISCO_HARDENED = """!
service password-encryption
hostname R1
!
enable secret 5 $1$SCRUBBEDSECRET$abcdefghijklmn
!
aaa new-model
aaa authentication login default group tacacs+ local
aaa authorization exec default group tacacs+ local
!
username admin privilege 15 secret 5 $1$SCRUBBEDSECRET$abcdefghijklmn
!
ip domain name corp.example
ip ssh version 2
ip ssh server algorithm encryption aes256-ctr aes192-ctr
ip ssh server algorithm mac hmac-sha2-256
no ip http server
no ip http secure-server
!
tacacs server TAC1
 address ipv4 10.0.0.7
 key 7 0123456789ABCDEF
!
access-list 10 permit 10.0.0.0 0.0.0.255
!
snmp-server community scrubbed-comm1 RO 10
snmp-server location lab
ntp server 10.9.9.9
!
line con 0
 logging synchronous
line vty 0 4
 access-class 10 in
 exec-timeout 5 0
 login authentication default
 transport input ssh
line vty 5 15
 access-class 10 in
 transport input ssh
!
end
"""

RUIJIE_VTY = """!
enable service ssh-server
enable secret 5 $1$SCRUBBEDSECRET$abcdefghijklmn
username admin privilege 15 password 7 0123456789ABCDEF
ip access-list standard MGMT
 10 permit 10.0.0.0 0.0.0.255
!
line con 0
line vty 0 4
 access-class MGMT in
 login local
 exec-timeout 5 0
line vty 5 35
 access-class MGMT in
 login local
!
end
"""

HUAWEI_V200R02X = """#
sysname S6730
#
stelnet server enable
ssh server-source -i Vlanif10
ssh server cipher aes256_ctr aes128_ctr
ssh server hmac sha2_256
ssh server key-exchange dh_group14_sha1
ssh server acl 2001
snmp-agent protocol source-status all-interface
snmp-agent protocol source-interface Vlanif10
snmp-agent
snmp-agent community read cipher %^%#SCRUBBED%^%# acl 2000
snmp-agent sys-info version v2c v3
#
aaa
 authentication-scheme default
 authorization-scheme default
 local-user admin password irreversible-cipher $1c$SCRUBBED$
 local-user admin privilege level 15
 local-user admin service-type ssh
#
interface Vlanif10
 ip address 10.20.0.2 255.255.255.0
#
ntp-service unicast-server 10.9.9.9
#
user-interface con 0
 authentication-mode aaa
user-interface vty 0 4
 acl 2001 inbound
 authentication-mode aaa
 protocol inbound ssh
user-interface vty 16 20
 authentication-mode aaa
#
return
"""


def test_baseline_on_a_hardened_cisco_lowers_nothing(inv: Inventory) -> None:
    diff = _sample_diff(inv, Platform.CISCO_IOS, Role.GATEWAY, "baseline", CISCO_HARDENED)
    lines = [ln.strip() for ln in diff.remediation]
    for bad in ("ip http server", "no service password-encryption", "no enable secret",
                "no username admin", "no aaa authentication login default",
                "no aaa authorization exec default", "no access-class 10 in",
                "no line vty 0 4", "no line vty 5 15", "no line con 0",
                "no ip ssh server algorithm encryption aes256-ctr aes192-ctr",
                "no tacacs server TAC1", "no snmp-server community scrubbed-comm1 RO 10"):
        assert bad not in lines, bad
    assert "no ntp server 10.9.9.9" in lines  # the old NTP server is the baseline's to replace
    # the template's `line vty 0 15` is not the device's `line vty 0 4`: that one is untouched
    assert not any(ln.startswith("line vty 0 4") for ln in diff.removed)
    assert verdict(diff, Guard())  # the baseline changes management access: needs the override
    assert not verdict(diff, Guard(allow_protected=True))


def test_baseline_keeps_the_ruijie_vty_access_class(inv: Inventory) -> None:
    diff = _sample_diff(inv, Platform.RUIJIE_OS, Role.ACCESS, "baseline", RUIJIE_VTY)
    lines = [ln.strip() for ln in diff.remediation]
    assert "no access-class MGMT in" not in lines
    assert not any(ln.startswith(("no line", "no username", "no enable secret")) for ln in lines)


def test_baseline_keeps_vrp_ssh_hardening_and_the_sources_that_let_ssh_answer(
        inv: Inventory) -> None:
    diff = _sample_diff(inv, Platform.HUAWEI_VRP, Role.ACCESS, "baseline", HUAWEI_V200R02X)
    assert list(diff.removed) == ["ntp-service unicast-server 10.9.9.9"]
    refused = {r.line: r.reason for r in diff.refused}
    assert refused  # the VTY lines the template replaces in place are kept, with the reason
    assert all("console-vty" in why or "local-users" in why or "snmp-agent" in why
               or "ssh-server" in why for why in refused.values()), refused
    assert not any("user-interface" in ln and ln.strip().startswith("undo")
                   for ln in diff.remediation)


# -- guard, parsing, scopes, protection data ---------------------------------------------------

def test_the_guard_refuses_many_removals_unless_allowed() -> None:
    running = "".join(f"ntp-service unicast-server 10.0.0.{i}\n" for i in range(1, 16))
    scope = FeatureScope(replaces=["^ntp-service unicast-server "])
    diff = compute_diff(Platform.HUAWEI_VRP, running, "ntp-service unicast-server 10.9.9.9\n",
                        scope)
    assert diff.removed_count == 15
    assert {s: (a, r) for s, a, r in diff.sections} == {"(global)": (1, 15)}
    refusal = verdict(diff, Guard())
    assert refusal and "removes 15 lines, more than 10" in refusal[0]
    assert "--allow-removals 15" in refusal[0]
    assert not verdict(diff, Guard(max_removals=15))


def test_repeated_lines_are_merged_and_unparsable_text_names_its_line() -> None:
    text = "#\ninterface Vlanif10\n undo shutdown\n undo shutdown\n#\nsysname a\nsysname a\n"
    tree = parse(Platform.HUAWEI_VRP, text)
    assert [c.text for c in tree.all_children()] == ["interface Vlanif10", "undo shutdown",
                                                     "sysname a"]
    with pytest.raises(ConfigError, match=r"line 3 \('x'\)"):
        parse(Platform.CISCO_IOS, "hostname a\nbanner motd ^C\nx\n")


def test_a_stale_ssid_profile_is_removed_only_when_netctl_wrote_it() -> None:
    running = ("wlan\n ssid-profile name SSID-GUEST\n  ssid NXEDU-Guest\n"
               " ssid-profile name SSID-OWN\n  ssid Staff\n"
               " security-profile name SEC-OPEN\n"
               " regulatory-domain-profile name DOM-CN\n  country-code cn\n")
    intended = "wlan\n regulatory-domain-profile name DOM-CN\n  country-code cn\n"
    diff = compute_diff(Platform.HUAWEI_VRP, running, intended,
                        load_scopes(TEMPLATES).for_feature("wlan"))
    assert diff.removed == ("wlan > ssid-profile name SSID-GUEST",
                            "wlan > ssid-profile name SSID-GUEST > ssid NXEDU-Guest")


def test_a_catch_all_ownership_pattern_is_refused() -> None:
    with pytest.raises(ValueError, match="matches everything"):
        StalePattern(line=".*")
    with pytest.raises(ValueError, match="matches everything"):
        FeatureScope(replaces=["^.*$"])


def test_all_is_the_union_of_the_features() -> None:
    scopes = load_scopes(TEMPLATES)
    union = scopes.for_feature("all")
    parts = [scopes.for_feature(f) for f in ("ipv6", "baseline", "wlan")]
    assert union.replaces == [p for s in parts for p in s.replaces]
    assert union.stale == [p for s in parts for p in s.stale]


def test_protection_data_covers_every_platform_and_management_access() -> None:
    protection = load_protection(TEMPLATES)
    for platform in (Platform.HUAWEI_VRP, Platform.HP_COMWARE, Platform.RUIJIE_OS,
                     Platform.CISCO_IOS):
        names = {r.name for r in protection.for_platform(platform).rules}
        assert {"console-vty", "local-users", "ssh-server", "snmp-agent",
                "mgmt-routes"} <= names, platform
    guard = protection.for_platform(Platform.CISCO_IOS).for_device(["10.20.0.11"])
    tree = parse(Platform.CISCO_IOS, CISCO_HARDENED)
    guard.learn(tree)  # access-list 10 is used by the VTY lines and SNMP
    assert guard.reason(("access-list 10 permit 10.0.0.0 0.0.0.255",)) is not None
    assert guard.reason(("interface Vlan1", "ip address 10.20.0.11 255.255.255.0")) == \
        "management address 10.20.0.11"


# -- the CLI: required feature, offline review, one-file baseline ------------------------------

def _netctl(inventory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netctl", "--inventory", str(inventory), *args],
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=REPO)


def test_diff_and_push_require_a_feature(allocated_dir: Path) -> None:
    for command in ("diff", "push"):
        r = _netctl(allocated_dir, "config", command, "--host", "x")
        assert r.returncode == 2, r.stderr
        assert "--feature is required: choose ipv6, wlan, baseline, all" in " ".join(
            r.stderr.split())


def test_offline_review_of_a_saved_config(allocated_dir: Path, tmp_path: Path,
                                          inv: Inventory) -> None:
    saved = tmp_path / "sw.cfg"
    saved.write_text(H3C_ACCESS, encoding="utf-8")
    host, _ = _device(inv, Platform.HP_COMWARE, Role.ACCESS)
    r = _netctl(allocated_dir, "config", "diff", "--host", host, "--feature", "all",
                "--running", str(saved), "--format", "json")
    assert r.returncode == 1, r.stderr  # refused: the baseline part changes management access
    out = json.loads(r.stdout)
    assert out["hostname"] == host and out["feature"] == "all"
    assert {"remediation", "removed", "refused", "sections", "push_refused"} <= set(out)
    assert all({"line", "reason"} == set(x) for x in out["refused"])
    assert not any(ln.strip().startswith("undo port") for ln in out["remediation"])
    ok = _netctl(allocated_dir, "config", "diff", "--host", host, "--feature", "ipv6",
                 "--running", str(saved))
    assert ok.returncode == 0, ok.stderr
    assert "added" in ok.stdout and "removed" in ok.stdout  # the counts come first


def test_compliance_baseline_of_one_config_file(allocated_dir: Path) -> None:
    path = REAL / "cisco_ios" / "c2950_access_ios12.0.cfg"
    r = _netctl(allocated_dir, "compliance", "baseline", "--config", str(path), "--platform",
                "cisco_ios", "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    out = json.loads(r.stdout)
    assert out["platform"] == "cisco_ios" and out["rules"]
    assert out["status"] in ("pass", "partial", "fail")
    bad = _netctl(allocated_dir, "compliance", "baseline", "--config", str(path))
    assert bad.returncode == 2
