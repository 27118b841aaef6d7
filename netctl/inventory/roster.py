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
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import difflib
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
import yaml_rs
from pydantic import TypeAdapter, ValidationError

from netctl import geo
from netctl.exceptions import ImportRowError, InventoryError, NetctlError, Problem
from netctl.inventory.index import Inventory, join
from netctl.inventory.load import COUNTIES_DIR, RawInventory, raise_if_errors, read_files
from netctl.inventory.rosterio import (
    ENCODINGS_FIX,
    MAX_COLUMNS,
    MAX_ROWS,
    RosterLimitError,
    check_file_size,
    check_xlsx,
    plausible_gb18030,
    refuse_encoding,
    too_many_rows,
    write_all_or_nothing,
)
from netctl.models.inventory import STAGE_ZH, CountyFile, School, SchoolCategory, Stage

try:
    _CLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _CLoader = yaml.SafeLoader

Action = Literal["added", "updated", "moved", "unchanged"]

# ---------------------------------------------------------------------------------------------
# Columns and values
# ---------------------------------------------------------------------------------------------

_COUNT_FIX = "write a whole number from 0 to 10000 as digits (e.g. 24), or leave the cell empty"


@dataclass(frozen=True, slots=True)
class Column:
    """One roster column: the School field it fills, its Chinese header, and how to fix it."""

    key: str
    zh: str
    required: bool
    fix: str


COLUMNS: tuple[Column, ...] = (
    Column("code", "学校标识码", True,
           "the 10-digit national school identifier, e.g. 2164010401; format the column as text "
           "(设置单元格格式 → 文本) so that Excel keeps every digit"),
    Column("name", "学校名称", True, "the school's full name, on one line (1–100 characters)"),
    Column("county", "区县代码", True,
           "the 6-digit GB/T 2260 code of a Ningxia county: "
           + ", ".join(f"{c.code} {c.name}" for c in geo.COUNTIES.values())),
    Column("category", "城乡分类", True, "use 城区, 镇区 or 乡村 (or urban, town, rural)"),
    Column("stage", "学段", True,
           "use one of " + ", ".join(STAGE_ZH[s] for s in Stage)
           + " (or " + ", ".join(s.value for s in Stage) + ")"),
    Column("classes", "班级数", False, _COUNT_FIX),
    Column("teaching_rooms", "教室数", False, _COUNT_FIX),
    Column("digital_classrooms", "数字化教室数", False, _COUNT_FIX),
    Column("website", "网站域名", False,
           "a domain name such as www.yc1z.example.cn (no path); leave the cell empty when the "
           "school has no website"),
)
_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
ACCEPTED_HEADERS = ", ".join(f"{c.zh} ({c.key})" for c in COLUMNS)
COUNT_KEYS = ("classes", "teaching_rooms", "digital_classrooms")

_CATEGORIES: dict[str, SchoolCategory] = {
    **{c.value: c for c in SchoolCategory},
    **{c.zh: c for c in SchoolCategory},
    # sub-categories and codes of the statistical urban-rural classification (统计用城乡划分代码)
    "主城区": SchoolCategory.URBAN, "城乡结合区": SchoolCategory.URBAN,
    "镇中心区": SchoolCategory.TOWN, "镇乡结合区": SchoolCategory.TOWN,
    "特殊区域": SchoolCategory.TOWN,
    "乡中心区": SchoolCategory.RURAL, "村庄": SchoolCategory.RURAL,
    "111": SchoolCategory.URBAN, "112": SchoolCategory.URBAN,
    "121": SchoolCategory.TOWN, "122": SchoolCategory.TOWN, "123": SchoolCategory.TOWN,
    "210": SchoolCategory.RURAL, "220": SchoolCategory.RURAL,
}
_STAGES: dict[str, Stage] = {
    **{s.value: s for s in Stage},
    **{zh: s for s, zh in STAGE_ZH.items()},
    "初中": Stage.JUNIOR, "高中": Stage.SENIOR, "九年制学校": Stage.NINE_YEAR,
    "九年一贯制": Stage.NINE_YEAR, "十二年一贯制": Stage.TWELVE_YEAR, "中职": Stage.VOCATIONAL,
    "职业高中": Stage.VOCATIONAL, "特殊教育": Stage.SPECIAL, "特教学校": Stage.SPECIAL,
}
_SCHOOL_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(School))
_COUNTY_KEYS = ("county", "name", "nodes", "schools", "links", "prefixes")


