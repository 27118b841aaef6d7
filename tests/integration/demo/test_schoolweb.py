"""The schools' websites and DNS of the demo: the website probe's verdicts match the lab's
records, with BIND and with the Python DNS server used when BIND is not installed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from netctl.inventory.generate import write_inventory
from netctl.inventory.index import load_inventory
from netctl.probes.run import website_sites
from netctl.probes.web import probe_websites
from netctl.testing.schoolweb import SchoolWeb
from netctl.testing.websim import NamedServer


@pytest.mark.parametrize("bind", [True, False], ids=["bind", "python-dns"])
def test_probe_verdicts_follow_the_lab_records(tmp_path: Path, bind: bool) -> None:
    if bind and NamedServer.binary() is None:
        pytest.skip("BIND (Debian bind9) is not installed")
    write_inventory(tmp_path / "inv", 22, 2027, force=True)
    inv = load_inventory(tmp_path / "inv")
    school = min(inv.schools)
    with SchoolWeb(inv, tmp_path / "lab", no_ipv6_school=school, use_bind=bind) as web:
        assert web.dns_kind.startswith("BIND") is bind
        results = asyncio.run(probe_websites(website_sites(inv), web.probe_config()))
        sites = dict(web.sites)
    assert len(results) == len(sites) > 10
    assert any(sites.values()) and not all(sites.values())
    for r in results:
        assert r.supported is sites[r.domain], (r.domain, r.reason, r.detail)
        if not sites[r.domain]:
            assert r.reason.value == "no_aaaa"
        else:
            assert r.links.share == 1.0
    website = inv.schools[school].school.website
    assert website is not None and sites[website.lower()] is False
