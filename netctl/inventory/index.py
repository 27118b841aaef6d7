"""The loaded inventory: validated files joined into one graph, with cross-checks and indexes.

:func:`load_inventory` is the one entry point: it reads the folder, validates each file, joins
them, and raises :class:`~netctl.exceptions.InventoryError` listing every error (file, line,
field, fix). Warnings (a school without a gateway, say) are kept on ``Inventory.warnings``.

The inventory stands alone: it imports nothing above it. What a floor above adds to a loaded
inventory (IPAM's plan, records and management addresses) comes through a hook:
:func:`register_attachment`. :mod:`netctl.ipam.merge` registers IPAM's attachment when it is
imported, and its :func:`netctl.ipam.merge.load_inventory` (what netctl's own modules call) is
this function with that registration guaranteed. A folder that holds IPAM files loaded while no
IPAM attachment is registered is refused (a programming error, never silently without IPAM's
addresses).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from netctl import geo
from netctl.exceptions import Problem
from netctl.inventory.load import Finding, RawInventory, raise_if_errors, read_files
from netctl.inventory.names import check_interface_names
from netctl.models.inventory import (
    CatalogFile,
    CountyFile,
    Defaults,
    Device,
    Link,
    LinkKind,
    Node,
    RegionFile,
    Role,
    School,
    WifiStandard,
)
from netctl.platforms import Platform

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """A device with where it sits and its platform resolved through the catalog."""

    device: Device
    platform: Platform
    wifi: WifiStandard | None
    city: str | None
    county: str | None
    school: str | None
    node: str | None
    file: Path
    loc: Loc

    @property
    def hostname(self) -> str:
        """The device's hostname (its key everywhere)."""
        return self.device.hostname

    @property
    def role(self) -> Role:
        """The device's role."""
        return self.device.role

    @property
    def site(self) -> str:
        """The school code or node id the device belongs to."""
        return self.school or self.node or ""


@dataclass(frozen=True, slots=True)
class SchoolEntry:
    """A school with its county and city."""

    school: School
    county: str
    city: str
    file: Path
    loc: Loc

    @property
    def code(self) -> str:
        """The 10-digit school identifier."""
        return self.school.code


@dataclass(frozen=True, slots=True)
class LinkEntry:
    """A link and where it is declared."""

    link: Link
    file: Path
    loc: Loc


def fast_constructor(cls: type[Any]) -> Callable[..., Any]:
    """A constructor of the frozen slotted dataclass ``cls`` that makes the same object as
    ``cls(*fields)`` (positional, every field) about three times faster.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (its own
    ``__setattr__`` refuses): ~0.1 µs a field, 30 ms for a region's 32,000 device entries. This
    one fills a plain slotted twin of ``cls`` (the same slots, so the same memory layout) with
    ordinary assignments, then makes the object a ``cls`` (``__class__`` assignment, which
    Python allows between classes of the same layout): from then on it is a frozen ``cls``
    like any other (equal, hashed, refusing assignment alike; tests compare them).
    """
    names: tuple[str, ...] = getattr(cls, "__slots__", ())
    if not names or tuple(f.name for f in fields(cls)) != names:
        msg = f"{cls.__name__}: fast_constructor needs a slotted dataclass, fields in order"
        raise TypeError(msg)
    twin = type(f"_{cls.__name__}Slots", (), {"__slots__": names})
    args = ", ".join(names)
    body = "".join(f"    o.{n} = {n}\n" for n in names)
    source = f"def make({args}):\n    o = _new(twin)\n{body}    o.__class__ = cls\n    return o\n"
    scope: dict[str, Any] = {"_new": object.__new__, "twin": twin, "cls": cls}
    exec(source, scope)  # noqa: S102 - generated from the class's own slot names
    make: Callable[..., Any] = scope["make"]
    make.__qualname__ = f"fast_constructor({cls.__name__})"
    return make


