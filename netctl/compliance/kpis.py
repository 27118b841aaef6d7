"""The KPIs of ``TARGETS.md``: stable ids, names in Chinese and English, units and plan values.

The ids are the product contract (``../shared/plan/TARGETS.md``); the engine computes exactly these,
the targets file must name exactly these, and reports print the names below.

Examples:
    >>> KPIS["internet_bandwidth_avg"].unit
    'mbps'
    >>> KPIS["ipv6_campus"].plan_2027
    0.9
    >>> [k for k in KPI_IDS if KPIS[k].counts == "devices"]
    ['security_baseline']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["ratio", "mbps"]
Counts = Literal["schools", "classes", "websites", "addresses", "devices"]


@dataclass(frozen=True, slots=True)
class KpiSpec:
    """What one KPI is: its names, unit, what the ratio counts, and the plan's 2027 value."""

    id: str
    zh: str
    en: str
    unit: Unit
    counts: Counts
    plan_2027: float
    plan_text: str

    def name(self, lang: str) -> str:
        """The KPI's name in ``zh`` or ``en``."""
        return self.en if lang == "en" else self.zh

    def format(self, value: float | None) -> str:
        """A value as people read it: ``93.0%`` or ``812 Mbps``; ``-`` for no value."""
        if value is None:
            return "-"
        if self.unit == "mbps":
            return f"{value:.0f} Mbps"
        return f"{value:.1%}"


_SPECS: tuple[KpiSpec, ...] = (
    KpiSpec(
        "edu_net_access",
        "教育专网接入率",
        "education network access",
        "ratio",
        "schools",
        1.0,
        "全区学校教育专网接入率达到100%",
    ),
    KpiSpec(
        "internet_bandwidth_avg",
        "互联网出口平均带宽",
        "mean internet bandwidth",
        "mbps",
        "schools",
        1000.0,
        "互联网带宽平均达到1G以上",
    ),
    KpiSpec(
        "wireless_coverage",
        "无线网络覆盖率",
        "wireless coverage",
        "ratio",
        "schools",
        1.0,
        "无线网络覆盖率达到100%",
    ),
    KpiSpec(
        "ipv6_campus",
        "IPv6校园网部署率",
        "IPv6 campus deployment",
        "ratio",
        "schools",
        0.9,
        "IPv6校园网部署率达到90%以上",
    ),
    KpiSpec(
        "website_ipv6",
        "网站IPv6支持率",
        "websites reachable over IPv6",
        "ratio",
        "websites",
        0.9,
        "网站支持率达到90%以上",
    ),
    KpiSpec(
        "address_registered",
        "地址与域名统管率",
        "addresses and domains registered",
        "ratio",
        "addresses",
        1.0,
        "教育专网网络地址、域名全区统管",
    ),
    KpiSpec(
        "wifi6_urban",
        "城镇学校Wi-Fi 6覆盖率",
        "Wi-Fi 6 in urban/town schools",
        "ratio",
        "schools",
        1.0,
        "5G、Wi-Fi6逐步延伸覆盖所有城镇学校",
    ),
    KpiSpec(
        "multi_network",
        "多网并存/一网托底达标率",
        "multiple networks (urban) / one network (rural)",
        "ratio",
        "schools",
        1.0,
        "城镇学校多网并存、农村学校一网托底",
    ),
    KpiSpec(
        "egress_firewall",
        "互联网出口防火墙部署率",
        "egress firewall",
        "ratio",
        "schools",
        1.0,
        "在校园网互联网出口建设网络访问防火墙",
    ),
    KpiSpec(
        "digital_classrooms",
        "数字化教室班级覆盖率",
        "classes with a digital classroom",
        "ratio",
        "classes",
        1.0,
        "数字化教室班级覆盖率达到100%",
    ),
    KpiSpec(
        "smart_campus",
        "智慧校园(网络部分)达标率",
        "smart campus (network part)",
        "ratio",
        "schools",
        0.85,
        "智慧校园达标率达到85%以上",
    ),
    KpiSpec(
        "security_baseline",
        "设备安全基线符合率",
        "devices passing the security baseline",
        "ratio",
        "devices",
        1.0,
        "网络安全等级保护; 推进国产密码应用, 强化数据传输加密",
    ),
)

KPIS: dict[str, KpiSpec] = {k.id: k for k in _SPECS}
KPI_IDS: tuple[str, ...] = tuple(k.id for k in _SPECS)
PLAN_YEARS: tuple[int, ...] = (2023, 2024, 2025, 2026, 2027)
