"""The KPI engine: every KPI of TARGETS.md per school, rolled up to county, city and region.

Ratios at a scope are numerator / denominator over its schools (``edu_net_access`` …),
classes (``digital_classrooms``), websites (``website_ipv6``), addresses and domains
(``address_registered``) or devices (``security_baseline``: the schools' devices plus, at county
level and up, the metro and backbone nodes' devices); ``internet_bandwidth_avg`` is the mean
over schools in Mbps. A scope meets a KPI when its value reaches this year's target
(``reports/targets.yaml``); a school meets it when it satisfies the KPI's rule in full (for the
bandwidth, ≥ the plan's 1000 Mbps).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from netctl import geo
from netctl.compliance import addresses, declared, ipv6, links, security, wireless
from netctl.compliance.baseline import RuleSet
from netctl.compliance.context import Context
from netctl.compliance.devices import DeviceBaseline, check_devices
from netctl.compliance.evidence import Evidence
from netctl.compliance.kpis import KPI_IDS, KPIS
from netctl.compliance.model import KpiValue, Reason, SchoolResult
from netctl.compliance.registry import AddressRegistry
from netctl.compliance.targets import Targets
from netctl.inventory.index import Inventory, SchoolEntry
from netctl.state import KpiRow, StateStore

SMART_PARTS: tuple[str, ...] = (
    "edu_net_access",
    "internet_bandwidth_avg",
    "wireless_coverage",
    "ipv6_campus",
    "digital_classrooms",
)
_LEVEL_ORDER = {"region": 0, "city": 1, "county": 2, "school": 3}


@dataclass(frozen=True, slots=True)
class KpiReport:
    """One run: every KPI at every scope, per-school results, and each device's baseline."""

    generated_at: datetime
    year: int
    freshness_hours: float
    county: str | None
    city: str | None
    kpis: list[KpiValue] = field(default_factory=list)
    schools: list[SchoolResult] = field(default_factory=list)
    devices: list[DeviceBaseline] = field(default_factory=list)

    def at(self, scope_level: str, scope_code: str) -> dict[str, KpiValue]:
        """The KPI values of one scope, by KPI id."""
        return {
            k.kpi: k
            for k in self.kpis
            if k.scope_level == scope_level and k.scope_code == scope_code
        }

    def school(self, school_code: str) -> dict[str, SchoolResult]:
        """One school's results, by KPI id."""
        return {r.kpi: r for r in self.schools if r.school_code == school_code}

    def for_county(self, inv: Inventory, county: str) -> KpiReport:
        """The part of a wider report that a county's own report would hold."""
        codes = {s.code for s in inv.schools_in(county)}
        kpis = [
            k
            for k in self.kpis
            if (k.scope_level == "county" and k.scope_code == county)
            or (k.scope_level == "school" and k.scope_code in codes)
        ]
        return KpiReport(
            self.generated_at,
            self.year,
            self.freshness_hours,
            county,
            None,
            kpis,
            [r for r in self.schools if r.school_code in codes],
            [d for d in self.devices if d.county == county],
        )

    def rows(self) -> list[KpiRow]:
        """Every KPI value as state-store snapshot rows."""
        return [
            KpiRow(
                k.kpi,
                k.scope_level,
                k.scope_code,
                k.numerator,
                k.denominator,
                k.value,
                k.target,
                k.met,
            )
            for k in self.kpis
        ]


def _smart_campus(code: str, parts: dict[str, SchoolResult]) -> SchoolResult:
    failed = tuple(k for k in SMART_PARTS if k not in parts or not parts[k].met)
    zh, en, evidence = _smart_texts(failed)
    if not failed:
        return SchoolResult(code, "smart_campus", 1, 1, True, (), evidence)
    reason = Reason("parts_not_met", zh, en)  # each school its own (values are not shared)
    return SchoolResult(code, "smart_campus", 0, 1, False, (reason,), evidence)


@functools.lru_cache(maxsize=64)
def _smart_texts(failed: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]]:
    """The reason's texts and the evidence of ``smart_campus`` when ``failed`` are the parts
    not met (once per combination: a region's schools share a few)."""
    zh = "、".join(KPIS[k].zh for k in failed)
    en = ", ".join(KPIS[k].en for k in failed)
    evidence = tuple(f"{k} {'met' if k not in failed else 'not met'}" for k in SMART_PARTS)
    return f"未达标项：{zh}", f"not met: {en}", evidence


