"""A table's rows converted column by column: the converter's path for the usual profiles.

:func:`netctl.collectors.snmp.convert.convert` evaluates a profile's expressions row by row
(a dict of values per row, a closure call per expression, a :class:`Point` per interface).
When every expression of a row set is one this module can evaluate over a whole column
(:func:`vectorizable`: a column, a scalar, an index part, a constant, an earlier value, a
counter rate, utilisation, ``coalesce`` of those, with their transforms: everything but
``lookup`` and ``inventory``), the row
set is converted here instead: each expression becomes one list over the rows, the line
protocol is written from those lists, and the points stay columns
(:class:`~netctl.collectors.points.PointColumns`) until somebody asks for objects.

The decisions are the row path's, value for value (same arithmetic, same order of the state
filter's questions): ``tests/unit/collectors/test_snmp_scan.py`` compares this path with the
plain one on every recording and profile, lines, points and observations byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from operator import add
from typing import Any

from netctl.collectors.points import FieldSet, LineBuilder, PointColumns, _tag
from netctl.collectors.rates import DEFAULT_TOLERANCE, counter_rate
from netctl.collectors.snmp.expr import PollData, parse_index, passes, transform
from netctl.collectors.snmp.profile import Expr, Where
from netctl.collectors.snmp.walk import Index
from netctl.state.store import Observation

Scalar = Any
Vector = list[Any]
StateFilter = Callable[[str, str, str, float | str | None], bool]
_NUMBER = (int, float)


def columnar(exprs: tuple[tuple[str, Expr], ...]) -> bool:
    """Whether every expression of a row set is :func:`vectorizable` (kept per expression:
    asked at every poll)."""
    for _name, expr in exprs:
        known = _VECTORIZABLE.get(id(expr))
        if known is None or known[0] is not expr:
            if len(_VECTORIZABLE) >= 4096:
                _VECTORIZABLE.clear()
            known = _VECTORIZABLE[id(expr)] = (expr, vectorizable(expr))
        if not known[1]:
            return False
    return True


_VECTORIZABLE: dict[int, tuple[Expr, bool]] = {}  # id -> (the expression, kept alive; answer)
_TRANSFORMS: dict[int, tuple[Expr, Callable[[Scalar], Scalar] | None]] = {}


def _transform(expr: Expr) -> Callable[[Scalar], Scalar] | None:
    """:func:`transform`, kept per expression."""
    known = _TRANSFORMS.get(id(expr))
    if known is None or known[0] is not expr:
        if len(_TRANSFORMS) >= 4096:
            _TRANSFORMS.clear()
        known = _TRANSFORMS[id(expr)] = (expr, transform(expr))
    return known[1]


def vectorizable(expr: Expr, *, pure: bool = False) -> bool:
    """Whether :func:`column_of` evaluates ``expr`` (in the row path's order of sources).

    ``pure``: an option of ``coalesce``, which the row path evaluates lazily (up to the first
    known value) and this module over every row: nothing with a side effect (a counter rate)
    or that may raise (``type: int`` rounds, which fails on an infinite float).
    """
    if pure and expr.type == "int":
        return False
    if (expr.column is not None or expr.index is not None or expr.field is not None
            or expr.const is not None):
        return True
    if expr.rate is not None:
        return not pure
    if expr.utilisation is not None:
        return True
    if expr.lookup is not None:
        return False
    if expr.coalesce is not None:
        return all(vectorizable(e, pure=True) for e in expr.coalesce)
    return expr.inventory is None


def _named(name: str, data: PollData, indexes: list[Index], done: dict[str, Vector]
           ) -> Vector:
    """A value by name over the rows, as the row path's ``_named``: computed earlier, else a
    scalar, else a row column (None for an unknown name)."""
    if name in done:
        return done[name]
    if name in data.scalars:
        return [data.scalars[name]] * len(indexes)
    col = data.column(name) or {}
    return list(map(col.get, indexes))


def column_of(expr: Expr, data: PollData, indexes: list[Index], done: dict[str, Vector]
              ) -> Vector:
    """The values of ``expr`` over the rows ``indexes`` (``done``: the expressions before it,
    by name), as :func:`netctl.collectors.snmp.expr.build` gives them row by row."""
    out = _source(expr, data, indexes, done)
    post = _transform(expr)
    if post is not None:
        return list(map(post, out))
    default = expr.default
    if default is not None:
        return [default if v is None else v for v in out]
    return out


def _source(expr: Expr, data: PollData, indexes: list[Index], done: dict[str, Vector]
            ) -> Vector:
    n = len(indexes)
    if expr.column is not None:
        name = expr.column
        if name in data.scalars:
            return [data.scalars[name]] * n
        col = data.column(name) or {}
        return list(map(col.get, indexes))
    if expr.index is not None:
        how = expr.index
        if how == "last":
            return [i[-1] if i else None for i in indexes]
        return [parse_index(i, how) for i in indexes]
    if expr.field is not None:
        got = done.get(expr.field)
        return got if got is not None else [None] * n
    if expr.const is not None:
        return [expr.const] * n
    if expr.rate is not None:
        return _rates(expr, data, indexes, done)
    if expr.utilisation is not None:
        return _utilisation(expr, data, indexes, done)
    if expr.coalesce is not None:
        options = [column_of(e, data, indexes, done) for e in expr.coalesce]
        out: Vector = []
        append = out.append
        for row in zip(*options, strict=True):
            for v in row:
                if v is not None and v != "":
                    append(v)
                    break
            else:
                append(None)
        return out
    return [None] * n  # vectorizable() lets through no other source


def _rates(expr: Expr, data: PollData, indexes: list[Index], done: dict[str, Vector]
           ) -> Vector:
    """``rate`` over the rows: the row path's inline common case, else :func:`counter_rate`
    (the samples are updated row by row in the same order)."""
    name = expr.rate or ""
    col = data.column(name) or {}
    samples, pname = data.samples, data.profile_name
    bits = 32 if data.counter_kinds.get(name) == "counter32" else 64
    scale = expr.scale or 1.0
    uptime, now = data.uptime, data.now_s
    caps: Vector = (_named(expr.cap_mbps, data, indexes, done) if expr.cap_mbps is not None
                    else [None] * len(indexes))
    tolerance = DEFAULT_TOLERANCE
    get = samples.get
    out: Vector = []
    append = out.append
    for i, raw, mbps in zip(indexes, map(col.get, indexes), caps, strict=True):
        if raw.__class__ is not int:
            append(None)
            continue
        key = (pname, name, i)
        prev = get(key)
        cur = (raw, uptime, now)
        samples[key] = cur
        max_rate = None
        if isinstance(mbps, _NUMBER) and mbps > 0:
            max_rate = float(mbps) * 1e6
        if prev is not None and uptime is not None and prev[1] is not None:
            ticks = uptime - prev[1]
            delta = raw - prev[0]
            if ticks > 0 and delta >= 0:
                value = delta / (ticks / 100) * scale
                if max_rate is not None and max_rate > 0:
                    if value > max_rate * tolerance:
                        append(None)
                    else:
                        append(min(value, max_rate))
                else:
                    append(value)
                continue
        append(counter_rate(prev, cur, bits=bits, scale=scale, max_rate=max_rate))
    return out


def _utilisation(expr: Expr, data: PollData, indexes: list[Index], done: dict[str, Vector]
                 ) -> Vector:
    rates = [done.get(f) or [None] * len(indexes) for f in expr.utilisation or ()]
    speeds = _named(expr.speed_mbps or "", data, indexes, done)
    out: Vector = []
    append = out.append
    for mbps, *row in zip(speeds, *rates, strict=True):
        if not isinstance(mbps, _NUMBER) or mbps <= 0:
            append(None)
            continue
        best = None
        for r in row:
            if isinstance(r, _NUMBER) and (best is None or r > best):
                best = r
        append(None if best is None else min(1.0, best / (mbps * 1e6)))
    return out


def _keep(where: Where, names: list[str], columns: list[Vector], data: PollData,
          indexes: list[Index]) -> list[bool]:
    """Which rows pass ``where`` (asked with each row's values, as the row path does)."""
    return [passes(where, dict(zip(names, row, strict=True)), data, index)
            for index, row in zip(indexes, zip(*columns, strict=True), strict=True)]


def convert_rows(
    *,
    exprs: tuple[tuple[str, Expr], ...],
    data: PollData,
    indexes: list[Index],
    where: Where | None,
    tag_names: tuple[str, ...],
    field_set: FieldSet,
    field_names: tuple[str, ...],
    measurement: str,
    base_tags: tuple[tuple[str, str], ...],
    builder: LineBuilder,
    role_of: Callable[[str], str] | None,
    time_ms: int,
    state: list[tuple[str, str]],
    state_where: Where | None,
    state_first_row: bool,
    state_rows: int,
    interface: str | None,
    hostname: str,
    observed: datetime,
    state_wanted: StateFilter | None,
    observations: list[Observation],
) -> tuple[PointColumns, int]:
    """One row set of a profile, column by column: its points (as columns, lines written) and
    its observations appended to ``observations``; returns the points and the number of rows
    that fed the state so far (``state_first_row``)."""
    done: dict[str, Vector] = {}
    for name, expr in exprs:  # in declaration order: an expression sees the earlier ones
        done[name] = column_of(expr, data, indexes, done)
    names = list(done)
    columns = list(done.values())
    n = len(indexes)
    kept = _keep(where, names, columns, data, indexes) if where is not None else None

    # tags: each row's text ("" for None), and its piece of the series head
    tag_columns = [_texts(done[t]) for t in tag_names]
    if role_of is not None:  # snmp_interface with inventory roles: ifrole after the tags
        ifnames = (tag_columns[tag_names.index("ifname")] if "ifname" in tag_names
                   else [""] * n)
        tag_names = (*tag_names, "ifrole")
        tag_columns = [*tag_columns, list(map(role_of, ifnames))]
    heads = [builder.head(())] * n
    for t, col in zip(tag_names, tag_columns, strict=True):
        heads = list(map(add, heads, _pieces(t, col)))

    field_columns = [done[f] for f in field_names]
    tail = f" {time_ms}"
    rows: list[int] = []
    texts: list[str] = []
    if field_names:
        for r, (h, body) in enumerate(zip(heads, field_set.texts(field_columns), strict=True)):
            if body and (kept is None or kept[r]):
                rows.append(r)
                texts.append(f"{h} {body}{tail}")
    points = PointColumns(measurement, base_tags, tag_names, tag_columns, field_names,
                          field_columns, rows, texts, time_ms)

    if state:
        state_rows = _observe(state, done, names, columns, data, indexes, kept, state_where,
                              state_first_row, state_rows, interface, hostname, observed,
                              state_wanted, observations)
    return points, state_rows


def _observe(state: list[tuple[str, str]], done: dict[str, Vector], names: list[str],
             columns: list[Vector], data: PollData, indexes: list[Index],
             kept: list[bool] | None, state_where: Where | None, state_first_row: bool,
             state_rows: int, interface: str | None, hostname: str, observed: datetime,
             state_wanted: StateFilter | None, observations: list[Observation]) -> int:
    """The row path's state loop over the columns: same rows, same questions, same order of
    observations. The state sink's filter (:class:`~netctl.collectors.sinks.state.StateFilter`)
    is asked a whole column per metric (the questions about one key keep their order, and no
    two metrics share a key); any other filter value by value, row by row."""
    n = len(indexes)
    rows: list[int] = []
    for r in range(n):
        if kept is not None and not kept[r]:
            continue
        if state_where is not None and not passes(
                state_where, dict(zip(names, [c[r] for c in columns], strict=True)), data,
                indexes[r]):
            continue
        if state_first_row and state_rows:
            continue
        state_rows += 1
        rows.append(r)
    if not rows:
        return state_rows
    named = done.get(interface) if interface else None
    ifaces = ([""] * n if named is None
              else named if set(map(type, named)) <= _STR else [str(v or "") for v in named])
    # each metric's observation values (None: unknown, never recorded)
    sources = [(metric, _obs_values(done.get(source) or [None] * n))
               for metric, source in state]
    column = getattr(state_wanted, "column", None)
    append = observations.append
    if state_wanted is None or column is None:
        for r in rows:
            iface = ifaces[r]
            for metric, values in sources:
                ov = values[r]
                if ov is not None and (state_wanted is None
                                       or state_wanted(hostname, iface, metric, ov)):
                    append(Observation(hostname, metric, ov, observed, "snmp", iface))
        return state_rows
    hits = sorted((r, pos) for pos, (metric, values) in enumerate(sources)
                  for r in column(hostname, metric, ifaces, values, rows))
    for r, pos in hits:
        metric, values = sources[pos]
        append(Observation(hostname, metric, values[r], observed, "snmp", ifaces[r]))
    return state_rows


def _obs_values(values: Vector) -> list[float | str | None]:
    """:func:`_obs_value` of a column (numbers, with or without None, in one pass)."""
    kinds = set(map(type, values))
    if kinds <= _INT_FLOAT:
        return list(map(float, values))
    if kinds <= _INT_FLOAT_NONE:
        return [None if v is None else float(v) for v in values]
    return list(map(_obs_value, values))


_INT_FLOAT = frozenset((int, float))
_INT_FLOAT_NONE = frozenset((int, float, type(None)))
_STR = frozenset((str,))


def _texts(values: Vector) -> list[str]:
    """A tag column as text: ``str(value)``, "" for None."""
    if set(map(type, values)) <= _STR:
        return values
    return ["" if v is None else str(v) for v in values]


_PIECES: dict[str, dict[str, str]] = {}


def _pieces(key: str, texts: list[str]) -> list[str]:
    """Each row's ``,key=value`` of the series head, escaped ("" for an empty value); the
    pieces are kept per tag key (the same interface names come back at every poll)."""
    cache = _PIECES.get(key)
    if cache is None or len(cache) > 16_384:
        if len(_PIECES) > 256:
            _PIECES.clear()
        cache = _PIECES[key] = {"": ""}
    out = list(map(cache.get, texts))
    if None in out:
        for r, piece in enumerate(out):
            if piece is None:
                text = texts[r]
                out[r] = cache[text] = f",{_tag(key, text)}"
    return out  # type: ignore[return-value]


def _obs_value(value: Scalar) -> float | str | None:
    """An observation's value (the row path's): numbers as floats, None for an unknown or
    empty value."""
    cls = value.__class__
    if cls is int or cls is float:
        return float(value)
    if value is None or value == "":
        return None
    return float(value) if isinstance(value, bool | int | float) else str(value)
