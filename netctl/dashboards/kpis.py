"""The plan's KPIs as the dashboards show them: id, names, unit and the 2027 target.

The ids and targets are those of ``TARGETS.md`` (the product contract); the plan-progress
dashboard draws one panel per KPI from the ``kpi`` measurement, with the target as threshold.
A unit test checks this table against ``TARGETS.md`` and the compliance engine's own table.

Examples:
    >>> KPIS["ipv6_campus"].target, KPIS["ipv6_campus"].unit
    (0.9, 'percentunit')
    >>> KPIS["internet_bandwidth_avg"].unit
    'Mbits'
"""

from __future__ import annotations

from dataclasses import dataclass

from netctl.dashboards.text import T


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI of the plan."""

    id: str
    name: T
    target: float  # the plan's 2027 value: a fraction, or Mbps for bandwidth
    unit: str  # Grafana unit id of its values

    @property
    def is_ratio(self) -> bool:
        """True for KPIs that are fractions 0–1."""
        return self.unit == "percentunit"


_R = "percentunit"

KPI_LIST: tuple[Kpi, ...] = (
    Kpi("edu_net_access", T("教育专网接入率", "education network access"), 1.0, _R),
    Kpi("internet_bandwidth_avg", T("互联网出口平均带宽", "mean internet bandwidth"), 1000.0,
        "Mbits"),
    Kpi("wireless_coverage", T("无线网络覆盖率", "wireless coverage"), 1.0, _R),
    Kpi("ipv6_campus", T("IPv6校园网部署率", "IPv6 campus deployment"), 0.9, _R),
    Kpi("website_ipv6", T("网站IPv6支持率", "websites reachable over IPv6"), 0.9, _R),
    Kpi("address_registered", T("地址与域名统管率", "addresses and domains registered"), 1.0, _R),
    Kpi("wifi6_urban", T("城镇学校Wi-Fi 6覆盖率", "Wi-Fi 6 in urban/town schools"), 1.0, _R),
    Kpi("multi_network", T("多网并存/一网托底达标率", "multiple networks / one network"), 1.0, _R),
    Kpi("egress_firewall", T("互联网出口防火墙部署率", "egress firewall"), 1.0, _R),
    Kpi("digital_classrooms", T("数字化教室班级覆盖率", "classes with a digital classroom"), 1.0,
        _R),
    Kpi("smart_campus", T("智慧校园(网络部分)达标率", "smart campus (network part)"), 0.85, _R),
    Kpi("security_baseline", T("设备安全基线符合率", "devices passing the security baseline"),
        1.0, _R),
)

KPIS: dict[str, Kpi] = {k.id: k for k in KPI_LIST}
