"""Panels and dashboards on top of grafana-foundation-sdk: ids, layout, units, thresholds, links.

:class:`Board` wraps the SDK's dashboard builder: it numbers panels, remembers each panel under a
stable key (``"noc.uplinks_down_county"``) so tests and tools can find it whatever the language,
and returns the dashboard JSON. The helpers below set what every panel of netctl has: the
datasource, a unit, thresholds where the plan sets a target, and names for GB/T 2260 codes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from grafana_foundation_sdk.builders import bargauge, piechart, stat, table, timeseries
from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import piechart as pm

from netctl import geo
from netctl.dashboards.query import DATASOURCE, Math, Q
from netctl.dashboards.text import Lang, T

GREEN, AMBER, RED, BLUE = "green", "orange", "red", "blue"
SCHEMA_VERSION = 41  # what grafana-foundation-sdk 11.6 writes; Grafana 11.x and 12.x load it
TAG = "netctl"

PanelBuilder = (timeseries.Panel | stat.Panel | table.Panel | bargauge.Panel | piechart.Panel)


@dataclass(frozen=True, slots=True)
class PanelInfo:
    """Where a panel is, by stable key."""

    key: str
    id: int
    type: str


@dataclass(frozen=True, slots=True)
class BuiltDashboard:
    """One generated dashboard."""

    uid: str
    slug: str
    title: str
    model: dict[str, Any]
    panels: tuple[PanelInfo, ...]

    @property
    def filename(self) -> str:
        """The JSON file name in the dashboards folder."""
        return f"{self.slug}.json"


@dataclass
class Board:
    """A dashboard being built."""

    uid: str
    slug: str
    title: T
    lang: Lang
    time_from: str = "now-6h"
    refresh: str = "1m"
    _panels: list[PanelInfo] = field(default_factory=list)
    _next_id: int = 1
    _db: db.Dashboard | None = None

    def __post_init__(self) -> None:
        self._db = (
            db.Dashboard(self.title.get(self.lang))
            .uid(self.uid)
            .tags([TAG])
            .time(self.time_from, "now")
            .refresh(self.refresh)
            .timezone("browser")
            .readonly()
            .tooltip(dm.DashboardCursorSync.CROSSHAIR)
            .link(
                db.DashboardLink(T("netctl 仪表盘", "netctl dashboards").get(self.lang))
                .type(dm.DashboardLinkType.DASHBOARDS)
                .tags([TAG])
                .as_dropdown(True)
                .include_vars(False)
                .keep_time(True)
            )
        )

    @property
    def dashboard(self) -> db.Dashboard:
        """The SDK builder."""
        assert self._db is not None  # noqa: S101 - set in __post_init__
        return self._db

    def _id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def row(self, title: T) -> None:
        """Start a row (not collapsed: its panels follow it)."""
        self.dashboard.with_row(db.Row(title.get(self.lang)).id(self._id()))

    def add(self, key: str, panel: PanelBuilder, *, w: int = 12, h: int = 8) -> None:
        """Place ``panel`` (width ``w`` of 24 columns, height ``h``) under ``key``."""
        pid = self._id()
        panel.id(pid).span(w).height(h).datasource(DATASOURCE)
        built = panel.build()
        self._panels.append(PanelInfo(key, pid, str(built.type_val)))
        self.dashboard.with_panel(_Prebuilt(built))

    def variable(self, variable: db.QueryVariable | db.CustomVariable) -> None:
        """Add a template variable."""
        self.dashboard.with_variable(variable)

    def build(self) -> BuiltDashboard:
        """The dashboard JSON model."""
        model = json.loads(json.dumps(self.dashboard.build(), cls=JSONEncoder))
        model["schemaVersion"] = SCHEMA_VERSION
        model["version"] = 1
        return BuiltDashboard(self.uid, self.slug, self.title.get(self.lang), model,
                              tuple(self._panels))


class _Prebuilt(db.Panel):
    """Hands an already built panel to the dashboard builder."""

    def __init__(self, panel: dm.Panel) -> None:
        super().__init__()
        self._internal = panel

    def build(self) -> dm.Panel:
        return self._internal


# -- field config --------------------------------------------------------------------------------
def steps(base: str, *levels: tuple[float, str]) -> db.ThresholdsConfig:
    """Absolute thresholds: ``base`` colour, then (value, colour) from that value up."""
    return db.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE).steps(
        [dm.Threshold(None, base), *(dm.Threshold(v, c) for v, c in levels)])


def at_least(target: float) -> db.ThresholdsConfig:
    """Red below the plan's target, green at or above it."""
    return steps(RED, (target, GREEN))


