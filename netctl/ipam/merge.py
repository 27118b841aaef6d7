"""Merge IPAM into a loaded inventory: the plan, the records, and every device's addresses.

:func:`attach_ipam` is registered as the inventory's ``ipam`` attachment when this module is
imported, so :func:`netctl.inventory.index.load_inventory` calls it on every inventory it loads;
:func:`load_inventory` here is that loader with the registration guaranteed (the inventory
imports nothing above it: the arrow goes from IPAM to the inventory, never back). It reads
``address-plan.yaml`` (validated like any inventory file) and ``ipam/*.yaml`` (parsed, not yet
interpreted: the records are turned into prefixes only when someone asks, see
:meth:`IpamData.allocations`), and gives each device without a declared management address the
one IPAM recorded for it, so Nornir, ``inventory show`` and everything else see it. An address
declared in a county file that differs from the recorded one is an error: run ``netctl ipam
allocate`` to record the declared one (it wins).

Cost on a 3,000-school region: one regular-expression pass over the record files and one
C-level parse per address (no YAML, no :mod:`ipaddress` string parsing).
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Any

from netctl.exceptions import InventoryError
from netctl.inventory.index import (
    IPAM_ATTACHMENT,
    DeviceEntry,
    Inventory,
    register_attachment,
)
from netctl.inventory.index import load_inventory as _load_inventory
from netctl.inventory.load import Finding, resolve
from netctl.inventory.parsecache import parse_file
from netctl.inventory.yamlio import PARSER, YamlSyntaxError, parse_yaml
from netctl.ipam.net import gc_paused
from netctl.ipam.plan import AddressPlan, load_plan
from netctl.ipam.records import (
    IPAM_DIR,
    REGION,
    Allocations,
    parse_county,
    parse_region,
)

REGION_FILE = "region"


@dataclass
class IpamData:
    """IPAM's part of a loaded inventory (``Inventory.ipam``)."""

    root: Path
    plan: AddressPlan | None = None
    files: dict[str, Path] = field(default_factory=dict)  # "region" or county code → file
    _raw: dict[str, Any] | None = field(default=None, repr=False)
    _allocations: Allocations | None = field(default=None, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # derived indexes
    applied: bool = True  # devices carry IPAM's management addresses (else: see management())

    @property
    def folder(self) -> Path:
        """``<inventory>/ipam``."""
        return self.root / IPAM_DIR

    @property
    def raw(self) -> dict[str, Any]:
        """The record files as YAML data, parsed on first use.

        Raises:
            InventoryError: a record file is not valid YAML.
        """
        raw = self._raw  # a local: another thread may release() meanwhile
        if raw is None:
            raw, findings = read_ipam_yaml(self.files)
            if findings:
                raise InventoryError(resolve(findings))
            self._raw = raw
        return raw

    def allocations(self) -> Allocations:
        """The records, parsed on first use.

        Raises:
            InventoryError: a record file holds something that is not a prefix or address.
        """
        allocs = self._allocations
        if allocs is None:
            with gc_paused():
                allocs, findings = parse_records(self.raw, self.files)
            if any(f.severity == "error" for f in findings):
                raise InventoryError(resolve(findings))
            self._allocations = allocs
        return allocs

    def release(self) -> None:
        """Forget the parsed records and what was derived from them (parsed again on next use).

        A push renders every device first and then holds its sessions for minutes: the records
        (~10 MB parsed at 600 schools) are not needed by then. Safe while another thread reads
        them: what it holds stays valid, and what it asks for next is parsed again.
        """
        self._raw = None
        self._allocations = None
        self.cache.clear()


def parse_records(raw: dict[str, Any], files: dict[str, Path]
                  ) -> tuple[Allocations, list[Finding]]:
    """Records of every file (raw YAML keyed like :attr:`IpamData.raw`)."""
    allocs = Allocations()
    findings: list[Finding] = []
    for key in sorted(raw):
        path = files[key]
        if key == REGION_FILE:
            region, more = parse_region(raw[key], path)
            allocs.region = region
        else:
            county, more = parse_county(raw[key], path)
            if county is not None:
                if county.county != key:
                    more.append(Finding(path, ("county",), f"file {path.name} holds county "
                                        f"{county.county}", f"rename it to {county.county}.yaml"))
                allocs.counties[county.county] = county
        findings.extend(more)
    return allocs, findings


def ipam_files(root: Path) -> dict[str, Path]:
    """``ipam/*.yaml`` by key: ``region`` or the county code (the file's stem)."""
    folder = root / IPAM_DIR
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir())
            if p.suffix in (".yaml", ".yml") and p.is_file()}


