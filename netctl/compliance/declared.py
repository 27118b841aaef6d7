"""The KPIs the inventory alone judges: ``egress_firewall`` and ``digital_classrooms``.

They read what the inventory declares (links, device roles, classes); no poll can contradict
them. Every other KPI needs measured evidence (see :mod:`netctl.compliance.context`).
"""

from __future__ import annotations

from netctl.compliance.context import Context
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import SchoolEntry
from netctl.models.inventory import Role

ROLE_ZH = {"gateway": "网关", "firewall": "防火墙", "access": "接入交换机", "core": "核心交换机",
           "wlc": "无线控制器", "ap": "AP", "backbone": "骨干路由器", "metro": "城域网设备"}
"""Device roles as Chinese words in Chinese reasons."""


def egress_firewall(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Every internet/5G egress leaves the school through a device with role firewall."""
    code, inv = s.code, ctx.inv
    egress = [(u, end) for u, end in ctx.uplink_ends(code) if u.kind.is_internet_egress]
    if not egress:
        return SchoolResult(
            code,
            "egress_firewall",
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
    bad: list[tuple[str, str]] = []
    evidence: list[str] = []
    for link, end in egress:
        entry = inv.devices.get(end.device) if end is not None and end.device else None
        far = link.b if end is link.a else link.a
        mbps = f", {link.mbps} Mbps" if link.mbps else ""
        if entry is not None and entry.role is Role.FIREWALL:
            evidence.append(f"{end} ↔ {far} ({link.kind.value}{mbps}) on firewall {entry.hostname}")
            continue
        # the deciding fact: which link bypasses the firewall, from which device
        role = entry.role.value if entry is not None else "?"
        evidence.append(f"{end} ↔ {far} ({link.kind.value}{mbps}) on {role} "
                        f"{entry.hostname if entry is not None else '?'}: no firewall")
        bad.append((
            f"{end} ↔ {far}（{ROLE_ZH.get(role, role)} {entry.hostname if entry else '?'}）",
            f"{end} ↔ {far} (from {role} {entry.hostname if entry else '?'})",
        ))
    if not bad:
        return SchoolResult(code, "egress_firewall", 1, 1, True, (), tuple(evidence))
    return SchoolResult(
        code,
        "egress_firewall",
        0,
        1,
        False,
        (
            Reason(
                "egress_without_firewall",
                f"互联网出口链路 {'；'.join(z for z, _e in bad)} 绕过防火墙（不经过角色为"
                "防火墙的设备）",
                f"internet egress link {'; '.join(e for _z, e in bad)} bypasses the firewall "
                "(leaves from a device that is not a firewall)",
            ),
        ),
        tuple(evidence),
    )


def digital_classrooms(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Classes with a digital classroom / classes (declared); no classes declared counts 0 of 1."""
    code, school = s.code, s.school
    classes = school.classes
    if classes == 0:
        return SchoolResult(
            code,
            "digital_classrooms",
            0,
            1,
            False,
            (
                Reason(
                    "no_classes_declared",
                    "学校未申报班级数(classes)",
                    "the school declares no classes",
                ),
            ),
        )
    digital = min(school.digital_classrooms, classes)
    evidence = (f"classes={classes} digital_classrooms={school.digital_classrooms}",)
    if digital >= classes:
        return SchoolResult(code, "digital_classrooms", digital, classes, True, (), evidence)
    return SchoolResult(
        code,
        "digital_classrooms",
        digital,
        classes,
        False,
        (
            Reason(
                "classes_without_digital",
                f"{classes} 个班级中 {classes - digital} 个没有数字化教室",
                f"{classes - digital} of {classes} classes without a digital classroom",
            ),
        ),
        evidence,
    )
