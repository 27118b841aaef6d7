"""What a report shows, computed once for HTML, PDF and XLSX alike: the view of a KPI report.

A county report has the one-page summary (each KPI: this year's target, the 2027 target, the
value, met or not, the trend from stored snapshots), the schools that fall short with their
reasons, and the devices that fail the baseline. A city or region report ranks its counties.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from netctl import geo
from netctl.compliance.devices import DeviceBaseline
from netctl.compliance.engine import KpiReport
from netctl.compliance.kpis import KPI_IDS, KPIS
from netctl.compliance.model import KpiValue
from netctl.compliance.targets import Targets
from netctl.inventory.index import Inventory
from netctl.peopletime import people_tz
from netctl.report.charts import BarItem, Trajectory, kpi_bars, status_grid, trajectories

Trend = list[tuple[datetime, float]]
TOP_REASONS = 8


def _clip(text: str, limit: int = 70) -> str:
    """Shorten an example reason for the summary table.

    Examples:
        >>> _clip("x" * 80, 10)
        'xxxxxxxxx…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One KPI in the summary."""

    kpi: str
    name: str
    target: str
    end_target: str
    value: str
    share: str
    met: bool | None
    trend: Trend
    trend_svg: str
    raw_value: float | None
    raw_target: float


@dataclass(frozen=True, slots=True)
class CountyRank:
    """A county in the ranking of a city or region report."""

    rank: int
    code: str
    name: str
    met_count: int
    applicable: int
    cells: list[tuple[str, bool | None]]
    values: list[float | None] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ShortItem:
    """One KPI a school falls short on."""

    kpi: str
    name: str
    value: str
    reasons: list[str]
    raw_value: float | None = None


@dataclass(frozen=True, slots=True)
class SchoolShort:
    """A school that falls short on at least one KPI."""

    code: str
    name: str
    county: str
    category: str
    items: list[ShortItem]


@dataclass(frozen=True, slots=True)
class RuleShort:
    """A baseline rule a device does not pass."""

    rule: str
    title: str
    clause: str
    status: str
    lines: list[str]


@dataclass(frozen=True, slots=True)
class DeviceShort:
    """A device that does not pass the baseline."""

    hostname: str
    site: str
    platform: str
    status: str
    reasons: list[str]
    rules: list[RuleShort]


@dataclass(slots=True)
class ReportView:
    """Everything a report template or workbook needs."""

    lang: str
    labels: dict[str, str]
    scope_level: str
    scope_code: str
    scope_name: str
    year: int
    generated_at: datetime
    freshness_hours: float
    n_schools: int
    n_devices: int
    summary: list[SummaryRow] = field(default_factory=list)
    ranking: list[CountyRank] = field(default_factory=list)
    schools: list[SchoolShort] = field(default_factory=list)
    devices: list[DeviceShort] = field(default_factory=list)
    top_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    kpi_names: list[str] = field(default_factory=list)
    bars_svg: str = ""
    trajectory_svgs: list[str] = field(default_factory=list)
    grid_svg: str = ""
    grid_rows: list[tuple[str, list[bool | None]]] = field(default_factory=list)
    kpi_ids: list[str] = field(default_factory=lambda: list(KPI_IDS))
    as_of: bool = False  # judged at a past time (--as-of): the header says "as of", not "made"
    end_targets: dict[str, float] = field(default_factory=dict)
    topology_svg: str = ""  # the county's map (netctl.discovery.run.county_map_svg)

    @property
    def generated_local(self) -> datetime:
        """When the report was made, in Asia/Shanghai (what people read)."""
        return self.generated_at.astimezone(people_tz())

    def word(self, kind: str, code: str) -> str:
        """A code (``partial``, ``huawei_vrp``) as a word of the report's language (labels.yaml
        ``<kind>_<code>``); the code itself where no label exists."""
        return self.labels.get(f"{kind}_{code}", code)

    @property
    def met_count(self) -> int:
        """KPIs met at the report's scope."""
        return sum(1 for r in self.summary if r.met)


