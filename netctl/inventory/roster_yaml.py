"""Writing county files in place: locate each school entry's lines (PyYAML's C parser), round-trip
only the entries that change through ruamel, and splice them back, every other byte as written.

County files can be large (a whole-region county is ~20,000 lines) and a full ruamel round trip
takes about 10 s on such a file; a file whose layout is not the usual block style is first
normalised by a full round trip (:func:`_normalise`). Used by :mod:`netctl.inventory.roster`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from netctl.inventory.roster_columns import _COUNTY_KEYS, _SCHOOL_KEYS

try:
    _CLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _CLoader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class _New:
    """A school to append: new (``src`` None) or moved from ``src`` at index ``index``."""

    code: str
    values: dict[str, Any]
    src: Path | None = None
    index: int = -1


@dataclass
class _Ops:
    """Edits to one county file."""

    path: Path
    county: str
    exists: bool
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # index → changes
    remove: dict[int, str] = field(default_factory=dict)  # index → code (moved out)
    append: list[_New] = field(default_factory=list)
    remove_links: list[int] = field(default_factory=list)
    append_links: list[tuple[Path, int]] = field(default_factory=list)

    @property
    def loses(self) -> bool:
        """True when schools or links leave this file."""
        return bool(self.remove or self.remove_links)


class _UnconventionalError(Exception):
    """The file's layout is not the usual block style: normalise it first."""


@dataclass(frozen=True, slots=True)
class _Item:
    lead: int  # first line of the comments directly above the item
    start: int  # the line of its dash
    end: int  # its last line (inclusive)
    dash: int  # column of the dash
    content: int  # column where the item's content starts
    keys: tuple[tuple[str, int, bool], ...] = ()  # block mapping: (key, line, holds a block)


@dataclass(frozen=True, slots=True)
class _Seq:
    key_line: int | None  # None: the key is missing
    value_end: int | None  # last line of an empty value (``key:`` or ``key: []``)
    items: tuple[_Item, ...]


@dataclass
class _Doc:
    """A county file's text with the items of ``schools`` and ``links`` located."""

    lines: list[str]
    seqs: dict[str, _Seq]
    top: dict[str, int]  # top-level key → first line (its comments included)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@dataclass(frozen=True, slots=True)
class _RawItem:
    """An item as the event stream shows it."""

    start: int
    content: int
    last: int
    keys: tuple[tuple[str, int, bool], ...]


class _Events:
    """PyYAML's C event stream (no nodes, no tag resolution: 6x faster than composing), with
    the end of the last scalar or flow collection seen, which is where content ends."""

    def __init__(self, text: str, lines: Sequence[str]) -> None:
        self._it = iter(yaml.parse(text, Loader=_CLoader))
        self._lines = lines
        self._flow: list[bool] = []
        self.end = (0, 0)

    def next(self) -> yaml.Event:
        ev = next(self._it)
        if isinstance(ev, yaml.ScalarEvent | yaml.AliasEvent):
            self.end = _at(ev.end_mark)
        elif isinstance(ev, yaml.CollectionStartEvent):
            self._flow.append(bool(ev.flow_style))
        elif isinstance(ev, yaml.CollectionEndEvent) and self._flow.pop():
            self.end = _at(ev.end_mark)
        return ev

    def skip(self, ev: Any) -> None:
        """Consume the rest of the node that ``ev`` starts (the hot loop: devices, interfaces)."""
        if not isinstance(ev, yaml.CollectionStartEvent):
            return
        flow, it = self._flow, self._it
        end: Any = self.end
        depth = 1
        while depth:
            ev = next(it)
            kind = type(ev)
            if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                end = ev.end_mark
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                flow.append(bool(ev.flow_style))
                depth += 1
            else:  # an end event
                if flow.pop():
                    end = ev.end_mark
                depth -= 1
        self.end = end if isinstance(end, tuple) else _at(end)

    def last_line(self, floor: int) -> int:
        """The last line holding content (a block scalar's end mark is on the next line)."""
        line, column = self.end
        line = line if column > 0 else line - 1
        while line > floor and not self._lines[line].strip():
            line -= 1
        return line


