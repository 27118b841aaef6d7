"""Cisco IOS / IOS-XE and Ruijie RGOS, as data (see vendor_vrp for the sources)."""

from __future__ import annotations

import re

from netctl.testing.emulator.grammar import InterfaceNames, Opener, opener, words
from netctl.testing.emulator.profile import REPLACE_KEYS, SILENT_NEGATIONS, VendorProfile
from netctl.testing.emulator.refusals import (
    CISCO_PERMANENT,
    CISCO_REFUSALS,
    RUIJIE_PERMANENT,
    RUIJIE_REFUSALS,
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
            opener(r"wireless tag rf (\S+)", "wlan", "config-rf-tag"),
            opener(r"wireless profile flex (\S+)", "wflex", "config-wireless-flex-profile"),
            opener(r"ap profile (\S+)", "wlan", "config-ap-profile"),
            opener(r"ap ([0-9a-fA-F.:]{12,17})", "wlan", "config-ap-tag"),
            opener(r"crypto pki trustpoint (\S+)", "qos", "ca-trustpoint"),
        ),
        "bgp": (opener(r"address-family (.+)", "bgp", "config-router-af"),),
        "keychain": (opener(r"key (\d+)", "keychain", "config-keychain-key"),),
        # 9800 flex profile: `vlan-name N` opens a sub-mode holding `vlan-id` (C9800 config guide)
        "wflex": (opener(r"vlan-name (\S+)", "wlan", "config-wireless-flex-profile-vlan"),),
    },
    lines={
        "top": words(_IOS_TOP_WORDS + " wireless device-tracking"),
        "wflex": None,
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
    refusals=CISCO_REFUSALS,
    banner_before="line ",
    permanent=CISCO_PERMANENT,
    netmiko="cisco_ios",
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
    refusals=RUIJIE_REFUSALS,
    banner_before="line ",
    permanent=RUIJIE_PERMANENT,
    netmiko="ruijie_os",
)

