"""The four emulated platforms as data: prompts, views, accepted lines, texts and errors.

Sources: /work/shared/notes/vendor-syntax.md (sections 0, 1, 3, 4, 6) and the netmiko drivers.
Where a vendor's syntax is unconfirmed the views are permissive rather than strict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from netctl.testing.emulator.grammar import (
    ANY_WORD,
    InterfaceNames,
    Opener,
    dotted_area,
    opener,
    words,
)

Family = Literal["vrp", "ios"]
"""``vrp``: user view / system-view / quit / return / undo (Huawei, H3C).
``ios``: exec / enable / configure terminal / exit / end / no (Cisco, Ruijie)."""


@dataclass(frozen=True, slots=True)
class ConfigQuestion:
    """A config line the device does not apply at once: it asks ``[Y/N]`` (``asks_for``
    None) or for a password twice (``asks_for`` names it: ``authentication``, …)."""

    pattern: re.Pattern[str]
    kinds: frozenset[str]
    """View kinds where the line asks; empty: every view."""
    prompt: str
    asks_for: str | None = None


def question(pattern: str, kinds: str, prompt: str, asks_for: str | None = None) -> ConfigQuestion:
    """A :class:`ConfigQuestion`; ``kinds`` is space-separated (empty: every view)."""
    return ConfigQuestion(re.compile(pattern), frozenset(kinds.split()), prompt, asks_for)


@dataclass(frozen=True, slots=True)
class VendorProfile:
    """Everything vendor-specific about one emulated platform."""

    platform: str
    family: Family
    default_hostname: str
    hostname_cmd: str
    negation: str
    iface: InterfaceNames
    openers: Mapping[str, tuple[Opener, ...]]
    """Parent view kind -> the lines that open a child view there."""
    lines: Mapping[str, re.Pattern[str] | None]
    """View kind -> accepted (non-opening) lines; None accepts any word."""
    default_lines: re.Pattern[str] | None
    replace_keys: tuple[re.Pattern[str], ...]
    """A new line whose key (group 1) equals an existing line's key replaces it."""
    silent_negations: re.Pattern[str]
    """Negations of a default state that are never displayed (``undo shutdown``)."""
    skip_display: re.Pattern[str]
    """Header lines of the display format, dropped when parsing an initial config."""
    enter_config: str
    error_unknown: str
    error_param: str
    error_incomplete: str
    caret: bool
    """Whether errors show a ``^`` line under the offending word."""
    show_in_config: bool
    """Ruijie runs ``show`` in config mode; Cisco needs ``do show``."""
    banner: tuple[str, ...]
    version: str
    """``display version`` / ``show version``, formatted with ``{name}``, ``{uptime}``."""
    questions: tuple[ConfigQuestion, ...] = ()
    """Config lines that ask before they apply (``Knobs.vendor_questions`` turns them off)."""
    delimited: re.Pattern[str] | None = None
    """Delimited multi-line text (``banner login ^C`` … ``^C``): group 1 the command, group 2
    the rest of the line, whose first character is the delimiter."""
    delimited_prompt: str = ""
    """Printed when the text continues on the next lines; ``{d}`` is the delimiter."""
    hidden: re.Pattern[str] | None = None
    """Top-level lines accepted but never displayed (Cisco ``snmp-server user``)."""


