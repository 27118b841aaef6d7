"""KPI values as InfluxDB points: the ``kpi`` measurement of ``docs/observations.md``.

Tags ``kpi``, ``scope_level``, ``scope_code`` and, where the scope has them, ``city``,
``county``, ``school``; fields ``value``, ``target``, ``met`` (0/1), ``numerator``,
``denominator``; the time is the run's. ``netctl compliance kpis --line-protocol FILE`` writes
them for ``influx write`` or any InfluxDB v2 write endpoint, so Grafana shows the trend next to
the snapshots the state store keeps.
"""

from __future__ import annotations

from netctl import geo
from netctl.collectors.points import FieldValue, Point
from netctl.compliance.engine import KpiReport
from netctl.inventory.index import Inventory


def kpi_points(report: KpiReport, inv: Inventory) -> list[Point]:
    """One point per KPI and scope of the report (values that are None are left out)."""
    time_ms = int(report.generated_at.timestamp() * 1000)
    out: list[Point] = []
    for k in report.kpis:
        city = county = school = ""
        if k.scope_level == "school":
            entry = inv.schools[k.scope_code]
            city, county, school = entry.city, entry.county, k.scope_code
        elif k.scope_level == "county":
            city, county = geo.COUNTIES[k.scope_code].city_code, k.scope_code
        elif k.scope_level == "city":
            city = k.scope_code
        fields: dict[str, FieldValue] = {
            "target": float(k.target),
            "numerator": float(k.numerator),
            "denominator": float(k.denominator),
        }
        if k.value is not None:
            fields["value"] = float(k.value)
        if k.met is not None:
            fields["met"] = int(k.met)
        out.append(
            Point(
                "kpi",
                (
                    ("kpi", k.kpi),
                    ("scope_level", k.scope_level),
                    ("scope_code", k.scope_code),
                    ("city", city),
                    ("county", county),
                    ("school", school),
                ),
                fields,
                time_ms,
            )
        )
    return out
