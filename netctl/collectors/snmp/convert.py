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

from netctl.collectors.points import FieldSet, FieldValue, LineBuilder, Point, Points, new_point
from netctl.collectors.snmp import ber
from netctl.collectors.snmp.columnar import columnar as all_columnar
from netctl.collectors.snmp.columnar import convert_rows
from netctl.collectors.snmp.expr import PollData, build, parse_index, passes, plain_column
from netctl.collectors.snmp.profile import Column, Expr, Profile
from netctl.collectors.snmp.walk import FetchResult, Index
from netctl.state.store import Observation

UPTIME_SCALAR = "sysUpTime"
_INT_ONLY = frozenset((int,))
__all__ = ["ApReport", "CompiledProfile", "Converted", "CounterStore", "DeviceTags",
           "compile_profile", "convert", "decode_value", "is_global_v6", "parse_index"]

Scalar = Any  # a decoded value: int, str, bytes or None
StateFilter = Callable[[str, str, str, float | str | None], bool]


@dataclass(frozen=True, slots=True)
class CompiledProfile:
    """A profile with its OIDs laid out for one fetch."""

    profile: Profile
    scalar_oids: tuple[bytes, ...]
    scalar_names: tuple[str, ...]
    column_oids: tuple[bytes, ...]
    column_keys: tuple[tuple[str, str], ...]  # (table, column) per column_oids position
    types: Mapping[str, Column]
    exprs: tuple[tuple[str, Expr], ...] = ()  # tags, then fields, then values
    tag_names: tuple[str, ...] = ()
    field_names: tuple[str, ...] = ()
    counter_kinds: Mapping[str, str] = field(default_factory=dict)

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
        exprs=(*profile.tags.items(), *profile.fields.items(), *profile.values.items()),
        tag_names=tuple(profile.tags),
        field_names=tuple(profile.fields),
        counter_kinds={name: col.type for name, col in types.items()},
    )


@dataclass(frozen=True, slots=True)
class DeviceTags:
    """The common tags of a device (docs/observations.md), plus its hostname."""

    device: str
    role: str
    city: str = ""
    county: str = ""
    school: str = ""
    if_roles: tuple[tuple[str, str], ...] = ()
    """(interface name, inventory role) of the interfaces the inventory declares with a role:
    ``snmp_interface`` points carry it as ``ifrole`` so dashboards can pick uplinks."""

    def role_of(self, ifname: str) -> str:
        """The inventory role of an interface ('' when the inventory gives none)."""
        for name, role in self.if_roles:
            if name == ifname:
                return role
        return ""

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
    """What one profile poll produced (``points``: a row set converted column by column keeps
    its points as columns, made into objects only when read; ``lines(points)`` does not)."""

    points: Points = field(default_factory=Points)
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