def _keys(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


REPLACE_KEYS = _keys(
    r"^(description) ",
    r"^(sysname) ",
    r"^(hostname) ",
    r"^(router-id) ",
    r"^(ip address) (?!.* (?:sub|secondary)$)",
    r"^(ipv6 address) (?:\S+ link-local|auto link-local)$",
    r"^(mtu) ",
    r"^(ipv6 mtu) ",
    r"^(idle-timeout) ",
    r"^(exec-timeout) ",
    r"^(authentication-mode) ",
    r"^(authorization-mode) ",
    r"^(accounting-mode) ",
    r"^(protocol inbound) ",
    r"^(port link-type) ",
    r"^(port default vlan) ",
    r"^(port access vlan) ",
    r"^(switchport access vlan) ",
    r"^(switchport mode) ",
    r"^(ssid) ",
    r"^(forward-mode) ",
    r"^(service-vlan) ",
    r"^(country-code) ",
    r"^(country) ",
    r"^(akm mode) ",
    r"^(cipher-suite) ",
    r"^(preshared-key) ",
    r"^(pmf) ",
    r"^(security) ",
    r"^(ssid-profile) ",
    r"^(security-profile) ",
    r"^(authentication-profile) ",
    r"^(regulatory-domain-profile) ",
    r"^(dot1x-access-profile) ",
    r"^(access-domain) ",
    r"^(user-name-format) ",
    r"^(primary authentication) ",
    r"^(primary accounting) ",
    r"^(password-control (?:length|aging|login-attempt|login idle-time|composition)) ",
    r"^(password) (?!policy )",
    r"^(local-user \S+ password) ",
    r"^(local-user \S+ privilege level) ",
    r"^(local-user \S+ service-type) ",
    r"^(header \S+) ",
    r"^(banner \S+) ",
    r"^(ip ssh version) ",
    r"^(clock timezone) ",
    r"^(ip domain[ -]name) ",
    r"^(ospfv3 \d+) area ",
    r"^(ipv6 ospf \d+) area ",
    r"^(ip ospf \d+) area ",
    r"^(ipv6 dhcp server) ",
    r"^(dhcpv6 server) ",
    r"^(ipv6 dhcp select) ",
    r"^(ipv6 nd ra prefix \S+)",
    r"^(ipv6 nd prefix \S+)",
    r"^(ipv6 nd ra (?:max|min)-interval) ",
    r"^(info-center loghost \S+)",
    r"^(logging host \S+)",
    r"^(logging server \S+)",
    r"^(ntp server \S+)",
    r"^(ntp-service unicast-server \S+)",
    r"^(ntp unicast-server \S+)",
    r"^(username \S+) (?:privilege|secret|password)",
    r"^(username \S+ login mode) ",
    r"^(enable secret) ",
    r"^(enable password) ",
    r"^(login)(?= local$| authentication )",
    r"^(transport input) ",
    r"^(login block-for) ",
    r"^(aaa authentication login \S+) ",
    r"^(device-role) ",
    r"^(radius-server shared-key) ",
    r"^(hwtacacs-server shared-key) ",
    r"^(state) ",
    r"^(name) ",
    r"^(vlan) \d+$",
    r"^(address prefix) ",
    r"^(min-length) ",
    r"^(max-length) ",
    r"^(upper-case) ",
    r"^(lower-case) ",
    r"^(numeric-count) ",
    r"^(special-case) ",
    r"^(char-changes) ",
    r"^(key) ",
)

SILENT_NEGATIONS = re.compile(r"^shutdown$")


# ---------------------------------------------------------------------------------- Huawei VRP

HUAWEI_IF = InterfaceNames(
    (
        "Vlanif",
        "GigabitEthernet",
        "XGigabitEthernet",
        "MultiGE",
        "10GE",
        "25GE",
        "40GE",
        "100GE",
        "Eth-Trunk",
        "LoopBack",
        "MEth",
        "NULL",
        "Tunnel",
        "Ethernet",
        "Vbdif",
        "Wlan-Ess",
    ),
    space=False,
)


def _huawei_acl_prompt(m: re.Match[str], h: str, parent: str) -> str:
    six = "6" if " ipv6 " in f" {h} " else ""
    num = int(m.group(1))
    kind = "basic" if num < 3000 else "adv" if num < 4000 else "L2"
    return f"acl{six}-{kind}-{num}"


def _ui_header(m: re.Match[str]) -> str:
    kind = "console" if m.group(1) in ("con", "console") else m.group(1)
    return " ".join(x for x in ("user-interface", kind, m.group(2), m.group(3)) if x)


def _ui_prompt(m: re.Match[str], h: str, parent: str) -> str:
    parts = h.split()
    return f"ui-{parts[1]}{parts[2]}" + (f"-{parts[3]}" if len(parts) > 3 else "")


def _area_header(m: re.Match[str]) -> str:
    return f"area {dotted_area(m.group(1))}"


def _area_prompt(m: re.Match[str], h: str, parent: str) -> str:
    return f"{parent}-area-{dotted_area(m.group(1))}"


def _vrp_iface_opener(names: InterfaceNames) -> Opener:
    def header(m: re.Match[str]) -> str:
        return f"interface {names.canonical(m.group(1))}"

    def prompt(m: re.Match[str], h: str, parent: str) -> str:
        return h.removeprefix("interface ")

    return Opener(re.compile(r"interface (.+)"), "interface", prompt, header)


_HUAWEI_TOP = words(
    "sysname vlan ip ipv6 dhcp dhcpv6 nd stp lldp ntp-service ntp info-center header clock "
    "snmp-agent stelnet ssh telnet sftp scp ftp tftp http https-server rsa dsa ecc public-key "
    "pki radius-server hwtacacs-server capwap dns qos mac-address arp icmp loopback-detect "
    "storm-control cpu-defend anti-attack bfd vrrp user-interface local-user lacp mpls "
    "dot1x mac-authen portal web-auth-server free-rule-template authentication security "
    "ssl set netconf telemetry license undo drop-profile multicast igmp-snooping mld-snooping "
    "ip-prefix route-policy isis bgp rip ripng ospf ospfv3 acl traffic port-group wlan "
    "sflow assign user-password domain"
)
_HUAWEI_IF_LINES = words(
    "description ip(?! route-static| vpn-instance| pool| ip-prefix) "
    "ipv6(?! route-static| host) shutdown port mtu dhcp dhcpv6 ospf ospfv3 nd stp lldp "
    "traffic-policy traffic-filter traffic-limit qos jumboframe speed duplex negotiation "
    "eth-trunk loopback-detect storm-control arp mac-address voice-vlan poe authentication "
    "dot1x mac-authen port-security port-isolate bpdu alias trust vrrp vrrp6 ip-source "
    "user-bind l2protocol-tunnel lacp mode mac-limit igmp-snooping mld-snooping pim isis rip "
    "ripng dldp flow-control broadcast-suppression multicast-suppression unicast-suppression "
    "portal web-auth-server enable statistic set am bfd portswitch"
)

HUAWEI = VendorProfile(
    platform="huawei_vrp",
    family="vrp",
    default_hostname="HUAWEI",
    hostname_cmd="sysname",
    negation="undo",
    iface=HUAWEI_IF,
    openers={
        "top": (
            _vrp_iface_opener(HUAWEI_IF),
            opener(r"vlan (\d+)", "vlan", "vlan{0}"),
            opener(r"ospfv3 (\d+)(?: .*)?", "ospf", "ospfv3-{0}"),
            opener(r"ospf (\d+)(?: .*)?", "ospf", "ospf-{0}"),
            opener(r"bgp (\d+)", "bgp", "bgp"),
            opener(r"isis (\d+)", "isis", "isis-{0}"),
            opener(r"aaa", "aaa", "aaa"),
            opener(
                r"user-interface (vty|console|con) (\d+)(?: (\d+))?", "ui", _ui_prompt, _ui_header
            ),
            opener(r"dhcpv6 pool (\S+)", "dhcpv6-pool", "dhcpv6-pool-{0}"),
            opener(r"ip pool (\S+)", "ip-pool", "ip-pool-{0}"),
            opener(r"nd raguard policy (\S+)", "raguard", "nd-raguard-policy-{0}"),
            opener(r"radius-server template (\S+)(?: .*)?", "radius", "radius-{0}"),
            opener(r"hwtacacs-server template (\S+)", "hwtacacs", "hwtacacs-{0}"),
            opener(r"wlan(?: ac)?", "wlan", "wlan-view"),
            opener(
                r"(dot1x-access|mac-access|portal-access)-profile name (\S+)",
                "profile",
                "{0}-profile-{1}",
            ),
            opener(r"authentication-profile name (\S+)", "profile", "authen-profile-{0}"),
            opener(r"acl (?:number )?(\d+)(?: .*)?", "acl", _huawei_acl_prompt),
            opener(r"acl ipv6 (?:number )?(\d+)(?: .*)?", "acl", _huawei_acl_prompt),
            opener(r"traffic classifier (\S+)(?: .*)?", "qos", "classifier-{0}"),
            opener(r"traffic behavior (\S+)", "qos", "behavior-{0}"),
            opener(r"traffic policy (\S+)", "qos", "trafficpolicy-{0}"),
            opener(r"route-policy (\S+) (?:permit|deny) node (\d+)", "qos", "route-policy"),
            opener(r"port-group (\S+)", "interface", "port-group-{0}"),
            opener(r"ip vpn-instance (\S+)", "vpn", "vpn-instance-{0}"),
        ),
        "ospf": (opener(r"area (\S+)", "ospf-area", _area_prompt, _area_header),),
        "aaa": (
            opener(r"authentication-scheme (\S+)", "aaa-scheme", "aaa-authen-{0}"),
            opener(r"authorization-scheme (\S+)", "aaa-scheme", "aaa-author-{0}"),
            opener(r"accounting-scheme (\S+)", "aaa-scheme", "aaa-accounting-{0}"),
            opener(r"service-scheme (\S+)", "aaa-scheme", "aaa-service-{0}"),
            opener(r"domain (\S+)", "aaa-domain", "aaa-domain-{0}"),
            opener(
                r"local-aaa-user password policy (administrator|access-user)",
                "lupp",
                "aaa-lupp-{0}",
            ),
        ),
        "wlan": (
            opener(
                r"regulatory-domain-profile name (\S+)", "wlan-profile", "wlan-regulate-domain-{0}"
            ),
            opener(r"ssid-profile name (\S+)", "wlan-profile", "wlan-ssid-prof-{0}"),
            opener(r"security-profile name (\S+)", "wlan-profile", "wlan-sec-prof-{0}"),
            opener(r"vap-profile name (\S+)", "wlan-profile", "wlan-vap-prof-{0}"),
            opener(r"ap-group name (\S+)", "wlan-ap-group", "wlan-ap-group-{0}"),
            opener(r"ap-id (\d+)(?: .*)?", "wlan-ap", "wlan-ap-{0}"),
            opener(r"([a-z0-9-]+)-profile name (\S+)", "wlan-profile", "wlan-{0}-prof-{1}"),
        ),
        "wlan-ap-group": (opener(r"radio (\d+)", "wlan-radio", "wlan-group-radio-{ptail}/{0}"),),
        "wlan-ap": (opener(r"radio (\d+)", "wlan-radio", "wlan-radio-{ptail}/{0}"),),
    },
    lines={
        "top": _HUAWEI_TOP,
        "interface": _HUAWEI_IF_LINES,
        "vlan": words(
            "description name nd dhcp dhcpv6 igmp-snooping mld-snooping mac-address arp "
            "multicast-vlan mux-vlan statistic"
        ),
        "ospf": words(
            "router-id import-route default-route-advertise bandwidth-reference silent-interface "
            "filter-policy maximum preference spf-schedule-interval graceful-restart default "
            "stub-router lsa-originate-interval asbr-summary silent-all bfd"
        ),
        "ospf-area": words(
            "network stub nssa abr-summary authentication-mode description filter-policy "
            "default-cost vlink-peer"
        ),
        "aaa": words("local-user local-aaa-user user-password administrator"),
        "aaa-scheme": words(
            "authentication-mode authorization-mode accounting-mode accounting "
            "authentication-type admin-user"
        ),
        "aaa-domain": words(
            "authentication-scheme authorization-scheme accounting-scheme radius-server "
            "hwtacacs-server service-scheme state"
        ),
        "lupp": words("password"),
        "ui": words(
            "authentication-mode protocol idle-timeout user privilege screen-length "
            "history-command acl shell set"
        ),
        "dhcpv6-pool": words(
            "address excluded-address dns-server dns-domain-name domain-name information-refresh "
            "static-bind option prefix-delegation conflict lease"
        ),
        "ip-pool": words(
            "gateway-list network excluded-ip-address dns-list lease domain-name option static-bind"
        ),
        "raguard": words(
            "managed-address-flag other-config-flag if-match router-preference hop-limit"
        ),
        "radius": words("radius-server radius-attribute calling-station-id"),
        "hwtacacs": words("hwtacacs-server"),
        "acl": words("rule description step"),
        "wlan": None,
        "wlan-profile": None,
        "wlan-ap-group": None,
        "wlan-ap": None,
        "wlan-radio": None,
        "profile": None,
        "qos": None,
        "bgp": None,
        "isis": None,
        "vpn": None,
    },
    default_lines=None,
    replace_keys=REPLACE_KEYS,
    silent_negations=SILENT_NEGATIONS,
    skip_display=re.compile(r"^(?:!Software Version|!Last configuration|return$)"),
    enter_config="Enter system view, return user view with Ctrl+Z.",
    error_unknown="Error: Unrecognized command found at '^' position.",
    error_param="Error: Wrong parameter found at '^' position.",
    error_incomplete="Error: Incomplete command found at '^' position.",
    caret=True,
    show_in_config=True,
    banner=(
        "",
        "Info: The max number of VTY users is 10, and the number",
        "      of current VTY users on line is 1.",
        "      The current login time is {now}.",
    ),
    version=(
        "Huawei Versatile Routing Platform Software\n"
        "VRP (R) software, Version 5.170 (S5735 V200R019C10SPC500)\n"
        "Copyright (C) 2000-2020 HUAWEI TECH CO., LTD\n"
        "HUAWEI S5735-L48T4X-A1 Routing Switch uptime is {uptime}\n"
    ),
    questions=(
        # Texts from public transcripts of V200R019+ ACs (vendor-syntax.md section 2.1);
        # the wpa2-wpa3 warning text is an approximation (only its [Y/N] is sourced).
        question(
            r"^country-code \S+$",
            "wlan-profile",
            "Warning: Modifying the country code will clear the channel and power "
            "configurations of radios, and requires the APs to be restarted if they run "
            "V200R019C10 or earlier. Continue? [Y/N]:",
        ),
        question(
            r"^ap-group \S+$",
            "wlan-ap",
            "Warning: This operation may cause AP reset. Continue? [Y/N]:",
        ),
        question(
            r"^security wpa2-wpa3 ",
            "wlan-profile",
            "Warning: This operation may cause STAs to go offline. Continue? [Y/N]:",
        ),
        # Interactive passwords (Huawei CE documentation example, same on V5 campus).
        question(
            r"^snmp-agent usm-user v3 \S+ authentication-mode \S+$",
            "top",
            "Please configure the authentication password (10-255)",
            asks_for="authentication",
        ),
        question(
            r"^snmp-agent usm-user v3 \S+ privacy-mode \S+$",
            "top",
            "Please configure the privacy password (10-255)",
            asks_for="privacy",
        ),
        question(
            r"^local-user \S+ password$",
            "aaa",
            "Please configure the password (8-128)",
            asks_for="login",
        ),
    ),
)

# ---------------------------------------------------------------------------------- H3C Comware

H3C_IF = InterfaceNames(
    (
        "Vlan-interface",
        "GigabitEthernet",
        "Ten-GigabitEthernet",
        "Twenty-FiveGigE",
        "FortyGigE",
        "HundredGigE",
        "M-GigabitEthernet",
        "Bridge-Aggregation",
        "Route-Aggregation",
        "LoopBack",
        "NULL",
        "Tunnel",
        "WLAN-BSS",
    ),
    space=False,
)


def _h3c_acl_prompt(m: re.Match[str], h: str, parent: str) -> str:
    fam = "ipv6" if " ipv6 " in f" {h} " else "ipv4"
    kind = m.group(1)
    short = {"basic": "basic", "advanced": "adv", "mac": "mac"}.get(kind, kind)
    return f"acl-{fam}-{short}-{m.group(2)}"


def _h3c_line_header(m: re.Match[str]) -> str:
    kind = "con" if m.group(1) in ("con", "console") else m.group(1)
    return " ".join(x for x in ("line", kind, m.group(2), m.group(3)) if x)


def _h3c_line_prompt(m: re.Match[str], h: str, parent: str) -> str:
    parts = h.split()
    return f"line-{parts[1]}{parts[2]}" + (f"-{parts[3]}" if len(parts) > 3 else "")


def _h3c_luser_header(m: re.Match[str]) -> str:
    return f"local-user {m.group(1)} class {m.group(2) or 'manage'}"


_H3C_TOP = words(
    "sysname vlan ip ipv6 dhcp ntp-service clock info-center header snmp-agent ssh telnet sftp "
    "scp ftp tftp http https public-key pki password-control password-recovery domain stp lldp "
    "dns dot1x mac-authentication port-security portal lacp link-aggregation mac-address arp "
    "qos irf role user-group ssl netconf telemetry undo nd ospf ospfv3 bgp acl traffic line "
    "user-interface local-user radius hwtacacs wlan loopback-detection "
    "igmp-snooping mld-snooping ip-http"
)

H3C = VendorProfile(
    platform="hp_comware",
    family="vrp",
    default_hostname="H3C",
    hostname_cmd="sysname",
    negation="undo",
    iface=H3C_IF,
    openers={
        "top": (
            _vrp_iface_opener(H3C_IF),
            opener(r"vlan (\d+)", "vlan", "vlan{0}"),
            opener(r"ospfv3 (\d+)(?: .*)?", "ospf", "ospfv3-{0}"),
            opener(r"ospf (\d+)(?: .*)?", "ospf", "ospf-{0}"),
            opener(r"bgp (\d+)", "bgp", "bgp-default"),
            opener(r"ipv6 dhcp pool (\S+)", "dhcp6-pool", "dhcp6-pool-{0}"),
            opener(r"dhcp server ip-pool (\S+)", "dhcp-pool", "dhcp-pool-{0}"),
            opener(r"ipv6 nd raguard policy (\S+)", "raguard", "raguard-policy-{0}"),
            opener(
                r"line (vty|console|con|aux|class) (\d+)(?: (\d+))?",
                "line",
                _h3c_line_prompt,
                _h3c_line_header,
            ),
            opener(
                r"user-interface (vty|console|con|aux) (\d+)(?: (\d+))?",
                "line",
                _h3c_line_prompt,
                _h3c_line_header,
            ),
            opener(
                r"local-user (\S+)(?: class (manage|network))?",
                "luser",
                "luser-{1}-{0}",
                _h3c_luser_header,
            ),
            opener(r"radius scheme (\S+)", "radius", "radius-{0}"),
            opener(r"hwtacacs scheme (\S+)", "radius", "hwtacacs-{0}"),
            opener(r"domain (?!default\b)(\S+)", "isp", "isp-{0}"),
            opener(r"wlan service-template (\S+)", "wlan-st", "wlan-st-{0}"),
            opener(r"wlan ap-group (\S+)", "wlan-ap-group", "wlan-ap-group-{0}"),
            opener(r"wlan ap (\S+)(?: .*)?", "wlan-ap", "wlan-ap-{0}"),
            opener(r"acl (?:ipv6 )?(basic|advanced|mac) (\d+)(?: .*)?", "acl", _h3c_acl_prompt),
            opener(r"traffic classifier (\S+)(?: .*)?", "qos", "classifier-{0}"),
            opener(r"traffic behavior (\S+)", "qos", "behavior-{0}"),
            opener(r"qos policy (\S+)", "qos", "qospolicy-{0}"),
            opener(r"role name (\S+)", "qos", "role-{0}"),
            opener(r"stp region-configuration", "qos", "mst-region"),
        ),
        "ospf": (opener(r"area (\S+)", "ospf-area", _area_prompt, _area_header),),
        "wlan-ap-group": (opener(r"ap-model (\S+)", "wlan-ap-model", "{parent}-ap-model-{0}"),),
        "wlan-ap-model": (opener(r"radio (\d+)", "wlan-radio", "{parent}-radio-{0}"),),
        "wlan-ap": (opener(r"radio (\d+)", "wlan-radio", "{parent}-radio-{0}"),),
    },
    lines={
        "top": _H3C_TOP,
        "interface": words(
            "description ip(?! route-static| vpn-instance| pool) ipv6(?! route-static| host) "
            "shutdown port mtu dhcp ospf ospfv3 stp lldp qos jumboframe speed duplex "
            "link-aggregation loopback-detection broadcast-suppression multicast-suppression "
            "unicast-suppression flow-control mac-address arp poe dot1x mac-authentication "
            "port-security portal combo vrrp nd igmp-snooping mld-snooping packet-filter "
            "bandwidth isis rip ripng pim lacp storm-constrain"
        ),
        "vlan": words("description name ipv6 ip igmp-snooping mld-snooping port arp nd"),
        "ospf": words(
            "router-id import-route default-route-advertise silent-interface filter-policy "
            "preference bandwidth-reference spf-schedule-interval graceful-restart maximum"
        ),
        "ospf-area": words("network stub nssa abr-summary authentication-mode description"),
        "dhcp6-pool": words(
            "network address prefix-pool dns-server domain-name static-bind option gateway-list"
        ),
        "dhcp-pool": words(
            "network gateway-list dns-list domain-name expired forbidden-ip option static-bind"
        ),
        "raguard": words("if-match router-preference hop-limit autoconfig"),
        "line": words(
            "authentication-mode protocol idle-timeout user-role screen-length history-command "
            "shell set terminal command auto-execute"
        ),
        "luser": words(
            "password service-type authorization-attribute group state password-control "
            "description identity"
        ),
        "radius": words(
            "primary secondary key user-name-format nas-ip timer retry accounting-on vpn-instance"
        ),
        "isp": words("authentication authorization accounting state authorization-attribute"),
        "acl": words("rule description step"),
        "wlan-st": None,
        "wlan-ap-group": None,
        "wlan-ap-model": None,
        "wlan-ap": None,
        "wlan-radio": None,
        "qos": None,
        "bgp": None,
    },
    default_lines=None,
    replace_keys=REPLACE_KEYS,
    silent_negations=SILENT_NEGATIONS,
    skip_display=re.compile(r"^\s*version \d|^return$"),
    enter_config="System View: return to User View with Ctrl+Z.",
    error_unknown=" % Unrecognized command found at '^' position.",
    error_param=" % Wrong parameter found at '^' position.",
    error_incomplete=" % Incomplete command found at '^' position.",
    caret=True,
    show_in_config=True,
    banner=(
        "",
        "******************************************************************************",
        "* Copyright (c) 2004-2023 New H3C Technologies Co., Ltd. All rights reserved.*",
        "* Without the owner's prior written consent,                                 *",
        "* no decompiling or reverse-engineering shall be allowed.                    *",
        "******************************************************************************",
        "",
    ),
    version=(
        "H3C Comware Software, Version 7.1.070, Release 6616\n"
        "Copyright (c) 2004-2023 New H3C Technologies Co., Ltd. All rights reserved.\n"
        "H3C S5130S-52S-EI uptime is {uptime}\n"
        "Last reboot reason : User reboot\n"
    ),
    delimited=re.compile(r"^(header \S+) (.*)$"),
    delimited_prompt="Please input banner content, and quit with the character '{d}'.",
)

# ---------------------------------------------------------------------------- Cisco and Ruijie

_IOS_IP_IF = (
    r"ip(?! route | routing| domain| name-server| ssh| http| access-list| dhcp pool"
    r"| dhcp excluded| scp| ftp| tftp| prefix-list| vrf | host | default-gateway| cef)"
)
_IOS_IPV6_IF = (
    r"ipv6(?! route | unicast-routing| router | dhcp pool| access-list | prefix-list"
    r"| nd raguard policy| host | cef)"
)
_IOS_IF_LINES = words(
    f"description {_IOS_IP_IF} {_IOS_IPV6_IF} shutdown switchport spanning-tree channel-group "
    "mtu speed duplex standby vrrp power storm-control load-interval negotiation encapsulation "
    "service-policy cdp lldp udld logging snmp authentication dot1x mab access-session "
    "device-tracking ospfv3 bandwidth delay media-type carrier-delay keepalive port-group "
    "nfpp web-auth isolate"
)


def _ios_common_openers(names: InterfaceNames, if_prompt: str) -> tuple[Opener, ...]:
    def if_header(m: re.Match[str]) -> str:
        return f"interface {names.canonical(m.group(1))}"

    def prompt(m: re.Match[str], h: str, parent: str) -> str:
        return if_prompt.format(name=h.removeprefix("interface "))

    def line_header(m: re.Match[str]) -> str:
        kind = "con" if m.group(1) in ("con", "console") else m.group(1)
        return " ".join(x for x in ("line", kind, m.group(2), m.group(3)) if x)

    return (
        opener(r"interface range (.+)", "interface", "config-if-range"),
        Opener(re.compile(r"interface (.+)"), "interface", prompt, if_header),
        opener(r"ipv6 router ospf (\d+)(?: .*)?", "router", "config-rtr"),
        opener(r"router (?:ospf|ospfv3|eigrp|rip) ?(\d*)(?: .*)?", "router", "config-router"),
        opener(r"router bgp (\d+)", "bgp", "config-router"),
        opener(r"line (vty|con|console|aux) (\d+)(?: (\d+))?", "line", "config-line", line_header),
        opener(r"vlan (\d+)", "vlan", "config-vlan"),
        opener(r"ip dhcp pool (\S+)", "dhcp", "dhcp-config"),
        opener(r"ip access-list standard (\S+)", "acl", "config-std-nacl"),
        opener(r"ip access-list extended (\S+)", "acl", "config-ext-nacl"),
        opener(r"key chain (\S+)", "keychain", "config-keychain"),
        opener(r"class-map(?: match-any| match-all)? (\S+)", "qos", "config-cmap"),
        opener(r"policy-map (\S+)", "qos", "config-pmap"),
    )


_IOS_TOP_WORDS = (
    "hostname ip ipv6 vlan service enable username aaa snmp-server ntp logging banner clock "
    "crypto spanning-tree lldp access-list boot login password radius-server tacacs-server "
    "radius tacacs dot1x errdisable udld mac port-channel vtp cdp archive version alias key"
)

CISCO_IF = InterfaceNames(
    (
        "Vlan",
        "GigabitEthernet",
        "TenGigabitEthernet",
        "TwentyFiveGigE",
        "FortyGigabitEthernet",
        "HundredGigE",
        "FastEthernet",
        "Ethernet",
        "Loopback",
        "Port-channel",
        "Tunnel",
        "Null",
        "AppGigabitEthernet",
    ),
    space=False,
)

_IOS_LINES: dict[str, re.Pattern[str] | None] = {
    "interface": _IOS_IF_LINES,
    "router": words(
        "router-id network passive-interface default-information redistribute area auto-cost "
        "log-adjacency-changes maximum-paths distance timers bfd summary-prefix default-metric "
        "graceful-restart"
    ),
    "line": words(
        "transport login exec-timeout access-class ipv6 password privilege logging "
        "session-timeout length width history absolute-timeout autocommand authorization "
        "accounting"
    ),
    "vlan": words("name state remote-span private-vlan"),
    "dhcp": words("network default-router dns-server domain-name lease option"),
    "acl": words(r"permit deny remark evaluate \d+"),
    "keychain": words("key key-string accept-lifetime send-lifetime cryptographic-algorithm"),
    "bgp": None,
    "qos": None,
    "wlan": None,
}

CISCO = VendorProfile(
    platform="cisco_ios",
    family="ios",
    default_hostname="Router",
    hostname_cmd="hostname",
    negation="no",
    iface=CISCO_IF,
    openers={
        "top": (
            *_ios_common_openers(CISCO_IF, "config-if"),
            opener(r"ipv6 dhcp pool (\S+)", "dhcpv6", "config-dhcpv6"),
            opener(r"ipv6 nd raguard policy (\S+)", "raguard", "config-nd-raguard"),
            opener(r"aaa common-criteria policy (\S+)", "cc-policy", "config-cc-policy"),
            opener(r"aaa group server radius (\S+)", "sg", "config-sg-radius"),
            opener(r"aaa group server tacacs\+ (\S+)", "sg", "config-sg-tacacs+"),
            opener(r"radius server (\S+)", "server", "config-radius-server"),
            opener(r"tacacs server (\S+)", "server", "config-server-tacacs"),
            opener(r"ipv6 access-list (\S+)", "acl", "config-ipv6-acl"),
            opener(r"archive", "qos", "config-archive"),
            opener(r"control-plane", "qos", "config-cp"),
            opener(r"redundancy", "qos", "config-red"),
            opener(r"wlan (\S+)(?: (\d+) (\S+))?", "wlan", "config-wlan"),
            opener(r"wireless profile policy (\S+)", "wlan", "config-wireless-policy"),
            opener(r"wireless tag policy (\S+)", "wlan", "config-policy-tag"),
            opener(r"wireless tag site (\S+)", "wlan", "config-site-tag"),
            opener(r"ap profile (\S+)", "wlan", "config-ap-profile"),
            opener(r"ap ([0-9a-fA-F.:]{12,17})", "wlan", "config-ap-tag"),
            opener(r"crypto pki trustpoint (\S+)", "qos", "ca-trustpoint"),
        ),
        "bgp": (opener(r"address-family (.+)", "bgp", "config-router-af"),),
        "keychain": (opener(r"key (\d+)", "keychain", "config-keychain-key"),),
    },
    lines={
        "top": words(_IOS_TOP_WORDS + " wireless device-tracking"),
        **_IOS_LINES,
        "dhcpv6": words(
            "address dns-server domain-name prefix-delegation information sntp link-address "
            "vendor-specific import"
        ),
        "raguard": words(
            "device-role managed-config-flag other-config-flag hop-limit router-preference "
            "match trusted-port"
        ),
        "cc-policy": words(
            "min-length max-length upper-case lower-case numeric-count special-case "
            "char-changes lifetime"
        ),
        "sg": words("server ip deadtime load-balance"),
        "server": words("address key timeout retransmit automate-tester single-connection pac"),
    },
    default_lines=None,
    replace_keys=REPLACE_KEYS,
    silent_negations=SILENT_NEGATIONS,
    skip_display=re.compile(
        r"^(?:Building configuration|Current configuration|version |end$|! Last configuration)"
    ),
    enter_config="Enter configuration commands, one per line.  End with CNTL/Z.",
    error_unknown="% Invalid input detected at '^' marker.",
    error_param="% Invalid input detected at '^' marker.",
    error_incomplete="% Incomplete command.",
    caret=True,
    show_in_config=False,
    banner=("",),
    version=(
        "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.2(4)E10, "
        "RELEASE SOFTWARE (fc2)\n"
        "Technical Support: http://www.cisco.com/techsupport\n"
        "Copyright (c) 1986-2020 by Cisco Systems, Inc.\n"
        "Compiled Tue 31-Mar-20 03:04 by prod_rel_team\n"
        "\n"
        "ROM: Bootstrap program is C3750E boot loader\n"
        "BOOTLDR: C3750E Boot Loader (C3750X-HBOOT-M) Version 15.2(3r)E, RELEASE SOFTWARE (fc1)\n"
        "\n"
        "{name} uptime is {uptime}\n"
        "System returned to ROM by power-on\n"
        'System image file is "flash:/c3750e-universalk9-mz.152-4.E10.bin"\n'
        "\n"
        "cisco WS-C3750X-48P (PowerPC405) processor (revision W0) with 262144K bytes of memory.\n"
        "Processor board ID FDO1234X0AB\n"
        "Last reset from power-on\n"
        "52 Gigabit Ethernet interfaces\n"
        "512K bytes of flash-simulated non-volatile configuration memory.\n"
        "Model number                    : WS-C3750X-48P-S\n"
        "System serial number            : FDO1234X0AB\n"
        "\n"
        "Configuration register is 0xF\n"
    ),
    delimited=re.compile(r"^(banner \S+) (.*)$"),
    delimited_prompt="Enter TEXT message.  End with the character '{d}'.",
    hidden=re.compile(r"^snmp-server user "),
)

RUIJIE_IF = InterfaceNames(
    (
        "VLAN",
        "GigabitEthernet",
        "TenGigabitEthernet",
        "FastEthernet",
        "AggregatePort",
        "Loopback",
        "Mgmt",
        "Tunnel",
        "Null",
    ),
    space=True,
)

RUIJIE = VendorProfile(
    platform="ruijie_os",
    family="ios",
    default_hostname="Ruijie",
    hostname_cmd="hostname",
    negation="no",
    iface=RUIJIE_IF,
    openers={
        "top": (
            *_ios_common_openers(RUIJIE_IF, "config-if-{name}"),
            opener(r"ipv6 dhcp pool (\S+)", "dhcpv6", "config-dhcp"),
            opener(r"ipv6 access-list (\S+)", "acl", "config-ipv6-nacl"),
            opener(r"aaa group server radius (\S+)", "sg", "config-gs-radius"),
            opener(r"wlan-config (\d+)(?: .*)?", "wlan", "config-wlan"),
            opener(r"wlansec (\d+)", "wlan", "config-wlansec"),
            opener(r"ap-group (\S+)", "wlan", "config-ap-group"),
            opener(r"ap-config (\S+)", "wlan", "config-ap"),
            opener(r"ac-controller", "wlan", "config-ac"),
        ),
        "bgp": (opener(r"address-family (.+)", "bgp", "config-router-af"),),
        "keychain": (opener(r"key (\d+)", "keychain", "config-keychain-key"),),
    },
    lines={
        "top": words(
            _IOS_TOP_WORDS + " nfpp web-auth wlan-config wlansec ap-group ap-config "
            "ac-controller install"
        ),
        **_IOS_LINES,
        "dhcpv6": words(
            "iana-address address dns-server domain-name prefix-delegation information "
            "lifetime option"
        ),
        "sg": words("server ip"),
    },
    default_lines=None,
    replace_keys=REPLACE_KEYS,
    silent_negations=SILENT_NEGATIONS,
    skip_display=re.compile(r"^(?:Building configuration|Current configuration|version |end$)"),
    enter_config="Enter configuration commands, one per line.  End with CNTL/Z.",
    error_unknown="% Invalid input detected at '^' marker.",
    error_param="% Invalid input detected at '^' marker.",
    error_incomplete="% Incomplete command.",
    caret=True,
    show_in_config=True,
    banner=("",),
    version=(
        "System description      : Ruijie Full Gigabit Security & Intelligence Access Switch"
        "(S5750-48GT4XS-E) By Ruijie Networks\n"
        "System start time       : {started}\n"
        "System uptime           : {uptime_ruijie}\n"
        "System hardware version : 1.20\n"
        "System software version : S5750_RGOS 11.0(5)B9P59\n"
        "System patch number     : NA\n"
        "System serial number    : G1PD10000000A\n"
        "System boot version     : 1.3.8\n"
    ),
    delimited=re.compile(r"^(banner \S+) (.*)$"),
    delimited_prompt="Enter TEXT message.  End with the character '{d}'.",
)

PROFILES: dict[str, VendorProfile] = {p.platform: p for p in (HUAWEI, H3C, RUIJIE, CISCO)}
"""Profiles by netutils platform name (``netctl.platforms.Platform`` values)."""

ANY = ANY_WORD