def _norm(text: str) -> str:
    """NFKC (full-width → ASCII), trimmed, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def _header_key(text: str) -> str:
    """``' 班级数（个） '`` → ``班级数``; ``'Teaching Rooms'`` → ``teachingrooms``."""
    s = _norm(text).strip("*").strip()
    s = re.sub(r"\s*\([^()]*\)$", "", s)
    return re.sub(r"[\s_\-]+", "", s)


_HEADERS: dict[str, Column] = {
    **{_header_key(c.zh): c for c in COLUMNS},
    **{_header_key(c.key): c for c in COLUMNS},
}


class _BadCellError(Exception):
    """A cell that cannot be mapped; carries the message and, if more specific, the fix."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


class _Absent:
    """An empty optional cell: the school keeps what it has."""


_ABSENT = _Absent()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _digits(value: object, what: str) -> str:
    """A code that may have become a number in Excel: 2401040001.0 → '2401040001'."""
    if isinstance(value, bool):
        raise _BadCellError(f"'{value}' is not a {what}")
    if isinstance(value, float):
        if not value.is_integer():
            raise _BadCellError(f"{value} is not a {what}")
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    s = unicodedata.normalize("NFKC", _text(value)).strip()
    formula = re.fullmatch(r'="(.*)"', s)  # ="2401040001": a CSV made for Excel
    s = (formula.group(1) if formula else s).lstrip("'").strip()
    if not s:
        raise _BadCellError("the cell is empty")
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", s):
        raise _BadCellError(f"Excel shortened the {what} to '{s}'")
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    return s


def _code(value: object) -> str:
    return _digits(value, "school code")


def _county(value: object) -> str:
    s = _digits(value, "county code")
    if s in geo.COUNTIES:
        return s
    named = [c for c in geo.COUNTIES.values() if c.name == s or c.name_en.lower() == s.lower()]
    fix = f"{s} is {named[0].code}: write the code" if named else ""
    raise _BadCellError(f"unknown county code '{s}'", fix)


def _category(value: object) -> str:
    s = re.sub(r"[\s\-]+", "_", _norm(_text(value)))
    if not s:
        raise _BadCellError("the cell is empty")
    if s not in _CATEGORIES:
        raise _BadCellError(f"'{_text(value)}' is not an urban–rural category")
    return _CATEGORIES[s].value


def _stage(value: object) -> str:
    s = re.sub(r"[\s\-]+", "_", _norm(_text(value)))
    if not s:
        raise _BadCellError("the cell is empty")
    if s not in _STAGES:
        close = difflib.get_close_matches(s, list(_STAGES), n=1)
        raise _BadCellError(f"'{_text(value)}' is not a school stage",
                            f"did you mean {close[0]}? " + _BY_KEY["stage"].fix if close else "")
    return _STAGES[s].value