_DECODED: dict[object, str | None] = {}
"""OCTET STRING values of ``str`` columns -> their text (interface names and aliases; at most
16,384, emptied when full: a few MB at worst, and a miss costs only the decoding)."""


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
            # the walker's dict as it is when every value is an integer (the usual case)
            tables[tname][cname] = rows if set(map(type, rows.values())) <= _INT_ONLY else {
                i: v for i, v in rows.items() if isinstance(v, int)}
        elif kind == "str":  # decode_value(v, "str"), kept per value (names come back)
            texts: list[str | None] = list(map(_DECODED.get, rows.values()))
            if None in texts:
                if len(_DECODED) >= 1 << 14:
                    _DECODED.clear()
                for pos, v in enumerate(rows.values()):
                    if texts[pos] is None:
                        text = texts[pos] = decode_value(v, kind)
                        if v.__class__ is bytes:
                            _DECODED[v] = text
            tables[tname][cname] = dict(zip(rows, texts, strict=True))
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
    state_wanted: StateFilter | None = None,
    columnar: bool = True,
) -> Converted:
    """Turn one fetch into points, observations and AP reports.

    ``ap_tags`` gives the inventory tags of an AP by name, ``inventory`` an attribute of it
    (WLAN profiles only). ``state_wanted(device, interface, metric, value)`` (the state sink's
    filter) is asked before an observation is built, so the values it would drop cost nothing.
    ``columnar``: convert a row set whose expressions allow it column by column
    (:mod:`netctl.collectors.snmp.columnar`, the same output); False: every row set row by row.
    """
    profile = compiled.profile
    scalars, tables = decode_fetch(compiled, result)
    uptime = scalars.get(UPTIME_SCALAR)
    uptime = uptime if isinstance(uptime, int) else None
    observed = datetime.fromtimestamp(time_ms / 1000, UTC)
    out = Converted()
    base_tags = device.items()
    hostname = device.device
    state = list(profile.state.items())
    measurement = profile.measurement
    points_append = out.points.append
    obs_append = out.observations.append
    is_wlan = profile.converter == "wlan_ap"
    state_rows = 0
    state_where, state_first_row = profile.state_where, profile.state_first_row
    interface = profile.interface
    if_roles = measurement == "snmp_interface" and bool(device.if_roles)
    builder = LineBuilder(measurement, base_tags)
    row_head = builder.head
    parts = [(profile.rows, profile.where, compiled.exprs, compiled.tag_names,
              compiled.field_names)]
    parts += [(extra.rows, extra.where,
               (*extra.tags.items(), *extra.fields.items(), *extra.values.items()),
               tuple(extra.tags), tuple(extra.fields)) for extra in profile.also_rows]
    for rows, where, exprs, tag_names, field_names in parts:
        row_fields = _field_set(field_names).row
        if rows is None:
            indexes: list[Index] = [()]
        else:
            seen: set[Index] = set()
            for column in tables[rows].values():
                seen.update(column)
            indexes = sorted(seen)
        data = PollData(profile.name, scalars, tables, rows, compiled.counter_kinds,
                        counters.samples, uptime, now_s,
                        ap_field=profile.election.ap if profile.election else None,
                        inventory=inventory)
        # a run of plain columns: its values row by row, looked up column by column (once a
        # poll, in C) and handed out one tuple per row below
        if columnar and not is_wlan and all_columnar(exprs):
            columns, state_rows = convert_rows(
                exprs=exprs, data=data, indexes=indexes, where=where, tag_names=tag_names,
                field_set=_field_set(field_names), field_names=field_names,
                measurement=measurement, base_tags=base_tags, builder=builder,
                role_of=device.role_of if if_roles else None, time_ms=time_ms, state=state,
                state_where=state_where, state_first_row=state_first_row,
                state_rows=state_rows, interface=interface, hostname=hostname,
                observed=observed, state_wanted=state_wanted, observations=out.observations)
            out.points.add_columns(columns)
            continue
        steps: list[tuple[bool, Any, Any]] = [
            (True, a, zip(*[list(map(col.get, indexes)) for col in b], strict=True))
            if plain else (False, a, b) for plain, a, b in _steps(exprs, data)]
        for index in indexes:
            values: dict[str, Scalar] = {}
            for plain, a, b in steps:  # in declaration order: an expression sees the earlier
                if plain:
                    values.update(zip(a, next(b), strict=True))
                else:
                    values[a] = b(index, values)
            if where is not None and not passes(where, values, data, index):
                continue
            fields, field_text = row_fields(values)
            extra = tuple([(name, "" if (v := values[name]) is None else str(v))
                           for name in tag_names])
            if is_wlan:
                report = _ap_report(profile, values, device, extra, fields, time_ms, observed,
                                    ap_tags)
                if report is not None:
                    out.ap_reports.append(report)
                continue
            if fields:
                if if_roles:
                    ifname = next((v for k, v in extra if k == "ifname"), "")
                    extra += (("ifrole", device.role_of(ifname)),)
                points_append(new_point(measurement, base_tags + extra, fields, time_ms,
                                        f"{row_head(extra)} {field_text} {time_ms}"))
            if state and (state_where is None or passes(state_where, values, data, index)) \
                    and not (state_first_row and state_rows):
                state_rows += 1
                iface = str(values.get(interface) or "") if interface else ""
                for metric, source in state:
                    value = values.get(source)
                    cls = value.__class__
                    if cls is int or cls is float:  # first: the usual case
                        ov: float | str = float(value)  # type: ignore[arg-type]
                    elif value is None or value == "":
                        continue  # unknown: an empty string is never recorded as a fact
                    else:
                        ov = _obs_value(value)
                    if state_wanted is None or state_wanted(hostname, iface, metric, ov):
                        obs_append(Observation(hostname, metric, ov, observed, "snmp", iface))
    if profile.converter == "ip_addresses":
        out.observations.extend(
            o for o in _address_lists(list(out.points), device.device, observed)
            if state_wanted is None or state_wanted(o.device, o.interface, o.metric, o.value))
    return out


_FIELD_SETS: dict[tuple[str, ...], FieldSet] = {}


def _field_set(names: tuple[str, ...]) -> FieldSet:
    """The :class:`FieldSet` of a profile's field names (kept: its plans serve every poll)."""
    fs = _FIELD_SETS.get(names)
    if fs is None:
        if len(_FIELD_SETS) >= 4096:
            _FIELD_SETS.clear()
        fs = _FIELD_SETS[names] = FieldSet(names)
    return fs


def _steps(exprs: tuple[tuple[str, Expr], ...], data: PollData) -> list[tuple[bool, Any, Any]]:
    """The expressions of a row, in order: runs of plain columns as ``(True, names, columns)``
    (looked up together), the others as ``(False, name, evaluator)``."""
    steps: list[tuple[bool, Any, Any]] = []
    for name, expr in exprs:
        col = plain_column(expr, data)
        if col is None:
            steps.append((False, name, build(expr, data)))
        elif steps and steps[-1][0]:
            steps[-1][1].append(name)
            steps[-1][2].append(col)
        else:
            steps.append((True, [name], [col]))
    return steps


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
        if value is not None and value != "":
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
                                   value=" ".join(sorted(set(addrs))), observed_at=observed,
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
