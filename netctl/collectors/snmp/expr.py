"""Profile expressions compiled to closures, once per poll.

Evaluating the pydantic :class:`~netctl.collectors.snmp.profile.Expr` models field by field for
every row cost more CPU than the SNMP exchange itself; here each expression becomes one small
function of ``(row index, values computed so far)`` with its column already looked up, and the
transforms it does not use are not even tested.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netctl.collectors.rates import DEFAULT_TOLERANCE, counter_rate
from netctl.collectors.snmp.profile import Expr, Where
from netctl.collectors.snmp.walk import Index

Scalar = Any
Evaluator = Callable[[Index, dict[str, Scalar]], Scalar]
INET_TYPES = {1: "ipv4", 2: "ipv6", 3: "ipv4", 4: "ipv6"}


@dataclass(slots=True)
class PollData:
    """What one poll fetched, decoded, and the state expressions may touch."""

    profile_name: str
    scalars: dict[str, Scalar]
    tables: dict[str, dict[str, dict[Index, Scalar]]]
    table: str | None
    counter_kinds: Mapping[str, str]
    samples: dict[tuple[str, str, Index], tuple[int, int | None, float]]
    uptime: int | None
    now_s: float
    ap_field: str | None = None
    inventory: Callable[[str, str], Scalar] | None = None
    groups: dict[tuple[str, str, int], dict[Index, list[Scalar]]] = field(default_factory=dict)

    def column(self, name: str) -> dict[Index, Scalar] | None:
        """The row table's column ``name`` (None for a scalar or an unknown name)."""
        if self.table is None:
            return None
        return self.tables[self.table].get(name)


def parse_index(index: Index, how: str | int) -> Scalar:
    """A part of a row index.

    Examples:
        >>> parse_index((2, 16, 32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
        ...             "inet_address")
        '2001:db8::1'
        >>> parse_index((1, 4, 192, 0, 2, 1), "inet_type")
        'ipv4'
        >>> parse_index((3, 65, 66, 67), "string"), parse_index((7, 1), 1)
        ('ABC', 1)
    """
    import ipaddress

    if isinstance(how, int):
        return index[how] if -len(index) <= how < len(index) else None
    if how == "all":
        return ".".join(map(str, index))
    if how == "last":
        return index[-1] if index else None
    if how == "mac":
        return ":".join(f"{b:02x}" for b in index[:6]) if len(index) >= 6 else None
    if how == "string":
        if not index or index[0] != len(index) - 1:
            return bytes(b & 0xFF for b in index).decode("utf-8", errors="replace")
        return bytes(b & 0xFF for b in index[1:]).decode("utf-8", errors="replace")
    if how == "inet_type":
        return INET_TYPES.get(index[0]) if index else None
    if how == "inet_address":
        if len(index) < 2 or len(index) < 2 + index[1]:
            return None
        raw = bytes(b & 0xFF for b in index[2:2 + index[1]])
        if len(raw) in (4, 16):
            return str(ipaddress.ip_address(raw))
        if len(raw) in (8, 20):  # ipv4z / ipv6z: address + 4-byte zone index
            return str(ipaddress.ip_address(raw[:-4]))
        return None
    return None


def _named(data: PollData, name: str) -> Evaluator:
    """A value by name: computed earlier in the row, else a scalar, else a row column."""
    if name in data.scalars:
        const = data.scalars[name]
        return lambda _i, vals: vals.get(name, const)
    col = data.column(name) or {}
    return lambda i, vals: vals[name] if name in vals else col.get(i)


_NUMBER = (int, float)  # isinstance with a tuple: several times faster than with int | float


def _lookup_named(data: PollData, name: str) -> tuple[str, Scalar, dict[Index, Scalar] | None]:
    """What :func:`_named` looks up, for closures that inline it: ``(name, scalar, None)``
    for a scalar, ``(name, None, column)`` for a row column (``{}`` when unknown)."""
    if name in data.scalars:
        return name, data.scalars[name], None
    return name, None, data.column(name) or {}