def zero_ok(amber: float = 1, red: float | None = None) -> db.ThresholdsConfig:
    """Green at 0, amber from ``amber``, red from ``red`` (counts of problems)."""
    levels = [(amber, AMBER)] + ([(red, RED)] if red is not None else [])
    return steps(GREEN, *levels)


def prop(name: str, value: object) -> dm.DynamicConfigValue:
    """A field-config property for an override."""
    return dm.DynamicConfigValue(name, value)


def data_link(title: str, url: str) -> db.DashboardLink:
    """A data link (panel field link)."""
    return db.DashboardLink(title).url(url)


def code_names(level: Literal["city", "county"], lang: Lang) -> dict[str, str]:
    """GB/T 2260 code → name in ``lang``."""
    divisions = geo.CITIES if level == "city" else geo.COUNTIES
    return {c: (d.name_en if lang == "en" else d.name) for c, d in divisions.items()}


def value_names(names: Mapping[str, str]) -> list[dm.ValueMapping]:
    """Value mappings that show a name for a code (table cells)."""
    return [dm.ValueMap({code: dm.ValueMappingResult(text=f"{name} {code}")
                         for code, name in sorted(names.items())})]


def display_names(names: Mapping[str, str]) -> list[db.DashboardFieldConfigSourceOverrides]:
    """Overrides that show a name for series called by a code (``alias: $tag_county``)."""
    return [
        db.DashboardFieldConfigSourceOverrides()
        .matcher(dm.MatcherConfig("byName", code))
        .properties([prop("displayName", name)])
        for code, name in sorted(names.items())
    ]


def column(name: str, *props: dm.DynamicConfigValue) -> db.DashboardFieldConfigSourceOverrides:
    """Override the config of the table column (or series) ``name``."""
    return (db.DashboardFieldConfigSourceOverrides()
            .matcher(dm.MatcherConfig("byName", name)).properties(list(props)))


def negative_y(regexp: str = "/ out$/") -> db.DashboardFieldConfigSourceOverrides:
    """Draw the series whose display name matches ``regexp`` below the axis (traffic out)."""
    return (db.DashboardFieldConfigSourceOverrides()
            .matcher(dm.MatcherConfig("byRegexp", regexp))
            .properties([prop("custom.transform", "negative-Y")]))


def transform(tid: str, options: dict[str, Any]) -> dm.DataTransformerConfig:
    """A Grafana transformation."""
    return dm.DataTransformerConfig(id_val=tid, options=options)


# -- panels --------------------------------------------------------------------------------------
def _common(panel: PanelBuilder, title: str, unit: str, queries: Sequence[Q | Math],
            description: str | None) -> None:
    panel.title(title).unit(unit)
    if description:
        panel.description(description)
    for q in queries:
        panel.with_target(q)


def graph(title: str, unit: str, *queries: Q | Math, description: str | None = None,
          thresholds: db.ThresholdsConfig | None = None, dashed: bool = False,
          min_value: float | None = None, max_value: float | None = None,
          overrides: Sequence[db.DashboardFieldConfigSourceOverrides] = (),
          links: Sequence[db.DashboardLink] = (), interval: str | None = None,
          legend_table: bool = False) -> timeseries.Panel:
    """A time series panel; with ``dashed`` the thresholds are drawn as a dashed line."""
    p = timeseries.Panel()
    _common(p, title, unit, queries, description)
    p.line_width(1).fill_opacity(10).show_points(cm.VisibilityMode.NEVER).span_nulls(True)
    if thresholds is not None:
        p.thresholds(thresholds)
        if dashed:
            p.thresholds_style(cb.GraphThresholdsStyleConfig().mode(
                cm.GraphThresholdsStyleMode.DASHED))
    if min_value is not None:
        p.min(min_value)
    if max_value is not None:
        p.max(max_value)
    if overrides:
        p.overrides(list(overrides))
    if links:
        p.data_links(list(links))
    if interval:
        p.interval(interval)
    legend = cb.VizLegendOptions().show_legend(True).placement(cm.LegendPlacement.BOTTOM)
    if legend_table:
        legend.display_mode(cm.LegendDisplayMode.TABLE).calcs(["mean", "max", "lastNotNull"])
    else:
        legend.display_mode(cm.LegendDisplayMode.LIST)
    p.legend(legend)
    return p


