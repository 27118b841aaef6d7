"""Rendering the record files (``inventory/ipam/*.yaml``): sorted, with a fixed layout, so that
running ``netctl ipam allocate`` twice gives byte-identical files and a diff shows exactly what
changed."""

from __future__ import annotations

import json
import re
import socket

from netctl.ipam.net import _V6_MAPPED_END, net_text
from netctl.ipam.record_types import (
    CountyRecord,
    Held,
    Pair,
    RegionRecord,
    Reservation,
    SiteRecord,
)

_AF6, _AF4 = socket.AF_INET6, socket.AF_INET

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


def _prefix_pair_text(pair: Pair) -> str:
    """:func:`pair_text` of two prefixes, IPv6 and IPv4, as allocation makes them (role
    prefixes and links: ~60,000 on a region): no call per prefix."""
    six, four = pair.get("ipv6"), pair.get("ipv4")
    if six is not None and four is not None and six[2] < 128 and four[2] < 32 \
            and six[1] > _V6_MAPPED_END:
        return (f"{_ntop(_AF6, six[1].to_bytes(16, 'big'))}/{six[2]} "
                f"{_ntop(_AF4, four[1].to_bytes(4, 'big'))}/{four[2]}")
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
            out.append(f"{inner}{role} {vlan} {_prefix_pair_text(p.nets)}")
    for name in ("addresses", "loopbacks", "services"):
        entries: dict[str, Pair] = getattr(rec, name)
        if entries:
            out.append(f"{indent}{name}: |")
            out.extend([f"{inner}{host} {_host_pair_text(entries[host])}"
                        for host in sorted(entries)])
    if rec.links:
        out.append(f"{indent}links: |")
        out.extend(f"{inner}{link.a} | {link.b} | {_prefix_pair_text(link.nets)}"
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
    out.append("")  # the last newline, without copying the text to add it
    return "\n".join(out)


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
    out.append("")  # the last newline, without copying the text to add it
    return "\n".join(out)
