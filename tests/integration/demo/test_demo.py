"""``netctl demo`` on a small region: every KPI comes from polled and probed evidence."""

from __future__ import annotations

from pathlib import Path

from netctl.demo import run_demo
from netctl.state import StateStore

SOURCES = ("snmp", "probe-web", "probe-reach")


def test_small_demo_kpis_come_from_polls_probes_and_pushes(tmp_path: Path) -> None:
    r = run_demo(tmp_path / "home", schools=22)
    with StateStore(r.state_url) as store:
        latest = store.latest()
        pushes = store.pushes(limit=10)
        v6 = store.kpi_history("ipv6_campus", "region", "640000")
        wl = store.kpi_history("wireless_coverage", "region", "640000")
    # Only the collector (snmp, snmp:<controller> for APs) and the probes wrote observations.
    assert latest
    assert {o.source for o in latest if not o.source.startswith("snmp:")} <= set(SOURCES)
    assert {o.metric for o in latest if o.source == "probe-web"} >= {"web_ipv6_supported"}
    assert any(o.metric == "ipv6_addresses" for o in latest)
    assert any(o.metric == "ap_state" and o.source.startswith("snmp:") for o in latest)
    assert any(o.metric == "reach_v4_loss" and o.value == 0 for o in latest)
    assert any(o.metric == "ipv6_ra" and o.value == 1 for o in latest)
    # The seeded wrong-credentials device never answered a poll.
    wrong = [where for fault, where, _ in r.faults if fault == "wrong SNMP credentials"]
    assert r.rounds[0].polls_failed == tuple(wrong)
    # Pushes over SSH, recorded; two snapshots; the push moved at least one KPI.
    assert {p.feature for p in pushes} >= {"baseline", "ipv6"}
    assert len(v6) == 2 and len(wl) == 2
    moved = {m.kpi for m in r.moved if m.before != m.after}
    assert moved & {"ipv6_campus", "wireless_coverage", "wifi6_urban", "website_ipv6"}
    assert v6[1][1].value is not None and v6[0][1].value is not None
    assert v6[1][1].value >= v6[0][1].value
    assert (r.out / "snmp-targets.yaml").is_file() and r.report is not None
    assert r.report.is_file() and (r.out / "templates").is_dir()