_new_device_entry = fast_constructor(DeviceEntry)
_new_school_entry = fast_constructor(SchoolEntry)
_new_link_entry = fast_constructor(LinkEntry)


@dataclass
class Inventory:
    """The whole source of truth, joined and checked."""

    root: Path
    region: RegionFile
    catalog: CatalogFile
    counties: dict[str, CountyFile]
    county_files: dict[str, Path]
    devices: dict[str, DeviceEntry] = field(default_factory=dict)
    schools: dict[str, SchoolEntry] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[LinkEntry] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # the address plan and IPAM's records (a netctl.ipam.merge.IpamData, put here by IPAM's
    # attachment; the inventory does not know its type)
    ipam: Any = None
    _by_site: dict[str, list[DeviceEntry]] = field(default_factory=dict, repr=False)
    _links_by_site: dict[str, list[Link]] = field(default_factory=dict, repr=False)
    # hostnames declared but rejected (no platform, in a duplicate school): their own error is
    # reported once; links and APs that name them are not reported again
    _broken: set[str] = field(default_factory=set, repr=False)

    @property
    def defaults(self) -> Defaults:
        """Region-wide defaults."""
        return self.region.defaults

    def devices_at(self, site: str) -> list[DeviceEntry]:
        """Devices of a school (by code) or node (by id)."""
        return self._by_site.get(site, [])

    def links_at(self, site: str) -> list[Link]:
        """Links with at least one end on a device of the site."""
        return self._links_by_site.get(site, [])

    def uplinks_of(self, site: str) -> list[Link]:
        """Links that leave the site: to another site or to a provider."""
        out = []
        for link in self.links_at(site):
            if not link.kind.is_uplink:
                continue
            sites = {self._site_of_end(link.a), self._site_of_end(link.b)}
            if sites != {site}:
                out.append(link)
        return out

    def _site_of_end(self, end: object) -> str | None:
        device = getattr(end, "device", None)
        if device is None:
            return None
        entry = self.devices.get(device)
        return entry.site if entry else None

    def schools_in(self, county: str | None = None, city: str | None = None) -> list[SchoolEntry]:
        """Schools of a county or a city (all when neither is given), in code order."""
        return [
            s
            for s in self.schools.values()
            if (county is None or s.county == county) and (city is None or s.city == city)
        ]

    def iter_devices(self) -> Iterator[DeviceEntry]:
        """Every device, in file order."""
        return iter(self.devices.values())


Attachment = Callable[["Inventory", bool], list[Finding]]
"""``attach(inventory, apply)``: adds a floor's data to a joined inventory, returns findings."""

_ATTACHMENTS: dict[str, Attachment] = {}
IPAM_ATTACHMENT = "ipam"
_IPAM_FILES = ("address-plan.yaml", "ipam")


def register_attachment(name: str, attach: Attachment) -> None:
    """Have :func:`load_inventory` call ``attach`` on every inventory it loads (after the join,
    in registration order; registering a name again replaces it)."""
    _ATTACHMENTS[name] = attach


def attachments() -> tuple[str, ...]:
    """The names of the registered attachments."""
    return tuple(_ATTACHMENTS)


