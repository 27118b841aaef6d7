"""Import of the school roster (学校名册) that county offices keep as CSV or XLSX.

Reading (:func:`read_roster`):

- CSV in UTF-8 with or without BOM, GB18030 or UTF-16 (Excel's "Unicode text"), comma, tab or
  semicolon separated; XLSX (first sheet or a named one). The encoding used is reported.
- Headers in Chinese (学校标识码, 学校名称, 区县代码, 城乡分类, 学段, 班级数, 教室数, 数字化教室数,
  网站域名) or English (the model's field names); surrounding spaces, full-width characters, a
  leading ``*`` and a trailing note in parentheses (``班级数（个）``) are tolerated. Unknown,
  duplicate and missing required columns are errors that list the accepted headers.
- Values: 城区/镇区/乡村 (and the statistics sub-categories and codes 111 … 220), 学段 in Chinese
  or English, numbers as text or as Excel floats, school codes that Excel turned into numbers,
  an empty website meaning "none". An empty count cell means "not given": the school keeps its
  count (a new school gets the model's default, 0).
- Every row is validated with the real model (:class:`~netctl.models.inventory.School`); every bad
  row is reported with its line number as a spreadsheet numbers rows (the header is line 1), the
  column and the fix. A school code that appears on two rows makes both rows bad.

Writing (:func:`import_roster`) is idempotent: schools are matched by code and updated in place,
keeping every key the roster does not carry (devices, prefixes, domains, …); new schools go at
the end of their county's file; a school whose county changed moves to the new county's file,
together with the links that lie entirely inside the school. Nothing is written when any row is
bad, unless ``skip_bad``.

County files can be large (a whole-region county is ~20,000 lines) and ruamel's round-trip mode
takes about 10 s on such a file, so only the school entries that change go through ruamel: each
entry's lines are located once (PyYAML's C composer), round-tripped on their own and spliced back.
Every other byte of the file (comments, key order, quoting, blank lines) stays as the engineer
wrote it. A file whose layout is not the usual block style is first normalised by a full ruamel
round trip. Before anything is written, each new file is parsed back and compared with the data
the import intends, and the whole inventory is joined and cross-checked again; files are then
written all or none (staged as temporary files, then renamed; a failed rename puts back the files
already renamed), files that gain schools before files that lose them. Reading is bounded (file
size, an XLSX's decompressed size, rows, columns) and text that is not UTF-8, GB18030 or UTF-16
is refused (:mod:`netctl.inventory.rosterio`).

The modules, by responsibility: :mod:`~netctl.inventory.roster_read` (files and encodings),
:mod:`~netctl.inventory.roster_columns` (headers and cell values), :mod:`~netctl.inventory.
roster_rows` (row validation), :mod:`~netctl.inventory.roster_yaml` (county files edited in
place), :mod:`~netctl.inventory.rosterio` (limits, all-or-nothing writes); this module plans the
import and writes it.
"""


from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from netctl import geo
from netctl.exceptions import ImportRowError, InventoryError, NetctlError, Problem
from netctl.inventory.index import Inventory, join
from netctl.inventory.load import COUNTIES_DIR, RawInventory, raise_if_errors, read_files
from netctl.inventory.roster_columns import _SCHOOL_KEYS, _county_adapter
from netctl.inventory.roster_read import read_roster
from netctl.inventory.roster_rows import Roster, RosterRow
from netctl.inventory.roster_yaml import (
    _apply,
    _Doc,
    _dump,
    _item_lines,
    _loads,
    _New,
    _normalise,
    _Ops,
    _parse,
    _render,
    _rt_yaml,
    _UnconventionalError,
)
from netctl.inventory.rosterio import (
    write_all_or_nothing,
)
from netctl.models.inventory import CountyFile, SchoolCategory, Stage

Action = Literal["added", "updated", "moved", "unchanged"]


