"""Points: what every collector produces, and their InfluxDB line-protocol form.

Examples:
    >>> p = Point("snmp_interface", (("device", "gw 1"), ("ifname", "Gi0/1")),
    ...           {"in_bps": 1.5, "oper_status": 1, "alias": 'a "b"'}, 1700000000000)
    >>> print(p.line())  # doctest: +NORMALIZE_WHITESPACE
    snmp_interface,device=gw\\ 1,ifname=Gi0/1
        in_bps=1.5,oper_status=1i,alias="a \\"b\\"" 1700000000000
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from typing import Any, overload

FieldValue = int | float | str | bool

_TAG_ESCAPE = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": "", "\r": ""})
_MEAS_ESCAPE = str.maketrans({",": r"\,", " ": r"\ ", "\n": "", "\r": ""})
# A backslash that ends a value or stands before ',', '=' or ' ' would escape what follows it.
# Line protocol 2.x reads "\\" as one backslash, but InfluxDB 1.x decides "escaped" by looking
# at the previous byte only, so no spelling of such a backslash is accepted there (the whole
# batch is refused). It is written as U+FF3C (＼, a full-width reverse solidus): the series
# stays distinct and readable, and the batch is accepted by every version. Other backslashes
# are literal everywhere and are kept.
_ESCAPING_BACKSLASH = re.compile(r"\\(?=[,= ]|$)")
_LINE_BREAKS = str.maketrans({"\n": "", "\r": ""})


def _escape(text: str, table: dict[int, str]) -> str:
    r"""Escape a tag key/value, field key or measurement for line protocol.

    Examples:
        >>> print(_escape("C:\\tmp\\", _TAG_ESCAPE))
        C:\tmp＼
        >>> print(_escape("a b,c=d\nx", _TAG_ESCAPE))
        a\ b\,c\=dx
    """
    if "\\" in text:
        text = _ESCAPING_BACKSLASH.sub("\uff3c", text.translate(_LINE_BREAKS))
    return text.translate(table)


INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Point:
    """One measurement at one time (milliseconds since the epoch, the poll time)."""

    measurement: str
    tags: tuple[tuple[str, str], ...]
    fields: Mapping[str, FieldValue]
    time_ms: int
    encoded: str = field(default="", compare=False, repr=False)
    """Its :meth:`line`, when whoever built the point wrote it at the same time (the SNMP
    converter does, from the values it has at hand: :class:`LineBuilder`)."""

    def line(self) -> str:
        """InfluxDB line protocol (precision ms). Empty tag values are left out (as InfluxDB
        requires); integers get the ``i`` suffix, so a field keeps one type for ever."""
        if self.encoded:
            return self.encoded
        parts = []
        for k, v in self.fields.items():
            cls = type(v)
            if type(v) is int:
                parts.append(f"{_key_eq(k)}{v if v <= INT64_MAX else INT64_MAX}i")
            elif cls is float:
                parts.append(f"{_key_eq(k)}{v!r}")
            else:
                parts.append(_field(k, v))
        return f"{_head(self.measurement, self.tags)} {','.join(parts)} {self.time_ms}"


_SET = tuple(Point.__dict__[name].__set__
             for name in ("measurement", "tags", "fields", "time_ms", "encoded"))


def new_point(measurement: str, tags: tuple[tuple[str, str], ...],
              fields: Mapping[str, FieldValue], time_ms: int, encoded: str) -> Point:
    """``Point(measurement, tags, fields, time_ms, encoded)``, made without the frozen
    dataclass ``__init__`` (five ``object.__setattr__`` calls by name): the SNMP converter
    makes one per interface and poll."""
    point: Point = object.__new__(Point)
    set_m, set_t, set_f, set_ti, set_e = _SET
    set_m(point, measurement)
    set_t(point, tags)
    set_f(point, fields)
    set_ti(point, time_ms)
    set_e(point, encoded)
    return point


@lru_cache(maxsize=1 << 17)
def _head(measurement: str, tags: tuple[tuple[str, str], ...]) -> str:
    """``measurement,tag=value,...`` escaped (a series repeats at every poll)."""
    text = ",".join([_tag(k, v) for k, v in tags if v])
    head = _measurement(measurement)
    return f"{head},{text}" if text else head


@lru_cache(maxsize=1 << 16)
def _tag(key: str, value: str) -> str:
    """``key=value`` escaped (tag pairs repeat across polls: device names, interface names)."""
    return f"{_escape(key, _TAG_ESCAPE)}={_escape(value, _TAG_ESCAPE)}"


@lru_cache(maxsize=256)
def _measurement(name: str) -> str:
    return _escape(name, _MEAS_ESCAPE)


@lru_cache(maxsize=1024)
def _key(name: str) -> str:
    return _escape(name, _TAG_ESCAPE)


@lru_cache(maxsize=1024)
def _key_eq(name: str) -> str:
    return f"{_escape(name, _TAG_ESCAPE)}="


def _field(key: str, value: FieldValue) -> str:
    cls = value.__class__
    if cls is float:
        return f"{_key(key)}={value!r}"
    if cls is int:
        return f"{_key(key)}={min(value, INT64_MAX)}i"
    if cls is bool:
        return f"{_key(key)}={'true' if value else 'false'}"
    if isinstance(value, int):  # an int subclass
        return f"{_key(key)}={min(int(value), INT64_MAX)}i"
    if isinstance(value, float):
        return f"{_key(key)}={float(value)!r}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'{_key(key)}="{text}"'


def lines(points: Iterable[Point]) -> list[str]:
    """Line protocol of many points (points without fields are skipped)."""
    if isinstance(points, Points):  # rows kept as columns: their text, no Point made
        return points.lines()
    return [p.line() for p in points if p.fields]


class PointColumns:
    """Points of one measurement and time kept as columns (one device's poll of a table),
    with every point's line protocol already written: :meth:`points` makes the
    :class:`Point` objects only for whoever asks for them (tests, the heartbeat, the address
    lists); the line-protocol sink reads :attr:`texts` and no object per row is made.

    ``rows`` are the positions (in the columns) of the points, ``texts`` their lines; a tag
    column holds each row's tag value as text ("" is left out of the line), a field column
    each row's value (kept when InfluxDB can store it, as :meth:`LineBuilder.fields` decides).
    """

    __slots__ = ("base_tags", "field_columns", "field_names", "measurement", "rows",
                 "tag_columns", "tag_names", "texts", "time_ms")

    def __init__(self, measurement: str, base_tags: tuple[tuple[str, str], ...],
                 tag_names: tuple[str, ...], tag_columns: list[list[str]],
                 field_names: tuple[str, ...], field_columns: list[list[Any]],
                 rows: list[int], texts: list[str], time_ms: int) -> None:
        self.measurement = measurement
        self.base_tags = base_tags
        self.tag_names = tag_names
        self.tag_columns = tag_columns
        self.field_names = field_names
        self.field_columns = field_columns
        self.rows = rows
        self.texts = texts
        self.time_ms = time_ms

    def __len__(self) -> int:
        return len(self.texts)

    def points(self) -> list[Point]:
        """The rows as :class:`Point` objects (``encoded``: their line)."""
        keyed = LineBuilder.keyed(self.field_names)
        out = []
        for row, text in zip(self.rows, self.texts, strict=True):
            extra = tuple(zip(self.tag_names, [c[row] for c in self.tag_columns], strict=True))
            values = dict(zip(self.field_names, [c[row] for c in self.field_columns],
                              strict=True))
            fields = LineBuilder.fields(values, keyed)[0]
            out.append(new_point(self.measurement, self.base_tags + extra, fields,
                                 self.time_ms, text))
        return out


class Points(Sequence[Point]):
    """The points of a conversion: :class:`Point` objects and :class:`PointColumns`, in order.

    ``lines(points)`` (:func:`lines`) reads the columns' text without making their points;
    indexing or iterating makes them (once).
    """

    __slots__ = ("_parts",)

    def __init__(self, points: Iterable[Point] = ()) -> None:
        self._parts: list[list[Point] | PointColumns] = [list(points)]

    def append(self, point: Point) -> None:
        """Add a point after the others."""
        last = self._parts[-1]
        if isinstance(last, list):
            last.append(point)
        else:
            self._parts.append([point])

    def add_columns(self, columns: PointColumns) -> None:
        """Add rows kept as columns after the others."""
        if columns.texts:
            self._parts.append(columns)

    def _made(self) -> list[Point]:
        parts = self._parts
        if len(parts) == 1 and isinstance(parts[0], list):
            return parts[0]
        made: list[Point] = []
        for part in parts:
            made += part if isinstance(part, list) else part.points()
        self._parts = [made]
        return made

    def lines(self) -> list[str]:
        """Every point's line protocol (points without fields are skipped)."""
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, list):
                out += [p.line() for p in part if p.fields]
            else:
                out += part.texts
        return out

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    @overload
    def __getitem__(self, index: int) -> Point: ...

    @overload
    def __getitem__(self, index: slice) -> list[Point]: ...

    def __getitem__(self, index: int | slice) -> Point | list[Point]:
        return self._made()[index]

    def __iter__(self) -> Iterator[Point]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Points):
            return self._made() == other._made()
        if isinstance(other, list):
            return self._made() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Points({self._made()!r})"