def _wireless_coverage(ctx: Context, s: SchoolEntry) -> SchoolResult | None:
    return wireless.coverage(ctx, s, wifi6=False)


def _wifi6_urban(ctx: Context, s: SchoolEntry) -> SchoolResult | None:
    return wireless.coverage(ctx, s, wifi6=True)


_RULES: tuple[tuple[str, Callable[[Context, SchoolEntry], SchoolResult | None]], ...] = (
    ("edu_net_access", links.edu_net_access),
    ("internet_bandwidth_avg", links.internet_bandwidth),
    ("wireless_coverage", _wireless_coverage),
    ("ipv6_campus", ipv6.ipv6_campus),
    ("website_ipv6", ipv6.website_ipv6),
    ("address_registered", addresses.address_registered),
    ("wifi6_urban", _wifi6_urban),
    ("multi_network", links.multi_network),
    ("egress_firewall", declared.egress_firewall),
    ("digital_classrooms", declared.digital_classrooms),
    ("security_baseline", security.security_baseline),
)
"""Each KPI's rule, in the order they are judged (``smart_campus`` reads the others)."""


def school_results(ctx: Context, s: SchoolEntry) -> list[SchoolResult]:
    """Every applicable KPI for one school, in KPI order."""
    out: dict[str, SchoolResult] = {}
    for kpi, rule in _RULES:
        result = rule(ctx, s)
        if result is not None:
            out[kpi] = result
    out["smart_campus"] = _smart_campus(s.code, out)
    return [out[k] for k in KPI_IDS if k in out]


def _scope_name(level: str, code: str, inv: Inventory) -> str:
    if level == "school":
        return inv.schools[code].school.name
    if level == "county":
        return geo.COUNTIES[code].name
    if level == "city":
        return geo.CITIES[code].name
    return geo.REGION_NAME


@dataclass(slots=True)
class _Sum:
    num: float = 0.0
    den: float = 0.0


def compute_kpis(
    inv: Inventory,
    targets: Targets,
    *,
    evidence: Evidence | None = None,
    store: StateStore | None = None,
    rules: dict[str, RuleSet] | None = None,
    backups_dir: Path | None = None,
    county: str | None = None,
    city: str | None = None,
    year: int | None = None,
    now: datetime | None = None,
    freshness_hours: float | None = None,
    backup_freshness_hours: float | None = None,
    as_of: datetime | None = None,
) -> KpiReport:
    """Compute every KPI for the schools of a county, a city or the region.

    Evidence comes from ``evidence`` or is read from ``store`` (none: every measured KPI fails
    with "never polled"). Config backups are read from ``backups_dir`` with ``rules``. With a
    county (city), the report holds that county's (city's) schools and scopes only.
    """
    was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of readings and results that all live to the end
    try:
        return _compute_kpis(inv, targets, evidence=evidence, store=store, rules=rules,
                             backups_dir=backups_dir, county=county, city=city, year=year,
                             now=as_of or now, freshness_hours=freshness_hours,
                             backup_freshness_hours=backup_freshness_hours,
                             as_of=as_of is not None)
    finally:
        if was_enabled:
            gc.enable()


