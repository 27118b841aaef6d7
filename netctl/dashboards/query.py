"""InfluxQL queries as Grafana targets, and the filters every dashboard shares.

grafana-foundation-sdk has no InfluxDB query type, so :class:`InfluxQuery` is one: a raw InfluxQL
target (``rawQuery: true``) with the fields Grafana's InfluxDB plugin reads. The query text keeps
Grafana's macros (``$timeFilter``, ``$__interval``) and template variables (``$city``, ``$county``,
``$school``); :mod:`netctl.dashboards.grafana` expands them the way Grafana does.

Every name below is one of ``docs/observations.md``: a unit test checks each query against it.

Examples:
    >>> scope("city", "county")
    '"city" =~ /^$city$/ AND "county" =~ /^$county$/'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard as dm

DATASOURCE_UID = "netctl-influxdb"
DATASOURCE_TYPE = "influxdb"
DATASOURCE = dm.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)

Level = Literal["city", "county", "school"]
ResultFormat = Literal["time_series", "table"]

# Interface roles come from the inventory (tag `ifrole`, docs/observations.md); school devices
# whose uplinks count for a school: the gateway and, where there is one, the egress firewall.
UPLINK = "\"ifrole\" = 'uplink'"
SCHOOL_EDGE = "\"role\" =~ /^(gateway|firewall)$/"


def scope(*levels: Level) -> str:
    """The template-variable filter for the given levels (multi-value regex form)."""
    return " AND ".join(f'"{lv}" =~ /^${lv}$/' for lv in levels)


ALL_LEVELS: tuple[Level, ...] = ("city", "county", "school")
SCOPE = scope(*ALL_LEVELS)


@dataclass(slots=True)
class InfluxQuery(cogvariants.Dataquery):
    """One raw InfluxQL target of a panel."""

    ref_id: str
    query: str
    result_format: ResultFormat = "time_series"
    alias: str | None = None
    hide: bool = False

    def to_json(self) -> dict[str, object]:
        """The target as Grafana's InfluxDB plugin stores it."""
        out: dict[str, object] = {
            "refId": self.ref_id,
            "datasource": {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID},
            "query": self.query,
            "rawQuery": True,
            "resultFormat": self.result_format,
        }
        if self.alias:
            out["alias"] = self.alias
        if self.hide:
            out["hide"] = True
        return out


class Q(cogbuilder.Builder[cogvariants.Dataquery]):
    """Builder for :class:`InfluxQuery`, to hand to the SDK's ``with_target``."""

    def __init__(self, query: str, ref_id: str = "A", *, table: bool = False,
                 alias: str | None = None, hide: bool = False) -> None:
        self._q = InfluxQuery(ref_id, " ".join(query.split()),
                              "table" if table else "time_series", alias, hide)

    def build(self) -> cogvariants.Dataquery:
        """The target."""
        return self._q


EXPR_UID = "__expr__"


@dataclass(slots=True)
class MathQuery(cogvariants.Dataquery):
    """A Grafana server-side expression (``math``) over other targets of the panel."""

    ref_id: str
    expression: str

    def to_json(self) -> dict[str, object]:
        """The target as Grafana stores an expression."""
        return {"refId": self.ref_id, "datasource": {"type": EXPR_UID, "uid": EXPR_UID},
                "type": "math", "expression": self.expression}


class Math(cogbuilder.Builder[cogvariants.Dataquery]):
    """Builder for :class:`MathQuery`, e.g. ``Math("$A / $B", "C")``."""

    def __init__(self, expression: str, ref_id: str) -> None:
        self._q = MathQuery(ref_id, expression)

    def build(self) -> cogvariants.Dataquery:
        """The target."""
        return self._q
