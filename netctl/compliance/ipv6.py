"""IPv6 KPIs: ``ipv6_campus`` (the gateway) and ``website_ipv6`` (the school's website)."""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from ipaddress import IPv6Address, IPv6Interface, IPv6Network

from netctl.compliance.context import Context, ev_line, parse_interface
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import DeviceEntry, SchoolEntry
from netctl.models.inventory import InterfaceRole, Role

SVI_RE = re.compile(r"^(vlanif|vlan-interface|vlan)\s*\d+$", re.IGNORECASE)
GLOBAL_UNICAST = IPv6Network("2000::/3")
WEB_REASONS: dict[str, tuple[str, str]] = {
    "no_aaaa": ("域名没有IPv6地址（AAAA记录）", "the domain has no AAAA record"),
    "v6_unreachable": ("AAAA地址无法连接（IPv6地址不通）", "nothing answers at the AAAA address"),
    "content_mismatch": ("通过IPv6与IPv4访问的首页内容不一致", "the homepage over IPv6 differs"),
    "connect_v6_failed": (
        "AAAA地址无法连接（IPv6地址不通）",
        "nothing answers at the AAAA address",
    ),
    "links_v6_below_threshold": (
        "二级链接IPv6支持率低于要求",
        "too few second-level links over IPv6",
    ),
}
"""Fallback texts for the probes' ``web_reason`` keys (the probes' own texts win when present)."""


def web_reason_text(key: str) -> tuple[str, str]:
    """Chinese and English text of a ``web_reason`` key, from the web probe's table if loaded.

    Examples:
        >>> web_reason_text("no_aaaa")[1]
        'the domain has no AAAA record'
        >>> web_reason_text("")
        ('探测判定不支持', 'the probe judged it unsupported')
    """
    if not key:
        return "探测判定不支持", "the probe judged it unsupported"
    try:  # the probes define the keys (docs/probes.md); read their texts without depending on them
        reasons = importlib.import_module("netctl.probes.reasons")
        member = reasons.Reason(key)
        return str(member.zh), str(member.en)
    except (ImportError, AttributeError, ValueError):
        return WEB_REASONS.get(key, (f"探测结果：{key}", f"probe says: {key}"))


def _global_v6(text: object) -> tuple[tuple[IPv6Address, int], ...]:
    return _global_v6_text(str(text or ""))


@lru_cache(maxsize=65536)
def _global_v6_text(text: str) -> tuple[tuple[IPv6Address, int], ...]:
    """The global unicast IPv6 addresses of an ``ipv6_addresses`` value (parsed once a text)."""
    out = []
    for token in text.split():
        iface = parse_interface(token)
        if isinstance(iface, IPv6Interface) and (ip := iface.ip) in GLOBAL_UNICAST:
            out.append((ip, iface.network.prefixlen))
    return tuple(out)


@lru_cache(maxsize=65536)
def _text(addr: IPv6Address) -> str:
    """An address as evidence shows it (``str``: compressed; formatted once per run)."""
    return str(addr)


def _gateway_v6(ctx: Context, gw: DeviceEntry, evidence: list[str]) -> list[Reason]:
    """Reasons why one gateway is not IPv6-ready; empty when it is."""
    ev, host = ctx.ev, gw.hostname
    reasons: list[Reason] = []
    declared = {i.name: i.role for i in gw.device.interfaces}
    uplinks = {n for n, role in declared.items() if role is InterfaceRole.UPLINK}
    for link in ctx.uplinks(gw.site):
        for end in (link.a, link.b):
            if end.device == host and end.interface:
                uplinks.add(end.interface)
    v6 = ev.interfaces(host, "ipv6_addresses")
    polled = ev.fresh(host, "poll_ok") is not None or bool(v6)
    if not polled:
        return [ev.why_missing(host, "ipv6_addresses", "", ("IPv6 地址", "IPv6 addresses"))]
    up_v6 = [(i, a) for i in sorted(uplinks) if i in v6 for a in _global_v6(v6[i].value)]
    if up_v6:
        i, (addr, plen) = up_v6[0]
        evidence.append(f"{host}:{i} ipv6 {_text(addr)}/{plen} @{ev.stamp(v6[i].at)}")
    else:
        names = ", ".join(sorted(uplinks)) or "-"
        for i in sorted(uplinks):  # what the uplinks do carry (the deciding fact)
            if i in v6:
                evidence.append(f"{ev_line(ev, host, 'ipv6_addresses', v6[i], i)} (no global)")
        reasons.append(
            Reason(
                "no_v6_uplink",
                f"网关 {host} 上行接口({names})没有全球单播 IPv6 地址",
                f"gateway {host}: no global IPv6 address on its uplink ({names})",
            )
        )
    user_ifaces = [
        i
        for i in v6
        if declared.get(i) is InterfaceRole.USER or (i not in declared and SVI_RE.match(i))
    ]
    with64 = [(i, a) for i in sorted(user_ifaces) for a in _global_v6(v6[i].value) if a[1] == 64]
    if not with64:
        reasons.append(
            Reason(
                "no_v6_user_vlan",
                f"网关 {host} 的用户 VLAN 接口均无全球 IPv6 /64 地址",
                f"gateway {host}: no global IPv6 /64 on any user VLAN",
            )
        )
    else:
        ra_on = [
            (i, a)
            for i, a in with64
            if (r := ev.fresh(host, "ipv6_ra", i)) is not None and r.value == 1
        ]
        if ra_on:
            i, (addr, _plen) = ra_on[0]
            evidence.append(f"{host}:{i} ipv6 {_text(addr)}/64 ipv6_ra=1")
        else:
            i = with64[0][0]
            ra = ev.get(host, "ipv6_ra", i)
            evidence.append(
                ev_line(ev, host, "ipv6_ra", ra, i) + ("" if ev.is_fresh(ra) else " (stale)")
                if ra is not None
                else f"{host}:{i} ipv6_ra not reported"
            )
            reasons.append(
                Reason(
                    "v6_ra_off",
                    f"网关 {host} 用户 VLAN {i} 有 IPv6 /64 但未开启 RA/DHCPv6",
                    f"gateway {host}: user VLAN {i} has an IPv6 /64 but RA/DHCPv6 is off",
                )
            )
    loss = ev.fresh(host, "reach_v6_loss")
    if loss is None:
        reasons.append(
            ev.why_unprobed(
                host,
                "reach_v6_loss",
                ("县节点 IPv6 可达性探测结果", "IPv6 reachability probe from the county node"),
            )
        )
    elif not isinstance(loss.value, float) or loss.value >= 1.0:
        evidence.append(ev_line(ev, host, "reach_v6_loss", loss))
        reasons.append(
            Reason(
                "v6_unreachable",
                f"县节点经 IPv6 无法访问网关 {host}（丢包 100%）",
                f"gateway {host} does not answer over IPv6 from the county node (100 % loss)",
            )
        )
    else:
        evidence.append(ev_line(ev, host, "reach_v6_loss", loss))
    return reasons