def _at(mark: Any) -> tuple[int, int]:
    """(line, column), 0-based."""
    if mark is None:  # pragma: no cover - the C parser always sets marks
        raise _UnconventionalError
    return mark.line, mark.column


def _is_null(ev: yaml.Event) -> bool:
    return (isinstance(ev, yaml.ScalarEvent) and not ev.style  # plain: None or '' (libyaml)
            and ev.value in ("", "~", "null", "Null", "NULL"))


def _parse(text: str) -> _Doc:
    lines = text.splitlines(keepends=True)
    events = _Events(text, lines)
    while not isinstance(ev := events.next(), yaml.MappingStartEvent | yaml.NodeEvent):
        pass
    if not isinstance(ev, yaml.MappingStartEvent) or ev.flow_style or _at(ev.start_mark)[1]:
        raise _UnconventionalError
    keys: list[tuple[str, int]] = []
    found: dict[str, tuple[int, int | None, int, list[_RawItem]]] = {}
    while not isinstance(key := events.next(), yaml.MappingEndEvent):
        if not isinstance(key, yaml.ScalarEvent):
            raise _UnconventionalError
        name, kline = key.value, _at(key.start_mark)[0]
        keys.append((name, kline))
        value = events.next()
        if name not in ("schools", "links"):
            events.skip(value)
        elif _is_null(value):
            found[name] = (kline, events.last_line(kline), 0, [])
        elif isinstance(value, yaml.SequenceStartEvent) and value.flow_style:
            if not isinstance(events.next(), yaml.SequenceEndEvent):
                raise _UnconventionalError  # a flow sequence with items
            found[name] = (kline, events.last_line(kline), 0, [])
        elif isinstance(value, yaml.SequenceStartEvent):
            found[name] = (kline, None, _at(value.start_mark)[1], _raw_items(events))
        else:
            raise _UnconventionalError
    top: dict[str, int] = {}
    for name, line in keys:
        first = line
        while first > 0 and _is_comment(lines[first - 1]) and _indent(lines[first - 1]) == 0:
            first -= 1
        top[name] = first
    seqs: dict[str, _Seq] = {}
    for pos, (name, _) in enumerate(keys):
        if name in found:
            kline, value_end, dash, raw = found[name]
            limit = top[keys[pos + 1][0]] if pos + 1 < len(keys) else len(lines)
            seqs[name] = _Seq(kline, value_end, _items(lines, raw, dash, kline, limit))
    for name in ("schools", "links"):
        seqs.setdefault(name, _Seq(None, None, ()))
    return _Doc(lines, seqs, top)


def _raw_items(events: _Events) -> list[_RawItem]:
    out: list[_RawItem] = []
    while not isinstance(ev := events.next(), yaml.SequenceEndEvent):
        start, content = _at(ev.start_mark)
        keys: list[tuple[str, int, bool]] = []
        if isinstance(ev, yaml.MappingStartEvent) and not ev.flow_style:
            while not isinstance(key := events.next(), yaml.MappingEndEvent):
                value = events.next()
                block = isinstance(value, yaml.CollectionStartEvent) and not value.flow_style
                keys.append((str(getattr(key, "value", "")), _at(key.start_mark)[0], block))
                events.skip(value)
        else:
            events.skip(ev)
        out.append(_RawItem(start, content, events.last_line(start), tuple(keys)))
    return out


