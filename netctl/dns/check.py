"""``netctl dns check``: are the zone files valid, consistent, and what IPAM says?

For every zone in the output folder (``named.conf.zones`` lists them):

1. ``named-checkzone`` (BIND, Debian ``bind9-utils``) when it is installed, with host-name and
   integrity checks on;
2. netctl's own checks, on the zone as dnspython reads it: the SOA serial is ``YYYYMMDDnn``
   with a real date; every PTR points at a name that resolves (in the zone) to that same
   address (forward-confirmed reverse DNS); every address of the forward zone inside the
   plan's blocks has a PTR; no CNAME shares its name with other data;
3. with the inventory: the files are what ``netctl dns zone`` would write now (not stale), and
   every school and in-zone website has its name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dns.exception
import dns.name
import dns.rdata
import dns.rdatatype
import dns.reversename
import dns.zone

from netctl.dns.zone import ZONES_CONF, Record, build_zones
from netctl.inventory.index import Inventory

_CONF_RE = re.compile(r'zone\s+"([^"]+)"\s*\{[^}]*file\s+"([^"]+)"')


@dataclass(frozen=True, slots=True)
class DnsFinding:
    """One problem with a zone."""

    severity: str  # "error" | "warning"
    zone: str
    message: str
    fix: str = ""


@dataclass(slots=True)
class DnsCheckReport:
    """Every finding, and what was checked."""

    zones: list[str] = field(default_factory=list)
    named_checkzone: str | None = None
    findings: list[DnsFinding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Number of errors."""
        return sum(1 for f in self.findings if f.severity == "error")

    def add(self, severity: str, zone: str, message: str, fix: str = "") -> None:
        """Record a finding."""
        self.findings.append(DnsFinding(severity, zone, message, fix))


def zone_files(out_dir: Path) -> list[tuple[str, Path]]:
    """(origin without dot, file) of each zone listed in ``named.conf.zones``."""
    conf = out_dir / ZONES_CONF
    if not conf.is_file():
        return []
    return [(name, out_dir / file) for name, file in _CONF_RE.findall(conf.read_text("utf-8"))]


