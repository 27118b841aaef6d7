"""Protected configuration per platform (``templates/protect.yaml``): never negated by a push.

What keeps a device reachable and governed (console/VTY line sections, local users and enable
secrets, AAA servers and methods, SSH server settings and the ACLs they use, the SNMP agent that
netctl's collectors poll, management addresses and routes) is protected. The diff removes a
protected running line only when the same push re-declares that exact line, which means never:
the line is left in place and reported as *refused*, with the rule's reason. Line sections are
changed in place through their sub-commands, never removed.

Examples:
    >>> p = PlatformProtection(rules=[ProtectRule(name="vty", match="^line vty ", why="VTY")])
    >>> guard = p.for_device(["10.0.0.1"])
    >>> guard.reason(("line vty 0 4", "access-class 10 in"))
    'vty: VTY'
    >>> guard.reason(("interface Vlan1", "ip address 10.0.0.1 255.255.255.0"))
    'management address 10.0.0.1'
    >>> guard.reason(("interface Vlan1", "description x")) is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hier_config import HConfig
from hier_config.child import HConfigChild
from pydantic import BaseModel, ConfigDict, Field, field_validator

from netctl.config.datafile import load_data_file
from netctl.config.lines import LineRanges
from netctl.platforms import Platform


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        msg = f"bad regular expression {value!r}: {exc}"
        raise ValueError(msg) from exc
    return value


class ProtectRule(_Model):
    """A protected top-level line or section, or a protected line inside one."""

    name: str
    match: str
    why: str
    parent: str | None = None

    _v_match = field_validator("match")(_regex)

    @field_validator("parent")
    @classmethod
    def _v_parent(cls, value: str | None) -> str | None:
        return None if value is None else _regex(value)

    def covers(self, path: tuple[str, ...]) -> bool:
        """True for the line at ``path`` (texts from the top level down) or anything under it."""
        if self.parent is None:
            return re.match(self.match, path[0]) is not None
        return (len(path) >= 2 and re.match(self.parent, path[0]) is not None
                and re.match(self.match, path[1]) is not None)


class ProtectRef(_Model):
    """Names (ACLs) used by protected lines: their definitions are protected too."""

    line: str
    holders: list[str]

    @field_validator("line")
    @classmethod
    def _v_line(cls, value: str) -> str:
        if "(?P<ref>" not in _regex(value):
            msg = f"{value!r} has no (?P<ref>...) group naming what it references"
            raise ValueError(msg)
        return value

    @field_validator("holders")
    @classmethod
    def _v_holders(cls, values: list[str]) -> list[str]:
        for v in values:
            if "{ref}" not in v:
                msg = f"{v!r} has no {{ref}} placeholder"
                raise ValueError(msg)
            _regex(v.replace("{ref}", "x"))
        return values


class PlatformProtection(_Model):
    """One platform's protected configuration."""

    rules: list[ProtectRule] = Field(default_factory=list)
    refs: list[ProtectRef] = Field(default_factory=list)
    lines: LineRanges | None = None
    """Line sections with a range, changed under the device's own ranges (netctl.config.lines)."""

    def for_device(self, addresses: Iterable[str] = ()) -> DeviceProtection:
        """The protection of one device: the platform's rules and its management addresses."""
        return DeviceProtection(self, tuple(a for a in addresses if a))


@dataclass
class DeviceProtection:
    """Answers "is this line protected, and why" for one device's running config."""

    platform: PlatformProtection
    addresses: tuple[str, ...] = ()
    _held: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def reason(self, path: tuple[str, ...], *, addresses: bool = True) -> str | None:
        """Why the line at ``path`` is protected, or None.

        ``addresses=False`` leaves the management addresses out: adding a line that holds one
        (the IPv6 management address a first IPv6 push configures) takes no access away.
        """
        for rule in self.platform.rules:
            if rule.covers(path):
                return f"{rule.name}: {rule.why}"
        for rx, why in self._held:
            if rx.match(path[0]):
                return why
        text = path[-1]
        for address in self.addresses if addresses else ():
            if re.search(rf"(?<![\w:.]){re.escape(address)}(?![\w:.])", text, re.IGNORECASE):
                return f"management address {address}"
        return None

    def learn(self, running: HConfig) -> None:
        """Protect the definitions (ACLs) that protected lines of ``running`` reference."""
        self._held.clear()
        for child in running.all_children():
            path = tuple(child.path())
            if not any(rule.covers(path) for rule in self.platform.rules):
                continue
            for ref in self.platform.refs:
                m = re.match(ref.line, child.text)
                if m is None or not m.group("ref"):
                    continue
                name = re.escape(m.group("ref"))
                for holder in ref.holders:
                    self._held.append((re.compile(holder.replace("{ref}", name)),
                                       f"acl-in-use: referenced by '{child.text}'"))

    def refused_in(self, owned: HConfig, intended: HConfig) -> list[tuple[str, str]]:
        """Take out of ``owned`` every protected line the intended config does not re-declare.

        Returns ``(line, reason)`` for each (a section counts once, with its protected reason or
        that of a protected line inside it). ``owned`` is changed in place.
        """
        refused: list[tuple[str, str]] = []
        self._prune(owned, intended, refused)
        return refused

    def _prune(self, have: HConfig | HConfigChild, want: HConfig | HConfigChild | None,
               refused: list[tuple[str, str]]) -> None:
        for child in list(have.children):
            twin = want.get_child(equals=child.text) if want is not None else None
            path = tuple(child.path())
            if twin is not None:
                self._prune(child, twin, refused)
                continue
            why = self.reason(path) or next(
                (r for d in child.all_children() if (r := self.reason(tuple(d.path())))), None)
            if why is not None:
                refused.append((format_path(path), why))
                child.delete()


def format_path(path: tuple[str, ...]) -> str:
    """``interface X > ipv6 address Y``: a line and the sections it is in, on one line."""
    return " > ".join(path)


class Protection(_Model):
    """Every platform's protected configuration."""

    huawei_vrp: PlatformProtection
    hp_comware: PlatformProtection
    cisco_ios: PlatformProtection
    ruijie_os: PlatformProtection
    frr: PlatformProtection = Field(default_factory=PlatformProtection)

    def for_platform(self, platform: Platform) -> PlatformProtection:
        """The protection of one platform."""
        found: PlatformProtection = getattr(self, platform.value)
        return found


def load_protection(templates_dir: Path) -> Protection:
    """Read ``templates/protect.yaml`` (cached until the file changes)."""
    return load_data_file(templates_dir / "protect.yaml", Protection,
                          missing="it says which configuration a push never removes "
                          "(docs/push-safety.md)", hint=" (see docs/push-safety.md)")