def _source(expr: Expr, data: PollData) -> Evaluator:
    if expr.column is not None:
        name = expr.column
        if name in data.scalars:
            const = data.scalars[name]
            return lambda _i, _v: const
        col = data.column(name) or {}
        return lambda i, _v: col.get(i)
    if expr.index is not None:
        how = expr.index
        return lambda i, _v: parse_index(i, how)
    if expr.field is not None:
        ref = expr.field
        return lambda _i, vals: vals.get(ref)
    if expr.const is not None:
        const_value = expr.const
        return lambda _i, _v: const_value
    if expr.rate is not None:
        return _rate(expr, data)
    if expr.utilisation is not None:
        rates = list(expr.utilisation)
        sname, sconst, scol = _lookup_named(data, expr.speed_mbps or "")

        def utilisation(i: Index, vals: dict[str, Scalar]) -> Scalar:
            # the speed as _named() would give it, inline
            mbps = vals[sname] if sname in vals else sconst if scol is None else scol.get(i)
            if not isinstance(mbps, _NUMBER) or mbps <= 0:
                return None
            best = None
            for f in rates:
                r = vals.get(f)
                if isinstance(r, _NUMBER) and (best is None or r > best):
                    best = r
            if best is None:
                return None
            return min(1.0, best / (mbps * 1e6))
        return utilisation
    if expr.lookup is not None:
        return _lookup(expr, data)
    if expr.coalesce is not None:
        # a plain column is looked up here rather than through its closure
        options = [(pc, None) if (pc := plain_column(e, data)) is not None
                   else (None, build(e, data)) for e in expr.coalesce]

        def first_known(i: Index, vals: dict[str, Scalar]) -> Scalar:
            for pc, ev in options:
                value = pc.get(i) if ev is None else ev(i, vals)  # type: ignore[union-attr]
                if value is not None and value != "":
                    return value
            return None
        return first_known
    if expr.inventory is not None:
        attr, ap_field, inv = expr.inventory, data.ap_field, data.inventory
        if inv is None or ap_field is None:
            return lambda _i, _v: None
        return lambda _i, vals: inv(str(vals[ap_field]), attr) if vals.get(ap_field) else None
    return lambda _i, _v: None


def _rate(expr: Expr, data: PollData) -> Evaluator:
    name = expr.rate or ""
    col = data.column(name) or {}
    samples, pname = data.samples, data.profile_name
    bits = 32 if data.counter_kinds.get(name) == "counter32" else 64
    scale = expr.scale or 1.0
    uptime, now = data.uptime, data.now_s
    cap = expr.cap_mbps is not None
    cname, cconst, ccol = _lookup_named(data, expr.cap_mbps or "")

    def rate(i: Index, vals: dict[str, Scalar]) -> Scalar:
        raw = col.get(i)
        if raw.__class__ is not int:
            return None
        key = (pname, name, i)
        prev = samples.get(key)
        cur = (raw, uptime, now)
        samples[key] = cur
        max_rate = None
        if cap:  # _named(data, cap_mbps)(i, vals), inline
            mbps = vals[cname] if cname in vals else cconst if ccol is None else ccol.get(i)
            if isinstance(mbps, _NUMBER) and mbps > 0:
                max_rate = float(mbps) * 1e6
        if prev is not None and uptime is not None and prev[1] is not None:
            # counter_rate's common case (both samples dated by sysUpTime, which went up, and
            # the counter did not go down), same arithmetic; anything else goes through it
            ticks = uptime - prev[1]
            delta = raw - prev[0]
            if ticks > 0 and delta >= 0:
                value = delta / (ticks / 100) * scale
                if max_rate is not None and max_rate > 0:
                    if value > max_rate * DEFAULT_TOLERANCE:
                        return None
                    return min(value, max_rate)
                return value
        return counter_rate(prev, cur, bits=bits, scale=scale, max_rate=max_rate)
    return rate


def _lookup(expr: Expr, data: PollData) -> Evaluator:
    lk = expr.lookup
    assert lk is not None  # noqa: S101
    col = data.tables.get(lk.table, {}).get(lk.column, {})
    aggregate = lk.aggregate

    def combine(values: list[Scalar]) -> Scalar:
        values = [v for v in values if v is not None and v != ""]
        if not values:
            return None
        if aggregate == "first":
            return values[0]
        ints = [v for v in values if isinstance(v, int)]
        if not ints:
            return None
        if aggregate == "sum":
            return sum(ints)
        if aggregate == "max":
            return max(ints)
        acc = 0
        for v in ints:
            acc |= v
        return acc

    if lk.match == "any":
        table = data.tables.get(lk.table, {})
        wanted = {c: ({str(a) for a in allowed}, table.get(c, {}))
                  for c, allowed in (lk.where or {}).items()}
        found = combine([col[idx] for idx in sorted(col)
                         if all(str(cells.get(idx)) in allowed
                                for allowed, cells in wanted.values())])
        return lambda _i, _v: found
    if lk.key == "@index":
        if lk.match == "exact":
            return lambda i, _v: combine([col.get(i)])

        def by_prefix(i: Index, _v: dict[str, Scalar]) -> Scalar:
            key = (lk.table, lk.column, len(i))
            groups = data.groups.get(key)
            if groups is None:
                groups = {}
                for idx, v in col.items():
                    groups.setdefault(idx[:len(i)], []).append(v)
                data.groups[key] = groups
            return combine(groups.get(i, []))
        return by_prefix
    key_of = _named(data, lk.key)

    def by_key(i: Index, vals: dict[str, Scalar]) -> Scalar:
        k = key_of(i, vals)
        idx = (k,) if isinstance(k, int) else k if isinstance(k, tuple) else None
        return combine([col.get(idx)]) if idx is not None else None
    return by_key


