"""SNMP profiles: which OIDs to poll, how often, and how they become points and observations.

Profiles are YAML files under ``collectors/snmp/profiles/`` (operator data, no code); this
module validates them with frozen pydantic models (a typo is an error naming the file and the
field) and checks them against the observation contract (:mod:`netctl.collectors.contract`, i.e.
``docs/observations.md``). The format is documented in ``docs/collectors.md``.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from netctl.collectors import contract
from netctl.collectors.snmp import ber
from netctl.exceptions import ConfigError

OID_RE = r"^\.?[0-2](\.\d+)+$"
Oid = Annotated[str, Field(pattern=OID_RE)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]

ColumnType = Literal["int", "uint", "counter32", "counter64", "str", "hex", "mac", "ip", "oid",
                     "bytes"]
FieldType = Literal["int", "float", "str"]
IndexParser = Literal["all", "mac", "string", "inet_type", "inet_address", "last"]
Converter = Literal["rows", "ip_addresses", "wlan_ap"]

STRICT = ConfigDict(frozen=True, extra="forbid")


class Column(BaseModel):
    """One OID: a scalar instance (``…\u200b.0``) or a table column."""

    model_config = STRICT
    oid: Oid
    type: ColumnType = "int"
    confirmed: bool = Field(
        default=True, description="False when the OID or its encoding comes from third-party "
        "code rather than the vendor's MIB file; the profile says where it comes from")

    @property
    def encoded(self) -> bytes:
        """BER content bytes of the OID."""
        return ber.encode_oid(self.oid)


class Table(BaseModel):
    """Columns walked together; rows are joined by index."""

    model_config = STRICT
    columns: dict[Name, Column]


class Lookup(BaseModel):
    """Take ``column`` of another ``table``: at the row whose index is the value of ``key``
    (a column, tag or field), or with ``key: "@index"`` at the rows whose index is (``match:
    prefix``: starts with) the current row's index, combined by ``aggregate``."""

    model_config = STRICT
    table: Name
    column: Name
    key: str = "@index"
    match: Literal["exact", "prefix", "any"] = "exact"
    aggregate: Literal["first", "or", "sum", "max"] = "first"
    where: dict[str, list[str | int]] | None = Field(
        default=None, description="match: any — only rows of that table whose named columns "
        "hold one of the listed values (e.g. entPhysicalClass: [9], the boards)")


class Expr(BaseModel):
    """Where a tag, field or state value comes from: exactly one source, then transforms.

    Sources: ``column`` (of the row's table or a scalar), ``index`` (a part of the row index),
    ``coalesce`` (the first of several expressions whose value is neither missing nor empty),
    ``field`` (a field computed earlier in the same profile), ``const``, ``rate`` (per-second
    rate of a counter column, wrap- and reset-aware, optionally capped at ``cap_mbps``),
    ``utilisation`` (max of the listed bit-rate fields over ``speed_mbps``), ``lookup`` (a column
    of another table). Transforms, in order: ``map`` (enumeration; ``unmapped`` for a value
    that is present but not listed, ``default`` for a missing one), ``regex`` (first capture
    group), ``bits`` (bitmask: label of the first listed bit that is set), ``last_arc`` (last arc
    of an OID value), ``mask_len`` (dotted netmask to prefix length), ``scale``.
    """

    model_config = STRICT
    column: str | None = None
    index: IndexParser | int | None = None
    field: str | None = None
    const: str | int | float | None = None
    rate: Name | None = None
    utilisation: list[str] | None = None
    lookup: Lookup | None = None
    coalesce: list[Expr] | None = Field(
        default=None, description="the first of these whose value is neither missing nor ''")
    inventory: Literal["wifi"] | None = Field(
        default=None, description="WLAN profiles: an attribute of the AP in the inventory")
    speed_mbps: str | None = Field(default=None, description="field holding the speed in Mbps")
    cap_mbps: str | None = Field(default=None, description="rate: cap at this field's Mbps")
    map: dict[int | str, str | int | float] | None = None
    unmapped: str | int | float | None = Field(
        default=None, description="map: the value for a present value that is not listed "
        "(default: the value itself, or `default` when given)")
    regex: str | None = Field(default=None, description="the first capture group (or the "
                              "whole match) of this pattern in the value; no match: missing")
    mask_len: bool = Field(default=False, description="dotted IPv4 netmask -> prefix length")
    bits: list[tuple[int, str]] | None = None
    last_arc: bool = False
    scale: float | None = None
    default: str | int | float | None = None
    type: FieldType | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        """``ifname: ifName`` is short for ``ifname: {column: ifName}``."""
        if isinstance(value, str):
            return {"column": value}
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Expr:
        sources = [s for s in ("column", "index", "field", "const", "rate", "utilisation",
                               "lookup", "coalesce", "inventory") if getattr(self, s) is not None]
        if len(sources) != 1:
            msg = ("give exactly one source among column, index, field, const, rate, "
                   "utilisation, lookup, coalesce, inventory "
                   f"(found: {', '.join(sources) or 'none'})")
            raise ValueError(msg)
        if self.coalesce is not None and not self.coalesce:
            msg = "coalesce needs at least one expression"
            raise ValueError(msg)
        if self.regex is not None:
            import re

            try:
                re.compile(self.regex)
            except re.error as exc:
                msg = f"regex {self.regex!r}: {exc}"
                raise ValueError(msg) from exc
        if self.utilisation is not None and self.speed_mbps is None:
            msg = "utilisation needs speed_mbps (the field with the interface speed in Mbps)"
            raise ValueError(msg)
        return self


    def walk(self) -> list[Expr]:
        """This expression and every one nested in ``coalesce``."""
        out = [self]
        for sub in self.coalesce or ():
            out += sub.walk()
        return out