def load_inventory(root: Path, *, apply_ipam: bool = True) -> Inventory:
    """Load, validate and cross-check the inventory folder at ``root``.

    Every registered attachment runs on the joined inventory: IPAM's (registered by
    :mod:`netctl.ipam.merge`) puts the plan and records in ``Inventory.ipam`` and gives devices
    the management addresses IPAM recorded; ``apply_ipam=False`` leaves them with what their
    files declare.

    Raises:
        InventoryError: with every error found (file, line, field, fix).
        RuntimeError: the folder holds IPAM files but no IPAM attachment is registered (load
            through :func:`netctl.ipam.merge.load_inventory`).
    """
    if IPAM_ATTACHMENT not in _ATTACHMENTS and any((root / f).exists() for f in _IPAM_FILES):
        msg = (f"{root} holds IPAM files but IPAM is not attached: a bug in the caller (fix: "
               "load with netctl.ipam.merge.load_inventory, or import netctl.ipam.merge first)")
        raise RuntimeError(msg)
    # Loading allocates hundreds of thousands of objects that all live on: the cyclic garbage
    # collector would scan them again and again for nothing (about 20 % of a region's load).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        raw, findings = read_files(root)
        raise_if_errors(findings)
        assert raw is not None  # noqa: S101 - read_files returns None only with errors
        inventory, more = join(raw)
        for attach in tuple(_ATTACHMENTS.values()):
            more += attach(inventory, apply_ipam)
        inventory.warnings = raise_if_errors(findings + more)
        return inventory
    finally:
        if was_enabled:
            gc.enable()


