"""Parsing the record files (``inventory/ipam/*.yaml``, raw YAML data) into records, with a
finding (file, line or location, fix) for anything that is not what netctl writes. The tables
netctl writes take a fast path (one C-level parse per address); anything else goes through
:mod:`ipaddress`, which explains what is wrong."""

from __future__ import annotations

import socket
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from netctl.exceptions import InventoryError
from netctl.inventory.load import Finding, resolve
from netctl.ipam.net import Net, parse_net, parse_token
from netctl.ipam.record_types import (
    REGION,
    CountyRecord,
    Held,
    LinkRecord,
    Loc,
    Pair,
    RegionRecord,
    Reservation,
    RolePrefix,
    SiteRecord,
)

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