@dataclass(frozen=True, slots=True)
class Change:
    """What the import does to one school."""

    line: int
    code: str
    name: str
    county: str
    action: Action
    fields: tuple[str, ...] = ()
    from_county: str | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The outcome of an import (or of a dry run: ``written`` is then False)."""

    source: Path
    encoding: str | None
    sheet: str | None
    rows: int
    added: int
    updated: int
    moved: int
    unchanged: int
    skipped: int
    files: tuple[Path, ...]  # files changed (written unless dry_run)
    written: bool
    dry_run: bool
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]

    @property
    def summary(self) -> str:
        """One line for people."""
        read = f"{self.encoding}" if self.encoding else f"sheet {self.sheet}"
        verb = "would write" if self.dry_run else "wrote"
        return (f"{self.source.name} ({read}): {self.rows} row(s): {self.added} added, "
                f"{self.updated} updated, {self.moved} moved, {self.unchanged} unchanged, "
                f"{self.skipped} skipped; {verb} {len(self.files)} file(s)")


def _plain(value: object) -> object:
    return value.value if isinstance(value, SchoolCategory | Stage) else value


def _plan(
    root: Path, inv: Inventory, rows: Sequence[RosterRow]
) -> tuple[dict[Path, _Ops], list[Change], list[Problem]]:
    ops: dict[Path, _Ops] = {}
    changes: list[Change] = []
    notes: list[Problem] = []

    def ops_of(county: str) -> _Ops:
        path = inv.county_files.get(county, root / COUNTIES_DIR / f"{county}.yaml")
        if path not in ops:
            ops[path] = _Ops(path, county, exists=county in inv.county_files)
        return ops[path]

    for row in rows:
        school = row.school
        values = {k: _plain(getattr(school, k)) for k in _SCHOOL_KEYS if k in row.given}
        entry = inv.schools.get(school.code)
        if entry is None:
            ops_of(row.county).append.append(_New(school.code, values))
            changes.append(Change(row.line, school.code, school.name, row.county, "added"))
            continue
        diff = {k: v for k, v in values.items() if _plain(getattr(entry.school, k)) != v}
        index = int(entry.loc[1])
        if entry.county != row.county:
            src = ops_of(entry.county)
            src.remove[index] = school.code
            ops_of(row.county).append.append(_New(school.code, diff, entry.file, index))
            changes.append(Change(row.line, school.code, school.name, row.county, "moved",
                                  tuple(diff), entry.county))
            notes.extend(_move_links(inv, entry.county, school.code, src, ops_of(row.county)))
        elif diff:
            ops_of(row.county).updates[index] = diff
            changes.append(Change(row.line, school.code, school.name, row.county, "updated",
                                  tuple(diff)))
        else:
            changes.append(Change(row.line, school.code, school.name, row.county, "unchanged"))
    return ops, changes, notes


def _move_links(inv: Inventory, county: str, code: str, src: _Ops, dst: _Ops) -> list[Problem]:
    """Move the links that lie inside the school; note those that leave it and stay behind."""
    notes: list[Problem] = []
    for entry in inv.links:
        if entry.file != src.path or entry.loc[0] != "links":
            continue
        ends = [e.device for e in (entry.link.a, entry.link.b) if e.device is not None]
        mine = [h for h in ends if h in inv.devices and inv.devices[h].school == code]
        if not mine:
            continue
        if len(mine) == len(ends):
            src.remove_links.append(int(entry.loc[1]))
            dst.append_links.append((src.path, int(entry.loc[1])))
        else:
            other = next(h for h in ends if h not in mine)
            notes.append(Problem(
                src.path, None, f"links[{entry.loc[1]}]",
                f"school {code} moved from {county} to {dst.county}: its {entry.link.kind.value} "
                f"link to {other} stays in {src.path.name}",
                "move or rewire the link when the school's uplink changes", "warning",
            ))
    return notes


class StaleFileError(NetctlError):
    """A county file changed while the import was computing: nothing was written."""


def import_roster(
    root: Path, source: Path, *, sheet: str | None = None, skip_bad: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import a roster into the inventory at ``root``.

    Raises:
        ImportRowError: the file or its header is unusable, or rows are bad and not
            ``skip_bad`` (or no row is good): nothing was written.
        InventoryError: the inventory does not load as it is (fix it first).
        StaleFileError: a county file changed during the import: nothing was written.
    """
    roster = read_roster(source, sheet=sheet)
    errors = roster.errors
    if roster.fatal or (errors and (not skip_bad or not roster.rows)):
        raise ImportRowError(errors)
    raw, inv = _load(root)
    ops, changes, notes = _plan(root, inv, roster.rows)
    texts, originals = _compute(root, raw, ops)
    files = tuple(sorted(texts, key=lambda p: (ops[p].loses, str(p))))
    if not dry_run:
        for path in files:
            now = path.read_text(encoding="utf-8") if path.exists() else None
            if now != originals[path]:
                raise StaleFileError(f"{path} changed while importing: nothing was written; "
                                     "run the import again")
        write_all_or_nothing(texts, originals, files)
    count = {a: sum(1 for c in changes if c.action == a)
             for a in ("added", "updated", "moved", "unchanged")}
    return ImportResult(
        source=source, encoding=roster.encoding, sheet=roster.sheet,
        rows=len(roster.rows) + len(roster.bad_lines), added=count["added"],
        updated=count["updated"], moved=count["moved"], unchanged=count["unchanged"],
        skipped=len(roster.bad_lines), files=files, written=bool(files) and not dry_run,
        dry_run=dry_run, changes=tuple(changes), problems=(*roster.problems, *notes),
    )