def join(raw: RawInventory) -> tuple[Inventory, list[Finding]]:
    """Join validated files into an :class:`Inventory` and cross-check them."""
    inv = Inventory(raw.root, raw.region, raw.catalog, {}, {})
    findings: list[Finding] = []
    seen_hosts: dict[str, tuple[Path, Loc]] = {}
    seen_mgmt: dict[str, str] = {}
    region_path = raw.root / "region.yaml"
    city_of = {code: division.city_code for code, division in geo.COUNTIES.items()}
    models = raw.catalog.models
    devices, by_site, ap = inv.devices, inv._by_site, Role.AP
    new_entry = _new_device_entry

    def add_device(
        device: Device,
        path: Path,
        loc: Loc,
        *,
        county: str | None,
        school: str | None,
        node: str | None,
    ) -> None:
        if device.hostname in seen_hosts:
            other, _ = seen_hosts[device.hostname]
            findings.append(
                Finding(
                    path,
                    (*loc, "hostname"),
                    f"duplicate hostname '{device.hostname}'",
                    f"hostnames are unique in the region; it is also declared in {other.name}",
                )
            )
            return
        seen_hosts[device.hostname] = (path, loc)
        spec = models.get(device.model) if device.model else None
        platform = device.platform or (spec.platform if spec else None)
        if platform is None:
            findings.append(
                Finding(
                    path,
                    (*loc, "platform"),
                    f"device '{device.hostname}' has no platform",
                    f"set 'platform:' (huawei_vrp, hp_comware, ruijie_os, cisco_ios) or add model "
                    f"'{device.model}' to catalog.yaml"
                    if device.model
                    else "set 'platform:' (huawei_vrp, hp_comware, ruijie_os, cisco_ios)",
                )
            )
            inv._broken.add(device.hostname)
            return
        wifi = device.wifi or (spec.wifi if spec else None)
        if device.role is Role.AP and wifi is None:
            findings.append(
                Finding(
                    path,
                    (*loc, "wifi"),
                    f"AP '{device.hostname}' has no Wi-Fi standard",
                    "set 'wifi: wifi6' (wifi4/5/6/6e/7) or give its model a 'wifi:' in "
                    "catalog.yaml",
                )
            )
        if device.mgmt_ipv4 is not None or device.mgmt_ipv6 is not None:
            for addr in (device.mgmt_ipv4, device.mgmt_ipv6):
                if addr is None:
                    continue
                key = str(addr)
                if key in seen_mgmt:
                    findings.append(
                        Finding(
                            path,
                            (*loc, "mgmt_ipv4" if addr.version == 4 else "mgmt_ipv6"),
                            f"management address {key} is already used by '{seen_mgmt[key]}'",
                            "give each device its own management address",
                        )
                    )
                else:
                    seen_mgmt[key] = device.hostname
        city = city_of.get(county) if county is not None else None
        entry: DeviceEntry = _new_device_entry(device, platform, wifi, city, county, school,
                                               node, path, loc)
        inv.devices[device.hostname] = entry
        inv._by_site.setdefault(entry.site, []).append(entry)

    def add_node(node: Node, path: Path, loc: Loc, county: str | None) -> None:
        if node.id in inv.nodes:
            findings.append(
                Finding(
                    path,
                    (*loc, "id"),
                    f"duplicate node id '{node.id}'",
                    "node ids are unique in the region",
                )
            )
            return
        inv.nodes[node.id] = node
        for j, device in enumerate(node.devices):
            add_device(device, path, (*loc, "devices", j), county=county, school=None, node=node.id)

    for i, node in enumerate(raw.region.nodes):
        add_node(node, region_path, ("nodes", i), None)
    for j, link in enumerate(raw.region.links):
        inv.links.append(_new_link_entry(link, region_path, ("links", j)))

    for path, cf in raw.counties.items():
        code = cf.county
        if code not in geo.COUNTIES:
            known = ", ".join(f"{c.code} {c.name}" for c in geo.COUNTIES.values())
            findings.append(
                Finding(
                    path,
                    ("county",),
                    f"unknown county code {code}",
                    f"use a GB/T 2260 county code of Ningxia: {known}",
                )
            )
            continue
        if cf.name is not None and cf.name != geo.COUNTIES[code].name:
            findings.append(
                Finding(
                    path,
                    ("name",),
                    f"county {code} is {geo.COUNTIES[code].name}, not {cf.name}",
                    f"write name: {geo.COUNTIES[code].name}, or fix the code",
                )
            )
        if code in inv.counties:
            findings.append(
                Finding(
                    path,
                    ("county",),
                    f"county {code} is declared twice",
                    f"merge this file into {inv.county_files[code].name}",
                )
            )
            continue
        if path.stem != code:
            findings.append(
                Finding(
                    path,
                    ("county",),
                    f"file name {path.name} does not match county {code}",
                    f"rename the file to {code}.yaml",
                    "warning",
                )
            )
        inv.counties[code] = cf
        inv.county_files[code] = path
        city = geo.COUNTIES[code].city_code
        for i, node in enumerate(cf.nodes):
            add_node(node, path, ("nodes", i), code)
        for i, school in enumerate(cf.schools):
            loc: Loc = ("schools", i)
            if school.code in inv.schools:
                other = inv.schools[school.code]
                findings.append(
                    Finding(
                        path,
                        (*loc, "code"),
                        f"duplicate school code {school.code}",
                        f"already declared as {other.school.name} in {other.file.name}; "
                        "keep one (re-import updates in place)",
                    )
                )
                inv._broken.update(d.hostname for d in school.devices)
                continue
            inv.schools[school.code] = _new_school_entry(school, code, city, path, loc)
            site_list = by_site.setdefault(school.code, [])
            for j, device in enumerate(school.devices):
                # the usual device, inline (a region has ~30,000): a new hostname, a platform
                # (its own or its model's), a Wi-Fi standard if it is an AP, no declared
                # management address; anything else goes through add_device and its findings
                hostname = device.hostname
                spec = models.get(device.model) if device.model else None
                platform = device.platform or (spec.platform if spec else None)
                wifi = device.wifi or (spec.wifi if spec else None)
                if (hostname in seen_hosts or platform is None or device.mgmt_ipv4 is not None
                        or device.mgmt_ipv6 is not None or (wifi is None and device.role is ap)):
                    add_device(device, path, (*loc, "devices", j), county=code,
                               school=school.code, node=None)
                    continue
                dev_loc = (*loc, "devices", j)
                seen_hosts[hostname] = (path, dev_loc)
                entry = new_entry(device, platform, wifi, city, code, school.code, None, path,
                                  dev_loc)
                devices[hostname] = entry
                site_list.append(entry)
        for j, link in enumerate(cf.links):
            inv.links.append(_new_link_entry(link, path, ("links", j)))

    findings.extend(_check_links(inv))
    findings.extend(_check_devices(inv))
    findings.extend(check_interface_names(inv.devices.values()))
    findings.extend(_check_schools(inv))
    return inv, findings


