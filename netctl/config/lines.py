"""Line sections (``line vty 0 15``, ``user-interface vty 0 4``) changed under the device's ranges.

A template renders one line section (``line vty 0 63`` on Comware, ``line vty 0 15`` on IOS,
``user-interface vty 0 4`` on VRP) while a device shows its lines grouped its own way (``line
vty 0 15`` + ``line vty 16 63``; IOS ``line vty 0 4`` + ``line vty 5 15``; RGOS ``line vty 0
35``). Typing the template's range would make the device show a section it did not have, and
undoing that section (``no line vty 0 15``) is refused by the OS. So, before diffing, the
intended line sections are aligned to the device's own ranges (:func:`align_lines`):

* the template's sub-commands go under every running section of the same kind whose range
  overlaps the template's range (the device's grouping wins: a section ``line vty 0 35`` gets
  the settings the template gives ``line vty 0 4``, for all of its lines);
* lines of the template's range that no running section shows are rendered as their own
  section only on a platform that creates VTY lines that way (``creates: true`` in
  ``templates/protect.yaml``: IOS and RGOS ``line vty 5 15``); elsewhere (VRP needs
  ``user-interface maximum-vty`` first, Comware shows every line the hardware has) they are
  left alone;
* with no running section of that kind at all, the template's section stays as rendered.

The data (which headers are line sections, which platforms create missing lines) is per
platform in ``templates/protect.yaml`` (``lines:``).

Examples:
    >>> from netctl.config.hier import parse
    >>> from netctl.platforms import Platform
    >>> rule = LineRanges(header=r"^line (?P<kind>vty) (?P<first>\\d+)(?: (?P<last>\\d+))?$",
    ...                   creates=True)
    >>> run = parse(Platform.CISCO_IOS, "line vty 0 4\\n login\\nline vty 5 9\\n login\\n")
    >>> want = parse(Platform.CISCO_IOS, "line vty 0 15\\n transport input ssh\\n")
    >>> align_lines(want, run, rule)
    >>> [c.text for c in want.all_children()]  # doctest: +NORMALIZE_WHITESPACE
    ['line vty 0 4', 'transport input ssh', 'line vty 5 9', 'transport input ssh',
     'line vty 10 15', 'transport input ssh']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hier_config import HConfig
from hier_config.child import HConfigChild
from pydantic import BaseModel, ConfigDict, field_validator


class LineRanges(BaseModel):
    """Which top-level sections are line sections with a range, and how the OS creates lines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    header: str
    """A header with the groups ``kind``, ``first`` and optional ``last``."""
    creates: bool = False
    """True when typing a range the device does not show creates those lines as one section."""

    @field_validator("header")
    @classmethod
    def _v_header(cls, value: str) -> str:
        try:
            rx = re.compile(value)
        except re.error as exc:
            msg = f"bad regular expression {value!r}: {exc}"
            raise ValueError(msg) from exc
        if not {"kind", "first", "last"} <= set(rx.groupindex):
            msg = f"{value!r} needs the groups (?P<kind>…), (?P<first>…) and (?P<last>…)"
            raise ValueError(msg)
        return value


@dataclass(frozen=True, slots=True)
class _Section:
    prefix: str  # the header up to the range: ``line vty``
    kind: str
    first: int
    last: int


def _section(rule: LineRanges, text: str) -> _Section | None:
    m = re.match(rule.header, text)
    if m is None:
        return None
    first = int(m["first"])
    last = int(m["last"]) if m["last"] is not None else first
    return _Section(text[:m.start("first")].rstrip(), m["kind"], first, last)


def _header(prefix: str, first: int, last: int) -> str:
    return f"{prefix} {first}" if first == last else f"{prefix} {first} {last}"


def _gaps(first: int, last: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``first..last`` that no range of ``covered`` holds."""
    out: list[tuple[int, int]] = []
    at = first
    for a, b in sorted(covered):
        if b < at:
            continue
        if a > last:
            break
        if a > at:
            out.append((at, a - 1))
        at = max(at, b + 1)
    if at <= last:
        out.append((at, last))
    return out


def _copy_children(src: HConfigChild, dst: HConfigChild) -> None:
    for child in src.children:
        if dst.get_child(equals=child.text) is None:
            dst.add_deep_copy_of(child)


def align_lines(intended: HConfig, running: HConfig, rule: LineRanges | None) -> None:
    """Move the intended line sections under the running config's own ranges (in place)."""
    if rule is None:
        return
    shown: dict[str, list[tuple[_Section, str]]] = {}
    for child in running.children:
        sec = _section(rule, child.text)
        if sec is not None:
            shown.setdefault(sec.kind, []).append((sec, child.text))
    for child in list(intended.children):
        want = _section(rule, child.text)
        have = shown.get(want.kind, []) if want is not None else []
        if want is None or not have or any(text == child.text for _, text in have):
            continue
        hits = [(sec, text) for sec, text in have
                if sec.first <= want.last and want.first <= sec.last]
        headers = [text for _, text in hits]
        if rule.creates:
            headers += [_header(want.prefix, a, b) for a, b in
                        _gaps(want.first, want.last, [(s.first, s.last) for s, _ in have])]
        for header in headers:
            target = intended.add_child(header, return_if_present=True)
            _copy_children(child, target)
        child.delete()
