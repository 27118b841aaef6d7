"""Merge IPAM into a loaded inventory: the plan, the records, and every device's addresses.

:func:`attach_ipam` is called by :func:`netctl.inventory.index.load_inventory`. It reads
``address-plan.yaml`` (validated like any inventory file) and ``ipam/*.yaml`` (parsed, not yet
interpreted: the records are turned into prefixes only when someone asks, see
:meth:`IpamData.allocations`), and gives each device without a declared management address the
one IPAM recorded for it, so Nornir, ``inventory show`` and everything else see it. An address
declared in a county file that differs from the recorded one is an error: run ``netctl ipam
allocate`` to record the declared one (it wins).

Cost on a 3,000-school region: one YAML parse of the records and one C-level parse per address
(no :mod:`ipaddress` string parsing): under 10 % of the whole load.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netctl.exceptions import InventoryError
from netctl.inventory.load import Finding, resolve
from netctl.inventory.yamlio import YamlSyntaxError, read_yaml
from netctl.ipam.net import gc_paused
from netctl.ipam.plan import AddressPlan, load_plan
from netctl.ipam.records import (
    IPAM_DIR,
    REGION,
    Allocations,
    parse_county,
    parse_region,
)

if TYPE_CHECKING:
    from netctl.inventory.index import Inventory

REGION_FILE = "region"


@dataclass
class IpamData:
    """IPAM's part of a loaded inventory (``Inventory.ipam``)."""

    root: Path
    plan: AddressPlan | None = None
    files: dict[str, Path] = field(default_factory=dict)  # "region" or county code → file
    raw: dict[str, Any] = field(default_factory=dict)
    _allocations: Allocations | None = field(default=None, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # derived indexes

    @property
    def folder(self) -> Path:
        """``<inventory>/ipam``."""
        return self.root / IPAM_DIR

    def allocations(self) -> Allocations:
        """The records, parsed on first use.

        Raises:
            InventoryError: a record file holds something that is not a prefix or address.
        """
        if self._allocations is None:
            with gc_paused():
                allocs, findings = parse_records(self.raw, self.files)
            if any(f.severity == "error" for f in findings):
                raise InventoryError(resolve(findings))
            self._allocations = allocs
        return self._allocations


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


def read_ipam_files(root: Path) -> tuple[dict[str, Any], dict[str, Path], list[Finding]]:
    """Parse every ``ipam/*.yaml`` (raw YAML; nothing interpreted yet)."""
    raw: dict[str, Any] = {}
    files: dict[str, Path] = {}
    findings: list[Finding] = []
    folder = root / IPAM_DIR
    if not folder.is_dir():
        return raw, files, findings
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        try:
            data = read_yaml(path)
        except YamlSyntaxError as exc:
            findings.append(Finding(path, ("__line__", exc.line or 0),
                                    f"not valid YAML: {exc.message}",
                                    "restore the file from git, or fix that line"))
            continue
        if not isinstance(data, dict):
            findings.append(Finding(path, (), "expected a mapping at the top of the file",
                                    "restore the file from git"))
            continue
        raw[path.stem] = data
        files[path.stem] = path
    return raw, files, findings


def attach_ipam(inv: Inventory, *, apply: bool = True) -> list[Finding]:
    """Read the plan and the records into ``inv.ipam``; with ``apply``, set each device's
    management addresses from the records. Returns findings (never raises)."""
    plan, findings = load_plan(inv.root)
    with gc_paused():
        raw, files, more = read_ipam_files(inv.root)
        findings.extend(more)
        inv.ipam = IpamData(inv.root, plan, files, raw)
        if apply:
            for key, data in raw.items():
                findings.extend(_apply(inv, key, files[key], data))
    return findings


_PTON = socket.inet_pton
_AF6, _AF4 = socket.AF_INET6, socket.AF_INET


def _apply(inv: Inventory, key: str, path: Path, data: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    sites: list[tuple[str, tuple[str, ...], Any]] = []
    infra_site = REGION if key == REGION_FILE else str(data.get("county", key))
    if isinstance(data.get("infrastructure"), dict):
        sites.append((infra_site, ("infrastructure",), data["infrastructure"]))
    if isinstance(data.get("sites"), dict):
        sites.extend((str(code), ("sites", str(code)), value)
                     for code, value in data["sites"].items())
    devices = inv.devices
    for site, loc, value in sites:
        table = value.get("addresses") if isinstance(value, dict) else None
        if not isinstance(table, str):
            continue
        for line in table.splitlines():
            parts = line.split()
            if not parts:
                continue
            host = parts[0]
            entry = devices.get(host)
            if entry is None or (entry.school or entry.county or REGION) != site:
                continue  # a device that is gone or moved: 'netctl ipam check' reports it
            v6: IPv6Address | None = None
            v4: IPv4Address | None = None
            try:
                for token in parts[1:]:
                    if ":" in token:
                        v6 = IPv6Address(_PTON(_AF6, token))
                    elif token != "-":  # noqa: S105 - an empty column
                        v4 = IPv4Address(_PTON(_AF4, token))
            except (OSError, ValueError):
                findings.append(Finding(path, (*loc, "addresses"),
                                        f"'{line.strip()}' is not 'HOST IPv6 IPv4'",
                                        "restore the file from git"))
                continue
            device = entry.device
            for name, addr in (("mgmt_ipv6", v6), ("mgmt_ipv4", v4)):
                if addr is None:
                    continue
                declared = getattr(device, name)
                if declared is None:
                    # the loader's own objects, before anyone else sees them
                    object.__setattr__(device, name, addr)
                elif declared != addr:
                    findings.append(Finding(
                        entry.file, (*entry.loc, name),
                        f"{host}: {name} {declared} differs from the address IPAM recorded "
                        f"({addr}, in {path.parent.name}/{path.name})",
                        "the declared address wins: run 'netctl ipam allocate' to record it, "
                        f"or remove '{name}' from the device",
                    ))
    return findings
