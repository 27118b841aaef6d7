"""The website probe against real servers on loopback: BIND for DNS, an HTTP/HTTPS server on
127.0.0.1 and ::1 for the sites. One case per verdict; every reason is asserted."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from netctl.inventory.filters import DeviceFilter
from netctl.inventory.index import load_inventory
from netctl.probes.reasons import Reason
from netctl.probes.run import run_web_probe, website_sites
from netctl.probes.web import PageFetch, Site, SiteResult, WebProbeConfig, probe_websites
from netctl.state.store import StateStore
from netctl.testing.probelab import (
    ALLOWED,
    BLOCKED_AAAA,
    NOWHERE_AAAA,
    lab_sites,
    lab_zones,
    netns_unavailable,
    nowhere_route,
    tls_names,
    write_lab_inventory,
)
from netctl.testing.websim import NamedServer, SiteServer, TlsMaterial, make_tls_material

pytestmark = pytest.mark.integration

CASES = ["dual.test", "v4only.test", "blocked.test", "mapped.test", "differ.test", "half.test",
         "nsv4.test", "tlsv4.test", "err6.test", "meta.test", "gone.test"]


@dataclass(frozen=True)
class WebLab:
    """The running lab and a probe configuration that only ever talks to it."""

    named: NamedServer
    sites: SiteServer
    tls: TlsMaterial
    config: WebProbeConfig


@pytest.fixture(scope="module")
def web_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebLab]:
    """BIND on a loopback port and the website server on 127.0.0.1 and ::1."""
    if NamedServer.binary() is None:
        pytest.skip("BIND 'named' is not installed: apt-get install bind9 (.ci/apt-packages)")
    folder = tmp_path_factory.mktemp("web-lab")
    tls = make_tls_material(tls_names(), folder / "tls")
    with NamedServer(lab_zones(), folder / "named") as named, \
            SiteServer(lab_sites(), tls.cert_file, tls.key_file) as sites:
        config = WebProbeConfig(
            resolvers=(named.servers[0],), ns_port=named.port,
            port_map={80: sites.http_port, 443: sites.https_port},
            allowed_networks=ALLOWED, ca_file=str(tls.ca_file),
            connect_timeout=2.0, read_timeout=5.0, request_timeout=10.0, site_timeout=30.0,
            dns_timeout=1.0, dns_lifetime=2.0, retry_delay=0.2,
        )
        yield WebLab(named, sites, tls, config)


@pytest.fixture(scope="module")
def results(web_lab: WebLab) -> dict[str, SiteResult]:
    """Every case probed once, together (as a real run does)."""
    got = asyncio.run(probe_websites([Site(d) for d in CASES], web_lab.config))
    return {r.domain: r for r in got}


@pytest.fixture(scope="module")
def nowhere(web_lab: WebLab) -> Iterator[SiteResult]:
    """The site whose AAAA points into an empty namespace (skipped where namespaces cannot be
    created)."""
    why = netns_unavailable()
    if why is not None:
        pytest.skip(f"the 'AAAA points nowhere' case needs a network namespace: {why}")
    with nowhere_route():
        yield asyncio.run(probe_websites([Site("nowhere.test")], web_lab.config))[0]


def _page(r: SiteResult, family: int, scheme: str) -> PageFetch:
    return next(p for p in r.homepage if p.family == family and p.scheme == scheme)


def test_dual_stack_site_is_supported(results: dict[str, SiteResult], web_lab: WebLab) -> None:
    r = results["dual.test"]
    assert (r.supported, r.reason, r.reasons) == (True, Reason.OK, (Reason.OK,)), r.detail
    assert r.aaaa.addresses == ("::1",) and r.a.addresses == ("127.0.0.1",)
    assert r.ns is not None and r.ns.zone == "dual.test." and r.ns.answering_v6 == 1
    # Redirected from http://dual.test/ to https://www.dual.test/, on both families.
    for fam in (6, 4):
        for scheme in ("http", "https"):
            p = _page(r, fam, scheme)
            assert p.ok and p.status == 200 and p.final_url == "https://www.dual.test/"
            assert p.redirects == 1
    # It really went over IPv6 to the AAAA address, and over IPv4 to the A address.
    assert _page(r, 6, "https").peer == f"[::1]:{web_lab.sites.https_port}"
    assert _page(r, 4, "https").peer == f"127.0.0.1:{web_lab.sites.https_port}"
    hits = {(h.family, h.scheme, h.host, h.path) for h in web_lab.sites.hits}
    assert (6, "https", "www.dual.test", "/") in hits and (4, "https", "www.dual.test", "/") in hits
    assert r.content is not None and r.content.match and r.content.similarity == 1.0
    # Three news links; /private/ is hidden by robots.txt and was never requested.
    assert (r.links.found, r.links.robots_disallowed, r.links.checked) == (4, 1, 3)
    assert (r.links.ok_v4, r.links.ok_v6, r.links.share) == (3, 3, 1.0)
    assert not any(h.path.startswith("/private/") for h in web_lab.sites.hits)
    t = r.timings
    assert t.scheme == "https"
    for value in (t.dns_ms_v6, t.dns_ms_v4, t.connect_ms_v6, t.connect_ms_v4, t.ttfb_ms_v6,
                  t.ttfb_ms_v4):
        assert value is not None and value >= 0
    assert r.links3 is None and not r.budget_exhausted


def test_ipv4_only_site(results: dict[str, SiteResult], web_lab: WebLab) -> None:
    r = results["v4only.test"]
    assert (r.supported, r.reason) == (False, Reason.NO_AAAA)
    assert r.aaaa.error == "nodata" and r.a.ok
    assert [p.family for p in r.homepage] == [4, 4]  # nothing was tried over IPv6
    assert not any(h.host == "v4only.test" and h.family == 6 for h in web_lab.sites.hits)
    assert r.timings.dns_ms_v6 is None and r.timings.connect_ms_v4 is not None


def test_aaaa_points_nowhere(nowhere: SiteResult) -> None:
    r = nowhere
    assert (r.supported, r.reason) == (False, Reason.V6_UNREACHABLE), r.detail
    assert r.aaaa.addresses == (NOWHERE_AAAA,)
    assert {p.error for p in r.homepage if p.family == 6} <= {"connect_timeout", "unreachable"}
    assert all(p.ok for p in r.homepage if p.family == 4)


def test_aaaa_outside_allowed_networks_is_never_contacted(
        results: dict[str, SiteResult]) -> None:
    r = results["blocked.test"]
    assert (r.supported, r.reason) == (False, Reason.V6_UNREACHABLE)
    assert r.aaaa.addresses == (BLOCKED_AAAA,)
    assert {p.error for p in r.homepage if p.family == 6} == {"address_refused"}


def test_ipv4_mapped_aaaa_is_invalid(results: dict[str, SiteResult]) -> None:
    r = results["mapped.test"]
    assert (r.supported, r.reason) == (False, Reason.AAAA_INVALID)
    assert "IPv4-mapped" in r.detail


def test_content_differs_over_ipv6(results: dict[str, SiteResult]) -> None:
    r = results["differ.test"]
    assert (r.supported, r.reason) == (False, Reason.CONTENT_MISMATCH), r.detail
    assert r.content is not None and not r.content.match and not r.content.title_match
    assert r.content.title_v6 == "Welcome to nginx!" and r.content.similarity < 0.3


def test_half_of_the_links_are_ipv4_only(results: dict[str, SiteResult]) -> None:
    r = results["half.test"]
    assert (r.supported, r.reason) == (False, Reason.LINKS_V6_BELOW_THRESHOLD), r.detail
    links = r.links
    # 4 links on the site, 4 on old.half.test (A record only), 1 broken on both families.
    assert (links.checked, links.dead, links.ok_v4, links.ok_v6) == (9, 1, 8, 4)
    assert links.share == 0.5
    assert all("old.half.test" in f and "no_address" in f for f in links.failed_v6)


def test_name_servers_without_ipv6(results: dict[str, SiteResult]) -> None:
    r = results["nsv4.test"]
    assert (r.supported, r.reason) == (False, Reason.NS_NO_IPV6)
    assert r.ns is not None and r.ns.with_ipv6 == 0 and r.ns.answering_v6 == 0
    assert r.reasons == (Reason.NS_NO_IPV6,)  # everything else passes


def test_https_over_ipv4_only(results: dict[str, SiteResult]) -> None:
    r = results["tlsv4.test"]
    assert (r.supported, r.reason) == (False, Reason.V6_SCHEME_MISSING), r.detail
    assert _page(r, 6, "https").error == "tls_error"
    assert _page(r, 6, "http").ok and _page(r, 4, "https").ok


def test_http_error_over_ipv6(results: dict[str, SiteResult]) -> None:
    r = results["err6.test"]
    assert (r.supported, r.reason) == (False, Reason.V6_HTTP_ERROR)
    assert {p.status for p in r.homepage if p.family == 6} == {503}


def test_meta_refresh_homepage_is_followed(results: dict[str, SiteResult]) -> None:
    r = results["meta.test"]
    assert (r.supported, r.reason) == (True, Reason.OK), r.detail
    assert _page(r, 6, "http").final_url == "http://meta.test/index/main.htm"
    assert r.links.checked == 1 and r.links.share == 1.0


def test_nxdomain(results: dict[str, SiteResult]) -> None:
    r = results["gone.test"]
    assert (r.supported, r.reason) == (False, Reason.NXDOMAIN)
    assert r.homepage == ()


def test_reasons_carry_chinese_and_english(results: dict[str, SiteResult]) -> None:
    for r in results.values():
        assert r.reason_zh and r.reason_en and r.detail


def test_third_level_links(web_lab: WebLab) -> None:
    cfg = replace(web_lab.config, third_level=True)
    r = asyncio.run(probe_websites([Site("dual.test")], cfg))[0]
    assert r.supported, r.detail
    assert r.links3 is not None and r.links3.checked == 3 and r.links3.share == 1.0


def test_link_budget_is_respected(web_lab: WebLab) -> None:
    cfg = replace(web_lab.config, max_requests_per_site=6)
    r = asyncio.run(probe_websites([Site("half.test")], cfg))[0]
    assert r.requests <= 6 and r.budget_exhausted
    assert r.reason in (Reason.OK, Reason.LINKS_V6_BELOW_THRESHOLD)


def test_inventory_run_writes_the_state_store(web_lab: WebLab, tmp_path: Path) -> None:
    inv = load_inventory(write_lab_inventory(tmp_path / "inventory"))
    sites = website_sites(inv, DeviceFilter.parse(counties=["640104"]))
    assert [s.domain for s in sites] == ["dual.test", "v4only.test"]
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        run = asyncio.run(run_web_probe(sites, web_lab.config, store=store))
        latest = {(o.device, o.metric): o for o in store.latest()}
    assert run.supported == 1 and run.observations == 6
    assert latest[("web:dual.test", "web_ipv6_supported")].value == 1.0
    assert latest[("web:dual.test", "web_reason")].value == "ok"
    assert latest[("web:dual.test", "web_links_v6_share")].value == 1.0
    assert latest[("web:v4only.test", "web_ipv6_supported")].value == 0.0
    assert latest[("web:v4only.test", "web_reason")].value == "no_aaaa"
    assert {o.source for o in latest.values()} == {"probe-web"}
    web = [p for p in run.points if p.measurement == "probe_web"]
    assert {dict(p.tags)["domain"] for p in web} == {"dual.test", "v4only.test"}
    dual = next(p for p in web if dict(p.tags)["domain"] == "dual.test")
    assert dict(dual.tags)["school"] == "6401040001" and dict(dual.tags)["county"] == "640104"
    assert dual.fields["supported"] == 1 and "ttfb_ms_v6" in dual.fields
    health = [p for p in run.points if p.measurement == "netctl_collector"]
    assert dict(health[0].tags)["collector"] == "probe-web" and health[0].fields["polls_ok"] == 2


def test_cli_probe_web_once(web_lab: WebLab, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from netctl.cli import app

    inv = write_lab_inventory(tmp_path / "inventory")
    cfg = web_lab.config
    lab = ["--resolver", cfg.resolvers[0], "--ns-port", str(cfg.ns_port),
           "--ca-file", str(cfg.ca_file), "--port-map", f"80={cfg.port_map[80]}",
           "--port-map", f"443={cfg.port_map[443]}", *(x for n in ALLOWED for x in ("--allow", n))]
    root = ["--inventory", str(inv), "--state", str(tmp_path / "state.db")]
    res = CliRunner().invoke(app, [*root, "probe", "web", "--once", "--school", "6401040001",
                                   *lab, "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [(s["domain"], s["supported"], s["reason"]) for s in out["sites"]] == [
        ("dual.test", True, "ok")]
    assert out["sites"][0]["reason_zh"] == "网站支持IPv6访问"
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        assert store.latest(metric="web_ipv6_supported")[0].value == 1.0
    # A site given by name, without the inventory; not supported → exit status 1.
    res = CliRunner().invoke(app, [*root, "probe", "web", "--once", "--site", "v4only.test",
                                   *lab, "--no-store"])
    assert res.exit_code == 1, res.output
    assert "no_aaaa" in res.output and "没有IPv6地址" in res.output
    # Without --once: continuous probing belongs to the daemon.
    res = CliRunner().invoke(app, [*root, "probe", "web", "--site", "v4only.test"])
    assert res.exit_code == 2 and "daemon" in res.output
