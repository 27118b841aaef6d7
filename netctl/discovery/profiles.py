"""Discovery profiles (``collectors/snmp/discovery/*.yaml``) and vendor fingerprints
(``collectors/snmp/vendors.yaml``): operator data, validated here.

A discovery profile is a collector profile without a measurement: scalars, tables, the row table
and named ``values`` built with the same expressions (:mod:`netctl.collectors.snmp.expr`); its rows
are handed to Python as dictionaries instead of becoming points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from netctl.collectors.snmp.convert import decode_value
from netctl.collectors.snmp.expr import PollData, build
from netctl.collectors.snmp.profile import Column, Expr, Name, Table, check_exprs
from netctl.collectors.snmp.walk import FetchResult
from netctl.exceptions import ConfigError

STRICT = ConfigDict(frozen=True, extra="forbid")


class DiscoveryProfile(BaseModel):
    """What to fetch and which named values to build per row."""

    model_config = STRICT
    name: Name
    description: str = ""
    source: str = ""
    scalars: dict[Name, Column] = Field(default_factory=dict)
    tables: dict[Name, Table] = Field(default_factory=dict)
    rows: Name
    values: dict[str, Expr]

    @model_validator(mode="after")
    def _consistent(self) -> DiscoveryProfile:
        if self.rows not in self.tables:
            msg = f"rows: no table named '{self.rows}'"
            raise ValueError(msg)
        names = set(self.scalars)
        for table in self.tables.values():
            names |= set(table.columns)
        check_exprs(self.values, names, set(self.tables))
        return self


@dataclass(frozen=True, slots=True)
class CompiledDiscovery:
    """A discovery profile laid out for one fetch."""

    profile: DiscoveryProfile
    scalar_oids: tuple[bytes, ...]
    column_oids: tuple[bytes, ...]
    column_keys: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, profile: DiscoveryProfile) -> CompiledDiscovery:
        """Compile ``profile``."""
        keys = [(t, c) for t, table in profile.tables.items() for c in table.columns]
        return cls(profile, tuple(c.encoded for c in profile.scalars.values()),
                   tuple(profile.tables[t].columns[c].encoded for t, c in keys), tuple(keys))

    def rows(self, result: FetchResult) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The decoded scalars and one dictionary of named values per row."""
        p = self.profile
        scalars = {name: decode_value(result.scalars.get(col.encoded), col.type)
                   for name, col in p.scalars.items()}
        tables: dict[str, dict[str, dict[tuple[int, ...], Any]]] = {t: {} for t in p.tables}
        for (t, c), rows in zip(self.column_keys, result.columns, strict=True):
            kind = p.tables[t].columns[c].type
            tables[t][c] = {i: v for i, v in ((i, decode_value(v, kind)) for i, v in rows.items())
                            if v is not None}
        data = PollData(p.name, scalars, tables, p.rows, {}, {}, None, 0.0)
        evaluators = [(name, build(expr, data)) for name, expr in p.values.items()]
        indexes: set[tuple[int, ...]] = set()
        for col in tables[p.rows].values():
            indexes.update(col)
        out = []
        for index in sorted(indexes):
            values: dict[str, Any] = {}
            for name, ev in evaluators:
                values[name] = ev(index, values)
            out.append(values)
        return scalars, out


class VendorRule(BaseModel):
    """One enterprise number of ``vendors.yaml``."""

    model_config = STRICT
    enterprise: int
    vendor: str
    platform: str | None = None
    os_version: list[str] = Field(default_factory=list)
    descr: str | None = Field(default=None, description="regex (case-insensitive) that "
                              "recognises the vendor in an LLDP neighbour's system description")


