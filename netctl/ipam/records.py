"""What IPAM has allocated: the records of ``inventory/ipam/*.yaml``, parsed and rendered.

One file per county (``ipam/<county>.yaml``: the county's block, its infrastructure block for
the metro nodes, one entry per school) and one for the region (``ipam/region.yaml``: city
blocks, the backbone's infrastructure block, region-wide reservations). Files are written by
:func:`render_county` / :func:`render_region` only: sorted, with a fixed layout, so that running
``netctl ipam allocate`` twice gives byte-identical files and a diff shows exactly what changed.

A block is ``'IPv6 IPv4'`` (one entry per family, IPv6 first). Inside a site, each kind of
record is a small table, one line per entry (a literal block, cheap to parse and to review):
``prefixes`` lines are ``ROLE VLAN IPv6 IPv4`` (``-`` when the role has no VLAN), ``addresses``
(management), ``loopbacks`` and ``services`` lines are ``NAME IPv6 IPv4``, and ``links`` lines
are ``END-A | END-B | IPv6 IPv4`` (end ``a`` has the first address of the link).
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from netctl.exceptions import InventoryError, NetctlError
from netctl.inventory.load import Finding, resolve
from netctl.ipam.net import _V6_MAPPED_END, Family, Net, net_text, parse_net, parse_token

IPAM_DIR = "ipam"
REGION = "region"
"""Site id of the region's infrastructure block (backbone nodes)."""

Pair = dict[Family, Net]


class IpamError(NetctlError):
    """An IPAM request cannot be served (no plan, nothing allocated, unknown name)."""


Loc = tuple[str | int, ...]


@dataclass(slots=True)
class RolePrefix:
    """The prefix of one role inside a site, per family."""

    vlan: int | None
    nets: Pair


@dataclass(slots=True)
class LinkRecord:
    """A point-to-point link's prefixes; end ``a`` has the first address, ``b`` the second."""

    a: str
    b: str
    nets: Pair

    @property
    def key(self) -> tuple[str, str]:
        """The link's identity, independent of the order its ends are written in."""
        return (self.a, self.b) if self.a <= self.b else (self.b, self.a)


@dataclass(slots=True, eq=False)
class SiteRecord:
    """The block of a school (or an infrastructure block) and everything allocated inside.

    ``addresses`` (management addresses, the longest table) is parsed on first use: loading
    the inventory reads it on its own, and zones and most queries never need it here.
    """

    site: str
    block: Pair = field(default_factory=dict)
    prefixes: dict[str, RolePrefix] = field(default_factory=dict)
    loopbacks: dict[str, Pair] = field(default_factory=dict)
    services: dict[str, Pair] = field(default_factory=dict)
    links: list[LinkRecord] = field(default_factory=list)
    label: str = ""  # a comment for people (the school's name); not read back
    _addresses: dict[str, Pair] | None = field(default=None, repr=False)
    _pending: Callable[[], dict[str, Pair]] | None = field(default=None, repr=False)

    @property
    def addresses(self) -> dict[str, Pair]:
        """Management address of each device (hostname → pair)."""
        if self._addresses is None:
            pending, self._pending = self._pending, None
            self._addresses = pending() if pending is not None else {}
        return self._addresses

    @addresses.setter
    def addresses(self, value: dict[str, Pair]) -> None:
        self._addresses, self._pending = value, None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SiteRecord):
            return NotImplemented
        return (self.site, self.block, self.prefixes, self.addresses, self.loopbacks,
                self.services, self.links) == (other.site, other.block, other.prefixes,
                                               other.addresses, other.loopbacks, other.services,
                                               other.links)

    __hash__ = None  # type: ignore[assignment]  # mutable, like any dataclass with eq


@dataclass(slots=True)
class Reservation:
    """A prefix nobody may be given."""

    net: Net
    description: str


@dataclass(slots=True)
class Held:
    """A released prefix or address, held (not reused) until ``released`` + hold-down."""

    net: Net
    what: str
    released: date


@dataclass(slots=True)
class CountyRecord:
    """``ipam/<county>.yaml``."""

    county: str
    block: Pair = field(default_factory=dict)
    infrastructure: SiteRecord | None = None
    sites: dict[str, SiteRecord] = field(default_factory=dict)
    reserved: list[Reservation] = field(default_factory=list)
    released: list[Held] = field(default_factory=list)
    label: str = ""


@dataclass(slots=True)
class RegionRecord:
    """``ipam/region.yaml``."""

    cities: dict[str, Pair] = field(default_factory=dict)
    infrastructure: SiteRecord | None = None
    reserved: list[Reservation] = field(default_factory=list)
    released: list[Held] = field(default_factory=list)


