"""Names for codes: GB/T 2260 cities and counties (always), schools (from the inventory).

InfluxDB carries codes (``640104``, ``2640104001``); people read names. Tables map codes to
"name code" with value mappings, and series called by a county code get a display name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from grafana_foundation_sdk.models import dashboard as dm

from netctl.dashboards.panels import code_names, value_names
from netctl.dashboards.text import Lang


@dataclass(frozen=True, slots=True)
class Names:
    """Code → name tables for the dashboards."""

    schools: Mapping[str, str] = field(default_factory=dict)

    def cities(self, lang: Lang) -> dict[str, str]:
        """City code → name."""
        return code_names("city", lang)

    def counties(self, lang: Lang) -> dict[str, str]:
        """County code → name."""
        return code_names("county", lang)

    def county_mappings(self, lang: Lang) -> list[dm.ValueMapping]:
        """Value mappings for a county column."""
        return value_names(self.counties(lang))

    def city_mappings(self, lang: Lang) -> list[dm.ValueMapping]:
        """Value mappings for a city column."""
        return value_names(self.cities(lang))

    def school_mappings(self) -> list[dm.ValueMapping]:
        """Value mappings for a school column (empty without an inventory)."""
        return value_names(self.schools) if self.schools else []
