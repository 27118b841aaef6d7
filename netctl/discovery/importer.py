"""``netctl discover import``: drift fixes as a reviewable change to ``inventory/``.

Edits go through ruamel's round-trip mode (comments, quoting and flow style kept), the result is
shown as a unified diff, and nothing is written unless asked (``--write``): then the edited
inventory is loaded and validated in a scratch copy first, and each file is replaced atomically.
"""

from __future__ import annotations

import difflib
import io
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from netctl.discovery.drift import Drift, Edit
from netctl.exceptions import InventoryError
from netctl.inventory.yamlio import write_atomic


@dataclass(frozen=True, slots=True)
class Proposal:
    """The new text of each file an import would change."""

    root: Path
    files: dict[Path, tuple[str, str]]  # path -> (old text, new text)
    skipped: tuple[Drift, ...]  # drift without an automatic fix

    def diff(self) -> str:
        """A unified diff, paths relative to the inventory's parent (``inventory/...``)."""
        out: list[str] = []
        for path, (old, new) in sorted(self.files.items()):
            name = _rel(path, self.root.parent)
            out += difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
        return "".join(out)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.allow_unicode = True
    y.width = 4096
    y.indent(mapping=2, sequence=2, offset=0)
    return y


def _flow(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(value, dict):
        m = CommentedMap(value)
        m.fa.set_flow_style()
        return m
    return value


def _apply(data: Any, edit: Edit) -> None:
    from ruamel.yaml.comments import CommentedSeq

    node = data
    for i, part in enumerate(edit.loc):
        if edit.op == "append" and i == len(edit.loc) - 1 and isinstance(part, str) and (
                part not in node or node[part] is None):
            node[part] = CommentedSeq()
        node = node[part]
    if edit.op == "set":
        node[edit.key] = _flow(edit.value)
    elif not any(_same(x, edit.value) for x in node):
        node.append(_flow(edit.value))


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, dict) and dict(a) == dict(b)


def propose(root: Path, drift: Sequence[Drift]) -> Proposal:
    """Apply every drift's edits to in-memory copies of the files they touch."""
    y = _yaml()
    docs: dict[Path, tuple[str, Any]] = {}
    skipped = []
    for d in drift:
        if not d.edits:
            skipped.append(d)
            continue
        for edit in d.edits:
            if edit.file not in docs:
                text = edit.file.read_text(encoding="utf-8")
                docs[edit.file] = (text, y.load(text))
            _apply(docs[edit.file][1], edit)
    files = {}
    for path, (old, data) in docs.items():
        buf = io.StringIO()
        y.dump(data, buf)
        if buf.getvalue() != old:
            files[path] = (old, buf.getvalue())
    return Proposal(root, files, tuple(skipped))


def write(proposal: Proposal) -> list[Path]:
    """Validate the edited inventory in a scratch copy, then replace each file atomically.

    Raises:
        InventoryError: the edited inventory would not load (nothing is written); its problems
            name the real files.
    """
    from netctl.inventory.index import load_inventory

    root = proposal.root.resolve()
    with tempfile.TemporaryDirectory(prefix="netctl-import-") as tmp:
        scratch = Path(tmp) / "inventory"
        shutil.copytree(root, scratch)
        for path, (_old, new) in proposal.files.items():
            (scratch / path.resolve().relative_to(root)).write_text(new, encoding="utf-8")
        try:
            load_inventory(scratch)
        except InventoryError as exc:
            problems = [replace(p, file=root / p.file.relative_to(scratch))
                        if p.file is not None and p.file.is_relative_to(scratch) else p
                        for p in exc.problems]
            raise InventoryError(problems) from exc
    for path, (_old, new) in sorted(proposal.files.items()):
        write_atomic(path, new)
    return sorted(proposal.files)
