"""What an emulated platform is, as data: prompts, views, accepted lines, texts, refusals.

The platforms themselves are in :mod:`vendor_vrp` (Huawei VRP V5/V8, H3C Comware) and
:mod:`vendor_ios` (Cisco IOS, Ruijie RGOS); what each refuses is in :mod:`refusals`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from netctl.testing.emulator.grammar import InterfaceNames, Opener

Family = Literal["vrp", "ios"]
"""``vrp``: user view / system-view / quit / return / undo (Huawei, H3C).
``ios``: exec / enable / configure terminal / exit / end / no (Cisco, Ruijie)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A config line the real OS refuses, with the error it prints.

    ``pattern`` is searched in the line as typed (words joined by one space, negation
    included); ``{user}`` in it stands for the user of the session (escaped). The caret goes
    under the named group ``at`` (else under the first word). ``message`` is ``unknown``,
    ``param`` or ``incomplete`` (the platform's standard texts, with a caret) or a literal text.
    """

    pattern: str
    message: str
    source: str
    """Where the behaviour and its text come from (docs/emulator.md lists them)."""

    def match(self, line: str, user: str) -> re.Match[str] | None:
        """The match of this refusal in ``line`` for a session of ``user``."""
        return re.search(self.pattern.replace("{user}", re.escape(user)), line)


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
    refusals: tuple[Refusal, ...] = ()
    """Lines the real OS refuses although their words are known (:mod:`refusals`)."""
    permanent: tuple[tuple[str, str], ...] = ()
    """Sections every device displays (console/VTY lines, which cannot be deleted): (regular
    expression a top-level line of the boot config may match, header added when none does)."""
    banner_before: str = ""
    """Top-level ``banner`` lines are displayed right before the first line starting with this
    (IOS/RGOS show banners just before ``line con 0``, whatever the order they were typed in)."""
    two_stage: bool = False
    """VRP V8: changes go to a candidate configuration that ``commit`` applies."""
    display_header: str = ""
    """First line of the running configuration display (Huawei ``!Software Version …``)."""
    netmiko: str = ""
    """The netmiko ``device_type`` for this variant (empty: the platform's default)."""


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
    # VRP password policy view: `password expire N` and `password history record number N`
    # are separate commands (S-series AAA command reference), not one `password` setting
    r"^(password (?:expire|history record number|alert before-expire)) ",
    r"^(password) (?!policy |expire |history |alert )",
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

