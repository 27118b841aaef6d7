"""What a push would change: hier_config remediation within the feature's scope.

The remediation is what :mod:`netctl.config.push` sends: lines to add, ``undo``/``no`` lines for
what the feature owns but no longer wants, sections entered and left with the platform's exit
(``quit`` on VRP and Comware, ``exit`` on IOS-style CLIs). Lines carrying secret placeholders are
matched against their stored, encrypted twin in the running config, so an unchanged secret is
not a change (a rotation is an explicit push with ``--rotate-secrets``).

Examples:
    >>> from netctl.platforms import Platform
    >>> from netctl.config.scope import FeatureScope
    >>> scope = FeatureScope(replaces=["^ntp-service unicast-server "])
    >>> running = ("ntp-service unicast-server 10.0.0.1\\n"
    ...            "interface Vlanif10\\n ip address 10.1.1.1 24\\n")
    >>> intended = "ntp-service unicast-server 10.0.0.2\\ninterface Vlanif10\\n ipv6 enable\\n"
    >>> d = compute_diff(Platform.HUAWEI_VRP, running, intended, scope)
    >>> d.remediation  # doctest: +NORMALIZE_WHITESPACE
    ['undo ntp-service unicast-server 10.0.0.1', 'ntp-service unicast-server 10.0.0.2',
     'interface Vlanif10', ' ipv6 enable', ' quit']
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hier_config import HConfig
from hier_config.child import HConfigChild

from netctl.config.hier import merge_into, parse
from netctl.config.lines import align_lines
from netctl.config.placeholders import TOKEN_RE, match_pattern
from netctl.config.protect import DeviceProtection, format_path
from netctl.config.scope import FeatureScope
from netctl.platforms import Platform


@dataclass(frozen=True, slots=True)
class Refused:
    """A protected running line the remediation leaves alone, and why."""

    line: str
    reason: str


@dataclass(frozen=True, slots=True)
class Diff:
    """The difference between a device's running config and the intended config of a feature.

    ``removed`` lists the running lines the remediation takes away or replaces (``section >
    line``), ``refused`` the protected lines it would have owned and leaves in place,
    ``protected`` the remediation lines that add or change protected configuration and
    ``sections`` the additions and removals per top-level section (``(global)`` for lines).
    """

    platform: Platform
    remediation: list[str]
    running_scoped: str
    intended: str
    removed: tuple[str, ...] = ()
    refused: tuple[Refused, ...] = ()
    protected: tuple[str, ...] = ()
    sections: tuple[tuple[str, int, int], ...] = ()

    @property
    def added_count(self) -> int:
        """Lines added or changed."""
        return sum(a for _, a, _ in self.sections)

    @property
    def removed_count(self) -> int:
        """Running lines removed or replaced."""
        return len(self.removed)

    @property
    def changed(self) -> bool:
        """True when the push would send something."""
        return bool(self.remediation)

    @property
    def text(self) -> str:
        """The remediation as it would be typed."""
        return "".join(line + "\n" for line in self.remediation)

    def unified(self, hostname: str = "device") -> str:
        """A unified diff of the owned part of the running config against the intended one."""
        return "".join(difflib.unified_diff(
            self.running_scoped.splitlines(keepends=True), self.intended.splitlines(keepends=True),
            f"{hostname} (running)", f"{hostname} (intended)",
        ))


def tree_lines(tree: HConfig, *, exits: bool) -> list[str]:
    """Indented lines (one space per level), with sectional exits when asked."""
    return [_reindent(line) for line in tree.dump_simple(sectional_exiting=exits)]


def _reindent(line: str) -> str:
    """hier_config indents by two spaces per level; vendors show one."""
    stripped = line.lstrip(" ")
    depth = (len(line) - len(stripped)) // 2
    return " " * depth + stripped


def _flatten_banners(tree: HConfig) -> None:
    """A banner is displayed over several lines but typed as one: compare it as one line."""
    for child in list(tree.children):
        if child.text.startswith(("banner ", "header ")) and "\n" in child.text:
            child.text = " ".join(child.text.split())


def _adopt_secret_lines(running: HConfig, intended: HConfig) -> None:
    """Replace each intended line holding a placeholder by its stored twin, when there is one."""
    for child in list(intended.all_children()):
        if not TOKEN_RE.search(child.text):
            continue
        parent_path = tuple(child.path())[:-1]
        twin_parent: HConfig | HConfigChild | None = running
        for text in parent_path:
            twin_parent = twin_parent.get_child(equals=text) if twin_parent else None
        if twin_parent is None:
            continue
        pattern = match_pattern(child.text)
        for candidate in twin_parent.children:
            if pattern.fullmatch(candidate.text):
                child.text = candidate.text
                break


def unindent_globals(text: str) -> str:
    """Comware 7 prints global commands indented by one space between ``#`` separators.

    A section starts at column 0 and lasts until the next ``#``; outside a section, one leading
    space is dropped so that hier_config sees global commands at the top level.

    Examples:
        >>> unindent_globals("#\\n sysname gw\\n#\\nline vty 0 63\\n idle-timeout 10 0\\n#\\n")
        '#\\nsysname gw\\n#\\nline vty 0 63\\n idle-timeout 10 0\\n#\\n'
    """
    out: list[str] = []
    in_section = False
    for line in text.splitlines(keepends=True):
        if line.startswith("#"):
            in_section = False
        elif line.strip() and not line[0].isspace():
            in_section = True
        elif not in_section and line.startswith(" ") and not line.startswith("  "):
            line = line[1:]  # noqa: PLW2901 - the normalised line
        out.append(line)
    return "".join(out)


def _only_in(have: HConfig | HConfigChild, other: HConfig | HConfigChild | None,
             out: list[tuple[str, ...]]) -> None:
    """Paths of ``have``'s lines that ``other`` lacks (a missing section: it and its lines)."""
    for child in have.children:
        twin = other.get_child(equals=child.text) if other is not None else None
        if twin is None:
            out.append(tuple(child.path()))
            out.extend(tuple(d.path()) for d in child.all_children())
        else:
            _only_in(child, twin, out)


