"""Drift between the inventory and what discovery saw, each with a stable code and its fix.

- ``device_undeclared``: a neighbour seen by LLDP that the inventory lacks (YAML to add);
- ``device_not_seen``: declared, asked, never answered (address, credentials, or remove it);
- ``platform_mismatch``: the vendor's platform differs from the catalog's (``model:``);
- ``model_mismatch``: ENTITY-MIB's model differs from ``model:`` (``model:``);
- ``serial_mismatch``: the serial differs from ``serial:`` (``serial:``);
- ``link_undeclared``: an LLDP adjacency no declared link explains (YAML to add);
- ``link_not_seen``: a declared link LLDP does not show (check the cable, or correct it);
- ``interface_missing``: an interface the inventory names that the device lacks (rename).

Interface names are compared as netutils canonical names (``Gi0/1`` = ``GigabitEthernet0/1``),
models without case, a model matching the start of the other (``S5735`` from sysDescr against
``S5735-L48T4X-A1``). Links to APs are not judged (the inventory does not model AP cabling).
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from netctl.discovery.store import SeenDevice, SeenLink
from netctl.inventory.filters import DeviceFilter, select
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.inventory.yamlio import locate
from netctl.models.inventory import HOSTNAME_RE, SERIAL_RE, Role

CODES = ("device_undeclared", "device_not_seen", "platform_mismatch", "model_mismatch",
         "serial_mismatch", "link_undeclared", "link_not_seen", "interface_missing")


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to an inventory file: set ``key`` in the mapping at ``loc``, or append
    ``value`` to the list at ``loc`` (created under its parent when missing)."""

    file: Path
    loc: tuple[str | int, ...]
    op: Literal["set", "append"]
    value: Any
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Drift:
    """One difference, with the fix."""

    code: str
    device: str
    detail: str
    fix: str
    file: str | None = None
    line: int | None = None
    edits: tuple[Edit, ...] = field(default=(), compare=False)
    loc: tuple[str | int, ...] | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """For ``--format json`` (keys are only ever added)."""
        return {"code": self.code, "device": self.device, "detail": self.detail,
                "fix": self.fix, "file": self.file, "line": self.line}


def canon(name: str) -> str:
    """An interface name for comparison.

    Examples:
        >>> canon("Gi0/1") == canon("GigabitEthernet 0/1")
        True
    """
    from netutils.interface import canonical_interface_name

    text = name.replace(" ", "")
    with contextlib.suppress(ValueError, KeyError, TypeError):
        text = canonical_interface_name(text)
    return str(text).lower()


def same_model(a: str, b: str) -> bool:
    """Whether two model strings name the same model (one may be the other's start).

    Examples:
        >>> same_model("S5735", "S5735-L48T4X-A1"), same_model("S5735-L48T4X-A1", "S6730-H24X6C")
        (True, False)
    """
    x, y = a.strip().upper(), b.strip().upper()
    return x == y or x.startswith(y) or y.startswith(x)


End = tuple[str, str | None]  # (device, canonical interface or None)


def matches(declared: tuple[End, End], seen: tuple[End, End]) -> bool:
    def fits(d: End, s: End) -> bool:
        return d[0] == s[0] and (d[1] is None or d[1] == s[1])
    (a, b), (x, y) = declared, seen
    return (fits(a, x) and fits(b, y)) or (fits(a, y) and fits(b, x))


def _declare_ports(inv: Inventory, ends: Sequence[tuple[str, str]]) -> list[Edit]:
    """A link may name an interface only if the device lists it (when it lists any)."""
    out = []
    for host, port in ends:
        e = inv.devices.get(host)
        if e is None or not e.device.interfaces:
            continue
        if canon(port) not in {canon(i.name) for i in e.device.interfaces}:
            out.append(Edit(e.file, (*e.loc, "interfaces"), "append", {"name": port}))
    return out


def _flow_text(entry: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in entry.items()) + "}"


def devices_of(pair: tuple[End, End]) -> frozenset[str]:
    return frozenset((pair[0][0], pair[1][0]))


def pair_index(pairs: Iterable[tuple[End, End]]) -> dict[frozenset[str], list[tuple[End, End]]]:
    """Link ends grouped by their two devices: a link can only match one between the same two."""
    out: dict[frozenset[str], list[tuple[End, End]]] = {}
    for pair in pairs:
        out.setdefault(devices_of(pair), []).append(pair)
    return out