def _check_links(inv: Inventory) -> list[Finding]:
    findings: list[Finding] = []
    by_site: dict[str, list[Link]] = defaultdict(list)
    interfaces: dict[str, set[str]] = {}  # hostname → its interface names (a metro has many links)
    get_device, broken, lan = inv.devices.get, inv._broken, LinkKind.LAN
    for entry in inv.links:
        link = entry.link
        ok = True
        sites: set[str] = set()
        for side, end in (("a", link.a), ("b", link.b)):
            host = end.device
            if host is None:
                continue
            dev = get_device(host)
            if dev is None:
                if host in broken:
                    ok = False
                    continue
                findings.append(
                    Finding(
                        entry.file,
                        (*entry.loc, side),
                        f"link endpoint '{host}' does not exist",
                        "use the hostname of a device declared in the inventory",
                    )
                )
                ok = False
                continue
            if end.interface is not None:
                names = interfaces.get(host)
                if names is None:
                    names = interfaces[host] = {i.name for i in dev.device.interfaces}
                if names and end.interface not in names:
                    findings.append(
                        Finding(
                            entry.file,
                            (*entry.loc, side),
                            f"device '{host}' has no interface '{end.interface}'",
                            "declare it under the device's interfaces "
                            f"(has: {', '.join(sorted(names))})",
                        )
                    )
                    ok = False
            sites.add(dev.site)
        if ok:
            for site in sites:
                by_site[site].append(link)
        if link.kind is lan and len(sites) > 1:
            findings.append(
                Finding(
                    entry.file,
                    (*entry.loc, "kind"),
                    "a lan link joins two different sites",
                    "use kind edu_private or backbone for links between sites",
                    "warning",
                )
            )
    inv._links_by_site = dict(by_site)
    return findings


def _check_devices(inv: Inventory) -> list[Finding]:
    findings: list[Finding] = []
    for entry in inv.devices.values():
        ctrl = entry.device.controller
        if ctrl is None or ctrl in inv._broken:
            continue
        target = inv.devices.get(ctrl)
        if target is None:
            findings.append(
                Finding(
                    entry.file,
                    (*entry.loc, "controller"),
                    f"controller '{ctrl}' does not exist",
                    "use the hostname of a device with role wlc",
                )
            )
        elif target.role is not Role.WLC:
            findings.append(
                Finding(
                    entry.file,
                    (*entry.loc, "controller"),
                    f"controller '{ctrl}' has role {target.role.value}, not wlc",
                    "point the AP at its wireless controller",
                )
            )
    return findings


def _check_schools(inv: Inventory) -> list[Finding]:
    findings: list[Finding] = []
    websites: dict[str, str] = {}
    by_site, gateway = inv._by_site, Role.GATEWAY
    for code, s in inv.schools.items():
        school = s.school
        if not any(d.device.role is gateway for d in by_site.get(code, ())):
            findings.append(
                Finding(
                    s.file,
                    s.loc,
                    f"school {school.code} {school.name} has no gateway",
                    "add its gateway device (role: gateway) once the campus network is surveyed",
                    "warning",
                )
            )
        if school.digital_classrooms > school.classes:
            findings.append(
                Finding(
                    s.file,
                    (*s.loc, "digital_classrooms"),
                    f"{school.digital_classrooms} digital classrooms for {school.classes} classes",
                    "check the roster: the KPI counts at most one digital classroom per class",
                    "warning",
                )
            )
        if school.website:
            if school.website in websites:
                findings.append(
                    Finding(
                        s.file,
                        (*s.loc, "website"),
                        f"website {school.website} is also declared by school "
                        f"{websites[school.website]}",
                        "each school's website is its own domain",
                        "warning",
                    )
                )
            websites[school.website] = school.code
    return findings