class LineBuilder:
    """:meth:`Point.line` for many points of one measurement that share leading tags (one
    device's poll), with the escaped head and field keys worked out once.

    ``head(extra_tags) + " " + fields(values, keyed(names))[1] + " " + str(time_ms)``
    equals
    ``Point(measurement, base_tags + extra_tags, fields, time_ms).line()``
    (tests/unit/collectors/test_snmp_scan.py compares them).
    """

    __slots__ = ("_head",)

    def __init__(self, measurement: str, base_tags: tuple[tuple[str, str], ...]) -> None:
        self._head = _head(measurement, base_tags)

    def head(self, extra_tags: tuple[tuple[str, str], ...]) -> str:
        """``measurement,tag=value,...`` of a point with these tags after the shared ones."""
        head = self._head
        for k, v in extra_tags:
            if v:
                head = f"{head},{_tag(k, v)}"
        return head

    @staticmethod
    def keyed(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
        """Field names with their escaped ``key=`` prefix, for :meth:`fields`."""
        return tuple((name, _key_eq(name)) for name in names)

    @staticmethod
    def fields(values: Mapping[str, object], keyed: Iterable[tuple[str, str]]
               ) -> tuple[dict[str, FieldValue], str]:
        """The fields (``keyed``: see :meth:`keyed`) of ``values`` that InfluxDB can store (an
        int beyond int64, None or anything else than int/float/str/bool is left out), and their
        line-protocol text."""
        fields: dict[str, FieldValue] = {}
        parts: list[str] = []
        append = parts.append
        for name, key in keyed:
            fv = values[name]
            cls = fv.__class__
            if cls is int:
                if fv <= INT64_MAX:  # type: ignore[operator]
                    fields[name] = fv  # type: ignore[assignment]
                    append(f"{key}{fv}i")
            elif cls is float:
                fields[name] = fv  # type: ignore[assignment]
                append(f"{key}{fv!r}")
            elif fv is None:
                continue
            elif cls is str or cls is bool:
                fields[name] = fv  # type: ignore[assignment]
                append(_field(name, fv))  # type: ignore[arg-type]
            elif isinstance(fv, int | float | str):  # subclasses: as they are (see _field)
                fields[name] = fv
                append(_field(name, fv))
        return fields, ",".join(parts)


class FieldSet:
    """A fixed list of field names whose rows are turned into (fields, line-protocol text) by
    :meth:`row`; the same result as :meth:`LineBuilder.fields`.

    Rows whose values are all ``int``/``float``/None (every interface row of IF-MIB) go
    through a plan kept per pattern of value types: the fields kept, and a %-format of their
    text, applied in one call; any other row (strings, bools, subclasses, an int beyond int64)
    goes through :meth:`LineBuilder.fields`.
    """

    __slots__ = ("_get", "_keyed", "_names", "_plans")

    def __init__(self, names: Iterable[str]) -> None:
        self._names = tuple(names)
        self._keyed = LineBuilder.keyed(self._names)
        getter = itemgetter(*self._names) if self._names else (lambda _v: ())
        self._get = getter if len(self._names) != 1 else (lambda v: (getter(v),))
        self._plans: dict[tuple[type, ...], _Plan | None] = {}

    def _plan(self, kinds: tuple[type, ...]) -> _Plan | None:
        parts = []
        ints = []
        for pos, ((_name, key), kind) in enumerate(zip(self._keyed, kinds, strict=True)):
            if kind is int:
                parts.append(key.replace("%", "%%") + "%di")
                ints.append(pos)
            elif kind is float:
                parts.append(key.replace("%", "%%") + "%r")
            elif kind is not type(None):
                return None
        mask = tuple(k is not type(None) for k in kinds)
        if not all(mask):  # some values are None: the kept ones, checked as a whole
            return mask, ",".join(parts), None
        # every value kept: no compress; only the ints are checked against int64
        if not ints:
            int_of: Callable[[tuple[object, ...]], tuple[int, ...]] = lambda _v: (0,)  # noqa: E731
        elif len(ints) == 1:
            one = ints[0]
            int_of = lambda v: (v[one],)  # type: ignore[assignment,return-value]  # noqa: E731
        else:
            int_of = itemgetter(*ints)
        return None, ",".join(parts), int_of

    def row(self, values: Mapping[str, object]) -> tuple[dict[str, FieldValue], str]:
        """The storable fields of ``values`` and their line-protocol text."""
        vals = self._get(values)
        planned = self._planned(vals)
        if planned is not None:
            text, mask = planned
            pairs = zip(self._names, vals, strict=True)
            return dict(pairs if mask is None else compress(pairs, mask)), text
        return LineBuilder.fields(values, self._keyed)

    def _planned(self, vals: tuple[Any, ...]) -> tuple[str, tuple[bool, ...] | None] | None:
        """The text of a row by the plan of its value types, and the plan's mask of the fields
        it keeps (None: all); None when no plan fits (a type or an integer beyond int64)."""
        kinds = tuple(map(type, vals))
        plan = self._plans.get(kinds, _UNPLANNED)
        if plan is _UNPLANNED:
            if len(self._plans) >= 1024:
                self._plans.clear()
            plan = self._plans[kinds] = self._plan(kinds)
        if plan is None:
            return None
        mask, fmt, int_of = plan
        if int_of is not None:
            return (fmt % vals, None) if max(int_of(vals)) <= INT64_MAX else None
        kept = tuple(compress(vals, mask))
        return (fmt % kept, mask) if not kept or max(kept) <= INT64_MAX else None

    def texts(self, columns: Sequence[Sequence[Any]]) -> list[str]:
        """:meth:`text` of every row of ``columns`` (one list per field name, in order, of
        equal length): the types of each row and their plans are looked up a column at a
        time, and the int64 check is made once per column when every int passes it."""
        if not columns:
            return []
        rows = list(zip(*columns, strict=True))
        types = [list(map(type, c)) for c in columns]
        for c, t in zip(columns, types, strict=True):
            if int in t and max(c if set(t) == _INT else [v for v in c if v.__class__ is int]
                                ) > INT64_MAX:
                return list(map(self.text, rows))
        kinds = list(zip(*types, strict=True))
        plans = self._plans
        out: list[str] = []
        append = out.append
        for vals, kind in zip(rows, kinds, strict=True):
            plan = plans.get(kind, _UNPLANNED)
            if plan is _UNPLANNED:
                append(self.text(vals))
            elif plan is None:
                append(LineBuilder.fields(dict(zip(self._names, vals, strict=True)),
                                          self._keyed)[1])
            elif plan[0] is None:
                append(plan[1] % vals)
            else:
                append(plan[1] % tuple(compress(vals, plan[0])))
        return out

    def text(self, vals: tuple[Any, ...]) -> str:
        """The line-protocol text of a row given as its values in field-name order (what
        :meth:`row` gives as text, without the fields' dict: rows kept as columns)."""
        planned = self._planned(vals)
        if planned is not None:
            return planned[0]
        return LineBuilder.fields(dict(zip(self._names, vals, strict=True)), self._keyed)[1]


_UNPLANNED: Any = object()
_INT = frozenset((int,))
_Plan = tuple[tuple[bool, ...] | None, str, Callable[[tuple[object, ...]], tuple[int, ...]] | None]