class Where(BaseModel):
    """Keep a row only if each named value (column, index part or field) is among the listed."""

    model_config = STRICT
    values: dict[str, list[str | int]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, value: Any) -> Any:
        if isinstance(value, dict) and "values" not in value:
            return {"values": value}
        return value


class Match(BaseModel):
    """One alternative of a profile's ``match``: every given criterion must hold."""

    model_config = STRICT
    platforms: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    sys_object_id: list[str] = Field(default_factory=list, description="globs on sysObjectID")

    def matches(self, platform: str | None, role: str | None, sys_object_id: str | None) -> bool:
        """Whether a device passes this alternative (an unknown sysObjectID fails a glob)."""
        if self.platforms and platform not in self.platforms:
            return False
        if self.roles and role not in self.roles:
            return False
        if self.sys_object_id:
            if sys_object_id is None:
                return False
            oid = sys_object_id.strip(".")
            return any(fnmatch.fnmatchcase(oid, g.strip(".")) for g in self.sys_object_id)
        return True


class Election(BaseModel):
    """WLAN profiles: how an AP reported by several controllers (an HA pair) is counted once."""

    model_config = STRICT
    ap: str = Field(description="field with the AP name (its inventory hostname)")
    online: str = Field(description="field that is 1 when the AP is up on this controller")
    role: str | None = Field(default=None, description="field: 'master'/'active' wins over "
                             "'slave'/'standby' when both controllers see the AP online")


class RowSet(BaseModel):
    """More rows for the same measurement from another table (``also_rows``): ip_mib reads the
    RFC 1213 ipAddrTable next to ipAddressTable, since many agents answer IPv4 only there."""

    model_config = STRICT
    rows: Name
    where: Where | None = None
    tags: dict[str, Expr] = Field(default_factory=dict)
    fields: dict[str, Expr] = Field(default_factory=dict)
    values: dict[str, Expr] = Field(default_factory=dict)


