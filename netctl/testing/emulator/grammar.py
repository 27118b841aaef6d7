"""Building blocks of a vendor grammar: section openers, accepted-line patterns, name rules.

The grammar is deliberately shallow: a line is accepted when its first word (or first few
words) is one the view knows, not parsed argument by argument. Views whose vendor syntax is
uncertain (WLAN profiles, QoS maps) accept any word except those that open a top-level view.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PromptFn = Callable[[re.Match[str], str, str], str]
"""(match, canonical header, parent prompt suffix) -> this view's prompt suffix."""


@dataclass(frozen=True, slots=True)
class Opener:
    """A line that enters a view: ``interface Vlanif10`` -> ``[R1-Vlanif10]``."""

    regex: re.Pattern[str]
    kind: str
    prompt: PromptFn
    header: Callable[[re.Match[str]], str] | None = None

    def canonical(self, m: re.Match[str]) -> str:
        """The header as the device stores and displays it."""
        return self.header(m) if self.header else m.group(0)


def opener(
    pattern: str,
    kind: str,
    prompt: str | PromptFn,
    header: Callable[[re.Match[str]], str] | None = None,
) -> Opener:
    """An :class:`Opener`; a string ``prompt`` is formatted with the match groups (``{0}``…),
    ``{h}`` (header), ``{parent}`` (parent suffix) and ``{ptail}`` (parent's last word)."""
    if isinstance(prompt, str):
        fmt = prompt

        def prompt_fn(m: re.Match[str], h: str, parent: str) -> str:
            groups = [g or "" for g in m.groups()]
            ptail = parent.rsplit("-", 1)[-1]
            return fmt.format(*groups, h=h, parent=parent, ptail=ptail)

        return Opener(re.compile(pattern), kind, prompt_fn, header)
    return Opener(re.compile(pattern), kind, prompt, header)


_ITEM = re.compile(r"\S*\([^)]*\)\S*|\S+")


def words(spec: str, *extra: str) -> re.Pattern[str]:
    """A pattern accepting lines whose first word is in ``spec`` (space-separated; an item may
    be a regex such as ``ip(?! route-static| pool)``), or matching one of ``extra``.

    Examples:
        >>> rx = words("description ip(?! route-static| pool) shutdown")
        >>> bool(rx.match("ip address 10.0.0.1 24")), bool(rx.match("ip route-static 0.0.0.0 0"))
        (True, False)
    """
    alts = _ITEM.findall(spec) + list(extra)
    return re.compile(r"^(?:" + "|".join(alts) + r")(?=\s|$)")


ANY_WORD = re.compile(r"^[a-z0-9][\w.:/-]*(?=\s|$)")
"""A permissive view: any lowercase word (top-level openers are still taken by the parent)."""


def dotted_area(area: str) -> str:
    """OSPF area as Huawei/H3C display it: ``0`` -> ``0.0.0.0``.

    Examples:
        >>> dotted_area("0"), dotted_area("0.0.0.1")
        ('0.0.0.0', '0.0.0.1')
    """
    if area.isdigit():
        n = int(area)
        return ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))
    return area


_IFNAME = re.compile(r"^(?P<type>\d+GE|[A-Za-z][A-Za-z-]*[A-Za-z])\s*(?P<num>\d\S*)$")


@dataclass(frozen=True, slots=True)
class InterfaceNames:
    """How a vendor spells interface names: canonical types, a space before the number or not.

    Examples:
        >>> InterfaceNames(("VLAN", "GigabitEthernet"), space=True).canonical("vlan10")
        'VLAN 10'
        >>> InterfaceNames(("Vlanif",), space=False).canonical("vlanif 10")
        'Vlanif10'
    """

    types: tuple[str, ...]
    space: bool

    def canonical(self, name: str) -> str:
        """``vlan 10`` -> ``Vlanif10`` (Huawei) or ``VLAN 10`` (Ruijie); unknown types as typed."""
        compact = "".join(name.split())
        m = _IFNAME.match(compact)
        if m is None:
            return " ".join(name.split())
        typed, num = m.group("type").lower(), m.group("num")
        for t in self.types:
            if t.lower() == typed:
                return f"{t} {num}" if self.space else f"{t}{num}"
        for t in self.types:
            if t.lower().startswith(typed):
                return f"{t} {num}" if self.space else f"{t}{num}"
        return " ".join(name.split())


def first_match(patterns: Iterable[re.Pattern[str]], text: str) -> re.Match[str] | None:
    """The first pattern's match against ``text``."""
    for p in patterns:
        m = p.search(text)
        if m:
            return m
    return None


def exec_match(spec: str, tokens: list[str]) -> int:
    """Match typed words against a command spec, each word may be abbreviated.

    Returns the number of spec words matched in full (``len(spec)`` on success), or
    ``-(i + 1)`` when typed word ``i`` does not match.

    Examples:
        >>> exec_match("display current-configuration", ["dis", "cur"])
        2
        >>> exec_match("display current-configuration", ["dis", "foo"])
        -2
    """
    parts = spec.split()
    for i, part in enumerate(parts):
        if i >= len(tokens):
            return i
        if not part.startswith(tokens[i].lower()):
            return -(i + 1)
    return len(parts)
