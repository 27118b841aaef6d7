"""Huawei VRP (V5 and the V8 two-stage variant) and H3C Comware 7, as data.

Sources: /work/shared/notes/vendor-syntax.md (sections 0, 1, 3, 4, 6) and the netmiko drivers;
refusals and V8 behaviour: docs/emulator.md.
"""

from __future__ import annotations

import dataclasses
import re

from netctl.testing.emulator.grammar import InterfaceNames, Opener, dotted_area, opener, words
from netctl.testing.emulator.profile import (
    REPLACE_KEYS,
    SILENT_NEGATIONS,
    VendorProfile,
    question,
)
from netctl.testing.emulator.refusals import (
    H3C_PERMANENT,
    H3C_REFUSALS,
    HUAWEI_PERMANENT,
    HUAWEI_REFUSALS,
)

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
    refusals=HUAWEI_REFUSALS,
    permanent=HUAWEI_PERMANENT,
    display_header="!Software Version V200R019C10SPC500",
    netmiko="huawei",
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
    refusals=H3C_REFUSALS,
    permanent=H3C_PERMANENT,
    display_header=" version 7.1.070, Release 6616",
    netmiko="hp_comware",
)

HUAWEI_V8 = dataclasses.replace(
    HUAWEI,
    two_stage=True,
    # [~N] / [*N] prompts, `commit`, the Y/N/C exit question: docs/emulator.md "VRP V8".
    enter_config="Enter system view, return user view with return command.",
    display_header="!Software Version V800R011C10SPC100",
    netmiko="huawei_vrpv8",
    version=(
        "Huawei Versatile Routing Platform Software\n"
        "VRP (R) software, Version 8.180 (NE40E V800R011C10SPC100)\n"
        "Copyright (C) 2012-2018 Huawei Technologies Co., Ltd.\n"
        "HUAWEI NE40E-M2K uptime is {uptime}\n"
    ),
)

