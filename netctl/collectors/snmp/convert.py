"""From fetched SNMP values to points and observations: pure functions over a profile.

:func:`compile_profile` turns a :class:`~netctl.collectors.snmp.profile.Profile` into the OID
lists a fetch needs; :func:`convert` turns one fetch into :class:`Converted` (points for
InfluxDB, observations for the state store, AP reports for the HA election). Counter history
lives in a :class:`CounterStore` the caller keeps per device.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from netctl.collectors.points import INT64_MAX, FieldValue, Point
from netctl.collectors.rates import counter_rate
from netctl.collectors.snmp import ber
from netctl.collectors.snmp.profile import Column, Expr, Profile, Where
from netctl.collectors.snmp.walk import FetchResult, Index
from netctl.state.store import Observation

UPTIME_SCALAR = "sysUpTime"
INET_TYPES = {1: "ipv4", 2: "ipv6", 3: "ipv4", 4: "ipv6"}

Scalar = Any  # a decoded value: int, str, bytes or None


@dataclass(frozen=True, slots=True)
class CompiledProfile:
    """A profile with its OIDs laid out for one fetch."""

    profile: Profile
    scalar_oids: tuple[bytes, ...]
    scalar_names: tuple[str, ...]
    column_oids: tuple[bytes, ...]
    column_keys: tuple[tuple[str, str], ...]  # (table, column) per column_oids position
    types: Mapping[str, Column]

    @property
    def name(self) -> str:
        """The profile's name."""
        return self.profile.name


def compile_profile(profile: Profile) -> CompiledProfile:
    """Lay out a profile's scalars and columns for :func:`netctl.collectors.snmp.walk.fetch`."""
    types: dict[str, Column] = dict(profile.scalars)
    column_oids: list[bytes] = []
    column_keys: list[tuple[str, str]] = []
    for tname, table in profile.tables.items():
        for cname, col in table.columns.items():
            column_oids.append(col.encoded)
            column_keys.append((tname, cname))
            types[cname] = col
    return CompiledProfile(
        profile=profile,
        scalar_oids=tuple(c.encoded for c in profile.scalars.values()),
        scalar_names=tuple(profile.scalars),
        column_oids=tuple(column_oids),
        column_keys=tuple(column_keys),
        types=types,
    )


@dataclass(frozen=True, slots=True)
class DeviceTags:
    """The common tags of a device (docs/observations.md), plus its hostname."""

    device: str
    role: str
    city: str = ""
    county: str = ""
    school: str = ""

    def items(self) -> tuple[tuple[str, str], ...]:
        """As sorted tag pairs."""
        return (("city", self.city), ("county", self.county), ("device", self.device),
                ("role", self.role), ("school", self.school))


@dataclass(slots=True)
class CounterStore:
    """Previous counter samples of one device, keyed by (profile, column, row index)."""

    samples: dict[tuple[str, str, Index], tuple[int, int | None, float]] = field(
        default_factory=dict)


@dataclass(frozen=True, slots=True)
class ApReport:
    """One AP as one controller sees it, ready to emit if it wins the HA election."""

    ap: str
    controller: str
    online: bool
    role: str
    points: tuple[Point, ...]
    observations: tuple[Observation, ...]


@dataclass(slots=True)
class Converted:
    """What one profile poll produced."""

    points: list[Point] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    ap_reports: list[ApReport] = field(default_factory=list)


# -- value decoding -----------------------------------------------------------------------------
def decode_value(value: ber.Value, kind: str) -> Scalar:
    """Turn a raw SNMP value into the column's declared type (None when absent or wrong).

    Examples:
        >>> decode_value(b"Gi0/1\\x00", "str"), decode_value(b"\\x00\\x1a+\\x00\\x00\\x01", "mac")
        ('Gi0/1', '00:1a:2b:00:00:01')
        >>> decode_value(7, "counter64"), decode_value(b"x", "int")
        (7, None)
    """
    if value is None or isinstance(value, ber.Special):
        return None
    if kind in ("int", "uint", "counter32", "counter64"):
        return value if isinstance(value, int) else None
    if kind == "str":
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace").rstrip("\x00").strip()
        return str(value)
    if kind == "mac":
        return ":".join(f"{b:02x}" for b in value) if isinstance(value, bytes) else str(value)
    if kind == "hex":
        return value.hex() if isinstance(value, bytes) else str(value)
    if kind == "ip":
        if isinstance(value, bytes) and len(value) in (4, 16):
            return str(ipaddress.ip_address(value))
        return str(value)
    if kind == "oid":
        return str(value)
    return value


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