@dataclass(slots=True)
class Allocations:
    """Every record of the region."""

    region: RegionRecord = field(default_factory=RegionRecord)
    counties: dict[str, CountyRecord] = field(default_factory=dict)

    def site(self, site: str) -> SiteRecord | None:
        """The record of a school code, a county code (its infrastructure) or ``region``."""
        if site == REGION:
            return self.region.infrastructure
        county = self.counties.get(site)
        if county is not None:
            return county.infrastructure
        for c in self.counties.values():
            found = c.sites.get(site)
            if found is not None:
                return found
        return None

    def iter_sites(self) -> Iterator[tuple[str | None, SiteRecord, bool]]:
        """Every site record: (county or None for the region, record, is_infrastructure)."""
        if self.region.infrastructure is not None:
            yield None, self.region.infrastructure, True
        for code in sorted(self.counties):
            county = self.counties[code]
            if county.infrastructure is not None:
                yield code, county.infrastructure, True
            for site in county.sites.values():
                yield code, site, False


# ---------------------------------------------------------------------------- parsing


_PTON = socket.inet_pton
_AF6, _AF4 = socket.AF_INET6, socket.AF_INET
_new = tuple.__new__


def _host6(token: str) -> Net | None:
    """An IPv6 address token, or None (then the careful path explains)."""
    try:
        return _new(Net, ("ipv6", int.from_bytes(_PTON(_AF6, token), "big"), 128))
    except (OSError, ValueError):
        return None


def _host4(token: str) -> Net | None:
    """An IPv4 address token, or None."""
    try:
        return _new(Net, ("ipv4", int.from_bytes(_PTON(_AF4, token), "big"), 32))
    except (OSError, ValueError):
        return None


_HOST_BITS = {"ipv6": [(1 << (128 - n)) - 1 for n in range(129)],
              "ipv4": [(1 << (32 - n)) - 1 for n in range(33)]}
_HOST6, _HOST4 = _HOST_BITS["ipv6"], _HOST_BITS["ipv4"]
_from_bytes = int.from_bytes


def _prefix_pair(six: str, four: str) -> Pair | None:
    """``IPv6/LEN IPv4/LEN`` as netctl writes them (role prefixes, links), or None: then the
    careful path (:meth:`_Reader.nets`) explains what is wrong, or reads another form."""
    a6, s6, l6 = six.partition("/")
    a4, s4, l4 = four.partition("/")
    if not (s6 and s4 and l6.isdecimal() and l4.isdecimal()) or l6[0] == "0" or l4[0] == "0":
        return None
    n6, n4 = int(l6), int(l4)
    if n6 > 128 or n4 > 32:
        return None
    try:
        x6 = _from_bytes(_PTON(_AF6, a6), "big")
        x4 = _from_bytes(_PTON(_AF4, a4), "big")
    except (OSError, ValueError):
        return None
    if x6 & _HOST6[n6] or x4 & _HOST4[n4]:  # host bits set: not a prefix
        return None
    return {"ipv6": _new(Net, ("ipv6", x6, n6)), "ipv4": _new(Net, ("ipv4", x4, n4))}


