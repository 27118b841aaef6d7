"""The KPI engine on the hand-built scenario (conftest.py): every KPI at every scope.

Expected values are worked out from the scenario's facts, school by school, then summed by hand.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from compliance_scenario import NOW, Scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.compliance.engine import KpiReport, compute_kpis
from netctl.compliance.evidence import Evidence
from netctl.compliance.kpis import KPI_IDS
from netctl.compliance.model import SchoolResult
from netctl.state import Observation, StateStore

A, B, C, D, E, F = (
    "2401040001",
    "2401040002",
    "2401040003",
    "2401040004",
    "2401050001",
    "2404020001",
)

# school → KPI → (numerator, denominator, met); a KPI missing from a school does not apply.
# wireless_coverage and wifi6_urban count rooms covered / teaching rooms (met only when all).
SCHOOLS: dict[str, dict[str, tuple[float, float, bool]]] = {
    A: {
        "edu_net_access": (1, 1, True),
        # internet 1000 + 5G 500 share GigabitEthernet0/0/2 at 1000 Mbps: min(1500, 1000)
        "internet_bandwidth_avg": (1000, 1, True),
        "wireless_coverage": (4, 4, True),
        "ipv6_campus": (1, 1, True),
        "website_ipv6": (1, 1, True),
        # 2001:db8:1:ffff::2, 2001:db8:1:10::1 (fe80::1 not counted), 10.1.0.1, the website
        "address_registered": (4, 4, True),
        "wifi6_urban": (4, 4, True),
        "multi_network": (1, 1, True),
        "egress_firewall": (1, 1, True),
        "digital_classrooms": (20, 20, True),
        "smart_campus": (1, 1, True),
        # a-gw1 passes; a-fw1 has the bad config; a-ac1 has no backup
        "security_baseline": (1, 3, False),
    },
    B: {
        "edu_net_access": (0, 1, False),
        "internet_bandwidth_avg": (300, 1, False),
        # 3 rooms, 1 AP each; b-ap1 (reported by both controllers) and b-ap2 online
        "wireless_coverage": (2, 3, False),
        "ipv6_campus": (0, 1, False),
        "website_ipv6": (0, 1, False),
        # 10.1.8.1 is B's; 10.1.0.5 lies in A's block; the website is not in the zone
        "address_registered": (1, 3, False),
        "wifi6_urban": (0, 3, False),
        "multi_network": (0, 1, False),
        "egress_firewall": (0, 1, False),
        "digital_classrooms": (7, 10, False),
        "smart_campus": (0, 1, False),
        "security_baseline": (1, 1, True),
    },
    C: {
        "edu_net_access": (0, 1, False),
        "internet_bandwidth_avg": (0, 1, False),
        "wireless_coverage": (0, 2, False),
        "ipv6_campus": (0, 1, False),
        "address_registered": (0, 1, False),
        "multi_network": (0, 1, False),
        "egress_firewall": (1, 1, True),
        "digital_classrooms": (6, 6, True),
        "smart_campus": (0, 1, False),
        "security_baseline": (0, 2, False),
    },
    D: {
        "edu_net_access": (0, 1, False),
        "internet_bandwidth_avg": (0, 1, False),
        "wireless_coverage": (0, 1, False),
        "ipv6_campus": (0, 1, False),
        "address_registered": (0, 1, False),
        "multi_network": (0, 1, False),
        "egress_firewall": (0, 1, False),
        "digital_classrooms": (0, 1, False),
        "smart_campus": (0, 1, False),
        "security_baseline": (0, 1, False),
    },
    E: {
        "edu_net_access": (1, 1, True),
        # 2000 Mbps contracted on a 1000 Mbps port
        "internet_bandwidth_avg": (1000, 1, True),
        "wireless_coverage": (2, 2, True),
        "ipv6_campus": (1, 1, True),
        "website_ipv6": (0, 1, False),
        "address_registered": (4, 4, True),
        "wifi6_urban": (2, 2, True),
        "multi_network": (1, 1, True),
        "egress_firewall": (1, 1, True),
        "digital_classrooms": (12, 12, True),
        "smart_campus": (1, 1, True),
        # e-gw1's backup is 3 days old; e-fw1 passes
        "security_baseline": (1, 2, False),
    },
    F: {
        "edu_net_access": (1, 1, True),
        "internet_bandwidth_avg": (0, 1, False),
        "wireless_coverage": (1, 1, True),
        "ipv6_campus": (0, 1, False),
        "address_registered": (0, 1, False),
        "multi_network": (1, 1, True),
        "egress_firewall": (0, 1, False),
        "digital_classrooms": (1, 3, False),
        "smart_campus": (0, 1, False),
        "security_baseline": (1, 1, True),
    },
}

# scope → KPI → (numerator, denominator); summed by hand from SCHOOLS (+ node devices)
SCOPES: dict[tuple[str, str], dict[str, tuple[float, float]]] = {
    ("county", "640104"): {  # A, B, C, D + the metro node's 3 devices (no backups)
        "edu_net_access": (1, 4),
        "internet_bandwidth_avg": (1300, 4),
        "wireless_coverage": (1, 4),
        "ipv6_campus": (1, 4),
        "website_ipv6": (1, 2),
        "address_registered": (5, 9),
        "wifi6_urban": (1, 2),
        "multi_network": (1, 4),
        "egress_firewall": (2, 4),
        "digital_classrooms": (33, 37),
        "smart_campus": (1, 4),
        "security_baseline": (2, 10),
    },
    ("county", "640105"): {  # E + its metro switch (a compliant, fresh backup)
        "edu_net_access": (1, 1),
        "internet_bandwidth_avg": (1000, 1),
        "wireless_coverage": (1, 1),
        "ipv6_campus": (1, 1),
        "website_ipv6": (0, 1),
        "address_registered": (4, 4),
        "wifi6_urban": (1, 1),
        "multi_network": (1, 1),
        "egress_firewall": (1, 1),
        "digital_classrooms": (12, 12),
        "smart_campus": (1, 1),
        "security_baseline": (2, 3),
    },
    ("county", "640402"): {  # F; no website, no urban school
        "edu_net_access": (1, 1),
        "internet_bandwidth_avg": (0, 1),
        "wireless_coverage": (1, 1),
        "ipv6_campus": (0, 1),
        "website_ipv6": (0, 0),
        "address_registered": (0, 1),
        "wifi6_urban": (0, 0),
        "multi_network": (1, 1),
        "egress_firewall": (0, 1),
        "digital_classrooms": (1, 3),
        "smart_campus": (0, 1),
        "security_baseline": (1, 1),
    },
    ("city", "640100"): {  # 640104 + 640105
        "edu_net_access": (2, 5),
        "internet_bandwidth_avg": (2300, 5),
        "wireless_coverage": (2, 5),
        "ipv6_campus": (2, 5),
        "website_ipv6": (1, 3),
        "address_registered": (9, 13),
        "wifi6_urban": (2, 3),
        "multi_network": (2, 5),
        "egress_firewall": (3, 5),
        "digital_classrooms": (45, 49),
        "smart_campus": (2, 5),
        "security_baseline": (4, 13),
    },
    ("region", "640000"): {  # everything + the two backbone routers (no backups)
        "edu_net_access": (3, 6),
        "internet_bandwidth_avg": (2300, 6),
        "wireless_coverage": (3, 6),
        "ipv6_campus": (2, 6),
        "website_ipv6": (1, 3),
        "address_registered": (9, 14),
        "wifi6_urban": (2, 3),
        "multi_network": (3, 6),
        "egress_firewall": (3, 6),
        "digital_classrooms": (46, 52),
        "smart_campus": (2, 6),
        "security_baseline": (5, 16),
    },
}
SCOPES[("city", "640400")] = SCOPES[("county", "640402")]


@pytest.fixture(scope="module")
def report(scenario: Scenario) -> KpiReport:
    with StateStore(scenario.state_url) as store:
        return compute_kpis(
            scenario.inv,
            scenario.targets,
            store=store,
            rules=scenario.rules,
            backups_dir=scenario.backups,
            now=NOW,
            year=2026,
        )


def _reasons(r: SchoolResult, lang: str = "en") -> list[str]:
    return [x.text(lang) for x in r.reasons]


def test_every_school_every_kpi(report: KpiReport) -> None:
    got = {(r.school_code, r.kpi): (r.numerator, r.denominator, r.met) for r in report.schools}
    want = {(s, k): v for s, kpis in SCHOOLS.items() for k, v in kpis.items()}
    assert got == want
    for r in report.schools:  # a school falling short always says why, in both languages
        assert bool(r.reasons) != r.met, (r.school_code, r.kpi)
        assert all(x.zh and x.en for x in r.reasons)


@pytest.mark.parametrize("scope", list(SCOPES), ids=lambda s: f"{s[0]}-{s[1]}")
def test_rollups(report: KpiReport, scenario: Scenario, scope: tuple[str, str]) -> None:
    values = report.at(*scope)
    assert list(values) == list(KPI_IDS)
    for kpi, (num, den) in SCOPES[scope].items():
        v = values[kpi]
        assert (v.numerator, v.denominator) == (num, den), kpi
        target = scenario.targets.target(kpi, 2026)
        assert v.target == target
        if den == 0:
            assert (v.value, v.met) == (None, None), kpi  # nothing to count: not applicable
        else:
            assert v.value == pytest.approx(num / den)
            assert v.met is (num / den >= target), kpi


def test_school_rows_in_the_kpi_list(report: KpiReport) -> None:
    rows = {(k.scope_code, k.kpi): k for k in report.kpis if k.scope_level == "school"}
    bw = rows[(B, "internet_bandwidth_avg")]
    assert (bw.value, bw.target, bw.met) == (300, 1000, False)  # Mbps against the plan's 1000
    dc = rows[(B, "digital_classrooms")]
    assert (dc.value, dc.target, dc.met, dc.scope_name) == (0.7, 1.0, False, "兴庆区第二小学")


def test_reasons_say_what_to_fix(report: KpiReport) -> None:
    b = report.school(B)
    assert _reasons(b["edu_net_access"], "zh") == [
        "上行链路 b-gw1:TenGigabitEthernet1/1/1 最近一次轮询为 down"
    ]
    assert _reasons(b["wireless_coverage"])[0] == "1 of 3 rooms without an online AP"
    assert "b-ap3(offline)" in _reasons(b["wireless_coverage"])[2]
    assert _reasons(b["wifi6_urban"])[0] == "3 of 3 rooms without an online Wi-Fi 6 AP"
    assert "gateway b-gw1: no global IPv6 /64 on any user VLAN" in _reasons(b["ipv6_campus"])
    assert _reasons(b["website_ipv6"]) == [
        "website b.nxedu.example.cn not reachable over IPv6: the domain has no AAAA record"
    ]
    outside = _reasons(b["address_registered"])[0]
    assert "b-gw1:Vlan10 10.1.0.5/24 is in the block of 2401040001 兴庆区第一小学" in outside
    assert _reasons(b["egress_firewall"]) == [  # names the link that bypasses the firewall
        "internet egress link b-gw1:GigabitEthernet1/0/47 ↔ [中国联通] (from gateway b-gw1) "
        "bypasses the firewall (leaves from a device that is not a firewall)"
    ]
    assert "绕过防火墙" in _reasons(b["egress_firewall"], "zh")[0]
    assert any("b-gw1:GigabitEthernet1/0/47" in e and "no firewall" in e
               for e in b["egress_firewall"].evidence)
    # the deciding facts are in the evidence: the backup file and time behind a baseline verdict
    assert any("backup=" in e and "@20" in e for e in b["security_baseline"].evidence)
    assert _reasons(b["multi_network"])[0].startswith(
        "a town school needs 2 kind(s) of operational uplink, has 1 (internet)"
    )
    assert _reasons(b["digital_classrooms"]) == ["3 of 10 classes without a digital classroom"]
    e = report.school(E)
    assert _reasons(e["website_ipv6"]) == [
        "website e.nxedu.example.cn: 85% of second-level links answer over IPv6, 90% required"
    ]
    assert _reasons(e["security_baseline"]) == [
        "e-gw1: newest config backup last confirmed 72 h ago; it does not count"
    ]
    a = report.school(A)
    assert _reasons(a["security_baseline"])[1] == "a-ac1: no running-config backup"
    assert _reasons(a["security_baseline"])[0].startswith("a-fw1: 10 baseline rule(s) not met")


def test_stale_evidence_does_not_count(report: KpiReport) -> None:
    c = report.school(C)
    assert _reasons(c["edu_net_access"]) == [
        "c-gw1:TenGigabitEthernet 0/25: no poll for 26 h (uplink status)"
    ]
    assert _reasons(c["edu_net_access"], "zh") == [
        "c-gw1:TenGigabitEthernet 0/25 已 26 小时 无轮询数据（上行链路状态）"
    ]
    assert _reasons(c["ipv6_campus"]) == ["c-gw1: no poll for 26 h"]
    assert "AP c-ap1: no state for 26 h" in _reasons(c["wireless_coverage"])[1]
    assert _reasons(c["wireless_coverage"])[0] == "2 of 2 rooms without an online AP: R1, R2"


def test_a_wider_window_counts_the_26_hour_old_evidence(scenario: Scenario) -> None:
    with StateStore(scenario.state_url) as store:
        wide = compute_kpis(
            scenario.inv,
            scenario.targets,
            store=store,
            rules=scenario.rules,
            backups_dir=scenario.backups,
            now=NOW,
            year=2026,
            county="640104",
            freshness_hours=30,
        )
    c = wide.school(C)
    assert c["edu_net_access"].met and c["wireless_coverage"].met and c["multi_network"].met
    assert c["internet_bandwidth_avg"].numerator == 200  # 200 Mbps contracted, 1000 Mbps port
    assert wide.freshness_hours == 30
    # e-gw1's backup is 3 days old: outside the backup window (48 h), inside a 4-day one
    assert scenario.targets.backup_freshness_hours == 48
    with StateStore(scenario.state_url) as store:
        days = compute_kpis(
            scenario.inv,
            scenario.targets,
            store=store,
            rules=scenario.rules,
            backups_dir=scenario.backups,
            now=NOW,
            county="640105",
            backup_freshness_hours=96,
        )
    assert days.school(E)["security_baseline"].met


def test_a_touched_backup_is_confirmed(scenario: Scenario, tmp_path: Path) -> None:
    """A backup job that finds the configuration unchanged touches the newest file."""
    backups = tmp_path / "backups"
    shutil.copytree(scenario.backups, backups)
    newest = next((backups / "e-gw1").iterdir())
    confirmed = (NOW - timedelta(hours=2)).timestamp()
    os.utime(newest, (confirmed, confirmed))
    r = compute_kpis(
        scenario.inv,
        scenario.targets,
        rules=scenario.rules,
        backups_dir=backups,
        now=NOW,
        county="640105",
    )
    e_gw1 = next(d for d in r.devices if d.hostname == "e-gw1")
    assert e_gw1.status == "pass" and e_gw1.backup_at == NOW - timedelta(days=3)
    assert e_gw1.confirmed_at == NOW - timedelta(hours=2)


def test_a_school_without_inventory_data(report: KpiReport) -> None:
    d = report.school(D)
    assert set(d) == set(SCHOOLS[D])  # website_ipv6 and wifi6_urban do not apply
    assert _reasons(d["edu_net_access"]) == ["no uplink to the education network in inventory"]
    assert _reasons(d["wireless_coverage"]) == [
        "the school declares no teaching rooms (teaching_rooms)"
    ]
    assert _reasons(d["ipv6_campus"]) == ["no gateway in inventory (role: gateway)"]
    assert _reasons(d["digital_classrooms"]) == ["the school declares no classes"]
    assert _reasons(d["security_baseline"]) == ["no devices to check in inventory"]


def test_no_evidence_at_all(scenario: Scenario) -> None:
    empty = compute_kpis(scenario.inv, scenario.targets, now=NOW, county="640105")
    e = empty.school(E)
    assert not e["edu_net_access"].met
    assert _reasons(e["edu_net_access"]) == ["e-gw1: never polled, no uplink status"]
    assert _reasons(e["website_ipv6"]) == [
        "web:e.nxedu.example.cn: never probed, no website IPv6 probe result"
    ]
    assert _reasons(e["security_baseline"]) == [
        "e-gw1: no baseline rules for platform huawei_vrp",
        "e-fw1: no baseline rules for platform huawei_vrp",
    ]
    county = empty.at("county", "640105")
    assert county["edu_net_access"].value == 0 and county["egress_firewall"].value == 1
    assert county["security_baseline"].numerator == 0


def test_ap_on_a_standby_controller_is_counted_once(scenario: Scenario) -> None:
    """b-ap1 appears twice from two controllers; if it were counted twice B would be covered."""
    ev = Evidence(NOW, timedelta(hours=24))
    with StateStore(scenario.state_url) as store:
        ev.add(store.latest())
    ev.add([Observation("b-ap1", "ap_state", "online", NOW, "snmp:nx640104-ac1")])
    again = compute_kpis(scenario.inv, scenario.targets, evidence=ev, county="640104")
    assert again.school(B)["wireless_coverage"].met is False
    assert "2 online" in _reasons(again.school(B)["wireless_coverage"])[1]


def test_year_trajectory(scenario: Scenario) -> None:
    """County 640104 digital classrooms 33/37 = 89.2 %: on track in 2025 (80 %), not in 2026
    (90 %) nor 2027 (100 %); the 2030 report is judged against the 2027 end."""
    met = {}
    for year in (2023, 2025, 2026, 2027, 2030):
        r = compute_kpis(scenario.inv, scenario.targets, now=NOW, county="640104", year=year)
        value = r.at("county", "640104")["digital_classrooms"]
        assert value.value == pytest.approx(33 / 37)
        met[year] = (value.target, value.met)
    assert met == {
        2023: (0.6, True),
        2025: (0.8, True),
        2026: (0.9, False),
        2027: (1.0, False),
        2030: (1.0, False),
    }


def test_county_and_city_filters(report: KpiReport, scenario: Scenario) -> None:
    with StateStore(scenario.state_url) as store:
        county = compute_kpis(
            scenario.inv,
            scenario.targets,
            store=store,
            rules=scenario.rules,
            backups_dir=scenario.backups,
            now=NOW,
            county="640104",
        )
        city = compute_kpis(
            scenario.inv,
            scenario.targets,
            store=store,
            rules=scenario.rules,
            backups_dir=scenario.backups,
            now=NOW,
            city="640100",
        )
    assert {(k.scope_level, k.scope_code) for k in county.kpis if k.scope_level != "school"} == {
        ("county", "640104")
    }
    assert {(k.scope_level, k.scope_code) for k in city.kpis if k.scope_level != "school"} == {
        ("county", "640104"),
        ("county", "640105"),
        ("city", "640100"),
    }
    assert county.at("county", "640104") == report.at("county", "640104")
    assert city.at("city", "640100") == report.at("city", "640100")
    assert {d.hostname for d in county.devices} >= {"nx640104-metro1", "a-gw1"}
    assert "nx-bb-yc1" not in {d.hostname for d in city.devices}
    assert county.kpis == report.for_county(scenario.inv, "640104").kpis


def test_supported_website_without_links_to_check_is_met(scenario: Scenario) -> None:
    """The probe writes an empty share when a supported site has no same-site link to check
    (docs/probes.md): nothing fails the link criterion."""
    ev = Evidence(NOW, timedelta(hours=24))
    with StateStore(scenario.state_url) as store:
        ev.add(store.latest())
    ev.add([Observation("web:e.nxedu.example.cn", "web_links_v6_share", None, NOW, "probe-web")])
    r = compute_kpis(scenario.inv, scenario.targets, evidence=ev, county="640105")
    result = r.school(E)["website_ipv6"]
    assert result.met and result.reasons == ()
    assert any("web_links_v6_share" in line for line in result.evidence)


def test_evidence_carries_the_deciding_fact(scenario: Scenario, report: KpiReport) -> None:
    """For failures the fact that decided is in --evidence: the stale uplink status, 100 % IPv6
    loss, RA off, the measured link share of a website the probe judged unsupported."""
    c = report.school(C)
    assert any("if_oper_status" in e and "(stale: not counted)" in e
               for e in c["edu_net_access"].evidence)
    ev = Evidence(NOW, timedelta(hours=24))
    with StateStore(scenario.state_url) as store:
        ev.add(store.latest())
    ev.add([
        Observation("a-gw1", "reach_v6_loss", 1.0, NOW, "probe-reach"),
        Observation("a-gw1", "ipv6_ra", 0, NOW, "snmp", "Vlanif10"),
        Observation("web:a.nxedu.example.cn", "web_ipv6_supported", 0, NOW, "probe-web"),
        Observation("web:a.nxedu.example.cn", "web_reason", "links_v6_below_threshold", NOW,
                    "probe-web"),
        Observation("web:a.nxedu.example.cn", "web_links_v6_share", 0.62, NOW, "probe-web"),
    ])
    again = compute_kpis(scenario.inv, scenario.targets, evidence=ev, county="640104")
    a = again.school(A)
    v6 = a["ipv6_campus"]
    assert any("reach_v6_loss=1" in e for e in v6.evidence), v6.evidence
    assert any("ipv6_ra=0" in e for e in v6.evidence), v6.evidence
    site = a["website_ipv6"]
    assert any("web_links_v6_share=0.62" in e for e in site.evidence), site.evidence
    assert "(measured 62%, 90% required)" in _reasons(site)[0]
    assert "实测 62%，要求 ≥ 90%" in _reasons(site, "zh")[0]