# -- evaluation ---------------------------------------------------------------------------------
@dataclass(slots=True)
class _Ctx:
    compiled: CompiledProfile
    scalars: dict[str, Scalar]
    tables: dict[str, dict[str, dict[Index, Scalar]]]
    table: str | None
    index: Index
    values: dict[str, Scalar]
    counters: CounterStore
    uptime: int | None
    now_s: float
    inventory: Callable[[str, str], Scalar] | None = None
    groups: dict[tuple[str, str, int], dict[Index, list[Scalar]]] | None = None


def _column(ctx: _Ctx, name: str) -> Scalar:
    if name in ctx.scalars:
        return ctx.scalars[name]
    if ctx.table is None:
        return None
    col = ctx.tables[ctx.table].get(name)
    return col.get(ctx.index) if col is not None else None


def _lookup_value(ctx: _Ctx, name: str) -> Scalar:
    if name in ctx.values:
        return ctx.values[name]
    return _column(ctx, name)


def _source(expr: Expr, ctx: _Ctx) -> Scalar:
    if expr.column is not None:
        return _column(ctx, expr.column)
    if expr.index is not None:
        return parse_index(ctx.index, expr.index)
    if expr.field is not None:
        return ctx.values.get(expr.field)
    if expr.const is not None:
        return expr.const
    if expr.rate is not None:
        raw = _column(ctx, expr.rate)
        if not isinstance(raw, int):
            return None
        kind = ctx.compiled.types[expr.rate].type
        bits = 32 if kind == "counter32" else 64
        key = (ctx.compiled.name, expr.rate, ctx.index)
        prev = ctx.counters.samples.get(key)
        cur = (raw, ctx.uptime, ctx.now_s)
        ctx.counters.samples[key] = cur
        cap = None
        if expr.cap_mbps is not None:
            mbps = _lookup_value(ctx, expr.cap_mbps)
            cap = float(mbps) * 1e6 if isinstance(mbps, int | float) and mbps > 0 else None
        return counter_rate(prev, cur, bits=bits, scale=expr.scale or 1.0, max_rate=cap)
    if expr.utilisation is not None:
        speed = _lookup_value(ctx, expr.speed_mbps or "")
        rates = [ctx.values.get(f) for f in expr.utilisation]
        known = [r for r in rates if isinstance(r, int | float)]
        if not known or not isinstance(speed, int | float) or speed <= 0:
            return None
        return min(1.0, max(known) / (speed * 1e6))
    if expr.lookup is not None:
        return _lookup(expr, ctx)
    if expr.inventory is not None:
        election = ctx.compiled.profile.election
        ap = ctx.values.get(election.ap) if election is not None else None
        if ctx.inventory is None or not ap:
            return None
        return ctx.inventory(str(ap), expr.inventory)
    return None


def _lookup(expr: Expr, ctx: _Ctx) -> Scalar:
    lk = expr.lookup
    assert lk is not None  # noqa: S101
    col = ctx.tables.get(lk.table, {}).get(lk.column, {})
    if lk.key == "@index":
        if lk.match == "exact":
            values = [col[ctx.index]] if ctx.index in col else []
        else:
            values = _group(ctx, lk.table, lk.column, len(ctx.index)).get(ctx.index, [])
    else:
        key = _lookup_value(ctx, lk.key)
        idx = (key,) if isinstance(key, int) else key if isinstance(key, tuple) else None
        values = [col[idx]] if idx is not None and idx in col else []
    values = [v for v in values if v is not None]
    if not values:
        return None
    if lk.aggregate == "first":
        return values[0]
    ints = [v for v in values if isinstance(v, int)]
    if not ints:
        return None
    if lk.aggregate == "sum":
        return sum(ints)
    if lk.aggregate == "max":
        return max(ints)
    acc = 0
    for v in ints:
        acc |= v
    return acc


def _group(ctx: _Ctx, table: str, column: str, plen: int) -> dict[Index, list[Scalar]]:
    """Rows of ``table.column`` grouped by the first ``plen`` arcs of their index (cached)."""
    if ctx.groups is None:
        ctx.groups = {}
    key = (table, column, plen)
    groups = ctx.groups.get(key)
    if groups is None:
        groups = {}
        for idx, v in ctx.tables.get(table, {}).get(column, {}).items():
            groups.setdefault(idx[:plen], []).append(v)
        ctx.groups[key] = groups
    return groups


