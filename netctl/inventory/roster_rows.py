"""Row validation of a roster: the header mapped (:mod:`~netctl.inventory.roster_columns`), every
row checked with the real model, every bad row reported with its spreadsheet line, column and fix.

:class:`Roster` is what :func:`netctl.inventory.roster_read.read_roster` returns.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from netctl.exceptions import Problem
from netctl.inventory.roster_columns import (
    _ABSENT,
    _BY_KEY,
    _CONVERT,
    _HEADERS,
    ACCEPTED_HEADERS,
    COLUMNS,
    _BadCellError,
    _header_key,
    _school_adapter,
    _text,
)
from netctl.models.inventory import School


@dataclass(frozen=True, slots=True)
class RosterRow:
    """A good row: the validated school, its county, and the fields the roster gives."""

    line: int
    county: str
    school: School
    given: frozenset[str]


@dataclass(frozen=True, slots=True)
class Roster:
    """A roster file read and checked: good rows, and a problem for every bad row."""

    source: Path
    encoding: str | None  # None for XLSX
    sheet: str | None  # XLSX only
    columns: dict[str, str]  # School field → the header as written in the file
    rows: tuple[RosterRow, ...]
    problems: tuple[Problem, ...]
    bad_lines: frozenset[int]
    fatal: bool  # the file or its header is unusable: no row was read

    @property
    def errors(self) -> list[Problem]:
        """The problems that make rows bad (not warnings)."""
        return [p for p in self.problems if p.severity == "error"]


Table = list[tuple[int, list[object]]]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _check(path: Path, table: Table, encoding: str | None, sheet: str | None) -> Roster:
    rows = [(line, cells) for line, cells in table if not all(_blank(c) for c in cells)]
    if not rows:
        problem = Problem(path, None, "", "the file is empty",
                          f"the first row holds the headers: {ACCEPTED_HEADERS}")
        return Roster(path, encoding, sheet, {}, (), (problem,), frozenset(), fatal=True)
    header_line, header = rows[0]
    data = rows[1:]
    problems: list[Problem] = []
    columns: dict[str, int] = {}  # field → column index
    written: dict[str, str] = {}  # field → header as written
    width = max(len(cells) for _, cells in rows)
    for index in range(width):
        raw = _text(header[index]) if index < len(header) else ""
        where = f"column {_letter(index)}"
        if not raw:
            if any(index < len(c) and not _blank(c[index]) for _, c in data):
                problems.append(Problem(
                    path, header_line, where, f"{where} has values but no header",
                    f"name it (accepted headers: {ACCEPTED_HEADERS}) or delete it"))
            continue
        col = _HEADERS.get(_header_key(raw))
        if col is None:
            close = difflib.get_close_matches(_header_key(raw), list(_HEADERS), n=1, cutoff=0.5)
            like = _HEADERS[close[0]] if close else None
            hint = f"did you mean {like.zh} ({like.key})? " if like else ""
            problems.append(Problem(path, header_line, raw, f"unknown column '{raw}' ({where})",
                                    f"{hint}rename or delete it; accepted headers: "
                                    f"{ACCEPTED_HEADERS}"))
        elif col.key in columns:
            first = _letter(columns[col.key])
            problems.append(Problem(path, header_line, raw,
                                    f"{where} '{raw}' repeats column {first} "
                                    f"'{written[col.key]}' ({col.zh} / {col.key})",
                                    "keep one of the two columns"))
        else:
            columns[col.key] = index
            written[col.key] = raw
    for col in COLUMNS:
        if col.required and col.key not in columns:
            problems.append(Problem(path, header_line, col.zh,
                                    f"required column {col.zh} ({col.key}) is missing",
                                    f"add a column headed {col.zh} (or {col.key}); accepted "
                                    f"headers: {ACCEPTED_HEADERS}"))
    if problems:
        return Roster(path, encoding, sheet, written, (), tuple(problems), frozenset(), fatal=True)

    order = {written[k]: i for k, i in columns.items()}  # problems of a row in column order
    checked: list[RosterRow] = []
    bad: set[int] = set()
    codes: dict[str, list[int]] = defaultdict(list)
    for line, cells in data:
        values: dict[str, Any] = {}
        row_problems: list[Problem] = []
        for key, index in columns.items():
            cell = cells[index] if index < len(cells) else None
            try:
                value = _CONVERT[key](cell)
            except _BadCellError as exc:
                col = _BY_KEY[key]
                row_problems.append(Problem(path, line, written[key], exc.message,
                                            exc.fix or col.fix))
                continue
            if value is not _ABSENT:
                values[key] = value
        if "code" in values:
            codes[values["code"]].append(line)
        county = values.pop("county", None)
        school, invalid = _validate(path, line, values, written)
        reported = {p.field for p in row_problems}
        row_problems.extend(p for p in invalid if p.field not in reported)
        if row_problems:
            bad.add(line)
            problems.extend(row_problems)
        elif school is not None:
            checked.append(RosterRow(line, str(county), school, frozenset(values)))
    for code, lines in codes.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(n) for n in lines if n != line)
                problems.append(Problem(path, line, written["code"],
                                        f"school code {code} is also on line {others}",
                                        "keep one row per school"))
                bad.add(line)
    good = [row for row in checked if row.line not in bad]
    for row in good:
        school = row.school
        both = {"classes", "digital_classrooms"} <= row.given
        if both and school.digital_classrooms > school.classes:
            problems.append(Problem(
                path, row.line, written["digital_classrooms"],
                f"{school.digital_classrooms} digital classrooms for {school.classes} classes",
                "check the roster: the KPI counts at most one digital classroom per class",
                "warning",
            ))
    problems.sort(key=lambda p: (p.line or 0, p.severity != "error", order.get(p.field, 0)))
    return Roster(path, encoding, sheet, written, tuple(good), tuple(problems), frozenset(bad),
                  fatal=False)


def _validate(
    path: Path, line: int, values: dict[str, Any], written: dict[str, str]
) -> tuple[School | None, list[Problem]]:
    """Check the mapped values with the School model; one problem per failing column."""
    try:
        return _school_adapter().validate_python(values), []
    except ValidationError as exc:
        out: list[Problem] = []
        for err in exc.errors(include_url=False):
            key = str(err["loc"][0]) if err["loc"] else ""
            col = _BY_KEY.get(key)
            value = err.get("input")
            kind = err["type"]
            if kind == "string_pattern_mismatch":
                what = {"code": "10-digit school code", "website": "domain name"}.get(key, key)
                message = f"'{value}' is not a {what}"
            elif kind == "greater_than_equal":
                message = f"{value} is negative"
            elif kind == "less_than_equal":
                message = f"{value} is more than {(err.get('ctx') or {}).get('le')}"
            elif kind == "string_too_long":
                most = (err.get("ctx") or {}).get("max_length")
                message = f"the name is longer than {most} characters"
            elif kind == "value_error":  # the model's own reason (e.g. a formula-like name)
                reason = str((err.get("ctx") or {}).get("error", err["msg"]))
                message = f"{value!r}: {reason}"
            else:
                message = f"{value!r}: {err['msg']}"
            header = written.get(key, key)
            out.append(Problem(path, line, header, message, col.fix if col else ""))
        return None, out
