"""What each feature owns in a running config: the lines it renders (``templates/scopes.yaml``).

A feature's intended config is partial: the ``ipv6`` templates say nothing of IPv4 addresses or
descriptions. The running config is first cut down to the part the feature owns, and hier_config
computes the remediation between that part and the intended config. Ownership is by line, read
from the intended config of the device being diffed:

- a running **section** is owned when the intended config has the same section; within it the
  same rules apply to its children (nothing else in the section is owned);
- a running **line** is owned when the intended config has the same line at the same place, or
  its negation, or (both being lines, not sections) the same *command key*: the part of the line
  matched by one of the feature's ``replaces`` patterns (``ntp-service unicast-server `` owns
  every NTP server line, so that an old server is replaced; a line matching no pattern is its own
  key);
- a running line or section is owned, whole, when it matches one of the feature's ``stale``
  patterns: explicit, narrow patterns for what netctl once rendered and may remove (an old IPv6
  address on an interface the template addresses, an SSID profile named by netctl's policy).
  A stale pattern with a ``section`` applies only inside a section the intended config declares.

Nothing else is owned, so ``undo``/``no`` is only ever sent for these lines. ``all`` is the union
of the three features' patterns, read against ``main.j2``'s intended config.

Examples:
    >>> from netctl.config.hier import parse
    >>> from netctl.platforms import Platform
    >>> scope = FeatureScope(replaces=["^ipv6 address (?!.*link-local)"])
    >>> running = parse(Platform.HUAWEI_VRP, "interface Vlanif10\\n ip address 10.0.0.1 24\\n"
    ...     " ipv6 address 2001:DB8::1/64\\n port-security enable\\n")
    >>> want = parse(Platform.HUAWEI_VRP, "interface Vlanif10\\n ipv6 address 2001:DB8::2/64\\n")
    >>> [c.text for c in scope.cut(running, want).all_children()]
    ['interface Vlanif10', 'ipv6 address 2001:DB8::1/64']
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from hier_config import HConfig, get_hconfig
from hier_config.child import HConfigChild
from pydantic import BaseModel, ConfigDict, Field, field_validator

from netctl.config.datafile import load_data_file
from netctl.exceptions import ConfigError

FEATURE_NAMES = ("ipv6", "baseline", "wlan")
_NEGATION = re.compile(r"^(undo|no) ")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        msg = f"bad regular expression {value!r}: {exc}"
        raise ValueError(msg) from exc
    if value.strip("^$") in (".*", ".+", "", r"\S+", r"\S.*"):
        msg = f"{value!r} matches everything: ownership patterns must be narrow"
        raise ValueError(msg)
    return value


class StalePattern(_Model):
    """Lines a feature may remove although its templates no longer render them."""

    line: str
    section: str | None = None  # only inside a section of this pattern the intended declares
    contains: str | None = None  # only when a line under it matches (proof netctl wrote it)
    why: str = ""

    _v_line = field_validator("line")(_check_regex)

    @field_validator("section", "contains")
    @classmethod
    def _v_section(cls, value: str | None) -> str | None:
        return None if value is None else _check_regex(value)

    def holds(self, node: HConfigChild) -> bool:
        """True when ``contains`` is unset or a line under ``node`` matches it."""
        return self.contains is None or any(
            re.match(self.contains, d.text) for d in node.all_children())


class HiddenPattern(_Model):
    """Lines that only some platforms never display (IOS hides ``snmp-server user``; RGOS,
    whose CLI is otherwise IOS-like, shows it)."""

    line: str
    platforms: list[str]

    _v_line = field_validator("line")(_check_regex)


class FeatureScope(_Model):
    """How one feature's ownership is read from its intended config."""

    replaces: list[str] = Field(default_factory=list)
    stale: list[StalePattern] = Field(default_factory=list)
    hidden: list[str | HiddenPattern] = Field(default_factory=list)

    @field_validator("replaces")
    @classmethod
    def _v_patterns(cls, values: list[str]) -> list[str]:
        return [_check_regex(v) for v in values]

    @field_validator("hidden")
    @classmethod
    def _v_hidden(cls, values: list[str | HiddenPattern]) -> list[str | HiddenPattern]:
        return [_check_regex(v) if isinstance(v, str) else v for v in values]

    def is_hidden(self, line: str, platform: str | None = None) -> bool:
        """True for a line the device (of ``platform``, when given) accepts but never displays.

        Examples:
            >>> scope = FeatureScope(hidden=[HiddenPattern(line="^snmp-server user ",
            ...                                            platforms=["cisco_ios"])])
            >>> scope.is_hidden("snmp-server user u G v3", "cisco_ios")
            True
            >>> scope.is_hidden("snmp-server user u G v3", "ruijie_os")
            False
        """
        text = line.strip()
        for p in self.hidden:
            if isinstance(p, str):
                if re.match(p, text):
                    return True
            elif (platform is None or platform in p.platforms) and re.match(p.line, text):
                return True
        return False

    def key(self, text: str) -> str:
        """The command key of a line: what an intended line replaces in the running config.

        Examples:
            >>> FeatureScope(replaces=["^ntp-service unicast-server "]).key(
            ...     "undo ntp-service unicast-server 10.0.0.1")
            'ntp-service unicast-server '
            >>> FeatureScope().key("no ip http server")
            'ip http server'
        """
        bare = _NEGATION.sub("", text)
        rx = _compiled(tuple(self.replaces))
        m = rx.match(bare) if rx is not None else None
        return m.group(0) if m else bare

    def cut(self, running: HConfig, intended: HConfig) -> HConfig:
        """The part of ``running`` this feature owns (a new tree; ``running`` is untouched)."""
        out = get_hconfig(running.driver)
        self._cut_level(running, intended, out, ())
        return out

    def _cut_level(self, run: HConfig | HConfigChild, want: HConfig | HConfigChild,
                   out: HConfig | HConfigChild, parents: tuple[str, ...]) -> None:
        leaf_keys = {self.key(c.text) for c in want.children if not c.children}
        for child in run.children:
            twin = want.get_child(equals=child.text)
            if twin is not None and (child.children or twin.children):
                section = out.add_child(child.text, return_if_present=True)
                self._cut_level(child, twin, section, (*parents, child.text))
            elif (twin is not None or self._stale(child.text, parents, child)
                  or (not child.children and self.key(child.text) in leaf_keys)):
                out.add_deep_copy_of(child)

    def _stale(self, text: str, parents: tuple[str, ...],
               node: HConfigChild | None = None) -> bool:
        for s in self.stale:
            if s.section is None:
                hit = not parents and re.match(s.line, text) is not None
            else:
                hit = (bool(parents) and re.match(s.section, parents[-1]) is not None
                       and re.match(s.line, text) is not None)
            if hit and (node is None or s.holds(node)):
                return True
        return False


@cache
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


class Scopes(_Model):
    """Every feature's scope; ``all`` is the union."""

    ipv6: FeatureScope
    baseline: FeatureScope
    wlan: FeatureScope

    def for_feature(self, feature: str) -> FeatureScope:
        """The scope of a feature, or the union of all for ``all``."""
        if feature == "all":
            parts = [self.ipv6, self.baseline, self.wlan]
            return FeatureScope(
                replaces=[p for s in parts for p in s.replaces],
                stale=[p for s in parts for p in s.stale],
                hidden=[p for s in parts for p in s.hidden],
            )
        if feature not in FEATURE_NAMES:
            msg = f"unknown feature '{feature}': choose {', '.join((*FEATURE_NAMES, 'all'))}"
            raise ConfigError(msg)
        scope: FeatureScope = getattr(self, feature)
        return scope


def load_scopes(templates_dir: Path) -> Scopes:
    """Read ``templates/scopes.yaml`` (cached until the file changes)."""
    return load_data_file(templates_dir / "scopes.yaml", Scopes,
                          missing="it says what each feature owns in a running config")