def _per_section(added: list[tuple[str, ...]], removed: list[tuple[str, ...]],
                 sections: set[str]) -> tuple[tuple[str, int, int], ...]:
    """``(section, added, removed)``; top-level lines count under ``(global)``."""
    counts: dict[str, list[int]] = {}
    for i, paths in enumerate((added, removed)):
        for path in paths:
            key = path[0] if len(path) > 1 or path[0] in sections else "(global)"
            counts.setdefault(key, [0, 0])[i] += 1
    return tuple((k, a, r) for k, (a, r) in counts.items())


def _owned_and_wanted(platform: Platform, running: str, intended: str, scope: FeatureScope,
                      protection: DeviceProtection | None, owner: str,
                      ) -> tuple[HConfig, HConfig, HConfig, list[str]]:
    """The running tree, its part the feature owns, the intended tree (hidden lines taken out,
    secret lines adopted) and the hidden lines."""
    if platform is Platform.HP_COMWARE:
        running = unindent_globals(running)
    run_tree = parse(platform, running)
    want = parse(platform, intended)
    lines = protection.platform.lines if protection is not None else None
    align_lines(want, run_tree, lines)  # line sections under the device's own ranges
    hidden = [c.text for c in want.children if scope.is_hidden(c.text, platform.value)]
    for child in [c for c in want.children if scope.is_hidden(c.text, platform.value)]:
        child.delete()
    owner_tree = want
    if owner:
        owner_tree = parse(platform, intended)
        merge_into(owner_tree, parse(platform, owner))
        align_lines(owner_tree, run_tree, lines)
    owned = scope.cut(run_tree, owner_tree)
    for tree in (owned, want):
        _flatten_banners(tree)
    _adopt_secret_lines(owned, want)
    return run_tree, owned, want, hidden


def remaining(platform: Platform, running: str, intended: str, scope: FeatureScope,
              protection: DeviceProtection | None = None, owner: str = "") -> list[str]:
    """Only the remediation of :func:`compute_diff` (the same lines), without its report of
    removed, refused and protected lines: what a push verifies after sending."""
    run_tree, owned, want, hidden = _owned_and_wanted(platform, running, intended, scope,
                                                      protection, owner)
    if protection is not None:  # protected lines are never removed: as in compute_diff
        protection.learn(run_tree)
        protection.refused_in(owned, want)
    remediation = tree_lines(owned.config_to_get_to(want), exits=True)
    return [*remediation, *hidden] if remediation else remediation


def compute_diff(platform: Platform, running: str, intended: str, scope: FeatureScope,
                 protection: DeviceProtection | None = None, owner: str = "") -> Diff:
    """The remediation that brings the feature's part of ``running`` to ``intended``.

    With ``protection``, protected running lines are never removed (they are reported in
    ``refused``) and remediation lines that change protected configuration are listed in
    ``protected``. ``owner`` (a rollback to a backup) is a rendered config whose lines are
    owned too, so that what a later push added is removed.
    """
    run_tree, owned, want, hidden = _owned_and_wanted(platform, running, intended, scope,
                                                      protection, owner)
    before = "".join(line + "\n" for line in tree_lines(owned, exits=False))
    refused: list[tuple[str, str]] = []
    if protection is not None:
        protection.learn(run_tree)
        refused = protection.refused_in(owned, want)
    delta = owned.config_to_get_to(want)
    remediation = tree_lines(delta, exits=True)
    if remediation:
        remediation += hidden
    removed: list[tuple[str, ...]] = []
    added: list[tuple[str, ...]] = []
    _only_in(owned, want, removed)
    _only_in(want, owned, added)
    touched: list[str] = []
    if protection is not None:
        touched = [format_path(p) for p in
                   (tuple(c.path()) for c in delta.all_children() if not c.children)
                   if protection.reason(p, addresses=False) is not None]
    return Diff(
        platform=platform,
        remediation=remediation,
        running_scoped=before,  # protected lines too: a rollback restores them as they were
        intended="".join(line + "\n" for line in tree_lines(want, exits=False)),
        removed=tuple(format_path(p) for p in removed),
        refused=tuple(Refused(line, why) for line, why in refused),
        protected=tuple(touched),
        sections=_per_section(added, removed, {c.text for t in (owned, want)
                                               for c in t.children if c.children}),
    )
