"""What Grafana does with our queries, so they can be run and checked outside Grafana.

- **Template variables** (``$county``, ``${county}``, ``[[county]]``): the InfluxDB plugin's
  ``interpolateQueryExpr``: a multi-value or include-all variable is regex-escaped and a list
  becomes ``(a|b)``; the custom "All" value (``.*``) is inserted as is; a single numeric value
  is left alone.
- **$timeFilter**: the backend's ``time >= <from>ms and time <= <to>ms``; a panel's relative
  time (``timeFrom: 10m``) replaces the dashboard range with ``now-10m``..``now``.
- **$__interval / $__interval_ms**: the range divided by the panel's max data points, rounded to
  Grafana's "nice" steps, not below the panel's or the datasource's minimum interval.
- **Alert rules**: ``reduce`` and ``threshold`` expressions and the pending period (``for``),
  evaluated every minute.

Examples:
    >>> escape_regex("a.b/c")
    'a\\\\.b\\\\/c'
    >>> format_interval(round_interval(6 * 3600 * 1000 // 1000))
    '20s'
    >>> expand('"county" =~ /^$county$/ AND $timeFilter GROUP BY time($__interval)',
    ...        {"county": Selection(["640104", "640105"])}, TimeRange(0, 60000), 60000)
    '"county" =~ /^(640104|640105)$/ AND time >= 0ms and time <= 60000ms GROUP BY time(1m)'
    >>> expand('/^$county$/', {"county": Selection(ALL, all_value=".*")}, TimeRange(0, 1), 1000)
    '/^.*$/'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from netctl.dashboards.lint import VARIABLE_RE

ALL = "$__all"
_REGEX_SPECIAL = re.compile(r"([\\/^$.|?*+()\[\]{}])")
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w|y)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
            "w": 604_800_000, "y": 31_536_000_000}
_STEPS_MS: tuple[tuple[int, int], ...] = (
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000),
    (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000),
    (45000, 30000), (90000, 60000), (210000, 120000), (450000, 300000), (750000, 600000),
    (1050000, 900000), (1500000, 1200000), (2700000, 1800000), (5400000, 3600000),
    (9000000, 7200000), (16200000, 10800000), (32400000, 21600000), (86400000, 43200000),
    (172800000, 86400000), (604800000, 86400000), (1814400000, 604800000),
    (3628800000, 2592000000))


def escape_regex(value: str) -> str:
    """``escapeRegex`` of Grafana's ``@grafana/data``."""
    return _REGEX_SPECIAL.sub(r"\\\1", value)


def parse_duration(text: str) -> int:
    """``10m`` → milliseconds.

    Examples:
        >>> parse_duration("10m"), parse_duration("1d")
        (600000, 86400000)
    """
    m = _DURATION.match(text.strip())
    if not m:
        msg = f"not a Grafana duration: {text!r}"
        raise ValueError(msg)
    return int(m[1]) * _UNIT_MS[m[2]]


def round_interval(ms: float) -> int:
    """Grafana's ``roundInterval``: the "nice" step at or below the raw interval."""
    for limit, step in _STEPS_MS:
        if ms <= limit:
            return step
    return 31_536_000_000


def format_interval(ms: int) -> str:
    """Grafana's ``FormatInterval``: the largest whole unit (``1m``, ``20s``, ``1d``)."""
    for unit in ("y", "d", "h", "m", "s"):
        if ms >= _UNIT_MS[unit]:
            return f"{ms // _UNIT_MS[unit]}{unit}"
    return f"{max(ms, 1)}ms"


def panel_interval(range_ms: int, max_points: int, min_interval_ms: int) -> int:
    """``$__interval`` of a dashboard panel (frontend ``calculateInterval``)."""
    return max(round_interval(range_ms / max(max_points, 1)), min_interval_ms)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """An absolute range, in epoch milliseconds."""

    start_ms: int
    end_ms: int

    @classmethod
    def last(cls, duration: str, now_ms: int) -> TimeRange:
        """``now-<duration>`` .. ``now``."""
        return cls(now_ms - parse_duration(duration), now_ms)

    @property
    def span_ms(self) -> int:
        """Its length."""
        return self.end_ms - self.start_ms

    def time_filter(self) -> str:
        """``$timeFilter`` as Grafana's backend renders it."""
        return f"time >= {self.start_ms}ms and time <= {self.end_ms}ms"


