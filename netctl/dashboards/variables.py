"""Template variables: city → county → school, chained, multi-value, "All" = ``.*``.

City is a custom variable (the five GB/T 2260 cities, shown by name); county and school are
InfluxQL ``SHOW TAG VALUES`` queries filtered by the levels above them, so choosing a city narrows
the counties, and a county the schools. With "All" the value is the regex ``.*`` (not a list of
3,000 school codes), so every panel filters on all three levels.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from netctl import geo
from netctl.dashboards.query import DATASOURCE
from netctl.dashboards.text import Lang, T

ALL = "$__all"
LABELS = {"city": T("市", "city"), "county": T("县区", "county"), "school": T("学校", "school")}


def _all() -> dm.VariableOption:
    return dm.VariableOption(selected=True, text="All", value=ALL)


def city(lang: Lang) -> db.CustomVariable:
    """The city variable: ``name : code`` pairs."""
    names = {code: d.name_en if lang == "en" else d.name for code, d in geo.CITIES.items()}
    options = [_all()] + [dm.VariableOption(selected=False, text=n, value=c)
                          for c, n in names.items()]
    return (db.CustomVariable("city").label(LABELS["city"].get(lang))
            .values(", ".join(f"{n} : {c}" for c, n in names.items())).options(options)
            .multi(True).include_all(True).all_value(".*").current(_all()))


def county(lang: Lang, measurement: str = "snmp_system") -> db.QueryVariable:
    """Counties present in ``measurement`` within the chosen cities."""
    q = f'SHOW TAG VALUES FROM "{measurement}" WITH KEY = "county" WHERE "city" =~ /^$city$/'
    return _query("county", lang, q)


def school(lang: Lang) -> db.QueryVariable:
    """Schools (by their gateway) within the chosen cities and counties."""
    q = ('SHOW TAG VALUES FROM "snmp_system" WITH KEY = "school" WHERE "city" =~ /^$city$/ '
         "AND \"county\" =~ /^$county$/ AND \"role\" = 'gateway'")
    return _query("school", lang, q)


def _query(name: str, lang: Lang, query: str) -> db.QueryVariable:
    return (db.QueryVariable(name).label(LABELS[name].get(lang)).query(query)
            .datasource(DATASOURCE).multi(True).include_all(True).all_value(".*")
            .refresh(dm.VariableRefresh.ON_DASHBOARD_LOAD)
            .sort(dm.VariableSort.ALPHABETICAL_ASC).current(_all()))
