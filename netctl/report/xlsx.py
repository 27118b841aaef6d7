"""XLSX reports: a sheet per section (summary, counties, schools, baseline, trend).

Numbers are numbers with a format (``0.0%``, ``#,##0 "Mbps"``), times are dates in Beijing
time, header rows are frozen and filtered, and the summary and trend sheets carry native Excel
charts. Text is always written as a string cell: a school named ``=HYPERLINK(…)`` stays text,
never a formula (CWE-1236).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from netctl.compliance.kpis import KPIS
from netctl.peopletime import people_tz
from netctl.report.view import ReportView

_HEAD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="EEF2F8")
_OK = PatternFill("solid", fgColor="E8F5EC")
_BAD = PatternFill("solid", fgColor="FDECEC")
PERCENT = "0.0%"
MBPS = '#,##0 "Mbps"'
COUNT = "#,##0"
WHEN = "yyyy-mm-dd hh:mm"


class Num:
    """A number cell with its format."""

    __slots__ = ("fmt", "value")

    def __init__(self, value: float | int | None, fmt: str = COUNT) -> None:
        self.value, self.fmt = value, fmt


def kpi_num(kpi: str, value: float | None) -> Num:
    """A KPI value in its unit's format."""
    return Num(value, MBPS if KPIS[kpi].unit == "mbps" else PERCENT)


def _put(cell: Cell, value: Any) -> None:
    """Write one value: text as a string cell (never a formula), numbers and dates formatted."""
    if isinstance(value, Num):
        cell.value = value.value
        cell.number_format = value.fmt
    elif isinstance(value, datetime):
        local = value.astimezone(people_tz()) if value.tzinfo else value
        cell.value = local.replace(tzinfo=None)  # Excel has no time zones
        cell.number_format = WHEN
    elif isinstance(value, bool) or value is None or isinstance(value, int | float):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"  # openpyxl would make "=…" a formula


def _sheet(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
) -> Any:
    ws = wb.create_sheet(title)
    for j, text in enumerate(header, 1):
        cell = ws.cell(row=1, column=j)
        _put(cell, text)
        cell.font, cell.fill = _HEAD, _HEAD_FILL
    n = 1
    for n, row in enumerate(rows, 2):
        for j, value in enumerate(row, 1):
            cell = ws.cell(row=n, column=j)
            _put(cell, value)
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(n, 1)}"
    return ws


def _mark(ws: Any, column: int, met_values: Sequence[bool | None]) -> None:
    for i, met in enumerate(met_values, 2):
        if met is not None:
            ws.cell(row=i, column=column).fill = _OK if met else _BAD


def _summary_chart(ws: Any, rows: int, title: str) -> None:
    """Bars: each ratio KPI's value and this year's target (percent axis)."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.height, chart.width = 9 + rows * 0.35, 18
    # columns: H = ratio value, I = ratio target (hidden helpers; bandwidth has its own unit)
    data = Reference(ws, min_col=8, max_col=9, min_row=1, max_row=rows + 1)
    cats = Reference(ws, min_col=1, min_row=2, max_row=rows + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    ws.add_chart(chart, f"K{2}")


def _trend_chart(ws: Any, n_rows: int, n_kpis: int, title: str) -> None:
    """Lines: every KPI over the snapshots (time as rows, KPIs as columns)."""
    chart = LineChart()
    chart.title = title
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.x_axis.number_format = "yyyy-mm-dd"
    chart.height, chart.width = 10, 22
    data = Reference(ws, min_col=2, max_col=1 + n_kpis, min_row=1, max_row=n_rows + 1)
    cats = Reference(ws, min_col=1, min_row=2, max_row=n_rows + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    ws.add_chart(chart, f"{get_column_letter(n_kpis + 3)}2")


def write_xlsx(view: ReportView, out: Path) -> Path:
    """Write the report's sections as sheets of one workbook (atomically)."""
    L = view.labels  # noqa: N806 - the templates' name for labels
    wb = Workbook()
    wb.remove(wb.active)
    result = {True: L["met"], False: L["not_met"], None: L["not_applicable"]}
    ratio = [KPIS[r.kpi].unit == "ratio" for r in view.summary]
    ws = _sheet(
        wb,
        L["sheet_summary"],
        [L["kpi"], "id", L["target_year"], L["target_end"], L["value"], L["share"], L["result"],
         f'{L["value"]} (%)', f'{L["target_year"]} (%)'],
        (
            (
                r.name,
                r.kpi,
                kpi_num(r.kpi, r.raw_target),
                kpi_num(r.kpi, view_end(view, r.kpi)),
                kpi_num(r.kpi, r.raw_value),
                r.share,
                result[r.met],
                Num(r.raw_value if is_ratio else None, PERCENT),
                Num(r.raw_target if is_ratio else None, PERCENT),
            )
            for r, is_ratio in zip(view.summary, ratio, strict=True)
        ),
        (28, 22, 14, 14, 14, 18, 10, 12, 12),
    )
    _mark(ws, 7, [r.met for r in view.summary])
    _summary_chart(ws, len(view.summary), L.get("bars_title", "KPIs"))
    if view.ranking:
        ws = _sheet(
            wb,
            L["sheet_ranking"],
            [L["rank"], L["county"], "code", L["kpis_met"], L["kpis_met"] + " (n)",
             *view.kpi_names],
            (
                (
                    Num(c.rank),
                    c.name,
                    c.code,
                    f"{c.met_count}/{c.applicable}",
                    Num(c.met_count),
                    *(kpi_num(k, v) for k, v in zip(view.kpi_ids, c.values, strict=True)),
                )
                for c in view.ranking
            ),
            (6, 14, 10, 10, 8, *([14] * len(view.kpi_names))),
        )
        for j in range(len(view.kpi_names)):
            _mark(ws, 6 + j, [c.cells[j][1] for c in view.ranking])
    _sheet(
        wb,
        L["sheet_schools"],
        [L["code"], L["school"], L["county"], L["category"], L["kpi"], L["value"], L["reasons"]],
        (
            (s.code, s.name, s.county, s.category, i.name, kpi_num(i.kpi, i.raw_value),
             "\n".join(i.reasons))
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
                        view.word("platform", d.platform),
                        view.word("status", d.status),
                        r.title,
                        r.clause,
                        f"{view.word('status', r.status)}: " + "\n".join(r.lines),
                    )
                    for r in d.rules
                ]
                or [(d.hostname, d.site, view.word("platform", d.platform),
                     view.word("status", d.status), "", "", "\n".join(d.reasons))]
            )
        ],
        (24, 26, 12, 10, 22, 12, 80),
    )
    # trend: one row per snapshot time, one column per ratio KPI (a chartable table)
    ratio_rows = [r for r, is_ratio in zip(view.summary, ratio, strict=True) if is_ratio]
    times = sorted({when for r in ratio_rows for when, _v in r.trend})
    by_kpi = {r.kpi: dict(r.trend) for r in ratio_rows}
    ws = _sheet(
        wb,
        L["sheet_trend"],
        [f'{L["time"]} ({L.get("timezone", "UTC+8")})', *(r.name for r in ratio_rows)],
        ((when, *(Num(by_kpi[r.kpi].get(when), PERCENT) for r in ratio_rows)) for when in times),
        (18, *([12] * len(ratio_rows))),
    )
    if times:
        _trend_chart(ws, len(times), len(ratio_rows), L.get("trend", "trend"))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(out)  # nothing half-written: the old file or the new one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def view_end(view: ReportView, kpi: str) -> float | None:
    """The 2027 target of ``kpi`` as the view holds it."""
    return view.end_targets.get(kpi)
