"""The KPIs that the inventory alone can judge ("declared" data), per school and rolled up.

These are the plan's KPIs computed from what the inventory declares: rooms, classes, APs, links
and firewalls. Where ``TARGETS.md`` asks for measured evidence (an uplink operational in the last
poll, an AP online), the declared value is an upper bound: a school that fails here fails for
sure; one that passes still needs the collectors' evidence. Each failing school gets a reason in
Chinese and English.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from netctl import geo
from netctl.inventory.index import Inventory, SchoolEntry
from netctl.models.inventory import LinkKind, Role

TARGETS_2027: dict[str, float] = {
    "edu_net_access": 1.0,
    "internet_bandwidth_avg": 1000.0,
    "wireless_coverage": 1.0,
    "wifi6_urban": 1.0,
    "multi_network": 1.0,
    "egress_firewall": 1.0,
    "digital_classrooms": 1.0,
}

KPI_NAMES: dict[str, tuple[str, str]] = {
    "edu_net_access": ("教育专网接入率", "education network access"),
    "internet_bandwidth_avg": ("互联网出口平均带宽(Mbps)", "mean internet bandwidth (Mbps)"),
    "wireless_coverage": ("无线网络覆盖率", "wireless coverage"),
    "wifi6_urban": ("城镇学校Wi-Fi 6覆盖率", "Wi-Fi 6 in urban/town schools"),
    "multi_network": ("多网并存/一网托底", "multiple networks"),
    "egress_firewall": ("互联网出口防火墙", "egress firewall"),
    "digital_classrooms": ("数字化教室班级覆盖率", "classes with a digital classroom"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a school falls short, in both languages."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class SchoolResult:
    """One KPI for one school: its share (num/den), whether it is met, and why not."""

    school_code: str
    kpi: str
    numerator: float
    denominator: float
    met: bool
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class KpiValue:
    """One KPI at one scope (the JSON contract of ``netctl compliance kpis``)."""

    kpi: str
    scope_level: str
    scope_code: str
    scope_name: str
    numerator: float
    denominator: float
    value: float | None
    target: float
    met: bool | None


@dataclass(frozen=True, slots=True)
class DeclaredReport:
    """Every declared KPI for every scope, and the per-school results."""

    kpis: list[KpiValue] = field(default_factory=list)
    schools: list[SchoolResult] = field(default_factory=list)


def _wireless(inv: Inventory, s: SchoolEntry, *, wifi6: bool) -> SchoolResult:
    school = s.school
    per_room = school.aps_per_room or inv.defaults.aps_per_room
    need = school.teaching_rooms * per_room
    aps = [d for d in inv.devices_at(school.code) if d.role is Role.AP]
    if wifi6:
        aps = [d for d in aps if d.wifi is not None and d.wifi.is_wifi6_or_newer]
    have = len(aps)
    kpi = "wifi6_urban" if wifi6 else "wireless_coverage"
    if need == 0:
        return SchoolResult(
            school.code,
            kpi,
            0,
            0,
            False,
            (Reason("学校未申报教学用房数量", "the school declares no teaching rooms"),),
        )
    if have >= need:
        return SchoolResult(school.code, kpi, 1, 1, True)
    gen = "Wi-Fi 6 " if wifi6 else ""
    return SchoolResult(
        school.code,
        kpi,
        0,
        1,
        False,
        (
            Reason(
                f"{school.teaching_rooms} 间教学用房需 {need} 台{gen}AP，登记仅 {have} 台",
                f"{school.teaching_rooms} teaching rooms need {need} {gen}APs, {have} declared",
            ),
        ),
    )


def _school_results(inv: Inventory, s: SchoolEntry) -> list[SchoolResult]:
    school = s.school
    code = school.code
    out: list[SchoolResult] = []
    uplinks = inv.uplinks_of(code)
    edu = [u for u in uplinks if u.kind in (LinkKind.EDU_PRIVATE, LinkKind.BACKBONE)]
    out.append(
        SchoolResult(
            code,
            "edu_net_access",
            1 if edu else 0,
            1,
            bool(edu),
            ()
            if edu
            else (
                Reason(
                    "清单中没有接入教育专网的上行链路",
                    "no uplink to the education network in inventory",
                ),
            ),
        )
    )
    egress = [u for u in uplinks if u.kind.is_internet_egress]
    mbps = float(sum(u.mbps or 0 for u in egress))
    out.append(
        SchoolResult(
            code,
            "internet_bandwidth_avg",
            mbps,
            1,
            mbps >= 1000,
            ()
            if mbps >= 1000
            else (
                Reason(
                    f"互联网出口签约带宽合计 {mbps:.0f} Mbps，低于 1000 Mbps",
                    f"contracted internet egress {mbps:.0f} Mbps < 1000",
                ),
            ),
        )
    )
    out.append(_wireless(inv, s, wifi6=False))
    if school.category.urban_or_town:
        out.append(_wireless(inv, s, wifi6=True))
    kinds = {u.kind for u in uplinks}
    need = 2 if school.category.urban_or_town else 1
    ok = len(kinds) >= need
    out.append(
        SchoolResult(
            code,
            "multi_network",
            1 if ok else 0,
            1,
            ok,
            ()
            if ok
            else (
                Reason(
                    f"{school.category.zh}学校需 {need} 种上行网络，登记 {len(kinds)} 种",
                    f"a {school.category.value} school needs {need} kinds of uplink, has {len(kinds)}",
                ),
            ),
        )
    )
    out.append(_firewall(inv, code, egress))
    classes = school.classes
    digital = min(school.digital_classrooms, classes)
    out.append(
        SchoolResult(
            code,
            "digital_classrooms",
            digital,
            classes,
            classes > 0 and digital >= classes,
            ()
            if classes and digital >= classes
            else (
                Reason(
                    f"{classes} 个班级中 {classes - digital} 个没有数字化教室",
                    f"{classes - digital} of {classes} classes without a digital classroom",
                ),
            ),
        )
    )
    return out


def _firewall(inv: Inventory, code: str, egress: list) -> SchoolResult:  # type: ignore[type-arg]
    if not egress:
        return SchoolResult(
            code,
            "egress_firewall",
            0,
            1,
            False,
            (Reason("清单中没有互联网出口链路", "no internet egress link in inventory"),),
        )
    bad = []
    for link in egress:
        ends = [
            e
            for e in (link.a, link.b)
            if e.device is not None and inv.devices[e.device].site == code
        ]
        if not any(inv.devices[e.device].role is Role.FIREWALL for e in ends if e.device):
            bad.append(str(ends[0]) if ends else "?")
    if not bad:
        return SchoolResult(code, "egress_firewall", 1, 1, True)
    return SchoolResult(
        code,
        "egress_firewall",
        0,
        1,
        False,
        (
            Reason(
                f"互联网出口 {', '.join(bad)} 未经过防火墙",
                f"internet egress {', '.join(bad)} does not pass a firewall",
            ),
        ),
    )


def declared_kpis(
    inv: Inventory, county: str | None = None, city: str | None = None
) -> DeclaredReport:
    """Compute every declared KPI per school, then per county, city and region."""
    report = DeclaredReport()
    scopes: dict[tuple[str, str], list[SchoolResult]] = defaultdict(list)
    for s in inv.schools_in(county, city):
        for r in _school_results(inv, s):
            report.schools.append(r)
            for key in (("county", s.county), ("city", s.city), ("region", geo.REGION_CODE)):
                scopes[key].append(r)
    names: dict[str, Callable[[str], str]] = {
        "county": lambda c: geo.COUNTIES[c].name,
        "city": lambda c: geo.CITIES[c].name,
        "region": lambda _c: geo.REGION_NAME,
    }
    order = {"region": 0, "city": 1, "county": 2}
    for (level, code), results in sorted(
        scopes.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
    ):
        by_kpi: dict[str, list[SchoolResult]] = defaultdict(list)
        for r in results:
            by_kpi[r.kpi].append(r)
        for kpi in TARGETS_2027:
            rs = by_kpi.get(kpi, [])
            target = TARGETS_2027[kpi]
            if kpi == "internet_bandwidth_avg":
                num, den = sum(r.numerator for r in rs), float(len(rs))
            elif kpi == "digital_classrooms":
                num, den = sum(r.numerator for r in rs), sum(r.denominator for r in rs)
            else:
                num, den = float(sum(1 for r in rs if r.met)), float(len(rs))
            value = num / den if den else None
            met = None if value is None else value >= target - 1e-9
            report.kpis.append(
                KpiValue(kpi, level, code, names[level](code), num, den, value, target, met)
            )
    return report
