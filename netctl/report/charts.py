"""Charts of the compliance report as inline SVG, drawn here (no JavaScript, no network).

Three pictures, the same in county, city and region reports:

- :func:`kpi_bars`: each KPI's value against this year's target (tick) and the 2027 target (end
  of the track);
- :func:`trajectories`: per KPI, the yearly targets 2023→2027 (dashed) and the stored snapshots;
- :func:`status_grid`: one row per school (or county), one cell per KPI, coloured met / not met.

Every text is XML-escaped; every chart carries ``class="chart <kind>"`` so tests find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

OK, BAD, NA, TRACK, INK, TARGET = "#2e8b57", "#c0392b", "#c8cdd6", "#eef2f8", "#1d1d1f", "#123e7a"
FONT = 'font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif"'


@dataclass(frozen=True, slots=True)
class BarItem:
    """One KPI in the bar chart; values in the KPI's unit (fractions or Mbps)."""

    name: str
    value: float | None
    target: float
    end_target: float
    unit: str  # "ratio" | "mbps"
    label: str  # the value as people read it
    met: bool | None


def _scale(item: BarItem) -> float:
    if item.unit == "ratio":
        return 1.0
    return max(item.end_target * 1.2, item.value or 0.0, 1.0)


def kpi_bars(items: Sequence[BarItem], legend: tuple[str, str, str]) -> str:
    """Horizontal bars: value (green met, red not met), tick at this year's target, 2027 at the end.

    ``legend``: the words for value, this year's target and the 2027 target.
    """
    row, left, track, right = 22, 170, 330, 80
    width, height = left + track + right, row * len(items) + 34
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="11">'
    ]
    for i, it in enumerate(items):
        y = 6 + i * row
        top = _scale(it)
        out.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" fill="{INK}">'
            f"{escape(it.name)}</text>"
        )
        out.append(
            f'<rect x="{left}" y="{y + 3}" width="{round(track * it.end_target / top, 1)}" '
            f'height="12" fill="{TRACK}" stroke="{NA}"/>'
        )
        if it.value is not None:
            w = round(track * min(max(it.value / top, 0.0), 1.0), 1)
            colour = OK if it.met else BAD if it.met is False else NA
            out.append(
                f'<rect class="value" x="{left}" y="{y + 5}" width="{w}" height="8" '
                f'fill="{colour}"/>'
            )
        tx = round(left + track * min(it.target / top, 1.0), 1)
        out.append(
            f'<line class="target" x1="{tx}" y1="{y}" x2="{tx}" y2="{y + 18}" stroke="{TARGET}" '
            'stroke-width="2"/>'
        )
        out.append(
            f'<text x="{left + track + 6}" y="{y + 13}" fill="{INK}">{escape(it.label)}</text>'
        )
    ly = height - 10
    out.append(
        f'<rect x="{left}" y="{ly - 8}" width="14" height="8" fill="{OK}"/>'
        f'<text x="{left + 18}" y="{ly}">{escape(legend[0])}</text>'
        f'<line x1="{left + 110}" y1="{ly - 10}" x2="{left + 110}" y2="{ly + 2}" '
        f'stroke="{TARGET}" stroke-width="2"/><text x="{left + 116}" y="{ly}">'
        f"{escape(legend[1])}</text>"
        f'<rect x="{left + 220}" y="{ly - 8}" width="14" height="8" fill="{TRACK}" '
        f'stroke="{NA}"/><text x="{left + 238}" y="{ly}">{escape(legend[2])}</text>'
    )
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Trajectory:
    """One KPI over the plan: yearly targets and the snapshots stored so far."""

    name: str
    unit: str
    targets: dict[int, float]
    points: list[tuple[datetime, float]]


def _year_fraction(when: datetime) -> float:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    start = datetime(when.year, 1, 1, tzinfo=UTC)
    end = datetime(when.year + 1, 1, 1, tzinfo=UTC)
    return when.year + (when - start) / (end - start)


