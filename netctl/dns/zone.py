"""The education zone and its reverse zones, generated from the inventory and IPAM.

One forward zone (``defaults.zone`` of ``region.yaml``, ``nxedu.example.cn`` in the sample):

- ``<school code>``: AAAA/A of the school's gateway loopback (what probes reach), and a TXT
  with the school's name;
- ``<hostname>``: AAAA/A of every device's management address; ``lo0.<hostname>`` its
  loopback, ``<interface>.<hostname>`` each point-to-point address, ``vlan<id>.<gateway>`` the
  gateway's VLAN interfaces;
- each school website inside the zone: AAAA/A of the address IPAM gave it;
- names a school declares under ``domains:``: CNAMEs to its school, website or device name;
- the name servers (``dns.nameservers`` of the plan) with their addresses.

Reverse zones (ip6.arpa on nibble boundaries, in-addr.arpa on octet boundaries) cover the
plan's blocks and hold one PTR per address, pointing back at a name that resolves to it.

SOA serials are ``YYYYMMDDnn`` and change only when a zone's content changes: a file is
rewritten only then, so re-running ``netctl dns zone`` is a no-op.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from ipaddress import IPv6Address
from pathlib import Path

from netctl.inventory.index import Inventory
from netctl.inventory.yamlio import write_atomic
from netctl.ipam.merge import IpamData, management
from netctl.ipam.net import Family, Net, format_address, gc_paused
from netctl.ipam.plan import AddressPlan
from netctl.ipam.records import Allocations, IpamError, SiteRecord
from netctl.ipam.sites import in_zone, site_gateways, site_of
from netctl.models.inventory import slug

ZONES_CONF = "named.conf.zones"
_SERIAL_RE = re.compile(r"^\s*(\d{10})\s*; serial$", re.MULTILINE)
_SERIAL_MARK = "@@SERIAL@@"


Record = tuple[str, str, str]
"""One resource record: (name relative to the zone, ``@`` for the apex; type; value). Plain
tuples: a region's zones hold ~280,000 of them."""


@dataclass(slots=True)
class Zone:
    """A zone's name and its records, kept as zone-file lines (``name<TAB>IN<TAB>type<TAB>value``;
    the SOA is added when it is rendered)."""

    origin: str  # with the trailing dot
    kind: str  # "forward" | "reverse"
    lines: list[str] = field(default_factory=list)

    @property
    def records(self) -> list[Record]:
        """The records as (name, type, value)."""
        out: list[Record] = []
        for line in self.lines:
            name, _, rtype, value = line.split("\t", 3)
            out.append((name, rtype, value))
        return out

    @property
    def file_name(self) -> str:
        """``<origin>zone``, e.g. ``nxedu.example.cn.zone``."""
        return f"{self.origin}zone"


@dataclass(frozen=True, slots=True)
class ZoneFile:
    """What :func:`write_zones` did with one zone."""

    origin: str
    path: Path
    serial: int
    records: int
    changed: bool


@lru_cache(maxsize=65536)
def label(hostname: str) -> str:
    """A hostname as one DNS label (lower case; anything but letters, digits, '-' → '-').

    Examples:
        >>> label("NX640104-0001_GW1")
        'nx640104-0001-gw1'
    """
    if hostname.isascii() and hostname.islower() and hostname.replace("-", "").isalnum() \
            and not hostname.startswith("-") and not hostname.endswith("-"):
        return hostname  # already a label: the usual case
    return re.sub(r"[^a-z0-9-]+", "-", hostname.lower()).strip("-")


def reverse_name(net: Net) -> str:
    """The PTR owner of an address, absolute.

    Examples:
        >>> from netctl.ipam.net import parse_net
        >>> reverse_name(parse_net("10.4.6.1"))
        '1.6.4.10.in-addr.arpa.'
        >>> reverse_name(parse_net("2001:db8::1"))[:20]
        '1.0.0.0.0.0.0.0.0.0.'
    """
    if net.family == "ipv6":
        return ".".join(format(net.start, "032x")[::-1]) + ".ip6.arpa."
    return ".".join(reversed(format_address("ipv4", net.start).split("."))) + ".in-addr.arpa."