def _items(
    lines: list[str], raw: list[_RawItem], dash: int, kline: int, limit: int
) -> tuple[_Item, ...]:
    """Check that each item is ``- content`` at the dash column; find its comments and end."""
    items: list[_Item] = []
    prev_end = kline
    for i, node in enumerate(raw):
        start, content = node.start, node.content
        text = lines[start]
        if (content <= dash + 1 or text[:dash] != " " * dash or text[dash] != "-"
                or text[dash + 1:content].strip()):
            raise _UnconventionalError
        end = node.last
        stop = raw[i + 1].start if i + 1 < len(raw) else limit
        for j in range(start + 1, node.last + 1):
            line = lines[j]
            if line.strip() and not _is_comment(line) and _indent(line) < content:
                raise _UnconventionalError
        for j in range(node.last + 1, stop):  # comments indented into the item belong to it
            if _is_comment(lines[j]) and _indent(lines[j]) > dash:
                end = j
            elif lines[j].strip():
                break
        lead = start
        while (lead - 1 > prev_end and _is_comment(lines[lead - 1])
               and _indent(lines[lead - 1]) <= dash):
            lead -= 1
        items.append(_Item(lead, start, end, dash, content, node.keys))
        prev_end = end
    return tuple(items)


def _dedent(line: str, n: int) -> str:
    if not line.strip():
        return "\n"
    if line[:n].strip() == "":
        return line[n:]
    return line.lstrip(" ")  # a comment less indented than the item: YAML does not mind


def _rt_yaml(lines: Sequence[str]) -> Any:
    """A ruamel round-trip instance set to the indentation these lines use."""
    from ruamel.yaml import YAML

    mapping, sequence, offset = _guess_indent(lines)
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.allow_unicode = True
    y.width = 4096
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def _guess_indent(lines: Sequence[str]) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as ruamel names them; (2, 2, 0) unless the lines say else."""
    mapping: int | None = None
    key_indent: int | None = None
    for line in lines:
        body = line.rstrip()
        if not body.strip() or _is_comment(body):
            continue
        ind = _indent(body)
        if key_indent is not None:
            stripped = body.lstrip()
            if stripped.startswith("- "):
                offset = ind - key_indent
                content = ind + 1 + _indent(stripped[1:])
                return mapping or 2, max(content - key_indent, offset + 2), offset
            if ind > key_indent and mapping is None:
                mapping = ind - key_indent
        key_indent = ind if body.endswith(":") and not body.lstrip().startswith("-") else None
    return mapping or 2, 2, 0


def _dump(y: Any, data: Any) -> list[str]:
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue().splitlines(keepends=True)


def _apply(mapping: MutableMapping[str, Any], changes: dict[str, Any]) -> None:
    """Set or (for None) delete keys, inserting new keys at their place in the model's order."""
    insert = getattr(mapping, "insert", None)  # ruamel's CommentedMap keeps the key order
    for key, value in changes.items():
        if value is None:
            if key in mapping:
                del mapping[key]
        elif key in mapping or insert is None:
            mapping[key] = value
        else:
            before = _SCHOOL_KEYS[: _SCHOOL_KEYS.index(key)]
            keys = list(mapping)
            insert(max((keys.index(k) + 1 for k in before if k in keys), default=0), key, value)


def _head(item: _Item, changes: dict[str, Any]) -> int:
    """How many lines of the item ruamel must see to apply ``changes``.

    The roster's keys come before the devices in a school, and round-tripping a school's 100
    lines of devices takes ruamel ~50 ms: when every changed key is among (or missing from) the
    scalar keys before the first block collection, only those lines are round-tripped.
    """
    full = item.end + 1 - item.start
    first = next((i for i, (_, _, block) in enumerate(item.keys) if block), None)
    if first is None:
        return full
    head = {k for k, _, _ in item.keys[:first]}
    present = {k for k, _, _ in item.keys}
    cut = item.keys[first][1] - item.start
    if cut > 0 and all(k in head or k not in present for k in changes):
        return cut
    return full