def _where(inv: Inventory, e: DeviceEntry, *extra: str | int
           ) -> tuple[str, tuple[str | int, ...]]:
    """The file and the path in it of a device's field (the line is looked up once per file
    at the end: composing a 20,000-line county file per drift would not do)."""
    del inv
    return str(e.file), (*e.loc, *extra)


def _lines(found: list[Drift]) -> list[Drift]:
    """Fill in the line of every drift that has a path, one lookup per file."""
    by_file: dict[str, list[int]] = {}
    for i, d in enumerate(found):
        if d.file is not None and d.loc is not None:
            by_file.setdefault(d.file, []).append(i)
    out = list(found)
    for file, idx in by_file.items():
        try:
            lines = locate(Path(file), [found[i].loc or () for i in idx])
        except (OSError, ValueError):
            continue
        for i, line in zip(idx, lines, strict=True):
            out[i] = replace(found[i], line=line)
    return out


def compute_drift(inv: Inventory, devices: dict[str, SeenDevice], links: Sequence[SeenLink],
                  flt: DeviceFilter | None = None) -> list[Drift]:
    """Every drift of the selected devices, in a stable order (code, device, detail)."""
    scope = {e.hostname: e for e in select(inv, flt)}
    out: list[Drift] = []
    catalog = inv.catalog.models
    for host, e in scope.items():
        sd = devices.get(host)
        if sd is None:
            continue
        if not sd.seen:
            if sd.last_attempt is not None:
                f, at = _where(inv, e)
                out.append(Drift("device_not_seen", host, f"never answered ({sd.last_error})",
                                 f"check its management address and SNMP credentials, or "
                                 f"remove it from {f}", f, None, loc=at))
            continue
        out += _device_facts(inv, e, sd, catalog)
    out += _links(inv, scope, devices, links)
    order = {c: i for i, c in enumerate(CODES)}
    return _lines(sorted(out, key=lambda d: (order[d.code], d.device, d.detail)))


def _device_facts(inv: Inventory, e: DeviceEntry, sd: SeenDevice,
                  catalog: dict[str, Any]) -> list[Drift]:
    out: list[Drift] = []
    host = e.hostname
    declared = e.device.model
    if sd.platform and sd.platform != e.platform.value:
        f, at = _where(inv, e, "model") if declared else _where(inv, e)
        known = [m for m, spec in catalog.items() if spec.platform.value == sd.platform
                 and sd.model and same_model(m, sd.model)]
        edits = (Edit(e.file, e.loc, "set", known[0], "model"),) if known else ()
        out.append(Drift("platform_mismatch", host,
                         f"declared {e.platform.value} (model {declared}), answers as "
                         f"{sd.vendor} {sd.platform}",
                         f"model: {known[0]}" if known else
                         f"set model: to the {sd.vendor} model it is ({sd.model or 'see sysDescr'})"
                         " and add it to catalog.yaml", f, None, edits, loc=at))
    if sd.model and declared and not same_model(sd.model, declared):
        f, at = _where(inv, e, "model")
        changes: list[Edit] = [Edit(e.file, e.loc, "set", sd.model, "model")]
        fix = f"model: {sd.model}"
        if sd.model not in catalog:
            spec = {"platform": sd.platform or e.platform.value}
            if sd.vendor:
                spec["vendor"] = sd.vendor
            changes.append(Edit(inv.root / "catalog.yaml", ("models",), "set", spec, sd.model))
            fix += f" (and in catalog.yaml: {sd.model}: {spec})"
        out.append(Drift("model_mismatch", host, f"declared {declared}, ENTITY-MIB says "
                         f"{sd.model}", fix, f, None, tuple(changes), loc=at))
    if sd.serial and e.device.serial and sd.serial != e.device.serial:
        f, at = _where(inv, e, "serial")
        valid = re.fullmatch(SERIAL_RE, sd.serial) is not None
        out.append(Drift("serial_mismatch", host, f"declared {e.device.serial}, the device "
                         f"reports {sd.serial}", f"serial: {sd.serial}" if valid else
                         "correct serial: by hand (the reported one is not a valid serial)",
                         f, None, (Edit(e.file, e.loc, "set", sd.serial, "serial"),)
                         if valid else (), loc=at))
    if sd.interfaces:
        have = {canon(n) for n in sd.interfaces}
        for i, iface in enumerate(e.device.interfaces):
            if canon(iface.name) in have:
                continue
            f, at = _where(inv, e, "interfaces", i, "name")
            close = difflib.get_close_matches(iface.name, list(sd.interfaces), n=1)
            out.append(Drift("interface_missing", host, f"no interface {iface.name} on the "
                             "device", f"name: {close[0]}" if close else
                             "remove it or correct its name", f, None, loc=at))
    return out


