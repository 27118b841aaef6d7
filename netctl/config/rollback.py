"""What a failed push sends back: every line the push sent is undone, inside its scope or not.

A push sends a remediation computed within the feature's scope, so in normal operation it only
touches lines the feature owns. The rollback must not trust that: if a line outside the scope
was sent (a value that carried a second command, a template mistake), restoring only the owned
part would leave that line applied while the push reports "rolled back". So the rollback target
is built from two parts:

* the owned part (``scope.cut`` of the running config by the intended config), brought back to
  what it was before the push, as before;
* every top-level entry of the configuration the sent lines *touched*: a section the push
  entered (``interface GigabitEthernet0/0/5``, with all its children, owned or not), or a global
  line sharing the first keyword of a sent line (``undo stelnet server enable`` touches
  ``stelnet …``). Those entries are restored to the full config as it was before the push.

Lines neither owned nor touched are never looked at, so nothing else on the device changes.

Examples:
    >>> from netctl.config.scope import FeatureScope
    >>> scope = FeatureScope(replaces=["^ntp-service unicast-server "])
    >>> before = "stelnet server enable\\nntp-service unicast-server 10.0.0.1\\n"
    >>> current = "ntp-service unicast-server 10.0.0.2\\n"
    >>> sent = ["undo ntp-service unicast-server 10.0.0.1", "ntp-service unicast-server 10.0.0.2",
    ...         "undo stelnet server enable"]
    >>> owned_before = "ntp-service unicast-server 10.0.0.1\\n"
    >>> rollback_lines(Platform.HUAWEI_VRP, current, before, owned_before, scope, sent)
    ... # doctest: +NORMALIZE_WHITESPACE
    ['undo ntp-service unicast-server 10.0.0.2', 'stelnet server enable',
     'ntp-service unicast-server 10.0.0.1']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hier_config import HConfig

from netctl.config.diff import tree_lines, unindent_globals
from netctl.config.hier import parse
from netctl.config.scope import FeatureScope
from netctl.platforms import Platform

_NEGATIONS = ("undo ", "no ")


def _keyword(line: str) -> str:
    """The first keyword of a global line, negation dropped: ``undo stelnet x`` → ``stelnet``."""
    text = line.strip()
    for prefix in _NEGATIONS:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return text.split(" ", 1)[0]


def touched(sent: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The sections a remediation entered and the keywords of its global lines.

    Examples:
        >>> touched(["interface Gi0/1", " ipv6 enable", " quit", "undo stelnet server enable"])
        (frozenset({'interface Gi0/1'}), frozenset({'stelnet'}))
    """
    sections: set[str] = set()
    keywords: set[str] = set()
    for i, line in enumerate(sent):
        if not line.strip() or line[0] == " ":
            continue
        text = line.strip()
        if text in ("quit", "exit", "return", "end") or text.startswith(("#", "!")):
            continue
        nxt = sent[i + 1] if i + 1 < len(sent) else ""
        if nxt.startswith(" "):
            sections.add(text)
        else:
            keywords.add(_keyword(text))
    return frozenset(sections), frozenset(keywords)


def _select(tree: HConfig, platform: Platform, sections: frozenset[str],
            keywords: frozenset[str]) -> HConfig:
    """A copy of the top-level entries of ``tree`` that the sent lines touched."""
    out = parse(platform, "")
    for child in tree.children:
        if child.text in sections or _keyword(child.text) in keywords:
            out.add_deep_copy_of(child)
    return out


def _merge(base: HConfig, extra: HConfig) -> HConfig:
    """``base`` with the top-level entries of ``extra`` replacing the ones of the same text."""
    out = base.deep_copy()
    for child in extra.children:
        existing = out.get_child(equals=child.text)
        if existing is not None:
            existing.delete()
        out.add_deep_copy_of(child)
    return out


def rollback_lines(platform: Platform, current: str, before: str, before_owned: str,
                   scope: FeatureScope, sent: Iterable[str],
                   intended: str | HConfig | None = None) -> list[str]:
    """The lines that undo a push: the owned part back to ``before_owned``, and every top-level
    entry the ``sent`` lines touched back to ``before`` (the whole running config before the
    push).

    ``intended`` gives the push's ownership (sections it created are removed), as text or as a
    parsed tree (e.g. the intended config merged with every rendered feature); by default the
    ownership of ``before_owned``.
    """
    if platform is Platform.HP_COMWARE:
        current, before = unindent_globals(current), unindent_globals(before)
    cur = parse(platform, current)
    if isinstance(intended, HConfig):
        ownership = intended
    else:
        ownership = parse(platform, intended if intended is not None else before_owned)
    owned = scope.cut(cur, ownership)
    target = parse(platform, before_owned)
    sections, keywords = touched(list(sent))
    if sections or keywords:
        owned = _merge(owned, _select(cur, platform, sections, keywords))
        target = _merge(target, _select(parse(platform, before), platform, sections, keywords))
    rem = owned.config_to_get_to(target)
    return tree_lines(rem, exits=True)