def plain_column(expr: Expr, data: PollData) -> dict[Index, Scalar] | None:
    """The row column an expression reads as it is (no transform, no default), or None: the
    converter then looks the value up itself instead of calling :func:`build`'s closure."""
    if (expr.column is None or expr.column in data.scalars or expr.map is not None
            or expr.bits is not None or expr.last_arc or expr.scale is not None
            or expr.type is not None or expr.regex is not None or expr.mask_len
            or expr.default is not None):
        return None
    return data.column(expr.column) or {}


def build(expr: Expr, data: PollData) -> Evaluator:
    """One expression as a function of (row index, values so far)."""
    base = _source(expr, data)
    post = transform(expr)
    if post is None:
        default = expr.default
        if default is None:
            return base

        def or_default(i: Index, vals: dict[str, Scalar]) -> Scalar:
            value = base(i, vals)
            return default if value is None else value
        return or_default

    def transformed(i: Index, vals: dict[str, Scalar]) -> Scalar:
        return post(base(i, vals))
    return transformed


def transform(expr: Expr) -> Callable[[Scalar], Scalar] | None:
    """The transforms of an expression (map, regex, mask_len, bits, last_arc, scale, type,
    with its default) as a function of its source's value; None when it has none (then only
    ``default`` applies, to a None)."""
    mapping, bits, last_arc = expr.map, expr.bits, expr.last_arc
    scale = expr.scale if expr.rate is None else None
    kind, default, unmapped = expr.type, expr.default, expr.unmapped
    pattern = re.compile(expr.regex) if expr.regex is not None else None
    mask_len = expr.mask_len
    if (mapping is None and bits is None and not last_arc and scale is None and kind is None
            and pattern is None and not mask_len):
        return None
    str_keys = {str(k): v for k, v in mapping.items()} if mapping is not None else {}

    def transformed(value: Scalar) -> Scalar:
        if value is None:
            return default
        if mapping is not None:
            mapped = mapping.get(value)
            if mapped is None:
                mapped = str_keys.get(str(value))
            if mapped is not None:
                value = mapped
            elif unmapped is not None:
                value = unmapped
            elif default is not None:
                value = default
        if pattern is not None:
            found = pattern.search(str(value))
            if found is None:
                return default
            value = found.group(1) if pattern.groups else found.group(0)
        if mask_len:
            value = _mask_len(value)
            if value is None:
                return default
        if bits is not None:
            if not isinstance(value, int):
                return default
            value = next((label for bit, label in bits if value & bit), default)
            if value is None:
                return None
        if last_arc:
            text = str(value).rsplit(".", 1)[-1]
            value = int(text) if text.isdigit() else None
        if scale is not None and isinstance(value, int | float):
            value = value * scale
        if kind == "int" and isinstance(value, float):
            value = round(value)
        elif kind == "float" and isinstance(value, int):
            value = float(value)
        elif kind == "str" and value is not None:
            value = str(value)
        return value
    return transformed


def _mask_len(value: Scalar) -> int | None:
    """A dotted IPv4 netmask as a prefix length (None when it is not a contiguous mask).

    Examples:
        >>> _mask_len("255.255.255.0"), _mask_len("255.0.255.0"), _mask_len(None)
        (24, None, None)
    """
    import ipaddress

    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{value}").prefixlen
    except (ValueError, TypeError):
        return None


def passes(where: Where | None, values: Mapping[str, Scalar], data: PollData,
           index: Index) -> bool:
    """Whether a row passes a ``where`` (names: computed values, scalars or columns)."""
    if where is None:
        return True
    for name, allowed in where.values.items():
        if name in values:
            value = values[name]
        elif name in data.scalars:
            value = data.scalars[name]
        else:
            value = (data.column(name) or {}).get(index)
        if value not in allowed and str(value) not in [str(a) for a in allowed]:
            return False
    return True
