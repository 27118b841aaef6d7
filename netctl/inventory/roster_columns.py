"""The roster's columns: headers (Chinese or English) mapped to the model's fields, and each cell's
value parsed (categories, stages, counts, school and county codes, websites).

Part of roster import (:mod:`netctl.inventory.roster`): :mod:`~netctl.inventory.roster_read`
reads the file, :mod:`~netctl.inventory.roster_rows` validates its rows with these parsers.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

from pydantic import TypeAdapter

from netctl import geo
from netctl.models.inventory import STAGE_ZH, CountyFile, School, SchoolCategory, Stage

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