def read_ipam_yaml(files: dict[str, Path]) -> tuple[dict[str, Any], list[Finding]]:
    """Parse every record file as YAML (nothing interpreted yet)."""
    raw: dict[str, Any] = {}
    findings: list[Finding] = []
    for key, path in files.items():
        try:  # through the parse cache like the inventory's own files (the YAML parser's
            # native memory is kept by its allocator: ~16 MB for 600 schools' records)
            data = parse_file(path.parent.parent, path, parse_yaml, PARSER)
        except YamlSyntaxError as exc:
            findings.append(Finding(path, ("__line__", exc.line or 0),
                                    f"not valid YAML: {exc.message}",
                                    "restore the file from git, or fix that line"))
            continue
        if not isinstance(data, dict):
            findings.append(Finding(path, (), "expected a mapping at the top of the file",
                                    "restore the file from git"))
            continue
        raw[key] = data
    return raw, findings


def attach_ipam(inv: Inventory, *, apply: bool = True) -> list[Finding]:
    """Put the plan and the record files into ``inv.ipam``; with ``apply``, set each device's
    management addresses from the records. Returns findings (never raises).

    Only the ``addresses`` tables are read here, straight from the text when the file has the
    layout netctl writes (a regular expression, no YAML parse); a file edited into another
    layout is parsed as YAML instead. Everything else is parsed when first asked for.
    """
    plan, findings = load_plan(inv.root)
    files = ipam_files(inv.root)
    inv.ipam = IpamData(inv.root, plan, files, applied=apply or not files)
    if apply and files:
        with gc_paused():
            for key, path in files.items():
                findings.extend(_apply(inv, key, path))
    return findings


Management = dict[str, tuple[int | None, int | None]]
"""hostname → (IPv6, IPv4) management address, as integers (None: none)."""


def management(inv: Inventory) -> Management:
    """The management addresses of the devices that have one in IPAM's records, as loading
    with ``apply_ipam=True`` gives them to the devices (a declared address wins; a recorded
    one that differs from it is an error), without making an address object per device: for
    a command that needs the addresses as numbers only (``netctl dns zone``) and loaded the
    inventory with ``apply_ipam=False``. Devices not in the result have what they declare.

    Raises:
        InventoryError: what loading with ``apply_ipam=True`` would have raised (a record line
            that is not 'HOST IPv6 IPv4', a declared address that differs from the recorded
            one), with the inventory's warnings, as that load reports them.
    """
    out: Management = {}
    data = inv.ipam
    if not isinstance(data, IpamData) or data.applied:
        return out
    findings: list[Finding] = []
    with gc_paused():
        for key, path in data.files.items():
            findings.extend(_apply(inv, key, path, out))
    if findings:
        problems = resolve(findings)
        if any(p.severity == "error" for p in problems):
            raise InventoryError(sorted([*inv.warnings, *problems],
                                        key=lambda p: (p.severity != "error", str(p.file),
                                                       p.line or 0)))
    return out


_MARK = "addresses: |\n"
_BLOCK = {indent: re.compile(f"(?:{indent}  \\S[^\\n]*\\n)*") for indent in ("  ", "    ")}