class VendorFile(BaseModel):
    """``collectors/snmp/vendors.yaml``."""

    model_config = STRICT
    vendors: list[VendorRule]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Vendor, platform and OS version of a device."""

    vendor: str | None
    platform: str | None
    os_version: str | None


ENTERPRISES = "1.3.6.1.4.1."


def fingerprint(rules: list[VendorRule], sys_object_id: str | None, sys_descr: str | None,
                software: str | None = None) -> Fingerprint:
    """The fingerprint of a device from sysObjectID, sysDescr and ENTITY's software revision.

    Examples:
        >>> rules = [VendorRule(enterprise=2011, vendor="Huawei", platform="huawei_vrp",
        ...                     os_version=[r"\\(\\S+ (V\\d{3}R\\d{3}C\\w+)\\)"])]
        >>> fingerprint(rules, "1.3.6.1.4.1.2011.2.23.628",
        ...             "Huawei VRP (R) software, Version 5.170 (S5735 V200R021C10SPC600)")
        Fingerprint(vendor='Huawei', platform='huawei_vrp', os_version='V200R021C10SPC600')
        >>> fingerprint(rules, "1.3.6.1.4.1.9.1.1", "Cisco IOS", "15.2(4)E10")
        Fingerprint(vendor=None, platform=None, os_version='15.2(4)E10')
    """
    oid = (sys_object_id or "").lstrip(".")
    rule = None
    if oid.startswith(ENTERPRISES):
        number = oid[len(ENTERPRISES):].split(".", 1)[0]
        rule = next((r for r in rules if str(r.enterprise) == number), None)
    version = None
    if rule is not None and sys_descr:
        for pattern in rule.os_version:
            found = re.search(pattern, sys_descr)
            if found:
                version = found.group(1) if found.groups() else found.group(0)
                break
    return Fingerprint(rule.vendor if rule else None, rule.platform if rule else None,
                       version or software or None)


def vendor_of_descr(rules: list[VendorRule], descr: str | None) -> Fingerprint:
    """The vendor of an LLDP neighbour from its system description (no sysObjectID).

    Examples:
        >>> rules = [VendorRule(enterprise=2011, vendor="Huawei", platform="huawei_vrp",
        ...                     descr="Huawei|VRP")]
        >>> vendor_of_descr(rules, "S5720-56C-PWR-EI-AC Huawei Versatile Routing Platform").vendor
        'Huawei'
    """
    for rule in rules:
        if descr and rule.descr and re.search(rule.descr, descr, re.IGNORECASE):
            return fingerprint([rule], f"{ENTERPRISES}{rule.enterprise}", descr)
    return Fingerprint(None, None, None)


def load_discovery(folder: Path) -> tuple[dict[str, CompiledDiscovery], list[VendorRule]]:
    """Load ``<collectors>/snmp/discovery/*.yaml`` and ``<collectors>/snmp/vendors.yaml``.

    Raises:
        ConfigError: naming every invalid file and field.
    """
    import yaml

    profiles: dict[str, CompiledDiscovery] = {}
    errors: list[str] = []
    rules: list[VendorRule] = []
    files = sorted((folder / "discovery").glob("*.yaml"))
    if not files:
        errors.append(f"{folder / 'discovery'}: no discovery profile (lldp.yaml, "
                      "interfaces.yaml)")
    for path in [*files, folder / "vendors.yaml"]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if path.name == "vendors.yaml" and path.parent == folder:
                rules = VendorFile.model_validate(data).vendors
                continue
            profile = DiscoveryProfile.model_validate(data)
        except ValidationError as exc:
            errors += [f"{path}: {'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                       for e in exc.errors()]
            continue
        except (yaml.YAMLError, OSError) as exc:
            errors.append(f"{path}: {exc}")
            continue
        if profile.name != path.stem:
            errors.append(f"{path}: profile name '{profile.name}' differs from the file name")
            continue
        profiles[profile.name] = CompiledDiscovery.of(profile)
    for needed in ("lldp", "interfaces"):
        if files and needed not in profiles and not errors:
            errors.append(f"{folder / 'discovery'}: no '{needed}' profile")
    if errors:
        raise ConfigError("invalid discovery profile(s):\n  " + "\n  ".join(errors))
    return profiles, rules