class Profile(BaseModel):
    """One SNMP profile."""

    model_config = STRICT
    name: Name
    description: str = ""
    source: str = Field(default="", description="MIB files / references the OIDs come from")
    match: list[Match] = Field(default_factory=lambda: [Match()])
    interval_s: Annotated[float, Field(ge=5, le=86_400)] = 300
    jitter: Annotated[float, Field(ge=0, le=0.5)] = 0.1
    measurement: str
    converter: Converter = "rows"
    scalars: dict[Name, Column] = Field(default_factory=dict)
    tables: dict[Name, Table] = Field(default_factory=dict)
    rows: Name | None = Field(default=None, description="table whose rows become points; "
                              "none: one point from the scalars")
    where: Where | None = None
    interface: str | None = Field(default=None, description="tag or field naming the "
                                  "interface in the state store (none: device level)")
    tags: dict[str, Expr] = Field(default_factory=dict)
    fields: dict[str, Expr] = Field(default_factory=dict)
    values: dict[str, Expr] = Field(default_factory=dict, description="named values that are "
                                    "neither tags nor fields (for state and where)")
    state: dict[str, str] = Field(default_factory=dict,
                                  description="state metric -> tag, field or value")
    heartbeat: bool = Field(default=False, description="this profile's poll sets poll_ok and "
                            "poll_ms (the device's liveness)")
    state_where: Where | None = Field(default=None, description="rows that feed the state")
    state_first_row: bool = False
    election: Election | None = None
    max_repetitions: Annotated[int, Field(ge=1, le=200)] | None = None
    also_rows: list[RowSet] = Field(default_factory=list, description="more row tables "
                                    "converted like ``rows`` into the same measurement")

    @field_validator("scalars")
    @classmethod
    def _scalar_instances(cls, value: dict[str, Column]) -> dict[str, Column]:
        for name, col in value.items():
            if not col.oid.endswith(".0"):
                msg = f"scalar {name}: a scalar OID ends in .0 (got {col.oid})"
                raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        contract.check_measurement(self.measurement, self.tags, self.fields)
        for metric in self.state:
            contract.check_state_metric(metric)
        known = set(self.tags) | set(self.fields) | set(self.values)
        for metric, source in self.state.items():
            if source not in known:
                msg = f"state {metric}: '{source}' is not a tag, field or value of the profile"
                raise ValueError(msg)
        if self.interface is not None and self.interface not in known:
            msg = f"interface: '{self.interface}' is not a tag, field or value"
            raise ValueError(msg)
        if self.rows is not None and self.rows not in self.tables:
            msg = f"rows: no table named '{self.rows}'"
            raise ValueError(msg)
        if self.converter == "wlan_ap" and self.election is None:
            msg = "a wlan_ap profile needs an 'election' (HA pairs must count an AP once)"
            raise ValueError(msg)
        columns = self.column_names()
        sets: list[dict[str, Expr]] = [{**self.tags, **self.fields, **self.values}]
        for extra in self.also_rows:
            contract.check_measurement(self.measurement, extra.tags, extra.fields)
            if extra.rows not in self.tables:
                msg = f"also_rows: no table named '{extra.rows}'"
                raise ValueError(msg)
            sets.append({**extra.tags, **extra.fields, **extra.values})
        for exprs in sets:
            check_exprs(exprs, columns, set(self.tables))
        return self

    def column_names(self) -> set[str]:
        """Names of every scalar and column."""
        names = set(self.scalars)
        for table in self.tables.values():
            names |= set(table.columns)
        return names

    def applies_to(self, platform: str | None, role: str | None,
                   sys_object_id: str | None) -> bool:
        """Whether any ``match`` alternative accepts the device."""
        return any(m.matches(platform, role, sys_object_id) for m in self.match)

    @property
    def needs_sys_object_id(self) -> bool:
        """True when matching depends on sysObjectID."""
        return any(m.sys_object_id for m in self.match)


def check_exprs(exprs: dict[str, Expr], columns: set[str], tables: set[str]) -> None:
    """Raise when an expression names a column or table the profile does not define."""
    for name, top in exprs.items():
        for expr in top.walk():
            for ref in (expr.column, expr.rate):
                if ref is not None and ref not in columns:
                    msg = f"{name}: unknown column '{ref}'"
                    raise ValueError(msg)
            if expr.lookup is not None and expr.lookup.table not in tables:
                msg = f"{name}: lookup in unknown table '{expr.lookup.table}'"
                raise ValueError(msg)


def load_profiles(folder: Path) -> dict[str, Profile]:
    """Load and validate every ``*.yaml`` profile of ``folder``, in name order.

    Raises:
        ConfigError: listing every invalid file with the field at fault.
    """
    import yaml

    if not folder.is_dir():
        msg = f"no SNMP profile folder at {folder}"
        raise ConfigError(msg)
    profiles: dict[str, Profile] = {}
    errors: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            profile = Profile.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "(profile)"
                errors.append(f"{path}: {where}: {err['msg']}")
            continue
        except UnicodeDecodeError:
            errors.append(f"{path}: not UTF-8 text (save the profile as UTF-8)")
            continue
        except (yaml.YAMLError, OSError) as exc:
            errors.append(f"{path}: {exc}")
            continue
        if profile.name in profiles:
            errors.append(f"{path}: duplicate profile name '{profile.name}'")
            continue
        if profile.name != path.stem:
            errors.append(f"{path}: profile name '{profile.name}' differs from the file name")
            continue
        profiles[profile.name] = profile
    if errors:
        raise ConfigError("invalid SNMP profile(s):\n  " + "\n  ".join(errors))
    return profiles


def match_profiles(profiles: dict[str, Profile], platform: str | None, role: str | None,
                   sys_object_id: str | None) -> list[Profile]:
    """The profiles that apply to a device, in name order."""
    return [p for p in profiles.values() if p.applies_to(platform, role, sys_object_id)]