def _links(inv: Inventory, scope: dict[str, DeviceEntry], devices: dict[str, SeenDevice],
           links: Sequence[SeenLink]) -> list[Drift]:
    out: list[Drift] = []
    aps = {e.hostname for e in inv.iter_devices() if e.role is Role.AP}
    declared = []
    for le in inv.links:
        a, b = le.link.a, le.link.b
        if a.device is None or b.device is None:
            continue
        declared.append((le, ((a.device, canon(a.interface) if a.interface else None),
                              (b.device, canon(b.interface) if b.interface else None))))
    seen: dict[frozenset[End], tuple[SeenLink, tuple[End, End]]] = {}
    pair: tuple[End, End]
    for sl in links:
        if sl.device not in scope or not sl.remote_device:
            continue
        if sl.device in aps or sl.remote_device in aps:
            continue
        pair = ((sl.device, canon(sl.local_port)), (sl.remote_device, canon(sl.remote_port)))
        seen.setdefault(frozenset(pair), (sl, pair))
    with_lldp = {sl.device for sl in links}
    declared_by = pair_index(d for _le, d in declared)  # by device pair: no n x m scan
    seen_index = pair_index(p for _sl, p in seen.values())
    undeclared_devices: dict[str, list[SeenLink]] = {}
    for sl, pair in seen.values():
        if any(matches(d, pair) for d in declared_by.get(devices_of(pair), ())):
            continue
        remote = sl.remote_device or ""
        e = scope[sl.device]
        local = f"{sl.device}:{sl.local_port}"
        if remote.startswith("lldp:"):
            undeclared_devices.setdefault(remote, []).append(sl)
            name = remote.removeprefix("lldp:")
        else:
            name = remote
        far = f"{name}:{sl.remote_port}"
        other = inv.devices.get(remote)
        same_site = remote.startswith("lldp:") or (other is not None and other.site == e.site)
        county_file = inv.county_files.get(e.county or "")
        edits: tuple[Edit, ...] = ()
        if same_site and county_file is not None:
            edits = (Edit(county_file, ("links",), "append",
                          {"kind": "lan", "a": local, "b": far}),
                     *_declare_ports(inv, ((sl.device, sl.local_port),
                                           (remote, sl.remote_port))))
        fix = (f"links: - {{kind: lan, a: {local}, b: {far}}}" if same_site else
               f"add the link {local} - {far} under links: with its kind and mbps")
        out.append(Drift("link_undeclared", sl.device, f"LLDP: {local} - {far}", fix,
                         str(county_file) if county_file else None, None, edits))
    for remote, seen_by in sorted(undeclared_devices.items()):
        sl = seen_by[0]
        e = scope[sl.device]
        sd = devices.get(remote)
        name = remote.removeprefix("lldp:")
        entry: dict[str, Any] = {"hostname": name, "role": "access"}
        if sd is not None and sd.model and sd.model in inv.catalog.models:
            entry["model"] = sd.model
        elif sd is not None and sd.platform:
            entry["platform"] = sd.platform
        valid = re.fullmatch(HOSTNAME_RE, name) is not None
        known = "model" in entry or "platform" in entry
        edits = (Edit(e.file, e.loc[:-1], "append", entry),) if valid and known else ()
        chassis = f", chassis {sl.remote_chassis_id}" if sl.remote_chassis_id else ""
        out.append(Drift("device_undeclared", remote,
                         f"seen by LLDP from {sl.device}:{sl.local_port}{chassis}",
                         f"devices: - {_flow_text(entry)} at {e.site} (check the role, add its "
                         "model)" if edits else
                         f"add it at {e.site} with a valid hostname, its role and model",
                         str(e.file), None, edits))
    for le, d in declared:
        (da, _ai), (db, _bi) = d
        del _ai, _bi
        if da not in scope and db not in scope:
            continue
        if da in aps or db in aps:
            continue
        if da not in with_lldp and db not in with_lldp:
            continue  # neither end reported LLDP: nothing to judge
        if not all(devices.get(x) is not None and devices[x].seen for x in (da, db)
                   if x in with_lldp):
            continue
        if any(matches(d, p) for p in seen_index.get(devices_of(d), ())):
            continue
        out.append(Drift("link_not_seen", da if da in scope else db,
                         f"declared {le.link.a} - {le.link.b}, LLDP does not show it",
                         "check the cable and LLDP on both ends, or correct the link",
                         str(le.file), None, loc=le.loc))
    return out