def single(title: str, unit: str, *queries: Q | Math, thresholds: db.ThresholdsConfig,
           description: str | None = None, calc: str = "lastNotNull",
           fields: str | None = None, no_value: str | None = None,
           time_from: str | None = None,
           overrides: Sequence[db.DashboardFieldConfigSourceOverrides] = (),
           links: Sequence[db.DashboardLink] = ()) -> stat.Panel:
    """A stat panel (one value per series)."""
    p = stat.Panel()
    _common(p, title, unit, queries, description)
    reduce = cb.ReduceDataOptions().calcs([calc]).values(False)
    if fields:
        reduce.fields(fields)
    p.reduce_options(reduce).thresholds(thresholds).color_mode(cm.BigValueColorMode.BACKGROUND)
    p.graph_mode(cm.BigValueGraphMode.NONE).text_mode(cm.BigValueTextMode.VALUE_AND_NAME)
    if no_value is not None:
        p.no_value(no_value)
    if time_from:
        p.time_from(time_from)
    if overrides:
        p.overrides(list(overrides))
    if links:
        p.data_links(list(links))
    return p


def bars(title: str, unit: str, *queries: Q | Math, thresholds: db.ThresholdsConfig,
         description: str | None = None, time_from: str | None = None,
         overrides: Sequence[db.DashboardFieldConfigSourceOverrides] = (),
         links: Sequence[db.DashboardLink] = (), no_value: str | None = None,
         min_value: float | None = None, max_value: float | None = None) -> bargauge.Panel:
    """A horizontal bar gauge (one bar per series, last value)."""
    p = bargauge.Panel()
    _common(p, title, unit, queries, description)
    p.reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    p.orientation(cm.VizOrientation.HORIZONTAL).display_mode(cm.BarGaugeDisplayMode.GRADIENT)
    p.thresholds(thresholds)
    if time_from:
        p.time_from(time_from)
    if overrides:
        p.overrides(list(overrides))
    if links:
        p.data_links(list(links))
    if no_value is not None:
        p.no_value(no_value)
    if min_value is not None:
        p.min(min_value)
    if max_value is not None:
        p.max(max_value)
    return p


def grid(title: str, *queries: Q | Math, unit: str = "short", description: str | None = None,
         thresholds: db.ThresholdsConfig | None = None, time_from: str | None = None,
         overrides: Sequence[db.DashboardFieldConfigSourceOverrides] = (),
         transformations: Sequence[dm.DataTransformerConfig] = (),
         sort_by: str | None = None, descending: bool = True) -> table.Panel:
    """A table panel."""
    p = table.Panel()
    _common(p, title, unit, queries, description)
    p.thresholds(thresholds or steps(GREEN)).filterable(True)
    if time_from:
        p.time_from(time_from)
    if overrides:
        p.overrides(list(overrides))
    if transformations:
        p.transformations(list(transformations))
    if sort_by:
        p.sort_by([cb.TableSortByFieldState().display_name(sort_by).desc(descending)])
    return p


def pie(title: str, *queries: Q | Math, description: str | None = None,
        overrides: Sequence[db.DashboardFieldConfigSourceOverrides] = ()) -> piechart.Panel:
    """A pie chart of the last value of each series, labelled with its share."""
    p = piechart.Panel()
    _common(p, title, "short", queries, description)
    p.reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    p.pie_type(pm.PieChartType.DONUT).display_labels([pm.PieChartLabels.PERCENT])
    p.thresholds(steps(GREEN))
    if overrides:
        p.overrides(list(overrides))
    return p