def named_checkzone(origin: str, path: Path, binary: str, timeout: float = 120.0
                    ) -> tuple[bool, str]:
    """Run ``named-checkzone`` on one zone: (ok, its output)."""
    try:
        proc = subprocess.run(
            [binary, "-k", "fail", "-i", "local", origin, str(path)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"named-checkzone did not run: {exc}"
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def check_zones(out_dir: Path, inv: Inventory | None = None, *,
                checkzone: str | None = "auto") -> DnsCheckReport:
    """Check the zone files of ``out_dir``; ``checkzone`` is the path of named-checkzone,
    ``"auto"`` to find it on PATH, or None to skip it."""
    binary = shutil.which("named-checkzone") if checkzone == "auto" else checkzone
    report = DnsCheckReport(named_checkzone=binary)
    files = zone_files(out_dir)
    if not files:
        report.add("error", str(out_dir), f"no zones: {out_dir / ZONES_CONF} does not exist",
                   "run 'netctl dns zone' first")
        return report
    parsed: dict[str, dns.zone.Zone] = {}
    for origin, path in files:
        report.zones.append(origin)
        if not path.is_file():
            report.add("error", origin, f"{path} is missing", "run 'netctl dns zone'")
            continue
        if binary:
            ok, output = named_checkzone(origin, path, binary)
            if not ok:
                lines = [x for x in output.splitlines() if x.strip()][:20]
                report.add("error", origin, "named-checkzone: " + " | ".join(lines),
                           "regenerate with 'netctl dns zone'; if it persists, report it")
        try:
            parsed[origin] = dns.zone.from_file(str(path), origin=origin, relativize=False,
                                                check_origin=True)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            report.add("error", origin, f"cannot be read: {exc}", "regenerate it")
            continue
        _check_serial(report, origin, parsed[origin])
    _check_consistency(report, parsed)
    if inv is not None:
        _check_against_inventory(report, inv, out_dir, parsed)
    return report


def _check_serial(report: DnsCheckReport, origin: str, zone: dns.zone.Zone) -> None:
    soa = zone.get_rdataset(zone.origin or "@", dns.rdatatype.SOA)
    if soa is None:
        report.add("error", origin, "no SOA record")
        return
    serial = str(soa[0].serial)
    try:
        valid = len(serial) == 10 and date(int(serial[:4]), int(serial[4:6]), int(serial[6:8]))
    except ValueError:
        valid = False
    if not valid:
        report.add("error", origin, f"SOA serial {serial} is not YYYYMMDDnn",
                   "regenerate with 'netctl dns zone'")


def _check_consistency(report: DnsCheckReport, zones: dict[str, dns.zone.Zone]) -> None:
    forward: dict[dns.name.Name, set[str]] = defaultdict(set)
    addresses: dict[str, set[dns.name.Name]] = defaultdict(set)
    ptrs: dict[str, tuple[str, dns.name.Name]] = {}
    reverse_origins: list[dns.name.Name] = []
    for origin, zone in zones.items():
        is_reverse = origin.endswith(("ip6.arpa", "in-addr.arpa"))
        if is_reverse and zone.origin is not None:
            reverse_origins.append(zone.origin)
        for name, node in zone.nodes.items():
            types = {rds.rdtype for rds in node.rdatasets}
            if dns.rdatatype.CNAME in types and len(types) > 1:
                report.add("error", origin, f"{name} has a CNAME and other data")
            for rds in node.rdatasets:
                if rds.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    for rd in rds:
                        text = rd.to_text()
                        forward[name].add(text)
                        addresses[text].add(name)
                elif rds.rdtype == dns.rdatatype.PTR:
                    for rd in rds:
                        address = dns.reversename.to_address(name)
                        ptrs[address] = (origin, rd.target)
    for address, (origin, target) in sorted(ptrs.items()):
        if address not in forward.get(target, set()):
            report.add("error", origin, f"PTR of {address} names {target}, which does not "
                       "resolve to it", "regenerate both zones with 'netctl dns zone'")
    for address, names in sorted(addresses.items()):
        owner = dns.reversename.from_address(address)
        if any(owner.is_subdomain(o) for o in reverse_origins) and address not in ptrs:
            first = sorted(names)[0]
            report.add("warning", str(first), f"{address} ({first}) has no PTR",
                       "regenerate with 'netctl dns zone'")


def _check_against_inventory(report: DnsCheckReport, inv: Inventory, out_dir: Path,
                             parsed: dict[str, dns.zone.Zone]) -> None:
    del out_dir
    expected = {z.origin.rstrip("."): z for z in build_zones(inv)}
    for origin, zone in expected.items():
        have = parsed.get(origin)
        if have is None:
            report.add("error", origin, "zone missing from the output folder",
                       "run 'netctl dns zone'")
            continue
        want = {_norm(r, zone.origin) for r in zone.records}
        got = set()
        for name, node in have.nodes.items():
            for rds in node.rdatasets:
                if rds.rdtype == dns.rdatatype.SOA:
                    continue
                for rd in rds:
                    got.add((name.to_text().lower(), dns.rdatatype.to_text(rds.rdtype),
                             rd.to_text().lower()))
        missing, extra = want - got, got - want
        if missing or extra:
            sample = sorted(missing)[:3] + sorted(extra)[:3]
            report.add("error", origin, f"stale: {len(missing)} record(s) missing, "
                       f"{len(extra)} not in IPAM any more (e.g. "
                       + "; ".join(" ".join(x) for x in sample) + ")",
                       "run 'netctl dns zone'")


def _norm(record: Record, origin: str) -> tuple[str, str, str]:
    owner, rtype, value = record
    name = origin if owner == "@" else f"{owner}.{origin}"
    if rtype in ("NS", "CNAME", "PTR") and not value.endswith("."):
        value = f"{value}.{origin}"
    if rtype == "AAAA":
        value = dns.rdata.from_text("IN", "AAAA", value).to_text()
    return name.lower(), rtype, value.lower()
