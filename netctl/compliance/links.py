"""Uplink KPIs: ``edu_net_access``, ``internet_bandwidth_avg``, ``multi_network``."""

from __future__ import annotations

from netctl.compliance.context import Context, ev_line, oper_state, oper_state_at
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import SchoolEntry
from netctl.models.inventory import LinkKind

KIND_GROUP = {
    LinkKind.BACKBONE: "edu",
    LinkKind.EDU_PRIVATE: "edu",
    LinkKind.INTERNET: "internet",
    LinkKind.FIVE_G: "5g",
}
KIND_NAME = {
    "edu": ("教育专网", "education network"),
    "internet": ("互联网", "internet"),
    "5g": ("5G", "5G"),
}


def edu_net_access(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """≥ 1 uplink to the metro / backbone that is operational in the latest poll."""
    code = s.code
    links = [
        (u, end)
        for u, end in ctx.uplink_ends(code)
        if u.kind in (LinkKind.EDU_PRIVATE, LinkKind.BACKBONE)
    ]
    if not links:
        return SchoolResult(
            code,
            "edu_net_access",
            0,
            1,
            False,
            (
                Reason(
                    "no_uplink_in_inventory",
                    "清单中没有接入教育专网的上行链路",
                    "no uplink to the education network in inventory",
                ),
            ),
        )
    evidence: list[str] = []
    reasons: list[Reason] = []
    for _link, end in links:
        if end is None:
            continue
        up, why = oper_state(ctx, end, ("上行链路", "uplink"), evidence)
        if up:
            return SchoolResult(code, "edu_net_access", 1, 1, True, (), tuple(evidence))
        if why is not None:
            reasons.append(why)
    return SchoolResult(code, "edu_net_access", 0, 1, False, tuple(reasons), tuple(evidence))


def internet_bandwidth(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Sum over operational egress interfaces of min(contracted rate, measured speed), in Mbps.

    Links that share an interface (a fixed line and a 5G line on the same firewall port) share
    its speed: per interface, min(sum of contracted rates, measured speed).
    """
    code, ev = s.code, ctx.ev
    threshold = ctx.targets.end_target("internet_bandwidth_avg")
    egress = [(u, end) for u, end in ctx.uplink_ends(code) if u.kind.is_internet_egress]
    if not egress:
        return SchoolResult(
            code,
            "internet_bandwidth_avg",
            0,
            1,
            False,
            (
                Reason(
                    "no_egress_in_inventory",
                    "清单中没有互联网出口链路",
                    "no internet egress link in inventory",
                ),
            ),
        )
    by_port: dict[tuple[str, str | None], int] = {}
    for link, end in egress:
        if end is not None and end.device is not None:
            key = (end.device, end.interface)
            by_port[key] = by_port.get(key, 0) + (link.mbps or 0)
    total = 0.0
    evidence: list[str] = []
    reasons: list[Reason] = []
    for (device, interface), contracted in by_port.items():
        evidence.append(f"{device}:{interface} contracted={contracted} Mbps")
        up, why = oper_state_at(ctx, device, interface, ("互联网出口", "egress"), evidence)
        if not up:
            if why is not None:
                reasons.append(why)
            continue
        speed = ev.fresh(device, "if_speed_mbps", interface or "")
        if speed is None or not isinstance(speed.value, float):
            reasons.append(
                ev.why_missing(
                    device, "if_speed_mbps", interface or "", ("接口速率", "interface speed")
                )
            )
            continue
        evidence.append(ev_line(ev, device, "if_speed_mbps", speed, interface or ""))
        effective = min(float(contracted), speed.value)
        if speed.value < contracted:
            reasons.append(
                Reason(
                    "speed_below_contract",
                    f"{device}:{interface} 签约 {contracted} Mbps，"
                    f"但接口速率仅 {speed.value:.0f} Mbps",
                    f"{device}:{interface}: contracted {contracted} Mbps, interface runs at "
                    f"{speed.value:.0f} Mbps",
                )
            )
        total += effective
    met = total >= threshold
    if not met:
        reasons.insert(
            0,
            Reason(
                "bandwidth_low",
                f"有效互联网出口带宽 {total:.0f} Mbps，低于 {threshold:.0f} Mbps",
                f"effective internet bandwidth {total:.0f} Mbps < {threshold:.0f} Mbps",
            ),
        )
    return SchoolResult(
        code,
        "internet_bandwidth_avg",
        total,
        1,
        met,
        tuple(reasons) if not met else (),
        tuple(evidence),
    )


def multi_network(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Urban/town: ≥ 2 operational uplinks of different kinds; rural: ≥ 1 operational uplink."""
    code, school = s.code, s.school
    need = 2 if school.category.urban_or_town else 1
    uplinks = ctx.uplinks(code)
    if not uplinks:
        return SchoolResult(
            code,
            "multi_network",
            0,
            1,
            False,
            (Reason("no_uplink_in_inventory", "清单中没有上行链路", "no uplink in inventory"),),
        )
    up_kinds: set[str] = set()
    evidence: list[str] = []
    reasons: list[Reason] = []
    seen: set[tuple[str | None, str | None, str]] = set()
    for link, end in ctx.uplink_ends(code):
        if end is None:
            continue
        kind = KIND_GROUP[link.kind]
        key = (end.device, end.interface, kind)
        if key in seen:
            continue
        seen.add(key)
        up, why = oper_state(
            ctx, end, (f"{KIND_NAME[kind][0]}上行", f"{KIND_NAME[kind][1]} uplink"), evidence
        )
        if up:
            up_kinds.add(kind)
        elif why is not None:
            reasons.append(why)
    if len(up_kinds) >= need:
        return SchoolResult(code, "multi_network", 1, 1, True, (), tuple(evidence))
    have_zh = "、".join(KIND_NAME[k][0] for k in sorted(up_kinds)) or "无"
    have_en = ", ".join(KIND_NAME[k][1] for k in sorted(up_kinds)) or "none"
    declared = {KIND_GROUP[u.kind] for u in uplinks}
    head = Reason(
        "too_few_networks",
        f"{school.category.zh}学校需 {need} 种运行中的上行网络，"
        f"现有 {len(up_kinds)} 种（{have_zh}）"
        + (f"，清单仅登记 {len(declared)} 种" if len(declared) < need else ""),
        f"a {school.category.value} school needs {need} kind(s) of operational uplink, has "
        f"{len(up_kinds)} ({have_en})"
        + (f"; only {len(declared)} kind(s) in inventory" if len(declared) < need else ""),
    )
    return SchoolResult(code, "multi_network", 0, 1, False, (head, *reasons), tuple(evidence))