def evaluate(expr: Expr, ctx: _Ctx) -> Scalar:
    """One tag or field value (None when unknown)."""
    value = _source(expr, ctx)
    if value is None:
        return expr.default
    if expr.map is not None:
        mapped = expr.map.get(value)
        if mapped is None:
            mapped = expr.map.get(str(value))
        value = mapped if mapped is not None else (expr.default if expr.default is not None
                                                   else value)
    if expr.bits is not None:
        if not isinstance(value, int):
            return expr.default
        value = next((label for bit, label in expr.bits if value & bit), expr.default)
        if value is None:
            return None
    if expr.last_arc:
        text = str(value).rsplit(".", 1)
        value = int(text[-1]) if text[-1].isdigit() else None
    if expr.scale is not None and expr.rate is None and isinstance(value, int | float):
        value = value * expr.scale
    if expr.type == "int" and isinstance(value, float):
        value = round(value)
    elif expr.type == "float" and isinstance(value, int):
        value = float(value)
    elif expr.type == "str" and value is not None:
        value = str(value)
    return value


def _passes(where: Where | None, values: Mapping[str, Scalar], ctx: _Ctx) -> bool:
    if where is None:
        return True
    for name, allowed in where.values.items():
        value = values[name] if name in values else _column(ctx, name)
        if value not in allowed and str(value) not in [str(a) for a in allowed]:
            return False
    return True


def _field_value(value: Scalar) -> FieldValue | None:
    if isinstance(value, bool | float | str):
        return value
    if isinstance(value, int):
        return value if value <= INT64_MAX else None
    return None


# -- conversion ---------------------------------------------------------------------------------
def decode_fetch(compiled: CompiledProfile, result: FetchResult
                 ) -> tuple[dict[str, Scalar], dict[str, dict[str, dict[Index, Scalar]]]]:
    """Decode a fetch into scalars by name and tables by name -> column -> index."""
    types = compiled.types
    scalars = {
        name: decode_value(result.scalars.get(oid), types[name].type)
        for name, oid in zip(compiled.scalar_names, compiled.scalar_oids, strict=True)
    }
    tables: dict[str, dict[str, dict[Index, Scalar]]] = {t: {} for t in compiled.profile.tables}
    for (tname, cname), rows in zip(compiled.column_keys, result.columns, strict=True):
        kind = types[cname].type
        if kind in ("int", "uint", "counter32", "counter64"):
            tables[tname][cname] = {i: v for i, v in rows.items() if isinstance(v, int)}
        else:
            tables[tname][cname] = {i: decode_value(v, kind) for i, v in rows.items()}
    return scalars, tables


def convert(
    compiled: CompiledProfile,
    result: FetchResult,
    device: DeviceTags,
    *,
    time_ms: int,
    counters: CounterStore,
    now_s: float,
    ap_tags: Callable[[str], DeviceTags | None] | None = None,
    inventory: Callable[[str, str], Scalar] | None = None,
) -> Converted:
    """Turn one fetch into points, observations and AP reports.

    ``ap_tags`` gives the inventory tags of an AP by name, ``inventory`` an attribute of it
    (WLAN profiles only).
    """
    profile = compiled.profile
    scalars, tables = decode_fetch(compiled, result)
    uptime = scalars.get(UPTIME_SCALAR)
    uptime = uptime if isinstance(uptime, int) else None
    observed = datetime.fromtimestamp(time_ms / 1000, UTC)
    out = Converted()
    if profile.rows is None:
        indexes: list[Index] = [()]
    else:
        seen: set[Index] = set()
        for col in tables[profile.rows].values():
            seen.update(col)
        indexes = sorted(seen)
    base_tags = device.items()
    state_rows = 0
    groups: dict[tuple[str, str, int], dict[Index, list[Scalar]]] = {}
    for index in indexes:
        ctx = _Ctx(compiled, scalars, tables, profile.rows, index, {}, counters, uptime, now_s,
                   inventory, groups)
        values = ctx.values
        for name, expr in profile.tags.items():
            values[name] = evaluate(expr, ctx)
        for name, expr in profile.fields.items():
            values[name] = evaluate(expr, ctx)
        for name, expr in profile.values.items():
            values[name] = evaluate(expr, ctx)
        if not _passes(profile.where, values, ctx):
            continue
        fields: dict[str, FieldValue] = {}
        for name in profile.fields:
            fv = _field_value(values[name])
            if fv is not None:
                fields[name] = fv
        extra = tuple((name, "" if values[name] is None else str(values[name]))
                      for name in profile.tags)
        if profile.converter == "wlan_ap":
            report = _ap_report(profile, values, device, extra, fields, time_ms, observed,
                                ap_tags)
            if report is not None:
                out.ap_reports.append(report)
            continue
        if fields:
            out.points.append(Point(profile.measurement, base_tags + extra, fields, time_ms))
        if profile.state and _passes(profile.state_where, values, ctx) and not (
                profile.state_first_row and state_rows):
            state_rows += 1
            iface = values.get(profile.interface) if profile.interface else ""
            for metric, source in profile.state.items():
                value = values.get(source)
                if value is None:
                    continue
                out.observations.append(Observation(
                    device=device.device, metric=metric, value=_obs_value(value),
                    observed_at=observed, source="snmp", interface=str(iface or "")))
    if profile.converter == "ip_addresses":
        out.observations.extend(_address_lists(out.points, device.device, observed))
    return out