def trend_svg(points: Trend, target: float, unit: str) -> str:
    """A small inline SVG line of the KPI over time, with the target as a dashed line."""
    width, height, pad = 120, 22, 3
    values = [v for _t, v in points]
    top = 1.0 if unit == "ratio" else max([target * 1.2, *values, 1.0])

    def y(v: float) -> float:
        return round(height - pad - (height - 2 * pad) * min(max(v / top, 0.0), 1.0), 1)

    ty = y(target)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="trend" role="img">',
        f'<line x1="0" y1="{ty}" x2="{width}" y2="{ty}" stroke="#999" stroke-dasharray="3,3"/>',
    ]
    if len(points) == 1:
        x = width - pad
        parts.append(f'<circle cx="{x}" cy="{y(values[0])}" r="2.5" fill="#1f5fbf"/>')
    elif points:
        step = (width - 2 * pad) / (len(points) - 1)
        coords = " ".join(f"{round(pad + i * step, 1)},{y(v)}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
        parts.append(f'<circle cx="{width - pad}" cy="{y(values[-1])}" r="2.5" fill="#1f5fbf"/>')
    parts.append("</svg>")
    return "".join(parts)


def _met_count(values: dict[str, KpiValue]) -> tuple[int, int]:
    applicable = [v for v in values.values() if v.met is not None]
    return sum(1 for v in applicable if v.met), len(applicable)


def build_view(
    report: KpiReport,
    inv: Inventory,
    targets: Targets,
    labels: dict[str, str],
    lang: str,
    history: dict[str, Trend] | None = None,
) -> ReportView:
    """The view of a report at its top scope (county, city or region)."""
    if report.county:
        level, code, name = "county", report.county, geo.COUNTIES[report.county].name
    elif report.city:
        level, code, name = "city", report.city, geo.CITIES[report.city].name
    else:
        level, code, name = "region", geo.REGION_CODE, geo.REGION_NAME
    if lang == "en":
        name = (
            geo.COUNTIES[code].name_en
            if level == "county"
            else geo.CITIES[code].name_en
            if level == "city"
            else "Ningxia"
        )
    school_codes = {r.school_code for r in report.schools}
    view = ReportView(
        lang,
        labels,
        level,
        code,
        name,
        report.year,
        report.generated_at,
        report.freshness_hours,
        len(school_codes),
        len(report.devices),
    )
    view.kpi_names = [KPIS[k].name(lang) for k in KPI_IDS]
    view.end_targets = {k: targets.end_target(k) for k in KPI_IDS}
    scope = report.at(level, code)
    for kpi in KPI_IDS:
        v = scope[kpi]
        spec = KPIS[kpi]
        points = list((history or {}).get(kpi, []))
        if v.value is not None and (not points or points[-1][0] < report.generated_at):
            points.append((report.generated_at, v.value))
        view.summary.append(
            SummaryRow(
                kpi,
                spec.name(lang),
                spec.format(v.target),
                spec.format(targets.end_target(kpi)),
                spec.format(v.value),
                f"{v.numerator:g} / {v.denominator:g}",
                v.met,
                points,
                trend_svg(points, v.target, spec.unit),
                v.value,
                v.target,
            )
        )
    if level != "county":
        counties = sorted({k.scope_code for k in report.kpis if k.scope_level == "county"})
        rows = []
        for c in counties:
            values = report.at("county", c)
            met, applicable = _met_count(values)
            smart = values["smart_campus"].value or 0.0
            cells = [(KPIS[k].format(values[k].value), values[k].met) for k in KPI_IDS]
            raw = [values[k].value for k in KPI_IDS]
            county_name = geo.COUNTIES[c].name_en if lang == "en" else geo.COUNTIES[c].name
            rows.append((-met, -smart, c, county_name, met, applicable, cells, raw))
        rows.sort(key=lambda t: (t[0], t[1], t[2]))
        view.ranking = [
            CountyRank(i, c, nm, met, app, cells, raw)
            for i, (_m, _s, c, nm, met, app, cells, raw) in enumerate(rows, 1)
        ]
    _charts(view, report, targets, level, inv)
    reasons: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    by_school: dict[str, list[ShortItem]] = {}
    values_by_school = {(k.scope_code, k.kpi): k for k in report.kpis if k.scope_level == "school"}
    for r in report.schools:
        if r.met:
            continue
        for x in {x.code: x for x in r.reasons}.values():
            key = (r.kpi, x.code)
            reasons[key] += 1
            example.setdefault(key, x.text(lang))
        value = values_by_school[(r.school_code, r.kpi)].value
        by_school.setdefault(r.school_code, []).append(
            ShortItem(
                r.kpi,
                KPIS[r.kpi].name(lang),
                KPIS[r.kpi].format(value),
                [x.text(lang) for x in r.reasons],
                value,
            )
        )
    for sc, items in by_school.items():
        entry = inv.schools[sc]
        county = geo.COUNTIES[entry.county]
        view.schools.append(
            SchoolShort(
                sc,
                entry.school.name,
                county.name_en if lang == "en" else county.name,
                entry.school.category.value if lang == "en" else entry.school.category.zh,
                items,
            )
        )
    view.top_reasons = [
        (KPIS[kpi].name(lang), _clip(example[(kpi, code)]), n)
        for (kpi, code), n in reasons.most_common(TOP_REASONS)
    ]
    view.devices = [_device(d, inv, lang) for d in report.devices if not d.passed]
    return view


def _charts(
    view: ReportView,
    report: KpiReport,
    targets: Targets,
    level: str,
    inv: Inventory,
) -> None:
    """The report's pictures: bars against targets, trajectories, the status grid."""
    L = view.labels  # noqa: N806 - the templates' name for labels
    view.bars_svg = kpi_bars(
        [
            BarItem(r.name, r.raw_value, r.raw_target, targets.end_target(r.kpi),
                    KPIS[r.kpi].unit, r.value, r.met)
            for r in view.summary
        ],
        (L.get("legend_value", "value"), L.get("legend_target", "target"),
         L.get("legend_end", "2027")),
    )
    view.trajectory_svgs = trajectories(
        [Trajectory(r.name, KPIS[r.kpi].unit, dict(targets.kpis[r.kpi]), r.trend)
         for r in view.summary]
    )
    if level == "county":
        met = {(r.school_code, r.kpi): r.met for r in report.schools}
        codes = sorted({r.school_code for r in report.schools})
        view.grid_rows = [
            (f"{inv.schools[c].school.name} {c[-4:]}" if c in inv.schools else c,
             [met.get((c, k)) for k in KPI_IDS])
            for c in codes
        ]
    else:
        view.grid_rows = [(f"{c.name} {c.code}", [m for _t, m in c.cells]) for c in view.ranking]
    view.grid_svg = status_grid(
        view.grid_rows,
        view.kpi_names,
        (L.get("met", "met"), L.get("not_met", "not met"), L.get("not_applicable", "n/a")),
    )


def _device(d: DeviceBaseline, inv: Inventory, lang: str) -> DeviceShort:
    site = (
        inv.schools[d.school].school.name
        if d.school in inv.schools
        else (inv.nodes[d.site].name if d.site in inv.nodes else d.site)
    )
    rules = [
        RuleShort(
            r.rule,
            r.title.en if lang == "en" else r.title.zh,
            r.clause,
            r.status,
            [f"L{o.line}: {o.text}" for o in r.offending] + [m.text(lang) for m in r.missing],
        )
        for r in d.rules
        if r.status != "pass"
    ]
    return DeviceShort(
        d.hostname, site, d.platform, d.status, [x.text(lang) for x in d.reasons], rules
    )