def ipv6_campus(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Gateway: global IPv6 on its uplink, a user VLAN with a global /64 and RA/DHCPv6, and it
    answers over IPv6 from the county node."""
    code = s.code
    gateways = ctx.devices_with_role(code, Role.GATEWAY)
    if not gateways:
        return SchoolResult(
            code,
            "ipv6_campus",
            0,
            1,
            False,
            (
                Reason(
                    "no_gateway",
                    "清单中没有学校网关设备(role: gateway)",
                    "no gateway in inventory (role: gateway)",
                ),
            ),
        )
    evidence: list[str] = []
    reasons: list[Reason] = []
    for gw in gateways:
        why = _gateway_v6(ctx, gw, evidence)
        if not why:
            return SchoolResult(code, "ipv6_campus", 1, 1, True, (), tuple(evidence))
        reasons += why
    return SchoolResult(code, "ipv6_campus", 0, 1, False, tuple(reasons), tuple(evidence))


def website_ipv6(ctx: Context, s: SchoolEntry) -> SchoolResult | None:
    """The school's website: AAAA, homepage over IPv6 like over IPv4, second-level links share."""
    site = s.school.website
    if site is None:
        return None
    code, ev = s.code, ctx.ev
    target = f"web:{site}"
    threshold = ctx.targets.website_links_v6_share
    sup = ev.fresh(target, "web_ipv6_supported")
    if sup is None:
        return SchoolResult(
            code,
            "website_ipv6",
            0,
            1,
            False,
            (
                ev.why_unprobed(
                    target,
                    "web_ipv6_supported",
                    ("网站 IPv6 探测结果", "website IPv6 probe result"),
                ),
            ),
        )
    evidence = [ev_line(ev, target, "web_ipv6_supported", sup)]
    if not sup.value:
        why = ev.fresh(target, "web_reason")
        key = str(why.value) if why is not None else ""
        zh, en = web_reason_text(key)
        if why is not None:
            evidence.append(ev_line(ev, target, "web_reason", why))
        measured = ev.fresh(target, "web_links_v6_share")
        if measured is not None and isinstance(measured.value, float):
            evidence.append(ev_line(ev, target, "web_links_v6_share", measured))
            if key.startswith("links"):  # the verdict rests on the share: give it with the bar
                zh += f"（实测 {measured.value:.0%}，要求 ≥ {threshold:.0%}）"
                en += f" (measured {measured.value:.0%}, {threshold:.0%} required)"
        return SchoolResult(
            code,
            "website_ipv6",
            0,
            1,
            False,
            (
                Reason(
                    "website_not_ipv6",
                    f"网站 {site} 不支持 IPv6：{zh}",
                    f"website {site} not reachable over IPv6: {en}",
                ),
            ),
            tuple(evidence),
        )
    share = ev.fresh(target, "web_links_v6_share")
    if share is None:
        unmeasured = ev.why_unprobed(
            target, "web_links_v6_share", ("二级链接 IPv6 可达比例", "second-level link share")
        )
        return SchoolResult(code, "website_ipv6", 0, 1, False, (unmeasured,), tuple(evidence))
    if not isinstance(share.value, float):
        # The probe ran and the site is supported, but it has no same-site second-level link to
        # check (or robots.txt forbids them all): nothing fails the link criterion.
        evidence.append(ev_line(ev, target, "web_links_v6_share", share))
        return SchoolResult(code, "website_ipv6", 1, 1, True, (), tuple(evidence))
    evidence.append(ev_line(ev, target, "web_links_v6_share", share))
    if share.value < threshold:
        return SchoolResult(
            code,
            "website_ipv6",
            0,
            1,
            False,
            (
                Reason(
                    "links_v6_low",
                    f"网站 {site} 二级链接 IPv6 可达 {share.value:.0%}，低于要求的 {threshold:.0%}",
                    f"website {site}: {share.value:.0%} of second-level links answer over IPv6, "
                    f"{threshold:.0%} required",
                ),
            ),
            tuple(evidence),
        )
    return SchoolResult(code, "website_ipv6", 1, 1, True, (), tuple(evidence))
