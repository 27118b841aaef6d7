"""Links between the dashboards: from a county to its schools' view."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from netctl.dashboards.panels import data_link

UPLINKS_UID = "netctl-uplinks"


def school_view(title: str, county: str) -> db.DashboardLink:
    """A data link to the school uplinks dashboard filtered to ``county`` (a Grafana data-link
    expression such as ``${__field.labels.county}`` or ``${__value.raw}``), keeping the time."""
    url = (f"/d/{UPLINKS_UID}/netctl-uplinks?var-city=$__all&var-county={county}"
           "&var-school=$__all&${__url_time_range}")
    return data_link(title, url)
