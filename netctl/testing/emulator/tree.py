"""A device's configuration as a tree of lines: sections (views) with indented children.

Pure data, no vendor knowledge: the vendor profile says which lines open sections and how the
tree is displayed.

Examples:
    >>> root = ConfigNode("")
    >>> vlanif = root.ensure("interface Vlanif10", kind="interface")
    >>> _ = vlanif.ensure("ipv6 enable")
    >>> root.lines()
    ['interface Vlanif10', ' ipv6 enable']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

MAX_DEPTH = 16
"""Deepest nesting accepted when parsing: real configs stay under 5."""


@dataclass(eq=False, slots=True)
class ConfigNode:
    """One configuration line; ``kind`` is set when the line opens a view (a section)."""

    text: str
    kind: str | None = None
    children: list[ConfigNode] = field(default_factory=list)
    gone: dict[str, int] = field(default_factory=dict, repr=False)
    """Where removed children stood: a device displays a view's commands in its own fixed
    order, so a line removed and typed again (a rollback) shows where it was, not at the end."""

    @property
    def is_section(self) -> bool:
        """True when the line opens a view or has children."""
        return self.kind is not None or bool(self.children)

    def find(self, text: str) -> ConfigNode | None:
        """The direct child whose text is ``text``."""
        for child in self.children:
            if child.text == text:
                return child
        return None

    def ensure(self, text: str, kind: str | None = None) -> ConfigNode:
        """The direct child ``text``, appended if missing (re-entering a section merges)."""
        node = self.find(text)
        if node is None:
            node = ConfigNode(text, kind)
            at = self.gone.pop(text, None)
            if at is None:
                self.children.append(node)
            else:
                self.children.insert(min(at, len(self.children)), node)
        elif kind is not None and node.kind is None:
            node.kind = kind
        return node

    def remove_where(self, pred: Callable[[ConfigNode], bool]) -> int:
        """Remove the direct children matching ``pred``; return how many."""
        before = len(self.children)
        kept: list[ConfigNode] = []
        for i, child in enumerate(self.children):
            if pred(child):
                self.gone[child.text] = i
            else:
                kept.append(child)
        self.children = kept
        return before - len(self.children)

    def walk(self, depth: int = 0) -> Iterator[tuple[int, ConfigNode]]:
        """Every descendant with its depth (children of the root have depth 0)."""
        for child in self.children:
            yield depth, child
            yield from child.walk(depth + 1)

    def lines(self) -> list[str]:
        """Descendants as text, one leading space per level, no separators."""
        return [" " * depth + node.text for depth, node in self.walk()]

    def copy(self) -> ConfigNode:
        """A deep copy."""
        return ConfigNode(self.text, self.kind, [c.copy() for c in self.children])


_SEPARATOR = re.compile(r"^\s*[#!]\s*$")


def parse_config(
    text: str,
    classify: Callable[[str, str | None], str | None],
    skip: Callable[[str], bool],
) -> ConfigNode:
    """Parse display-style text (indented children) into a tree.

    ``classify(line, parent_kind)`` gives the kind of view a line opens (or None);
    ``skip(line)`` drops headers such as ``!Software Version`` or ``return``. A separator
    (``#`` or ``!``) in column 0 closes every open section, so that Comware's globals shown
    with one leading space after a ``#`` stay top-level.
    """
    root = ConfigNode("", "top")
    stack: list[tuple[int, ConfigNode]] = [(-1, root)]
    for raw in text.splitlines()[:100_000]:
        line = raw.rstrip()
        if not line.strip():
            continue
        if _SEPARATOR.match(line):
            if not line.startswith(" "):
                del stack[1:]
            continue
        if skip(line):
            continue
        indent = len(line) - len(line.lstrip(" "))
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        # A NUL joins the lines of a delimited block (banner): keep its spacing as typed.
        body = line.strip() if "\x00" in line else " ".join(line.split())
        node = parent.ensure(body, classify(body, parent.kind))
        if len(stack) < MAX_DEPTH:
            stack.append((indent, node))
    return root