def _obs_value(value: Scalar) -> float | str:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def _ap_report(
    profile: Profile,
    values: dict[str, Scalar],
    controller: DeviceTags,
    extra: tuple[tuple[str, str], ...],
    fields: dict[str, FieldValue],
    time_ms: int,
    observed: datetime,
    ap_tags: Callable[[str], DeviceTags | None] | None,
) -> ApReport | None:
    election = profile.election
    assert election is not None  # noqa: S101 - validated by Profile
    ap = values.get(election.ap)
    if not ap:
        return None
    ap = str(ap)
    online = values.get(election.online) in (1, True, "1")
    role = str(values.get(election.role) or "") if election.role else ""
    known = ap_tags(ap) if ap_tags is not None else None
    tags = known or DeviceTags(device=ap, role="ap", city=controller.city,
                               county=controller.county, school=controller.school)
    extra = (*((k, v) for k, v in extra if k != "controller"), ("controller", controller.device))
    point = Point(profile.measurement, tags.items() + extra, fields, time_ms)
    source = f"snmp:{controller.device}"
    obs = [Observation(device=ap, metric="ap_controller", value=controller.device,
                       observed_at=observed, source=source)]
    for metric, name in profile.state.items():
        value = values.get(name)
        if value is not None:
            obs.append(Observation(device=ap, metric=metric, value=_obs_value(value),
                                   observed_at=observed, source=source))
    return ApReport(ap, controller.device, online, role, (point,) if fields else (), tuple(obs))


def _address_lists(points: list[Point], device: str, observed: datetime) -> list[Observation]:
    """``ipv6_addresses`` / ``ipv4_addresses`` per interface: space-separated ``addr/len``,
    IPv6 global scope only (docs/observations.md); an interface with addresses of one family
    only gets an empty list for the other, so a removed address disappears from the state."""
    by_if: dict[str, dict[str, list[str]]] = {}
    for p in points:
        tags = dict(p.tags)
        ifname = tags.get("ifname", "")
        family = tags.get("family", "")
        addr = tags.get("address", "")
        plen = p.fields.get("prefix_len")
        if not ifname or family not in ("ipv4", "ipv6") or not addr:
            continue
        entry = by_if.setdefault(ifname, {"ipv4": [], "ipv6": []})
        if family == "ipv6" and not is_global_v6(addr):
            continue
        entry[family].append(f"{addr}/{plen}" if plen is not None else addr)
    out = []
    for ifname, fams in sorted(by_if.items()):
        for family, addrs in fams.items():
            out.append(Observation(device=device, metric=f"{family}_addresses",
                                   value=" ".join(sorted(addrs)), observed_at=observed,
                                   source="snmp", interface=ifname))
    return out


def is_global_v6(address: str) -> bool:
    """Global scope in the RFC 4007 sense: not link-local, loopback, multicast, unspecified
    or (deprecated) site-local. Unique local addresses (fc00::/7) have global scope and count.

    Examples:
        >>> is_global_v6("2001:db8::1"), is_global_v6("fe80::1"), is_global_v6("fd00::2")
        (True, False, True)
    """
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return not (ip.is_link_local or ip.is_loopback or ip.is_multicast or ip.is_unspecified
                or ip.is_site_local)