def _tables(key: str, path: Path) -> tuple[list[tuple[str, int, str]], list[Finding], str]:
    """(site, offset in the text or -1, table) of each ``addresses`` table of a record file,
    the findings, and the file's text."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Finding(path, (), f"cannot be read: {exc}", "restore it from git")], ""
    infra_site = REGION if key == REGION_FILE else key
    out: list[tuple[str, int, str]] = []
    pos = text.find(_MARK)
    canonical = text.count("addresses:") == text.count(_MARK)
    while canonical and pos >= 0:
        line_start = text.rfind("\n", 0, pos) + 1
        indent = text[line_start:pos]
        if indent not in ("  ", "    "):
            canonical = False
            break
        start = pos + len(_MARK)
        prefix = indent + "  "
        block = _BLOCK[indent].match(text, start)
        end = block.end() if block else start
        if text.startswith("\n", end) or text.startswith(prefix, end):
            canonical = False  # a blank or deeper line: let YAML read it
            break
        if indent == "  ":
            site = infra_site
        else:
            key_at = text.rfind("\n  ", 0, line_start - 1)
            while key_at >= 0 and text[key_at + 3] == " ":
                key_at = text.rfind("\n  ", 0, key_at)
            site = text[key_at + 3: text.find(":", key_at + 3)].strip("'") if key_at >= 0 else ""
        out.append((site, start, text[start:end]))
        pos = text.find(_MARK, end)
    if canonical:
        return out, [], text
    # another layout: read the tables through YAML
    raw, findings = read_ipam_yaml({key: path})
    data = raw.get(key)
    if not isinstance(data, dict):
        return [], findings, text
    out = []
    infra = data.get("infrastructure")
    if isinstance(infra, dict) and isinstance(infra.get("addresses"), str):
        out.append((str(data.get("county", infra_site)) if key != REGION_FILE else REGION, -1,
                    infra["addresses"]))
    site_map = data.get("sites")
    if isinstance(site_map, dict):
        for code, value in site_map.items():
            if isinstance(value, dict) and isinstance(value.get("addresses"), str):
                out.append((str(code), -1, value["addresses"]))
    return out, findings, text


_PTON = socket.inet_pton
_AF6, _AF4 = socket.AF_INET6, socket.AF_INET
_from_bytes = int.from_bytes


def _apply(inv: Inventory, key: str, path: Path, out: Management | None = None
           ) -> list[Finding]:
    """Give the devices the addresses of one record file; with ``out``, put them there (as
    numbers) and leave the devices as they are."""
    tables, findings, text = _tables(key, path)
    get = inv.devices.get
    setattr_ = object.__setattr__
    for site, offset, table in tables:
        for line in table.splitlines():
            parts = line.split()
            if len(parts) == 3 and ":" in parts[1]:  # 'HOST IPv6 IPv4', as netctl writes it
                host, six, four = parts
            elif parts:
                host, six, four = parts[0], "", ""
                for token in parts[1:]:
                    if ":" in token:
                        six = token
                    elif token != "-":  # noqa: S105 - an empty column
                        four = token
            else:
                continue
            entry = get(host)
            if entry is None or (entry.school or entry.county or REGION) != site:
                continue  # a device that is gone or moved: 'netctl ipam check' reports it
            try:
                x6 = _from_bytes(_PTON(_AF6, six), "big") if six else None
                x4 = _from_bytes(_PTON(_AF4, four), "big") if four else None
            except (OSError, ValueError):
                line_no = 0
                if offset >= 0:
                    line_no = (text.count("\n", 0, offset) + 1
                               + table.splitlines().index(line))
                findings.append(Finding(path, ("__line__", line_no) if line_no else (),
                                        f"'{line.strip()}' is not 'HOST IPv6 IPv4'",
                                        "restore the file from git"))
                continue
            device = entry.device
            if out is not None:  # numbers only, the devices untouched
                now = out.get(host)
                if now is None:
                    d6, d4 = device.mgmt_ipv6, device.mgmt_ipv4
                    if d6 is None and d4 is None:  # the usual device: nothing declared
                        out[host] = (x6, x4)
                        continue
                    now = (int(d6) if d6 is not None else None,
                           int(d4) if d4 is not None else None)
                c6, c4 = now
                if x6 is not None:
                    if c6 is None:
                        c6 = x6
                    elif c6 != x6:
                        findings.append(_conflict(entry, "mgmt_ipv6", IPv6Address(c6),
                                                  IPv6Address(x6), path))
                if x4 is not None:
                    if c4 is None:
                        c4 = x4
                    elif c4 != x4:
                        findings.append(_conflict(entry, "mgmt_ipv4", IPv4Address(c4),
                                                  IPv4Address(x4), path))
                out[host] = (c6, c4)
                continue
            v6 = IPv6Address(x6) if x6 is not None else None
            v4 = IPv4Address(x4) if x4 is not None else None
            # the loader's own objects, before anyone else sees them
            if v6 is not None:
                if device.mgmt_ipv6 is None:
                    setattr_(device, "mgmt_ipv6", v6)
                elif device.mgmt_ipv6 != v6:
                    findings.append(_conflict(entry, "mgmt_ipv6", device.mgmt_ipv6, v6, path))
            if v4 is not None:
                if device.mgmt_ipv4 is None:
                    setattr_(device, "mgmt_ipv4", v4)
                elif device.mgmt_ipv4 != v4:
                    findings.append(_conflict(entry, "mgmt_ipv4", device.mgmt_ipv4, v4, path))
    return findings


def _conflict(entry: DeviceEntry, name: str, declared: object, recorded: object, path: Path
              ) -> Finding:
    return Finding(
        entry.file, (*entry.loc, name),
        f"{entry.hostname}: {name} {declared} differs from the address IPAM recorded "
        f"({recorded}, in {path.parent.name}/{path.name})",
        "the declared address wins: run 'netctl ipam allocate' to record it, "
        f"or remove '{name}' from the device",
    )


def _attach(inv: Inventory, apply: bool) -> list[Finding]:
    return attach_ipam(inv, apply=apply)


register_attachment(IPAM_ATTACHMENT, _attach)


def load_inventory(root: Path, *, apply_ipam: bool = True) -> Inventory:
    """:func:`netctl.inventory.index.load_inventory` with IPAM attached: the plan and records in
    ``Inventory.ipam``, and devices with the management addresses IPAM recorded
    (``apply_ipam=False``: with what their files declare).

    Raises:
        InventoryError: with every error found (file, line, field, fix).
    """
    return _load_inventory(root, apply_ipam=apply_ipam)
