"""Reasons name the deciding fact (issue 15, item 9): which fact is stale, the right hint, and
one place for the website link-share threshold."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from netctl.compliance.evidence import DEVICE_METRICS, ENDPOINT_METRICS, Evidence
from netctl.compliance.targets import WEBSITE_LINKS_V6_SHARE, website_links_threshold
from netctl.state import Observation

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[3]


def _ev(*obs: Observation) -> Evidence:
    return Evidence(NOW, timedelta(hours=24), obs)


def test_a_stale_interface_on_a_freshly_polled_device_says_which_fact_is_old() -> None:
    ev = _ev(
        Observation("gw", "poll_ok", 1.0, NOW - timedelta(minutes=5), "snmp"),
        Observation("gw", "if_oper_status", 1.0, NOW - timedelta(hours=30), "snmp", "Gi0/0/1"),
    )
    why = ev.why_missing("gw", "if_oper_status", "Gi0/0/1", ("上行链路状态", "uplink status"))
    assert why.code == "stale"
    assert why.en == ("gw:Gi0/0/1: uplink status last reported 30 h ago, though gw was polled "
                      "5 min ago (the interface no longer reports: renamed?)")
    assert "30 小时" in why.zh and "5 分钟前轮询成功" in why.zh
    assert "no poll for" not in why.en  # the device was polled: only this fact is old


def test_a_device_without_addresses_gets_no_interface_name_hint() -> None:
    ev = _ev(Observation("gw", "poll_ok", 1.0, NOW - timedelta(minutes=5), "snmp"))
    why = ev.why_missing("gw", "ipv4_addresses", "", ("接口地址", "interface addresses"))
    assert why.code == "not_reported"
    assert "interface name" not in why.en and "接口名" not in why.zh
    assert "SNMP profile" in why.en
    port = ev.why_missing("gw", "if_oper_status", "Gi0/0/9", ("上行链路状态", "uplink status"))
    assert "interface name differs" in port.en  # for an interface, the name is the likely cause


def test_observations_doc_and_engine_agree_on_what_kpis_read() -> None:
    """Every metric docs/observations.md says a KPI reads is read by the engine, and back."""
    doc = (REPO / "docs" / "observations.md").read_text(encoding="utf-8")
    kpi_ids = {"edu_net_access", "internet_bandwidth_avg", "wireless_coverage", "ipv6_campus",
               "website_ipv6", "address_registered", "wifi6_urban", "multi_network",
               "egress_firewall", "digital_classrooms", "smart_campus", "security_baseline"}
    documented: set[str] = set()
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].startswith("`"):
            continue
        metrics = set(re.findall(r"`([a-z0-9_]+)`", cells[0]))
        if kpi_ids & set(re.findall(r"`([a-z0-9_]+)`", cells[-1])):
            documented |= metrics
    read = set(DEVICE_METRICS) | set(ENDPOINT_METRICS)
    assert "reach_v4_loss" not in documented and "reach_v4_loss" not in read
    assert documented - read == set(), "documented as read by a KPI, but the engine ignores it"


def test_the_website_threshold_lives_in_targets_yaml(tmp_path: Path) -> None:
    from netctl.probes.schedule import WebSchedule
    from netctl.probes.web import WebProbeConfig

    assert website_links_threshold(REPO / "reports") == 0.9
    text = (REPO / "reports" / "targets.yaml").read_text(encoding="utf-8")
    (tmp_path / "targets.yaml").write_text(
        text.replace("website_links_v6_share: 0.9", "website_links_v6_share: 0.75"),
        encoding="utf-8",
    )
    assert website_links_threshold(tmp_path) == 0.75
    assert website_links_threshold(tmp_path / "absent") == WEBSITE_LINKS_V6_SHARE
    assert WebSchedule().probe_config(0.75).links_threshold == 0.75  # the daemon follows it
    assert WebSchedule(links_threshold=0.5).probe_config(0.75).links_threshold == 0.5
    assert WebProbeConfig().links_threshold == WEBSITE_LINKS_V6_SHARE