def _compute_kpis(
    inv: Inventory,
    targets: Targets,
    *,
    evidence: Evidence | None,
    store: StateStore | None,
    rules: dict[str, RuleSet] | None,
    backups_dir: Path | None,
    county: str | None,
    city: str | None,
    year: int | None,
    now: datetime | None,
    freshness_hours: float | None,
    backup_freshness_hours: float | None,
    as_of: bool = False,
) -> KpiReport:
    when = now or (evidence.now if evidence is not None else datetime.now(UTC))
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    the_year = year or when.year
    hours = freshness_hours or targets.freshness_hours
    window = timedelta(hours=hours)
    if evidence is None:
        evidence = (
            Evidence.from_store(store, inv, when, window, as_of=as_of)
            if store is not None
            else Evidence(when, window)
        )
    else:
        evidence.now, evidence.window = when, window
    schools = inv.schools_in(county, city)
    codes = {s.code for s in schools}
    wanted = [
        d
        for d in inv.iter_devices()
        if (d.school in codes) or (d.school is None and _node_in_scope(d.county, county, city))
    ]
    texts: dict[str, str] = {}
    devices = check_devices(
        inv,
        backups_dir,
        rules or {},
        when,
        timedelta(hours=backup_freshness_hours or targets.backup_freshness_hours),
        wanted,
        as_of=as_of,
        texts=texts,
    )
    ctx = Context(inv, evidence, targets, {d.hostname: d for d in devices}, AddressRegistry(inv),
                  backup_texts=texts)
    report = KpiReport(when, the_year, hours, county, city, devices=devices)
    top = "county" if county else "city" if city else "region"
    depth = 1 + ["county", "city", "region"].index(top)
    # each scope's sums, added school by school in school order (as a list of the scope's
    # results would be summed): scope → KPI → [numerator, denominator]
    sums: dict[tuple[str, str], dict[str, list[float]]] = {}
    per_school: list[tuple[SchoolEntry, list[SchoolResult]]] = []
    for s in schools:
        results = school_results(ctx, s)
        report.schools.extend(results)
        per_school.append((s, results))
        keys = (("county", s.county), ("city", s.city), ("region", geo.REGION_CODE))[:depth]
        accs = []
        for key in keys:
            acc = sums.get(key)
            if acc is None:
                acc = sums[key] = {}
            accs.append(acc)
        for r in results:
            kpi = r.kpi
            if kpi in _BY_MET:
                num: float = 1 if r.met else 0
                den: float = 1
            else:  # classes, addresses, devices: sums; bandwidth: Mbps over schools (den 1 each)
                num, den = r.numerator, r.denominator
            for acc in accs:
                pair = acc.get(kpi)
                if pair is None:
                    acc[kpi] = [0.0 + num, 0.0 + den]
                else:
                    pair[0] += num
                    pair[1] += den
    node_devices = [d for d in devices if d.school is None]
    ordered = sorted(sums.items(), key=lambda kv: (_LEVEL_ORDER[kv[0][0]], kv[0][1]))
    for (level, code), acc in ordered:
        name = _scope_name(level, code, inv)
        for kpi in KPI_IDS:
            pair = acc.get(kpi)
            total = _Sum() if pair is None else _Sum(pair[0], pair[1])
            if kpi == "security_baseline":
                for d in node_devices:
                    if (
                        level == "region"
                        or (level == "city" and d.city == code)
                        or (level == "county" and d.county == code)
                    ):
                        total.num += d.passed
                        total.den += 1
            report.kpis.append(_value(kpi, level, code, name, total, targets.target(kpi, the_year)))
    thresholds = {kpi: _school_threshold(targets, kpi) for kpi in KPI_IDS}
    kpis = report.kpis
    for s, results in per_school:
        code, name = s.code, s.school.name
        kpis += [
            KpiValue(r.kpi, "school", code, name, num, den, num / den if den else None,
                     thresholds[r.kpi], r.met)  # num / den: SchoolResult.value
            for r in results
            for num, den in ((r.numerator, r.denominator),)
        ]
    return report


_BY_MET = frozenset(
    k for k in KPI_IDS
    if KPIS[k].counts in ("schools", "websites") and k != "internet_bandwidth_avg"
)
"""KPIs a scope counts by schools (websites) that meet them, not by summed shares."""


def _school_threshold(targets: Targets, kpi: str) -> float:
    """What a school must reach: the plan's value for the bandwidth, the whole rule otherwise."""
    return targets.end_target(kpi) if KPIS[kpi].unit == "mbps" else 1.0


def _value(kpi: str, level: str, code: str, name: str, total: _Sum, target: float) -> KpiValue:
    value = total.num / total.den if total.den else None
    met = None if value is None else value >= target - 1e-9
    return KpiValue(kpi, level, code, name, total.num, total.den, value, target, met)


def _node_in_scope(node_county: str | None, county: str | None, city: str | None) -> bool:
    """Is a node device (metro: has a county; backbone: none) inside the requested scope?"""
    if county is not None:
        return node_county == county
    if city is not None:
        return node_county is not None and geo.COUNTIES[node_county].city_code == city
    return True


def save_snapshot(store: StateStore, report: KpiReport) -> int:
    """Store the report's KPI values as one snapshot (all rows share the report's time)."""
    return store.save_kpi_snapshot(report.rows(), year=report.year, taken_at=report.generated_at)