class _Reader:
    """Turns the raw YAML of one file into records, collecting findings with locations."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def bad(self, loc: Loc, message: str, fix: str = "") -> None:
        self.findings.append(Finding(
            self.path, loc, message,
            fix or "this file is written by 'netctl ipam': restore it from git, or fix the "
            "value and run 'netctl ipam check'",
        ))

    def mapping(self, value: Any, loc: Loc) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(loc, f"expected a mapping, found {type(value).__name__}")
            return {}
        return {str(k): v for k, v in value.items()}

    def listing(self, value: Any, loc: Loc) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(loc, f"expected a list, found {type(value).__name__}")
            return []
        return value

    def pair(self, value: Any, loc: Loc, *, hosts: bool = False) -> Pair:
        out: Pair = {}
        if not isinstance(value, str):
            self.bad(loc, f"expected 'IPv6 IPv4' text, found {value!r}")
            return out
        tokens = value.split()
        if not hosts and len(tokens) == 2:  # 'IPv6 IPv4', as netctl writes it
            fast = _prefix_pair(*tokens)
            if fast is not None:
                return fast
        for token in tokens:
            if token == "-":  # noqa: S105 - a column left empty
                continue
            try:
                net = parse_net(token)
            except ValueError as exc:
                self.bad(loc, f"'{token}' is not a prefix or address: {exc}")
                continue
            if net.family in out:
                self.bad(loc, f"two {net.family} values in '{value}'")
                continue
            if hosts and not net.is_host:
                self.bad(loc, f"'{token}' is a prefix where an address is expected")
                continue
            out[net.family] = net
        return out

    def table(self, value: Any, loc: Loc) -> list[str]:
        """The lines of a table (a literal block of text)."""
        if value is None:
            return []
        if not isinstance(value, str):
            self.bad(loc, f"expected a table (one entry per line), found {type(value).__name__}")
            return []
        return [line for line in value.splitlines() if line.strip()]

    def line(self, loc: Loc, line: str, message: str) -> None:
        """A problem on one line of a table: find that line in the file for the report."""
        number = 0
        try:
            for i, text in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
                if text.strip() == line.strip():
                    number = i
                    break
        except OSError:
            pass
        where: Loc = ("__line__", number) if number else loc
        self.bad(where, f"{'.'.join(str(x) for x in loc)}: '{line.strip()}': {message}")

    def nets(self, tokens: list[str], loc: Loc, line: str, *, hosts: bool = False) -> Pair:
        out: Pair = {}
        for token in tokens:
            if token == "-":  # noqa: S105 - a column left empty
                continue
            try:
                net = parse_token(token)
            except ValueError as exc:
                self.line(loc, line, f"'{token}' is not a prefix or address: {exc}")
                continue
            family = net[0]
            if family in out:
                self.line(loc, line, f"two {family} values")
            elif hosts and net[2] != (128 if family == "ipv6" else 32):
                self.line(loc, line, f"'{token}' is a prefix where an address is expected")
            else:
                out[family] = net
        return out

    def hosts(self, value: Any, where: Loc, target: dict[str, Pair]) -> None:
        """A table of 'NAME IPv6 IPv4' lines into ``target``."""
        for line in self.table(value, where):
            parts = line.split()
            if len(parts) == 3:  # 'NAME IPv6 IPv4' as netctl writes it
                six, four = _host6(parts[1]), _host4(parts[2])
                if six is not None and four is not None:
                    target[parts[0]] = {"ipv6": six, "ipv4": four}
                    continue
            if len(parts) < 2:
                self.line(where, line, "expected 'NAME IPv6 IPv4'")
                continue
            target[parts[0]] = self.nets(parts[1:], where, line, hosts=True)

    def site(self, site_id: str, value: Any, loc: Loc) -> SiteRecord:
        raw = self.mapping(value, loc)
        rec = SiteRecord(site_id)
        for key in raw:
            if key not in _SITE_KEYS:
                self.bad((*loc, key), f"unknown field '{key}'",
                         f"a site has {', '.join(_SITE_KEYS)}")
        rec.block = self.pair(raw.get("block", ""), (*loc, "block"))
        where = (*loc, "prefixes")
        for line in self.table(raw.get("prefixes"), where):
            parts = line.split()
            if len(parts) == 4:  # 'ROLE VLAN IPv6 IPv4', as netctl writes it
                pair = _prefix_pair(parts[2], parts[3])
                vlan_text = parts[1]
                if pair is not None and (vlan_text == "-" or vlan_text.isdecimal()):
                    rec.prefixes[parts[0]] = RolePrefix(
                        None if vlan_text == "-" else int(vlan_text), pair)
                    continue
            if len(parts) < 3:
                self.line(where, line, "expected 'ROLE VLAN IPv6 IPv4'")
                continue
            vlan: int | None = None
            if parts[1].isascii() and parts[1].isdigit():  # not "²": int() refuses it
                vlan = int(parts[1])
            elif parts[1] != "-":
                self.line(where, line, f"'{parts[1]}' is not a VLAN id ('-' when none)")
            rec.prefixes[parts[0]] = RolePrefix(vlan, self.nets(parts[2:], where, line))
        if raw.get("addresses") is not None:
            rec._pending = partial(_lazy_hosts, self.path, raw["addresses"], (*loc, "addresses"))
        for name in ("loopbacks", "services"):
            target: dict[str, Pair] = getattr(rec, name)
            self.hosts(raw.get(name), (*loc, name), target)
        where = (*loc, "links")
        for line in self.table(raw.get("links"), where):
            parts = [x.strip() for x in line.split(" | ")]
            if len(parts) != 3 or not parts[0] or not parts[1]:
                self.line(where, line, "expected 'END-A | END-B | IPv6 IPv4'")
                continue
            tokens = parts[2].split()
            pair = _prefix_pair(*tokens) if len(tokens) == 2 else None
            rec.links.append(LinkRecord(parts[0], parts[1],
                                        pair or self.nets(tokens, where, line)))
        return rec

    def reserved(self, value: Any, loc: Loc) -> list[Reservation]:
        out: list[Reservation] = []
        for i, item in enumerate(self.listing(value, loc)):
            m = self.mapping(item, (*loc, i))
            try:
                net = parse_net(str(m.get("prefix", "")))
            except ValueError as exc:
                self.bad((*loc, i, "prefix"), f"not a prefix: {exc}")
                continue
            out.append(Reservation(net, str(m.get("description") or "")))
        return out

    def released(self, value: Any, loc: Loc) -> list[Held]:
        out: list[Held] = []
        for i, item in enumerate(self.listing(value, loc)):
            m = self.mapping(item, (*loc, i))
            try:
                net = parse_net(str(m.get("prefix", "")))
                when = date.fromisoformat(str(m.get("released", "")))
            except ValueError as exc:
                self.bad((*loc, i), f"a released entry needs 'prefix' and 'released' "
                         f"(YYYY-MM-DD): {exc}")
                continue
            out.append(Held(net, str(m.get("what") or ""), when))
        return out


def _lazy_hosts(path: Path, value: Any, where: Loc) -> dict[str, Pair]:
    """Parse a site's ``addresses`` table when first asked for.

    Raises:
        InventoryError: a line is not 'HOST IPv6 IPv4'.
    """
    reader = _Reader(path)
    out: dict[str, Pair] = {}
    reader.hosts(value, where, out)
    if reader.findings:
        raise InventoryError(resolve(reader.findings))
    return out


_SITE_KEYS = ("block", "prefixes", "addresses", "loopbacks", "services", "links")


def parse_county(raw: Any, path: Path) -> tuple[CountyRecord | None, list[Finding]]:
    """A county file's records and the problems found in it."""
    r = _Reader(path)
    top = r.mapping(raw, ())
    code = str(top.get("county", path.stem))
    rec = CountyRecord(code)
    for key in top:
        if key not in ("county", "block", "infrastructure", "sites", "reserved", "released"):
            r.bad((key,), f"unknown field '{key}'")
    rec.block = r.pair(top.get("block", ""), ("block",))
    if top.get("infrastructure") is not None:
        rec.infrastructure = r.site(code, top["infrastructure"], ("infrastructure",))
    for site_id, value in r.mapping(top.get("sites"), ("sites",)).items():
        rec.sites[site_id] = r.site(site_id, value, ("sites", site_id))
    rec.reserved = r.reserved(top.get("reserved"), ("reserved",))
    rec.released = r.released(top.get("released"), ("released",))
    return rec, r.findings