def _count(value: object) -> int | _Absent:
    if value is None or (isinstance(value, str) and not value.strip()):
        return _ABSENT
    if isinstance(value, bool | datetime | date | time):
        raise _BadCellError(f"'{value}' is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise _BadCellError(f"{value} is not a whole number")
        return int(value)
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if not re.fullmatch(r"[+-]?\d+(\.0*)?", s):
        raise _BadCellError(f"'{str(value).strip()}' is not a whole number")
    return int(s.split(".")[0])


def _website(value: object) -> str | None:
    s = _norm(_text(value))
    if not s:
        return None
    s = re.sub(r"^https?://", "", s)
    return s[:-1] if s.endswith("/") else s


def _name(value: object) -> str:
    s = _text(value)
    if not s:
        raise _BadCellError("the cell is empty")
    if any(unicodedata.category(ch) == "Cc" for ch in s):
        raise _BadCellError("the name spans several lines or holds control characters")
    return s


_CONVERT: dict[str, Callable[[object], object]] = {
    "code": _code, "name": _name, "county": _county, "category": _category, "stage": _stage,
    "classes": _count, "teaching_rooms": _count, "digital_classrooms": _count,
    "website": _website,
}


@cache
def _school_adapter() -> TypeAdapter[School]:
    return TypeAdapter(School)


@cache
def _county_adapter() -> TypeAdapter[CountyFile]:
    return TypeAdapter(CountyFile)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


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


def read_roster(path: Path, *, sheet: str | None = None) -> Roster:
    """Read a roster file (CSV or XLSX) and check every row; never raises for bad content."""
    try:
        table, encoding, sheet_name = _read_table(path, sheet)
    except (_BadCellError, RosterLimitError) as exc:
        problem = Problem(path, None, "", exc.message, exc.fix)
        return Roster(path, None, sheet, {}, (), (problem,), frozenset(), fatal=True)
    return _check(path, table, encoding, sheet_name)


def _read_table(path: Path, sheet: str | None) -> tuple[Table, str | None, str | None]:
    try:
        check_file_size(path.stat().st_size)
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _BadCellError(f"cannot read the file: {exc.strerror or exc}") from exc
    suffix = path.suffix.lower()
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _BadCellError("this is the old Excel format (.xls)",
                            "open it in Excel or WPS and save it as .xlsx (or CSV UTF-8)")
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        check_xlsx(path)
        table, name = _read_xlsx(path, sheet)
        return table, None, name
    if sheet is not None:
        raise _BadCellError(f"--sheet {sheet} applies to XLSX files; this is a CSV file",
                            "drop --sheet, or import the XLSX workbook")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _BadCellError(f"cannot read the file: {exc.strerror or exc}") from exc
    table, encoding = _read_csv(data)
    return table, encoding, None


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: BOM → utf-8-sig (or utf-16), else UTF-8, else GB18030."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError as exc:
        msg = f"the file starts with a byte order mark but is not valid {exc.encoding}"
        raise _BadCellError(msg, ENCODINGS_FIX) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise refuse_encoding(data) from exc
    if not plausible_gb18030(text):  # Big5, Shift-JIS, Latin-1 "decode" as GB18030 too
        raise refuse_encoding(data)
    return text, "gb18030"


def _read_csv(data: bytes) -> tuple[Table, str]:
    text, encoding = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if any(d in first for d in ",\t;") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: Table = []
    try:
        for line, record in enumerate(reader, start=1):
            if line > MAX_ROWS:
                raise too_many_rows(MAX_ROWS)
            table.append((line, list(record[:MAX_COLUMNS])))
    except csv.Error as exc:
        raise _BadCellError(f"line {len(table) + 1}: not valid CSV ({exc})",
                            "check the quotes on that line") from exc
    return table, encoding


def _read_xlsx(path: Path, sheet: str | None) -> tuple[Table, str]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _BadCellError(f"not a readable XLSX workbook ({exc})",
                            "open it in Excel or WPS and save it again as .xlsx") from exc
    except Exception as exc:  # openpyxl raises anything on a malformed part
        raise _BadCellError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                            "open it in Excel or WPS and save it again as .xlsx") from exc
    try:
        return _sheet_rows(wb, sheet)
    except (_BadCellError, RosterLimitError):
        raise
    except Exception as exc:  # a damaged sheet part (XML, CRC, zlib)
        raise _BadCellError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                            "open it in Excel or WPS and save it again as .xlsx") from exc
    finally:
        wb.close()


def _sheet_rows(wb: Any, sheet: str | None) -> tuple[Table, str]:
    """The rows of the named (or first) sheet, bounded in rows and columns."""
    if sheet is not None and sheet not in wb.sheetnames:
        raise _BadCellError(f"the workbook has no sheet '{sheet}'",
                            "use --sheet with one of: " + ", ".join(wb.sheetnames))
    if not wb.worksheets:
        raise _BadCellError("the workbook has no worksheet")
    ws = wb[sheet] if sheet is not None else wb.worksheets[0]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # dimensions written by other tools are often wrong
    table: Table = []
    for line, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
        if line > MAX_ROWS:
            raise too_many_rows(MAX_ROWS)
        table.append((line, list(values)))
    return table, str(ws.title)


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


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Text: locate sequence items, splice edited ones back
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


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
