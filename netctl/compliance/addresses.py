"""``address_registered``: addresses seen on devices inside what IPAM allocated to the school."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address

from netctl.compliance.context import MAX_LISTED, Context, parse_interface
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import SchoolEntry
from netctl.models.inventory import Role

_ADDRESS_METRICS = ("ipv4_addresses", "ipv6_addresses")


@lru_cache(maxsize=65536)
def _countable(token: str) -> IPv4Address | IPv6Address | None:
    """The address of an ``addr/len`` text, unless it is not one or is link-local, loopback,
    unspecified or multicast (judged once per run and text)."""
    iface = parse_interface(token)
    if iface is None:
        return None
    ip = iface.ip
    if ip.is_link_local or ip.is_loopback or ip.is_unspecified or ip.is_multicast:
        return None
    return ip


def address_registered(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Addresses seen on the school's devices inside what IPAM allocated; its website registered.

    An address counts as registered when it lies in the school's block (or a prefix of it), or
    in what IPAM recorded for that device (management and loopback addresses, point-to-point
    link prefixes). Link-local, loopback and multicast addresses are not counted. The website
    counts when it is registered in the central zone: among the school's ``domains``, or under
    the region's zone with the address IPAM recorded for it (what ``netctl dns`` publishes). A
    school whose devices report no address in the window counts one unregistered item for them.
    """
    code, ev, inv, reg = s.code, ctx.ev, ctx.inv, ctx.registry
    school = s.school
    good = total = 0
    bad: list[str] = []
    foreign = 0
    for host, ifname, r in ev.fresh_of(ctx.hostnames(code), _ADDRESS_METRICS):
        for token in str(r.value or "").split():
            ip = _countable(token)
            if ip is None:
                continue
            total += 1
            if reg.registered(code, host, ip):
                good += 1
                continue
            other = reg.owner(ip)
            where = f"{host}:{ifname} {token}"
            if other:
                foreign += 1
                name = inv.schools[other].school.name if other in inv.schools else other
                bad.append(f"{where} → {other} {name}")
            else:
                bad.append(where)
    reasons: list[Reason] = []
    evidence: list[str] = []
    if total:
        evidence.append(f"{good}/{total} device addresses allocated by IPAM to the school")
    else:
        gw = next(iter(ctx.devices_with_role(code, Role.GATEWAY)), None)
        why = (
            ev.why_missing(gw.hostname, "ipv4_addresses", "", ("接口地址", "interface addresses"))
            if gw
            else Reason("no_devices", "清单中没有设备", "no devices in inventory")
        )
        reasons.append(
            Reason(
                "no_addresses",
                f"没有可核对的设备地址：{why.zh}",
                f"no device addresses to check: {why.en}",
            )
        )
        total = 1  # the school's unobserved addresses count as one unregistered item
    if not reg.has_block(code):
        reasons.append(
            Reason(
                "no_ipam_block",
                "IPAM 尚未给学校分配地址块（netctl ipam allocate）",
                "IPAM has allocated no block to the school (netctl ipam allocate)",
            )
        )
    if bad:
        zh_list = "；".join(b.replace("→", "属于") for b in bad[:MAX_LISTED])
        en_list = "; ".join(b.replace("→", "is in the block of") for b in bad[:MAX_LISTED])
        reasons.append(
            Reason(
                "address_outside_block",
                f"{len(bad)} 个地址不在 IPAM 分配给本校的地址内"
                f"（{foreign} 个属于其他学校）：{zh_list}",
                f"{len(bad)} address(es) outside what IPAM allocated to the school ({foreign} in "
                f"another school's block): {en_list}",
            )
        )
    if school.website:
        total += 1
        if reg.website_registered(code, school.website, (d.name for d in school.domains)):
            good += 1
            evidence.append(f"domain {school.website} registered")
        else:
            reasons.append(
                Reason(
                    "domain_unregistered",
                    f"网站域名 {school.website} 未在全区统一域名区({reg.zone})登记"
                    "（netctl ipam allocate 后由 netctl dns 发布）",
                    f"domain {school.website} not registered in the central zone {reg.zone} "
                    "(netctl ipam allocate, then netctl dns publishes it)",
                )
            )
    met = good == total
    return SchoolResult(
        code, "address_registered", good, total, met, () if met else tuple(reasons), tuple(evidence)
    )