@dataclass(frozen=True, slots=True)
class Selection:
    """What is selected in a template variable (multi-value, with "All" by default)."""

    value: str | Sequence[str]
    multi: bool = True
    include_all: bool = True
    all_value: str | None = ".*"
    options: Sequence[str] = ()


def format_value(sel: Selection) -> str:
    """The variable's text in an InfluxQL query (the plugin's ``interpolateQueryExpr``)."""
    value: str | Sequence[str] = sel.value
    if value == ALL or (not isinstance(value, str) and list(value) == [ALL]):
        if sel.all_value is not None:
            return sel.all_value  # Grafana does not format a custom all value
        value = list(sel.options)
    if isinstance(value, str):
        if _is_number(value):
            return value
        return escape_regex(value) if sel.multi or sel.include_all else value
    if sel.multi:
        return "(" + "|".join(escape_regex(v) for v in value) + ")"
    return ",".join(value)


def _is_number(text: str) -> bool:
    m = re.match(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text)
    return m is not None


def expand(query: str, variables: Mapping[str, Selection], time_range: TimeRange,
           interval_ms: int) -> str:
    """The query text Grafana sends to InfluxDB."""
    builtins = {"timeFilter": time_range.time_filter(), "__interval": format_interval(interval_ms),
                "interval": format_interval(interval_ms), "__interval_ms": str(interval_ms)}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(4)
        if name in builtins:
            return builtins[name]
        if name in variables:
            return format_value(variables[name])
        return m.group(0)

    return VARIABLE_RE.sub(sub, query)


# -- running queries ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Series:
    """One series of an InfluxQL answer."""

    name: str
    tags: dict[str, str]
    columns: list[str]
    values: list[list[Any]]

    def column(self, name: str) -> list[Any]:
        """The values of one column."""
        i = self.columns.index(name)
        return [row[i] for row in self.values]

    def last(self, name: str | None = None) -> Any:
        """The last non-null value of ``name`` (default: the first value column)."""
        col = self.column(name or self.columns[1])
        vals = [v for v in col if v is not None]
        return vals[-1] if vals else None


class QueryError(RuntimeError):
    """InfluxDB refused a query."""


@dataclass
class Influx:
    """A small InfluxQL client (``/query`` of the v1 API, epoch milliseconds)."""

    url: str
    database: str
    timeout_s: float = 10.0
    _client: httpx.Client | None = field(default=None, repr=False)

    def query(self, text: str) -> list[Series]:
        """Run one statement; the series of its answer."""
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout_s)
        r = self._client.post(f"{self.url}/query",
                              data={"db": self.database, "q": text, "epoch": "ms"})
        body = r.json()
        if r.status_code != 200 or "error" in body:
            raise QueryError(f"{body.get('error', r.status_code)}: {text}")
        out: list[Series] = []
        for res in body.get("results", []):
            if "error" in res:
                raise QueryError(f"{res['error']}: {text}")
            for s in res.get("series", []):
                out.append(Series(s.get("name", ""), dict(s.get("tags") or {}),
                                  list(s["columns"]), [list(v) for v in s["values"]]))
        return out

    def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            self._client.close()


# -- dashboards and alert rules -------------------------------------------------------------------
def panel_range(panel: Mapping[str, Any], dashboard_range: TimeRange) -> TimeRange:
    """A panel's range: its relative time (``timeFrom``) or the dashboard's."""
    time_from = panel.get("timeFrom")
    if time_from:
        return TimeRange.last(str(time_from), dashboard_range.end_ms)
    return dashboard_range


