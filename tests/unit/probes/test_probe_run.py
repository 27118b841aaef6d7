"""Targets from the inventory, and results as observations and points: names per
docs/observations.md (the contract is parsed, so a rename on either side fails here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netctl.inventory.filters import DeviceFilter
from netctl.inventory.index import load_inventory
from netctl.probes.content import ContentComparison
from netctl.probes.reach import ReachResult, ReachTarget
from netctl.probes.reasons import REASON_TEXT, Reason
from netctl.probes.resolve import Lookup
from netctl.probes.run import (
    collector_point,
    gateway_targets,
    reach_observations,
    reach_points,
    web_observations,
    web_points,
    website_sites,
)
from netctl.probes.web import LinkCheck, SiteResult, Timings

AT = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
TAGS = {"city": "640100", "county": "640104", "school": "6401040001",
        "device": "web:www.nx1.edu.cn", "role": "website"}


def _contract(repo_root: Path) -> tuple[set[str], dict[str, tuple[set[str], set[str]]]]:
    text = (repo_root / "docs" / "observations.md").read_text(encoding="utf-8")
    state, influx = text.split("## InfluxDB measurements")
    metrics = {m for row in state.splitlines() if row.startswith("| `")
               for m in re.findall(r"`([a-z0-9_]+)`", row.split("|")[1])}
    measurements: dict[str, tuple[set[str], set[str]]] = {}
    for row in influx.splitlines():
        cells = row.split("|")
        if not row.startswith("| `") or len(cells) < 4:
            continue
        name = cells[1].strip().strip("`")
        tags = set(re.findall(r"`([a-z0-9_]+)`", re.sub(r"\([^)]*\)", "", cells[2])))
        fields = set(re.findall(r"`([a-z0-9_]+)`", re.sub(r"\([^)]*\)", "", cells[3])))
        measurements[name] = (tags, fields)
    return metrics, measurements


def site_result(**kw: object) -> SiteResult:
    base: dict[str, object] = {
        "domain": "www.nx1.edu.cn", "tags": TAGS, "supported": True, "reason": Reason.OK,
        "reasons": (Reason.OK,), "detail": "", "observed_at": AT, "duration_s": 1.5,
        "aaaa": Lookup("AAAA", ("2001:da8::1",), 3.0), "a": Lookup("A", ("202.1.1.1",), 2.0),
        "links": LinkCheck(found=10, checked=10, ok_v4=10, ok_v6=10, share=1.0),
        "content": ContentComparison(True, 0.97, 0.99, True, "t", "t", "same"),
        "timings": Timings("https", 3.0, 2.0, 10.0, 9.0, 30.0, 28.0),
    }
    base.update(kw)
    return SiteResult(**base)  # type: ignore[arg-type]


def test_every_reason_has_both_texts() -> None:
    assert set(REASON_TEXT) == set(Reason)
    assert all(t.zh and t.en for t in REASON_TEXT.values())


def test_web_observations_follow_the_contract(repo_root: Path) -> None:
    metrics, _ = _contract(repo_root)
    bad = site_result(supported=False, reason=Reason.NO_AAAA, reasons=(Reason.NO_AAAA,),
                      links=LinkCheck(), content=None, domain="v4.nx.edu.cn")
    obs = web_observations([site_result(), bad])
    assert {o.metric for o in obs} <= metrics
    got = {(o.device, o.metric): o.value for o in obs}
    assert got[("web:www.nx1.edu.cn", "web_ipv6_supported")] == 1
    assert got[("web:www.nx1.edu.cn", "web_reason")] == "ok"
    assert got[("web:v4.nx.edu.cn", "web_reason")] == "no_aaaa"
    assert got[("web:v4.nx.edu.cn", "web_links_v6_share")] is None
    assert {o.source for o in obs} == {"probe-web"} and {o.observed_at for o in obs} == {AT}


def test_web_points_follow_the_contract(repo_root: Path) -> None:
    _, measurements = _contract(repo_root)
    tags, fields = measurements["probe_web"]
    (p,) = web_points([site_result()])
    assert p.measurement == "probe_web" and p.time_ms == int(AT.timestamp() * 1000)
    assert set(p.fields) <= fields
    assert {k for k, _ in p.tags} <= tags | {"city", "county", "school", "device", "role"}
    assert dict(p.tags)["domain"] == "www.nx1.edu.cn" and p.fields["supported"] == 1
    assert "probe_web,city=640100" in p.line()
    (q,) = web_points([site_result(timings=Timings(), content=None, links=LinkCheck())])
    assert "connect_ms_v6" not in q.fields and "links_v6_share" not in q.fields


def reach_result(addr: str, received: int, **kw: object) -> ReachResult:
    target = ReachTarget("nx640104-0001-gw1", addr, {
        "city": "640100", "county": "640104", "school": "6401040001",
        "device": "nx640104-0001-gw1", "role": "gateway"})
    rtt = 1.5 if received else None
    base: dict[str, object] = {"target": target, "family": 6 if ":" in addr else 4,
                               "method": "icmp-raw", "sent": 3, "received": received,
                               "loss": 1 - received / 3, "rtt_ms": rtt, "rtt_min_ms": rtt,
                               "rtt_max_ms": rtt, "observed_at": AT}
    base.update(kw)
    return ReachResult(**base)  # type: ignore[arg-type]


def test_reach_observations_and_points_follow_the_contract(repo_root: Path) -> None:
    metrics, measurements = _contract(repo_root)
    results = [reach_result("2001:da8:1::1", 3), reach_result("10.1.1.1", 0),
               reach_result("10.9.9.9", 0, sent=0, loss=None, error="refused: x")]
    obs = reach_observations(results)
    assert {o.metric for o in obs} <= metrics
    got = {(o.device, o.metric): o.value for o in obs}
    assert got == {("nx640104-0001-gw1", "reach_v6_loss"): 0.0,
                   ("nx640104-0001-gw1", "reach_v6_rtt_ms"): 1.5,
                   ("nx640104-0001-gw1", "reach_v4_loss"): 1.0,
                   ("nx640104-0001-gw1", "reach_v4_rtt_ms"): None}
    points = reach_points(results)
    assert len(points) == 2  # nothing for the refused address
    tags, fields = measurements["probe_reach"]
    for p in points:
        assert set(p.fields) <= fields and dict(p.tags)["family"] in ("ipv6", "ipv4")
        assert {k for k, _ in p.tags} <= tags | {"city", "county", "school", "device", "role"}
    assert "rtt_ms" not in points[1].fields and points[1].fields["ok"] == 0
    health = collector_point("probe-reach", 2, 1, 0.5, AT, "0/2")
    assert set(health.fields) <= measurements["netctl_collector"][1]
    assert dict(health.tags) == {"collector": "probe-reach", "shard": "0/2"}


def test_targets_from_the_sample_inventory(sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    sites = website_sites(inv)
    assert sites and all(s.tags["device"] == f"web:{s.domain}" for s in sites)
    county = next(iter(inv.counties))
    local = website_sites(inv, DeviceFilter.parse(counties=[county]))
    assert 0 < len(local) < len(sites) and {s.tags["county"] for s in local} == {county}
    targets, missing = gateway_targets(inv)
    gateways = [d.hostname for d in inv.devices.values() if d.role.value == "gateway"]
    assert sorted({t.name for t in targets} | set(missing)) == sorted(gateways)
    for t in targets:
        assert t.tags["role"] == "gateway" and t.tags["device"] == t.name


@pytest.mark.parametrize("role", ["access", "firewall"])
def test_gateway_targets_follow_the_role_filter(sample_dir: Path, role: str) -> None:
    inv = load_inventory(sample_dir)
    targets, missing = gateway_targets(inv, DeviceFilter.parse(roles=[role]))
    names = {t.name for t in targets} | set(missing)
    assert names and all(inv.devices[n].role.value == role for n in names)
