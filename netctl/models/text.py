"""Strings that may reach a device's command line, a DNS zone, a report or a terminal.

Every inventory (and policy) string that a template can print is one of these types, so a value
cannot carry a second command (a line break), an invisible character that changes what an
engineer reads (bidi overrides, zero-width joiners: Unicode category Cf), or a word that is not
part of its field (an interface name with a keyword after it). The checks run when the file is
loaded, and ``netctl inventory validate`` names the file, line, field and fix of each.

The renderer checks the rendered text once more (:func:`netctl.config.render.check_lines`):
defence in depth, for values that do not come from a validated model.

Examples:
    >>> problem_in("GigabitEthernet0/0/5\\nundo stelnet server enable")
    'a line break (U+000A)'
    >>> problem_in("Gi0/1\\u202e") is not None
    True
    >>> problem_in("银川市第一中学") is None
    True
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

FORBIDDEN_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "a format (invisible) character",
    "Cs": "a surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
"""Unicode categories no single-line value may contain."""

_NAMED = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x00": "a NUL byte"}

LINE_FIX = "write the value on one line with printable characters only (no line breaks, tabs or " \
    "invisible characters)"


def problem_in(value: str) -> str | None:
    """What makes ``value`` not a single printable line, or None.

    Non-ASCII spaces (U+00A0, U+3000, ...) are refused too: on a device they are not the space
    the CLI splits words on.
    """
    if value.isprintable():  # the fast path: C code over the whole string (' ' is printable)
        return None
    for ch in value:
        if ch.isprintable():
            continue
        cat = unicodedata.category(ch)
        what = _NAMED.get(ch) or FORBIDDEN_CATEGORIES.get(cat) or "a space other than ' '"
        return f"{what} (U+{ord(ch):04X})"
    return None


def single_line(value: str) -> str:
    """Pydantic validator: a single printable line."""
    problem = problem_in(value)
    if problem is not None:
        msg = f"contains {problem}; {LINE_FIX}"
        raise ValueError(msg)
    return value


FORMULA_STARTS = ("=", "+", "-", "@")
SITE_NAME_FORBIDDEN = frozenset('[]{}<>\\|`"')


def site_name(value: str) -> str:
    """Pydantic validator: a school or node name (Chinese or Latin, printable, one line).

    A name cannot start like a spreadsheet formula (``= + - @``) or contain markup or CLI
    delimiters (``[ ] { } < > \\ | ` "``): no school is named that way, and such a name would turn
    into a live formula in a county's XLSX or into terminal markup.
    """
    single_line(value)
    if value.startswith(FORMULA_STARTS):
        msg = (f"a name cannot start with '{value[0]}' (a spreadsheet formula starts so); "
               "write the school's registered name")
        raise ValueError(msg)
    bad = sorted(set(value) & SITE_NAME_FORBIDDEN)
    if bad:
        msg = (f"a name cannot contain {' '.join(repr(c) for c in bad)}; write the school's "
               "registered name (full-width （） brackets are fine)")
        raise ValueError(msg)
    return value


# Interface names as the four vendors (and Linux/FRR) write them: a type made of letters, digits,
# '-' and '_' (GigabitEthernet, Ten-GigabitEthernet, Eth-Trunk, 100GE, Vlan-interface, enp0s3),
# then optionally one ASCII space (Ruijie: "GigabitEthernet 0/1", "VLAN 100", "Loopback 0") and a
# number with '/', '.', ':' separators (0/0/1, 1/0/49:2, Eth-Trunk1.100).
INTERFACE_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}(?: ?[0-9]{1,6}(?:[/.:][0-9]{1,6}){0,4})?$"
INTERFACE_FIX = ("an interface name as the device writes it: letters, digits, '-', then the "
                 "number with '/', '.' or ':' (GigabitEthernet0/0/1, Eth-Trunk1.100, Ruijie "
                 "'GigabitEthernet 0/1'); nothing after the number")
# Device models of the catalog: AirEngine5761-11, RG-AP820-L(V3), C9800-L-C.
MODEL_RE = r"^[A-Za-z0-9][A-Za-z0-9_.+/()-]{0,63}$"
# Names of credential sets, tags: no spaces.
TOKEN_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:=/+-]{0,63}$"  # noqa: S105 - a pattern, not a password

SingleLine = Annotated[str, AfterValidator(single_line)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=200),
                        AfterValidator(single_line)]
"""A description (interfaces, links, prefixes): vendors cap them near 240 characters."""
FreeText = Annotated[str, StringConstraints(max_length=200), AfterValidator(single_line)]
"""Building, room, address, circuit id, vendor: free text on one line."""
SiteName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
                     AfterValidator(site_name)]
"""A school, node, county or provider name."""
InterfaceName = Annotated[str, StringConstraints(pattern=INTERFACE_RE, max_length=64)]
ModelName = Annotated[str, StringConstraints(pattern=MODEL_RE)]
Token = Annotated[str, StringConstraints(pattern=TOKEN_RE)]