def parse_region(raw: Any, path: Path) -> tuple[RegionRecord, list[Finding]]:
    """The region file's records and the problems found in it."""
    r = _Reader(path)
    top = r.mapping(raw, ())
    rec = RegionRecord()
    for key in top:
        if key not in ("cities", "infrastructure", "reserved", "released"):
            r.bad((key,), f"unknown field '{key}'")
    for city, text in r.mapping(top.get("cities"), ("cities",)).items():
        rec.cities[city] = r.pair(text, ("cities", city))
    if top.get("infrastructure") is not None:
        rec.infrastructure = r.site(REGION, top["infrastructure"], ("infrastructure",))
    rec.reserved = r.reserved(top.get("reserved"), ("reserved",))
    rec.released = r.released(top.get("released"), ("released",))
    return rec, r.findings


# ---------------------------------------------------------------------------- rendering

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}


def _key(text: str) -> str:
    if _PLAIN_KEY.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return "'" + text.replace("'", "''") + "'"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _free(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def pair_text(pair: Pair) -> str:
    """``'IPv6 IPv4'`` text of a pair (only the families present)."""
    six, four = pair.get("ipv6"), pair.get("ipv4")
    if six is not None and four is not None:
        return f"{net_text(six)} {net_text(four)}"
    one = six or four
    return net_text(one) if one is not None else ""


_ntop = socket.inet_ntop


def _host_pair_text(pair: Pair) -> str:
    """:func:`pair_text` of two host addresses, IPv6 and IPv4, as allocation makes them (a
    region's record files hold ~80,000): no call per address."""
    six, four = pair.get("ipv6"), pair.get("ipv4")
    if six is not None and four is not None and six[2] == 128 and four[2] == 32 \
            and six[1] > _V6_MAPPED_END:
        return (f"{_ntop(_AF6, six[1].to_bytes(16, 'big'))} "
                f"{_ntop(_AF4, four[1].to_bytes(4, 'big'))}")
    return pair_text(pair)


def _comment(text: str) -> str:
    text = " ".join(text.split())
    return f"  # {text}" if text else ""


def _render_site(rec: SiteRecord, indent: str, out: list[str]) -> None:
    out.append(f"{indent}block: {_q(pair_text(rec.block))}")
    inner = indent + "  "
    if rec.prefixes:
        out.append(f"{indent}prefixes: |")
        for role, p in rec.prefixes.items():
            vlan = "-" if p.vlan is None else str(p.vlan)
            out.append(f"{inner}{role} {vlan} {pair_text(p.nets)}")
    for name in ("addresses", "loopbacks", "services"):
        entries: dict[str, Pair] = getattr(rec, name)
        if entries:
            out.append(f"{indent}{name}: |")
            out.extend([f"{inner}{host} {_host_pair_text(entries[host])}"
                        for host in sorted(entries)])
    if rec.links:
        out.append(f"{indent}links: |")
        out.extend(f"{inner}{link.a} | {link.b} | {pair_text(link.nets)}"
                   for link in sorted(rec.links, key=lambda x: x.key))


def _render_lists(reserved: list[Reservation], released: list[Held], out: list[str]) -> None:
    if reserved:
        out.append("reserved:")
        for res in sorted(reserved, key=lambda x: (x.net.family != "ipv6", x.net.start)):
            out.append(f"- {{prefix: {_q(str(res.net))}, description: {_free(res.description)}}}")
    if released:
        out.append("released:")
        for h in sorted(released, key=lambda x: (x.released, x.net.family != "ipv6",
                                                  x.net.start)):
            out.append(f"- {{prefix: {_q(str(h.net))}, what: {_free(h.what)}, "
                       f"released: '{h.released.isoformat()}'}}")


_HEADER = (
    "# written by 'netctl ipam allocate' from address-plan.yaml (see docs/ipam.md): review the\n"
    "# diff; change it with 'netctl ipam' (allocate, reserve, release, import), not by hand.\n"
    "# block: 'IPv6 IPv4'; tables, one line each: prefixes 'ROLE VLAN IPv6 IPv4', addresses\n"
    "# (management), loopbacks and services 'NAME IPv6 IPv4', links 'A | B | IPv6 IPv4'.\n"
)


def render_county(rec: CountyRecord) -> str:
    """The text of ``ipam/<county>.yaml`` (deterministic)."""
    out = [f"# IPAM allocations of county {rec.county} {rec.label}".rstrip()]
    out.append(_HEADER.rstrip("\n"))
    out.append(f"county: {_q(rec.county)}")
    out.append(f"block: {_q(pair_text(rec.block))}")
    if rec.infrastructure is not None:
        out.append("infrastructure:  # the county's metro nodes")
        _render_site(rec.infrastructure, "  ", out)
    if rec.sites:
        out.append("sites:")
        for code in sorted(rec.sites):
            site = rec.sites[code]
            out.append(f"  {_key(code)}:{_comment(site.label)}")
            _render_site(site, "    ", out)
    _render_lists(rec.reserved, rec.released, out)
    return "\n".join(out) + "\n"


def render_region(rec: RegionRecord) -> str:
    """The text of ``ipam/region.yaml`` (deterministic)."""
    out = ["# IPAM allocations of the region: city blocks and the backbone"]
    out.append(_HEADER.rstrip("\n"))
    if rec.cities:
        out.append("cities:")
        for code in sorted(rec.cities):
            out.append(f"  {_key(code)}: {_q(pair_text(rec.cities[code]))}")
    if rec.infrastructure is not None:
        out.append("infrastructure:  # the backbone nodes")
        _render_site(rec.infrastructure, "  ", out)
    _render_lists(rec.reserved, rec.released, out)
    return "\n".join(out) + "\n"


def clone_site(rec: SiteRecord) -> SiteRecord:
    """A deep copy of a site record (the allocator and releases edit copies)."""
    return SiteRecord(
        rec.site, dict(rec.block),
        {k: RolePrefix(p.vlan, dict(p.nets)) for k, p in rec.prefixes.items()},
        loopbacks={k: dict(v) for k, v in rec.loopbacks.items()},
        services={k: dict(v) for k, v in rec.services.items()},
        links=[LinkRecord(x.a, x.b, dict(x.nets)) for x in rec.links],
        label=rec.label,
        _addresses={k: dict(v) for k, v in rec.addresses.items()},
    )