def _load(root: Path) -> tuple[RawInventory, Inventory]:
    raw, findings = read_files(root)
    raise_if_errors(findings)
    assert raw is not None  # noqa: S101 - read_files returns None only with errors
    inv, more = join(raw)
    raise_if_errors(findings + more)
    return raw, inv


def _compute(
    root: Path, raw: RawInventory, ops: dict[Path, _Ops]
) -> tuple[dict[Path, str], dict[Path, str | None]]:
    """The new text of every county file that changes, checked against the intended data,
    and the text each file had when it was read (None: it did not exist)."""
    docs: dict[Path, _Doc] = {}
    plain: dict[Path, Any] = {}
    originals: dict[Path, str | None] = {}
    for path, op in ops.items():
        if op.exists:
            text = originals[path] = path.read_text(encoding="utf-8")
            text = text if text.endswith("\n") else text + "\n"
        else:
            if path.exists():
                msg = f"{path} exists but does not declare county {op.county}: rename it"
                raise NetctlError(msg)
            originals[path] = None
            from ruamel.yaml.comments import CommentedMap

            header = CommentedMap(county=op.county, name=geo.COUNTIES[op.county].name)
            text = "".join(_dump(_rt_yaml([]), header))
        plain[path] = _loads(text)
        if op.exists and not _same(plain[path], raw.counties[path]):
            raise StaleFileError(f"{path} changed while importing: nothing was written; "
                                 "run the import again")
        try:
            docs[path] = _parse(text)
        except _UnconventionalError:
            try:
                docs[path] = _parse(_normalise(text))
            except _UnconventionalError as exc:  # pragma: no cover - ruamel writes block style
                raise NetctlError(f"{path}: cannot edit this file's layout") from exc
    blocks: dict[tuple[Path, str, int], list[str]] = {}
    for path, op in ops.items():
        moved = {new.index: new.values for o in ops.values() for new in o.append
                 if new.src == path}
        for index in op.remove:
            item = docs[path].seqs["schools"].items[index]
            lines = _item_lines(docs[path], item, moved[index], lead=True)
            blocks[(path, "schools", index)] = lines
        for index in op.remove_links:
            item = docs[path].seqs["links"].items[index]
            blocks[(path, "links", index)] = _item_lines(docs[path], item, None, lead=True)
    texts: dict[Path, str] = {}
    models: dict[Path, CountyFile] = {}
    for path, op in ops.items():
        if not (op.updates or op.remove or op.append or op.remove_links or op.append_links):
            continue
        text = _render(docs[path], op, blocks)
        data = _loads(text)
        if data != _expected(path, op, plain):
            msg = (f"internal error: the edited {path.name} does not hold the intended data; "
                   "nothing was written (please report this with the roster and the file)")
            raise NetctlError(msg)
        texts[path] = text
        models[path] = _county_adapter().validate_python(data)
    counties = dict(raw.counties)
    counties.update(models)
    _, findings = join(RawInventory(root, raw.region, raw.catalog, counties))
    wrong = [f for f in findings if f.severity == "error"]
    if wrong:
        raise InventoryError([Problem(f.file, None, ".".join(str(p) for p in f.loc), f.message,
                                      f.fix) for f in wrong])
    return texts, originals


def _same(data: Any, model: CountyFile) -> bool:
    """The parsed file still holds the schools and links the loaded inventory saw."""
    schools = (data.get("schools") or []) if isinstance(data, dict) else []
    links = (data.get("links") or []) if isinstance(data, dict) else []
    return ([str(s.get("code")) for s in schools] == [s.code for s in model.schools]
            and len(links) == len(model.links))


def _expected(path: Path, op: _Ops, plain: dict[Path, Any]) -> Any:
    """The data the file must hold after the import (shallow copies: ``plain`` is not changed)."""
    data = dict(plain[path])
    schools = list(data.get("schools") or [])
    for index, changes in op.updates.items():
        schools[index] = dict(schools[index])
        _apply(schools[index], changes)
    schools = [s for i, s in enumerate(schools) if i not in op.remove]
    for new in op.append:
        if new.src is None:
            schools.append({k: v for k, v in new.values.items() if v is not None})
        else:
            moved = dict(plain[new.src]["schools"][new.index])
            _apply(moved, new.values)
            schools.append(moved)
    if schools or "schools" in data:
        data["schools"] = schools
    links = [x for i, x in enumerate(data.get("links") or []) if i not in op.remove_links]
    links += [plain[src]["links"][index] for src, index in op.append_links]
    if links or "links" in data:
        data["links"] = links
    return data


__all__ = ["Change", "ImportResult", "Roster", "RosterRow", "StaleFileError", "import_roster",
           "read_roster"]
