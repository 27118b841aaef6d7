"""Compliance reports for county IT staff: HTML (Jinja2), PDF (headless Chromium), XLSX (openpyxl).

Templates and wording live in ``reports/templates/`` (``report.html.j2``, ``report.css``,
``labels.yaml``). Chinese is the default language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from netctl.compliance.engine import KpiReport, compute_kpis, save_snapshot
from netctl.compliance.kpis import KPI_IDS
from netctl.compliance.runner import check_scope, load_sources
from netctl.compliance.targets import Targets
from netctl.exceptions import ConfigError
from netctl.inventory.index import Inventory
from netctl.report.html import load_labels, render_html
from netctl.report.pdf import html_to_pdf
from netctl.report.view import Trend, build_view
from netctl.state import StateStore

__all__ = ["ReportFormat", "render_html", "write_report", "write_reports"]


class ReportFormat(str, Enum):  # noqa: UP042 - typer needs str-mixin enums
    """Report file formats."""

    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


def history(
    store: StateStore, level: str, code: str, until: datetime | None = None
) -> dict[str, Trend]:
    """Stored snapshot values of every KPI at one scope, oldest first (the trend), up to
    ``until`` when given."""
    out: dict[str, Trend] = {}
    for kpi in KPI_IDS:
        out[kpi] = [
            (when, row.value)
            for when, row in store.kpi_history(kpi, level, code)
            if row.value is not None
            and (until is None or (when if when.tzinfo else when.replace(tzinfo=UTC)) <= until)
        ]
    return out


def _scope_key(report: KpiReport) -> tuple[str, str]:
    if report.county:
        return "county", report.county
    if report.city:
        return "city", report.city
    return "region", "640000"


def render(
    report: KpiReport,
    inv: Inventory,
    targets: Targets,
    reports_dir: Path,
    fmt: ReportFormat,
    out: Path,
    lang: str = "zh",
    trend: dict[str, Trend] | None = None,
    topology_svg: str = "",
    *,
    as_of: bool = False,
) -> Path:
    """Write one report of ``report`` to ``out`` in ``fmt`` (``as_of``: judged at a past time)."""
    templates = reports_dir / "templates"
    view = build_view(report, inv, targets, load_labels(templates, lang), lang, trend)
    view.as_of = as_of
    view.topology_svg = topology_svg
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt is ReportFormat.xlsx:
        from netctl.report.xlsx import write_xlsx  # openpyxl only when a workbook is asked for

        write_xlsx(view, out)
        return out
    html = render_html(view, templates)
    if fmt is ReportFormat.html:
        from netctl.inventory.yamlio import write_atomic

        write_atomic(out, html)
        return out
    html_to_pdf(html, out)
    return out


def write_report(
    inv: Inventory,
    reports_dir: Path,
    state_url: str | None,
    backups_dir: Path | None,
    fmt: ReportFormat,
    *,
    county: str | None = None,
    city: str | None = None,
    year: int | None = None,
    lang: str = "zh",
    out: Path | None = None,
    freshness_hours: float | None = None,
    snapshot: bool = False,
    as_of: datetime | None = None,
) -> Path:
    """Compute the KPIs of a county, city or the region and write its report; return the path.

    ``as_of``: the report as it would have been at that time (evidence from the state store's
    history, backups taken by then, snapshots up to then in the trend).
    """
    check_scope(county, city)
    if as_of is not None and snapshot:
        msg = "--as-of recomputes the past: it does not store a snapshot (drop --snapshot)"
        raise ConfigError(msg)
    targets, rules = load_sources(reports_dir)
    store = StateStore(state_url) if state_url else None
    try:
        report = compute_kpis(
            inv,
            targets,
            store=store,
            rules=rules,
            backups_dir=backups_dir,
            county=county,
            city=city,
            year=year,
            freshness_hours=freshness_hours,
            as_of=as_of,
        )
        if store is not None and snapshot:
            save_snapshot(store, report)
        trend = history(store, *_scope_key(report), until=as_of) if store is not None else None
    finally:
        if store is not None:
            store.close()
    scope = county or city or "640000"
    path = out or reports_dir / "out" / f"{scope}-{report.year}-{lang}.{fmt.value}"
    from netctl.discovery.run import county_map_svg

    svg = county_map_svg(inv, state_url, county) if county else ""
    return render(report, inv, targets, reports_dir, fmt, path, lang, trend, svg,
                  as_of=as_of is not None)


def write_reports(
    inv: Inventory,
    reports_dir: Path,
    state_url: str | None,
    backups_dir: Path | None,
    out_dir: Path,
    fmt: ReportFormat = ReportFormat.html,
    *,
    year: int | None = None,
    lang: str = "zh",
    freshness_hours: float | None = None,
) -> list[Path]:
    """Every county's report, computing the region's KPIs once; return the paths."""
    from netctl.discovery.run import county_map_svg

    targets, rules = load_sources(reports_dir)
    store = StateStore(state_url) if state_url else None
    try:
        region = compute_kpis(
            inv,
            targets,
            store=store,
            rules=rules,
            backups_dir=backups_dir,
            year=year,
            freshness_hours=freshness_hours,
        )
        paths = []
        for county in sorted({s.county for s in inv.schools.values()}):
            report = region.for_county(inv, county)
            trend = history(store, "county", county) if store is not None else None
            path = out_dir / f"{county}-{report.year}-{lang}.{fmt.value}"
            svg = county_map_svg(inv, state_url, county)
            paths.append(render(report, inv, targets, reports_dir, fmt, path, lang, trend, svg))
    finally:
        if store is not None:
            store.close()
    return paths