def trajectory(t: Trajectory) -> str:
    """A small chart: targets per year (dashed, dots) and the snapshots (solid, blue)."""
    width, height, left, right, top, bottom = 250, 120, 34, 8, 18, 18
    years = sorted(t.targets)
    x0, x1 = years[0], years[-1] + 1  # each year spans [year, year+1); the target sits at its end
    values = [v for _w, v in t.points]
    vmax = 1.0 if t.unit == "ratio" else max([*t.targets.values(), *values, 1.0]) * 1.1

    def x(year: float) -> float:
        return round(left + (width - left - right) * (year - x0) / (x1 - x0), 1)

    def y(v: float) -> float:
        frac = min(max(v / vmax, 0.0), 1.0)
        return round(height - bottom - (height - top - bottom) * frac, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart trajectory" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="9">',
        f'<text x="{left}" y="11" font-size="10" font-weight="bold" fill="{INK}">'
        f"{escape(t.name)}</text>",
    ]
    for frac, text in ((0.0, "0"), (0.5, "50%" if t.unit == "ratio" else f"{vmax / 2:.0f}"),
                       (1.0, "100%" if t.unit == "ratio" else f"{vmax:.0f}")):
        yy = y(frac * vmax)
        out.append(
            f'<line x1="{left}" y1="{yy}" x2="{width - right}" y2="{yy}" stroke="{TRACK}"/>'
            f'<text x="{left - 3}" y="{yy + 3}" text-anchor="end" fill="#666">{text}</text>'
        )
    for year in years:
        out.append(
            f'<text x="{x(year + 0.5)}" y="{height - 5}" text-anchor="middle" fill="#666">'
            f"{year}</text>"
        )
    coords = " ".join(f"{x(yr + 1)},{y(t.targets[yr])}" for yr in years)
    out.append(
        f'<polyline class="targets" points="{coords}" fill="none" stroke="{TARGET}" '
        'stroke-dasharray="4,3" stroke-width="1.5"/>'
    )
    out += [
        f'<circle cx="{x(yr + 1)}" cy="{y(t.targets[yr])}" r="2" fill="{TARGET}"/>' for yr in years
    ]
    inside = [(w, v) for w, v in t.points if x0 <= _year_fraction(w) <= x1]
    if len(inside) > 1:
        pts = " ".join(f"{x(_year_fraction(w))},{y(v)}" for w, v in inside)
        out.append(
            f'<polyline class="snapshots" points="{pts}" fill="none" stroke="#1f5fbf" '
            'stroke-width="2"/>'
        )
    out += [
        f'<circle class="snapshot" cx="{x(_year_fraction(w))}" cy="{y(v)}" r="2.5" '
        f'fill="#1f5fbf"/>'
        for w, v in inside
    ]
    out.append("</svg>")
    return "".join(out)


def trajectories(items: Sequence[Trajectory]) -> list[str]:
    """One small chart per KPI."""
    return [trajectory(t) for t in items]


def status_grid(
    rows: Sequence[tuple[str, Sequence[bool | None]]], columns: Sequence[str], legend: Sequence[str]
) -> str:
    """Rows (schools or counties) × KPIs, each cell green (met), red (not met) or grey (n/a).

    ``columns``: the KPI names (written vertically); ``legend``: met, not met, n/a.
    """
    cell, left, head = 18, 190, 150
    width = left + cell * len(columns) + 100  # room for the slanted last names
    height = head + cell * len(rows) + 24
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart grid" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="9">'
    ]
    for j, name in enumerate(columns):
        cx = left + j * cell + cell / 2 + 2
        out.append(
            f'<text x="{cx}" y="{head - 4}" transform="rotate(-55 {cx} {head - 4})" '
            f'fill="{INK}">{escape(name)}</text>'
        )
    for i, (label, cells) in enumerate(rows):
        y = head + i * cell
        out.append(
            f'<text x="{left - 4}" y="{y + 12}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
        )
        for j, met in enumerate(cells):
            colour = OK if met else BAD if met is False else NA
            state = "met" if met else "bad" if met is False else "na"
            out.append(
                f'<rect class="cell {state}" x="{left + j * cell}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{colour}"/>'
            )
    ly = height - 8
    for k, (colour, text) in enumerate(zip((OK, BAD, NA), legend, strict=False)):
        lx = left + k * 90
        out.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{ly}">{escape(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
