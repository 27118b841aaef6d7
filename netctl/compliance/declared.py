"""The KPIs the inventory alone judges: ``egress_firewall`` and ``digital_classrooms``.

They read what the inventory declares (links, device roles, classes); no poll can contradict
them. Every other KPI needs measured evidence (see :mod:`netctl.compliance.context`).
"""

from __future__ import annotations

from netctl.compliance.context import Context, school_end
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import SchoolEntry
from netctl.models.inventory import Role


def egress_firewall(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Every internet/5G egress leaves the school through a device with role firewall."""
    code, inv = s.code, ctx.inv
    egress = [u for u in ctx.uplinks(code) if u.kind.is_internet_egress]
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
    bad: list[str] = []
    evidence: list[str] = []
    for link in egress:
        end = school_end(inv, link, code)
        entry = inv.devices.get(end.device) if end is not None and end.device else None
        if entry is not None and entry.role is Role.FIREWALL:
            evidence.append(f"{end} ({link.kind.value}) on firewall {entry.hostname}")
        else:
            bad.append(str(end) if end is not None else "?")
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
                f"互联网出口 {', '.join(bad)} 未经过防火墙",
                f"internet egress {', '.join(bad)} does not pass a firewall",
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
