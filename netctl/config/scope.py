"""What each feature owns in a running configuration (``templates/scopes.yaml``).

A feature's intended config is partial: the ``ipv6`` templates say nothing of IPv4 addresses or
descriptions. Comparing it with the whole running config would negate everything else, so the
running config is first cut down to the part the feature owns, and hier_config computes the
remediation between that part and the intended config. Lines the feature owns but the intended
config no longer has are negated (``undo``/``no``); nothing outside the scope is touched.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from hier_config import HConfig
from hier_config.child import HConfigChild
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netctl.exceptions import ConfigError
from netctl.inventory.yamlio import read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SectionScope(_Model):
    """A section of which only some children belong to the feature."""

    section: str
    children: list[str]


class FeatureScope(_Model):
    """What one feature owns."""

    lines: list[str] = Field(default_factory=list)
    sections: list[SectionScope] = Field(default_factory=list)
    default_children: list[str] = Field(default_factory=list)
    hidden: list[str] = Field(default_factory=list)

    def is_hidden(self, line: str) -> bool:
        """True for a line the device accepts but never displays."""
        return any(re.match(p, line.strip()) for p in self.hidden)

    def _rx(self, patterns: list[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def cut(self, running: HConfig, intended: HConfig) -> HConfig:
        """The part of ``running`` this feature owns (a new tree; ``running`` is untouched)."""
        out = _empty_like(running)
        whole = self._rx(self.lines)
        default = self._rx(self.default_children)
        partial = [(re.compile(s.section), self._rx(s.children)) for s in self.sections]
        declared = {c.text for c in intended.children if c.children}
        for child in running.children:
            if whole is not None and whole.match(child.text):
                out.add_deep_copy_of(child)
                continue
            rx = next((c for s, c in partial if s.match(child.text)), None)
            if rx is None and child.text in declared:
                rx = default
            if rx is None:
                continue
            section = out.add_child(child.text)
            _copy_matching(child, section, rx)
        return out


def _empty_like(tree: HConfig) -> HConfig:
    from hier_config import get_hconfig

    return get_hconfig(tree.driver)


def _copy_matching(src: HConfigChild, dst: HConfigChild, rx: re.Pattern[str]) -> None:
    for grandchild in src.children:
        if rx.match(grandchild.text):
            dst.add_deep_copy_of(grandchild)


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
                lines=[p for s in parts for p in s.lines],
                sections=[p for s in parts for p in s.sections],
                default_children=[p for s in parts for p in s.default_children],
                hidden=[p for s in parts for p in s.hidden],
            )
        scope: FeatureScope = getattr(self, feature)
        return scope


@cache
def _load(path: Path, mtime_ns: int) -> Scopes:
    del mtime_ns  # part of the cache key only
    try:
        scopes = Scopes.model_validate(read_yaml(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = f"{path}: {where}: {first['msg']}"
        raise ConfigError(msg) from exc
    for feature in ("ipv6", "baseline", "wlan"):
        scope = scopes.for_feature(feature)
        for pattern in [*scope.lines, *scope.default_children, *scope.hidden,
                        *(p for s in scope.sections for p in (s.section, *s.children))]:
            try:
                re.compile(pattern)
            except re.error as exc:
                msg = f"{path}: {feature}: bad regular expression {pattern!r}: {exc}"
                raise ConfigError(msg) from exc
    return scopes


def load_scopes(templates_dir: Path) -> Scopes:
    """Read ``templates/scopes.yaml`` (cached until the file changes)."""
    path = templates_dir / "scopes.yaml"
    if not path.is_file():
        msg = f"{path} is missing: it says what each feature owns in a running config"
        raise ConfigError(msg)
    return _load(path, path.stat().st_mtime_ns)
