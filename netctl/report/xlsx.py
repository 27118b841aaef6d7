"""XLSX reports: a sheet per section (summary, counties, schools, baseline, trend), filtered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from netctl.report.view import ReportView

_HEAD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="EEF2F8")
_OK = PatternFill("solid", fgColor="E8F5EC")
_BAD = PatternFill("solid", fgColor="FDECEC")


def _sheet(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
) -> Any:
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font, cell.fill = _HEAD, _HEAD_FILL
    for row in rows:
        ws.append(list(row))
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(ws.max_row, 1)}"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    return ws


def _mark(ws: Any, column: int, met_values: Sequence[bool | None]) -> None:
    for i, met in enumerate(met_values, 2):
        if met is not None:
            ws.cell(row=i, column=column).fill = _OK if met else _BAD


def write_xlsx(view: ReportView, out: Path) -> Path:
    """Write the report's sections as sheets of one workbook."""
    L = view.labels  # noqa: N806 - the templates' name for labels
    wb = Workbook()
    wb.remove(wb.active)
    result = {True: L["met"], False: L["not_met"], None: L["not_applicable"]}
    ws = _sheet(
        wb,
        L["sheet_summary"],
        [L["kpi"], "id", L["target_year"], L["target_end"], L["value"], L["share"], L["result"]],
        (
            (r.name, r.kpi, r.raw_target, r.end_target, r.raw_value, r.share, result[r.met])
            for r in view.summary
        ),
        (28, 22, 14, 14, 14, 18, 10),
    )
    _mark(ws, 7, [r.met for r in view.summary])
    if view.ranking:
        ws = _sheet(
            wb,
            L["sheet_ranking"],
            [L["rank"], L["county"], "code", L["kpis_met"], *view.kpi_names],
            (
                (
                    c.rank,
                    c.name,
                    c.code,
                    f"{c.met_count}/{c.applicable}",
                    *(text for text, _met in c.cells),
                )
                for c in view.ranking
            ),
            (6, 14, 10, 10, *([14] * len(view.kpi_names))),
        )
        for j in range(len(view.kpi_names)):
            _mark(ws, 5 + j, [c.cells[j][1] for c in view.ranking])
    _sheet(
        wb,
        L["sheet_schools"],
        [L["code"], L["school"], L["county"], L["category"], L["kpi"], L["value"], L["reasons"]],
        (
            (s.code, s.name, s.county, s.category, i.name, i.value, "\n".join(i.reasons))
            for s in view.schools
            for i in s.items
        ),
        (14, 26, 10, 8, 22, 12, 80),
    )
    _sheet(
        wb,
        L["sheet_devices"],
        [L["device"], L["site"], L["platform"], L["status"], L["rule"], L["clause"], L["lines"]],
        [
            row
            for d in view.devices
            for row in (
                [
                    (
                        d.hostname,
                        d.site,
                        d.platform,
                        d.status,
                        r.title,
                        r.clause,
                        f"{r.status}: " + "\n".join(r.lines),
                    )
                    for r in d.rules
                ]
                or [(d.hostname, d.site, d.platform, d.status, "", "", "\n".join(d.reasons))]
            )
        ],
        (24, 26, 12, 10, 22, 12, 80),
    )
    _sheet(
        wb,
        L["sheet_trend"],
        [L["time"], "id", L["kpi"], L["value"]],
        (
            (when.strftime("%Y-%m-%d %H:%M"), r.kpi, r.name, value)
            for r in view.summary
            for when, value in r.trend
        ),
        (18, 22, 28, 14),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