def run_panel(panel: Mapping[str, Any], run: Callable[[str], list[Series]],
              variables: Mapping[str, Selection], dashboard_range: TimeRange,
              min_interval_ms: int = 60_000, width_px: int = 80) -> dict[str, list[Series]]:
    """Every target of a panel, expanded and run; math expressions evaluated.

    ``width_px`` per grid column stands for the panel's width, Grafana's default max data points.
    """
    tr = panel_range(panel, dashboard_range)
    own = panel.get("interval")
    low = max(min_interval_ms, parse_duration(str(own)) if own else 0)
    points = int(panel.get("maxDataPoints") or panel["gridPos"]["w"] * width_px)
    interval = panel_interval(tr.span_ms, points, low)
    out: dict[str, list[Series]] = {}
    for t in panel.get("targets", []):
        if t.get("type") == "math":
            continue
        out[t["refId"]] = run(expand(t["query"], variables, tr, interval))
    for t in panel.get("targets", []):
        if t.get("type") == "math":
            out[t["refId"]] = math_expression(str(t["expression"]), out)
    return out


def math_expression(expression: str, results: Mapping[str, list[Series]]) -> list[Series]:
    """``$A / $B`` (or ``*``, ``+``, ``-``) on series with the same tags, point by point."""
    m = re.fullmatch(r"\s*\$(\w+)\s*([-+*/])\s*\$(\w+)\s*", expression)
    if not m:
        msg = f"unsupported expression {expression!r}"
        raise ValueError(msg)
    left, op, right = results[m[1]], m[2], results[m[3]]
    out = []
    for a in left:
        b = next((s for s in right if s.tags == a.tags), None)
        if b is None and len(right) == 1 and not right[0].tags:
            b = right[0]
        if b is None:
            continue
        va, vb = a.last(), b.last()
        value = _apply(op, va, vb)
        out.append(Series(m[0], dict(a.tags), ["time", m[0]], [[a.values[-1][0], value]]))
    return out


def _apply(op: str, a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if op == "/":
        return a / b if b else math.nan
    if op == "*":
        return a * b
    return a + b if op == "+" else a - b


Labels = tuple[tuple[str, str], ...]


def rule_state(rule: Mapping[str, Any], run: Callable[[str], list[Series]],
               at_ms: int) -> dict[Labels, bool]:
    """One evaluation of a provisioned rule: alert instance labels → condition true."""
    data = {d["refId"]: d for d in rule["data"]}
    query_ref = next(r for r, d in data.items() if d["datasourceUid"] != "__expr__")
    q = data[query_ref]
    rtr = q["relativeTimeRange"]
    tr = TimeRange(at_ms - int(rtr["from"]) * 1000, at_ms - int(rtr["to"]) * 1000)
    series = run(expand(q["model"]["query"], {}, tr, int(q["model"].get("intervalMs", 60000))))
    reduced: dict[Labels, float | None] = {}
    values: dict[Labels, float | None] = {}
    for ref, d in data.items():
        model = d["model"]
        if model.get("type") == "reduce":
            for s in series:
                vals = [v for v in s.column(s.columns[1]) if v is not None and not (
                    isinstance(v, float) and math.isnan(v))]
                reduced[tuple(sorted(s.tags.items()))] = _reduce(model["reducer"], vals)
        elif model.get("type") == "threshold":
            ev = model["conditions"][0]["evaluator"]
            for labels, v in reduced.items():
                values[labels] = v if v is None else float(v)
            return {labels: v is not None and _compare(ev["type"], v, float(ev["params"][0]))
                    for labels, v in values.items()}
        elif ref != query_ref:
            msg = f"unsupported expression type {model.get('type')!r}"
            raise ValueError(msg)
    return {}


def _reduce(reducer: str, vals: Sequence[float]) -> float | None:
    if not vals:
        return None
    if reducer == "last":
        return vals[-1]
    if reducer == "max":
        return max(vals)
    if reducer == "min":
        return min(vals)
    return sum(vals) / len(vals)


def _compare(op: str, value: float, threshold: float) -> bool:
    return value > threshold if op == "gt" else value < threshold


def firing(rule: Mapping[str, Any], run: Callable[[str], list[Series]], at_ms: int,
           every_ms: int = 60_000) -> set[Labels]:
    """Alert instances firing at ``at_ms``: the condition held at every evaluation of the
    pending period (``for``) up to and including ``at_ms``."""
    pending = parse_duration(str(rule["for"])) if rule.get("for") not in (None, "0", "0s") else 0
    steps = pending // every_ms
    states = [rule_state(rule, run, at_ms - i * every_ms) for i in range(steps + 1)]
    return {labels for labels, true in states[0].items()
            if true and all(s.get(labels, False) for s in states[1:])}