def _item_lines(doc: _Doc, item: _Item, changes: dict[str, Any] | None, *, lead: bool) -> list[str]:
    """The item's lines with its dash at column 0, ``changes`` applied through ruamel."""
    raw = doc.lines[item.start:item.end + 1]
    gap = item.content - item.dash
    if changes:
        cut = _head(item, changes)
        frag = [raw[0][item.content:]] + [_dedent(x, item.content) for x in raw[1:cut]]
        y = _rt_yaml(frag)
        data = y.load("".join(frag))
        _apply(data, changes)
        body = _dump(y, data)
        out = ["-" + " " * (gap - 1) + body[0]]
        out += [" " * gap + x if x.strip() else x for x in body[1:]]
        out += [_dedent(x, item.dash) for x in raw[cut:]]
    else:
        out = [_dedent(x, item.dash) for x in raw]
    if lead:
        out = [_dedent(x, item.dash) for x in doc.lines[item.lead:item.start]] + out
    return out


def _new_school_lines(values: dict[str, Any]) -> list[str]:
    from ruamel.yaml.comments import CommentedMap

    data = CommentedMap((k, v) for k, v in values.items() if v is not None)
    body = _dump(_rt_yaml([]), data)
    return ["- " + body[0]] + ["  " + x for x in body[1:]]


def _reindent(lines: Iterable[str], n: int) -> list[str]:
    return [" " * n + x if x.strip() else x for x in lines]


def _render(doc: _Doc, ops: _Ops, blocks: dict[tuple[Path, str, int], list[str]]) -> str:
    """Apply the edits of ``ops`` to the text; ``blocks`` holds items moving in from elsewhere."""
    edits: list[tuple[int, int, list[str]]] = []
    for name in ("schools", "links"):
        seq = doc.seqs[name]
        removed = set(ops.remove) if name == "schools" else set(ops.remove_links)
        if name == "schools":
            incoming = [
                _new_school_lines(new.values) if new.src is None
                else blocks[(new.src, "schools", new.index)]
                for new in ops.append
            ]
            for index, changes in sorted(ops.updates.items()):
                item = seq.items[index]
                edits.append((item.start, item.end + 1,
                              _reindent(_item_lines(doc, item, changes, lead=False), item.dash)))
        else:
            incoming = [blocks[(src, "links", index)] for src, index in ops.append_links]
        for index in sorted(removed):
            item = seq.items[index]
            edits.append((item.lead, item.end + 1, []))
        left = len(seq.items) - len(removed)
        if incoming and seq.items:
            dash = seq.items[0].dash
            edits.append((seq.items[-1].end + 1, seq.items[-1].end + 1,
                          [x for block in incoming for x in _reindent(block, dash)]))
        elif incoming:
            lines = [f"{name}:\n", *(x for block in incoming for x in block)]
            if seq.key_line is not None and seq.value_end is not None:
                edits.append((seq.key_line, seq.value_end + 1, lines))
            else:
                later = _COUNTY_KEYS[_COUNTY_KEYS.index(name) + 1:]
                at = min((doc.top[k] for k in later if k in doc.top), default=len(doc.lines))
                edits.append((at, at, lines))
        elif seq.items and left == 0 and seq.key_line is not None:
            key = doc.lines[seq.key_line]
            comment = key.split("#", 1)[1] if "#" in key else ""
            edits.append((seq.key_line, seq.key_line + 1,
                          [f"{name}: []" + (f"  #{comment}" if comment else "\n")]))
    out: list[str] = []
    pos = 0
    for start, end, new in sorted(edits, key=lambda e: e[0]):
        out.extend(doc.lines[pos:start])
        out.extend(new)
        pos = max(pos, end)
    out.extend(doc.lines[pos:])
    return "".join(out)


def _normalise(text: str) -> str:
    """Full ruamel round trip with ``schools`` and ``links`` in block style (comments kept)."""
    y = _rt_yaml(text.splitlines(keepends=True))
    data = y.load(text)
    for key in ("schools", "links"):
        seq = data.get(key)
        if seq is not None and hasattr(seq, "fa"):
            seq.fa.set_block_style()
            for item in seq:
                if hasattr(item, "fa") and key == "schools":
                    item.fa.set_block_style()
    return "".join(_dump(y, data))


def _loads(text: str) -> Any:
    """Parse with the loader's parser, so that a re-read sees what the loader will see."""
    return yaml_rs.loads(text, parse_datetime=False)