def reverse_zones(block: Net) -> list[Net]:
    """The reverse zones that cover a block: nibble (IPv6) or octet (IPv4) aligned."""
    step = 4 if block.family == "ipv6" else 8
    length = -(-block.length // step) * step
    if length == block.length:
        return [block]
    first = Net(block.family, block.start, length)
    return [Net(block.family, block.start + i * first.size, length)
            for i in range(block.size // first.size)]


def reverse_origin(net: Net) -> str:
    """The origin of the reverse zone for a nibble/octet-aligned block."""
    if net.family == "ipv6":
        digits = format(net.start, "032x")[: net.length // 4]
        return ".".join(digits[::-1]) + ".ip6.arpa." if digits else "ip6.arpa."
    octets = format_address("ipv4", net.start).split(".")[: net.length // 8]
    return ".".join(reversed(octets)) + ".in-addr.arpa."


_TXT_ESCAPES = [
    chr(b) if 32 <= b <= 126 and chr(b) not in '"\\' else
    ("\\" + chr(b) if chr(b) in '"\\' else f"\\{b:03d}")
    for b in range(256)
]


def _txt(text: str) -> str:
    """TXT strings for a zone file: quoted, non-ASCII bytes as \\DDD escapes, and split into
    several character-strings of at most 255 bytes each (RFC 1035 §3.3.14; a longer string
    makes the whole zone unloadable). A UTF-8 character is never cut in two.

    Examples:
        >>> _txt('a"b 中')
        '"a\\\\"b \\\\228\\\\184\\\\173"'
        >>> parts = _txt("宁" * 86).split(" ")  # 258 bytes: two strings
        >>> len(parts), parts[0].count("\\\\") // 3, parts[1].count("\\\\") // 3
        (2, 85, 1)
    """
    raw = text.encode("utf-8")
    if len(raw) <= TXT_STRING_BYTES:  # one string (every school name): escaped at C speed
        return f'"{raw.decode("latin-1").translate(_TXT_TABLE)}"'
    chunks: list[bytes] = []
    current = b""
    for ch in text:
        raw = ch.encode("utf-8")
        if len(current) + len(raw) > TXT_STRING_BYTES:
            chunks.append(current)
            current = b""
        current += raw
    chunks.append(current)
    return " ".join('"' + "".join([_TXT_ESCAPES[b] for b in chunk]) + '"' for chunk in chunks)


TXT_STRING_BYTES = 255
"""The longest character-string of a TXT record."""

_TXT_TABLE = {b: _TXT_ESCAPES[b] for b in range(256)}
""":data:`_TXT_ESCAPES` for ``str.translate`` of UTF-8 bytes read as Latin-1 (one character a
byte)."""


def _nibbles(value: int, count: int) -> str:
    """The last ``count`` hex digits of an IPv6 address, reversed and dotted (a PTR owner
    inside its reverse zone). Both halves are cached: the upper 64 bits are shared by a /64,
    and the lower ones repeat from school to school (``::1``, ``::2``, … of each prefix)."""
    upper, lower = divmod(value, _2_64)
    low = _lower_nibbles(lower)
    if count <= 16:
        return low[: 2 * count - 1]
    return f"{low}.{_upper_nibbles(upper, count - 16)}"


@lru_cache(maxsize=1 << 16)
def _lower_nibbles(lower: int) -> str:
    return ".".join(format(lower, "016x")[::-1])


_2_64 = 2**64
_ntop4 = socket.inet_ntoa
_V6_MAPPED = int(IPv6Address("::ffff:ffff:ffff"))  # below: inet_ntop prints dotted forms


def _ntop6(packed: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, packed)


@lru_cache(maxsize=4096)
def _slug(iface: str) -> str:
    return slug(iface) or "link"


@lru_cache(maxsize=1 << 17)  # one per /64 in use: ~30,000 on a whole region
def _upper_nibbles(upper: int, count: int) -> str:
    return ".".join(format(upper, "016x")[::-1][:count])


class _Builder:
    def __init__(self, inv: Inventory, plan: AddressPlan, allocs: Allocations) -> None:
        self.inv = inv
        self.plan = plan
        self.allocs = allocs
        self.zone = inv.defaults.zone.lower().rstrip(".")
        self.suffix = f".{self.zone}."
        self.forward = Zone(self.zone + ".", "forward")
        blocks = [Net.of(plan.levels(f).block) for f in plan.families]
        self.reverse: list[tuple[Net, Zone]] = [
            (z, Zone(reverse_origin(z), "reverse")) for b in blocks for z in reverse_zones(b)]
        self.fwd: list[str] = self.forward.lines
        # per family: (first, end, labels to drop, lines) of each reverse zone
        self.zones6 = [(n.start, n.end, 32 - n.length // 4, z.lines)
                       for n, z in self.reverse if n.family == "ipv6"]
        self.zones4 = [(n.start, n.end, n.length // 8, z.lines)
                       for n, z in self.reverse if n.family == "ipv4"]
        self.done6: set[int] = set()
        self.done4: set[int] = set()
        self.emit = self._emitter()

    def rel(self, fqdn: str) -> str:
        fqdn = fqdn.lower().rstrip(".")
        if fqdn == self.zone:
            return "@"
        return fqdn[: -len(self.zone) - 1]

    def address(self, name: str, nets: dict[Family, Net] | None, *, ptr: bool = True) -> None:
        """A/AAAA for ``name`` (relative) from a pair of addresses, with PTRs."""
        if nets:
            six, four = nets.get("ipv6"), nets.get("ipv4")
            self.ints(name, six.start if six else None, four.start if four else None, ptr=ptr)

    def ints(self, name: str, six: int | None, four: int | None, *, ptr: bool = True) -> None:
        """A/AAAA for ``name`` (relative), and a PTR back unless the address has one."""
        self.emit(name, six, four, ptr)

    def _emitter(self) -> Callable[..., None]:
        """The hot path of a region's zones (~140,000 calls): a closure over local names."""
        fwd = self.fwd.append
        done6, done4 = self.done6, self.done4
        zones6, zones4 = self.zones6, self.zones4
        suffix = self.suffix
        ntop, af6, ntoa = socket.inet_ntop, socket.AF_INET6, socket.inet_ntoa
        nibbles, mapped = _nibbles, _V6_MAPPED

        # the usual plan has one reverse zone per family: test it first, without a loop
        first6, end6, count6, lines6 = zones6[0] if zones6 else (0, 0, 0, [])
        first4, end4, octets4, lines4 = zones4[0] if zones4 else (0, 0, 0, [])
        # PTR owners in that zone, _nibbles inlined: both halves of an address are kept in
        # plain dicts (the upper half is shared by a /64, the lower repeats school to school)
        low_of: dict[int, str] = {}
        high_of: dict[int, str] = {}
        high_count = count6 - 16
        two64 = _2_64

        def emit(name: str, six: int | None, four: int | None, ptr: bool = True) -> None:
            if six is not None:
                text = ntop(af6, six.to_bytes(16, "big")) if six > mapped else \
                    format_address("ipv6", six)
                fwd(f"{name}\tIN\tAAAA\t{text}")
                if ptr and six not in done6:
                    if first6 <= six < end6:
                        high, low = divmod(six, two64)
                        owner = low_of.get(low)
                        if owner is None:
                            owner = low_of[low] = ".".join(format(low, "016x")[::-1])
                        if high_count <= 0:
                            owner = owner[: 2 * count6 - 1]
                        else:
                            upper = high_of.get(high)
                            if upper is None:
                                upper = high_of[high] = ".".join(
                                    format(high, "016x")[::-1][:high_count])
                            owner = f"{owner}.{upper}"
                        lines6.append(f"{owner}\tIN\tPTR\t{name}{suffix}")
                        done6.add(six)
                    else:
                        for first, end, count, lines in zones6:
                            if first <= six < end:
                                lines.append(f"{nibbles(six, count)}\tIN\tPTR\t{name}{suffix}")
                                done6.add(six)
                                break
            if four is not None:
                text = ntoa(four.to_bytes(4, "big"))
                fwd(f"{name}\tIN\tA\t{text}")
                if ptr and four not in done4:
                    if first4 <= four < end4 and octets4 == 1:
                        _, b, c, d = text.split(".")
                        lines4.append(f"{d}.{c}.{b}\tIN\tPTR\t{name}{suffix}")
                        done4.add(four)
                        return
                    for first, end, octets, lines in zones4:
                        if first <= four < end:
                            owner = ".".join(reversed(text.split(".")[octets:]))
                            lines.append(f"{owner}\tIN\tPTR\t{name}{suffix}")
                            done4.add(four)
                            break

        return emit

    def build(self) -> list[Zone]:
        inv, plan, allocs = self.inv, self.plan, self.allocs
        names = plan.dns.nameservers
        region = allocs.region.infrastructure
        for ns in names:
            self.fwd.append(f"@\tIN\tNS\t{ns}.{self.zone}.")
            self.address(ns, region.services.get(ns) if region else None)
        for _, zone in self.reverse:
            zone.lines.extend(f"@\tIN\tNS\t{ns}.{self.zone}." for ns in names)
        gateways = site_gateways(inv)
        # device names first: an address's PTR names the device
        emit = self.emit
        devices = inv.devices
        recorded = management(inv)  # empty when the devices carry them already
        for host in sorted(devices):  # keyed by hostname
            found = recorded.get(host)
            if found is not None:
                emit(label(host), *found)
                continue
            dev = devices[host].device
            m6, m4 = dev.mgmt_ipv6, dev.mgmt_ipv4
            emit(label(host), int(m6) if m6 is not None else None,
                 int(m4) if m4 is not None else None)
        schools = inv.schools
        not_vlan = {r.role for r in plan.roles if not r.is_vlan}
        for _, rec, infra in allocs.iter_sites():
            if not infra and rec.site not in schools:
                continue  # a school that is gone: its records are orphans, not names
            gateway = gateways.get(rec.site)
            for host, pair in rec.loopbacks.items():
                if host in devices:  # self.address, inlined
                    six, four = pair.get("ipv6"), pair.get("ipv4")
                    emit(f"lo0.{label(host)}", six.start if six else None,
                         four.start if four else None)
            for link in rec.links:
                for i, end in enumerate((link.a, link.b)):
                    host, _, iface = end.partition(":")
                    if host not in devices:
                        continue
                    six, four = link.nets.get("ipv6"), link.nets.get("ipv4")
                    emit(f"{_slug(iface)}.{label(host)}",
                         six.start + (i if six.length == 127 else i + 1) if six else None,
                         four.start + (i if four.length == 31 else i + 1) if four else None)
            if gateway is not None:
                gw = label(gateway)
                for role, prefix in rec.prefixes.items():
                    if prefix.vlan is None or role in not_vlan:
                        continue
                    six, four = prefix.nets.get("ipv6"), prefix.nets.get("ipv4")
                    emit(f"vlan{prefix.vlan}.{gw}", six.start + 1 if six else None,
                         four.start + 1 if four else None)
            if not infra:
                self._school(rec, gateway)
        self._aliases()
        # the order lines were made in is deterministic (sorted inputs), apex first; names are
        # unique by construction (only declared aliases could repeat, and they are deduplicated)
        return [self.forward] + [z for _, z in self.reverse]

    def _school(self, rec: SiteRecord, gateway: str | None) -> None:
        code = rec.site
        school = self.inv.schools[code].school
        self.fwd.append(f"{code}\tIN\tTXT\t{_txt(school.name)}")
        if gateway is not None:
            target = rec.loopbacks.get(gateway) or rec.addresses.get(gateway)
            self.address(code, target, ptr=False)
        if school.website and in_zone(school.website, self.zone) and "website" in rec.services:
            self.address(self.rel(school.website), rec.services["website"])

    def _aliases(self) -> None:
        seen: set[str] = set()
        for code, s in sorted(self.inv.schools.items()):
            for d in s.school.domains:
                if not in_zone(d.name, self.zone):
                    continue
                if d.kind == "school":
                    target = f"{code}.{self.zone}."
                elif d.kind == "website" and s.school.website:
                    target = s.school.website.rstrip(".") + "."
                elif d.kind == "device" and d.device:
                    target = f"{label(d.device)}.{self.zone}."
                else:
                    continue
                line = f"{self.rel(d.name)}\tIN\tCNAME\t{target}"
                if line not in seen:
                    seen.add(line)
                    self.fwd.append(line)


def build_zones(inv: Inventory) -> list[Zone]:
    """The forward zone and the reverse zones, from the inventory and IPAM's records.

    Raises:
        IpamError: the inventory has no address plan.
    """
    data = inv.ipam if inv.ipam is not None else IpamData(inv.root)
    if data.plan is None:
        msg = "no address plan (inventory/address-plan.yaml): nothing to publish"
        raise IpamError(msg)
    allocs = data.allocations()
    with gc_paused():
        return _Builder(inv, data.plan, allocs).build()


def render(zone: Zone, plan: AddressPlan, serial: int | str) -> str:
    """The BIND zone file text of ``zone``."""
    return "".join(render_parts(zone, plan, serial))


_PART_LINES = 2048
"""Zone lines per part of :func:`render_parts` (~60 KB)."""


def render_parts(zone: Zone, plan: AddressPlan, serial: int | str) -> Iterator[str]:
    """:func:`render` in parts: the header (the only part that holds ``serial``), then the
    records a few thousand lines at a time. A region's forward zone is ~7 MB: written in parts
    it is never one string, nor its copies (joined, serial replaced, encoded)."""
    dns = plan.dns
    apex = next(line.rsplit("\t", 1)[1] for line in zone.lines if line.startswith("@\tIN\tNS\t"))
    mail = f"{dns.hostmaster}.{apex.split('.', 1)[1]}"
    yield (f"; {zone.origin} generated by 'netctl dns zone' from the inventory and IPAM\n"
           "; (docs/ipam.md): do not edit, run 'netctl ipam allocate' and 'netctl dns zone'\n"
           f"$ORIGIN {zone.origin}\n"
           f"$TTL {dns.ttl}\n"
           f"@\tIN\tSOA\t{apex} {mail} (\n"
           f"\t\t{serial} ; serial\n"
           f"\t\t{dns.refresh} ; refresh\n"
           f"\t\t{dns.retry} ; retry\n"
           f"\t\t{dns.expire} ; expire\n"
           f"\t\t{dns.negative_ttl} ) ; negative caching\n")
    lines = zone.lines
    if not lines:
        yield "\n"
    for at in range(0, len(lines), _PART_LINES):
        yield "\n".join(lines[at:at + _PART_LINES]) + "\n"


def _same_text(text: str, parts: Iterable[str]) -> bool:
    """Whether ``text`` is the parts joined (compared part by part, without joining them)."""
    at = 0
    for part in parts:
        if not text.startswith(part, at):
            return False
        at += len(part)
    return at == len(text)


def next_serial(old: int | None, today: date) -> int:
    """``YYYYMMDDnn``: today's first serial, or one more than ``old`` if that is not less.

    Examples:
        >>> next_serial(None, date(2026, 11, 28)), next_serial(2026112805, date(2026, 11, 28))
        (2026112800, 2026112806)
    """
    first = int(today.strftime("%Y%m%d")) * 100
    return first if old is None or old < first else old + 1


def read_serial(text: str) -> int | None:
    """The serial of a zone file netctl wrote."""
    found = _SERIAL_RE.search(text)
    return int(found.group(1)) if found else None


def write_zones(inv: Inventory, out_dir: Path, *, today: date) -> list[ZoneFile]:
    """Write every zone to ``out_dir`` (and ``named.conf.zones``); a zone file is rewritten,
    with a new serial, only when its content changed."""
    plan = inv.ipam.plan if inv.ipam is not None else None
    zones = build_zones(inv)
    assert plan is not None  # noqa: S101 - build_zones raised otherwise
    results: list[ZoneFile] = []
    for zone in zones:
        path = out_dir / zone.file_name
        try:
            old_text: str | None = path.read_text(encoding="utf-8")
        except OSError:
            old_text = None
        old_serial = read_serial(old_text) if old_text else None
        if old_text is not None and old_serial is not None and _same_text(
                _SERIAL_RE.sub(f"\t\t{_SERIAL_MARK} ; serial", old_text, count=1),
                render_parts(zone, plan, _SERIAL_MARK)):
            results.append(ZoneFile(zone.origin, path, old_serial, len(zone.lines), False))
            continue
        old_text = None  # not kept while the new text is written
        serial = next_serial(old_serial, today)
        write_atomic(path, render_parts(zone, plan, serial))
        results.append(ZoneFile(zone.origin, path, serial, len(zone.lines), True))
    conf = "".join(f'zone "{z.origin.rstrip(".")}" {{ type primary; file "{z.file_name}"; }};\n'
                   for z in zones)
    conf_path = out_dir / ZONES_CONF
    if not conf_path.is_file() or conf_path.read_text(encoding="utf-8") != conf:
        write_atomic(conf_path, conf)
    return results


def zone_names(inv: Inventory, site: str) -> list[str]:
    """The names a site has in the zone (for ``ipam show`` and the KPI), absolute."""
    zone = inv.defaults.zone.rstrip(".")
    out: list[str] = []
    if site in inv.schools:
        school = inv.schools[site].school
        out.append(f"{site}.{zone}")
        if school.website and in_zone(school.website, zone):
            out.append(school.website)
        out.extend(d.name for d in school.domains if in_zone(d.name, zone))
    for entry in inv.devices.values():
        if site_of(entry) == site:
            out.append(f"{label(entry.hostname)}.{zone}")
    return out
