"""The map on a generated region: small counties device by device, large ones school by school,
drift folded in; SVG well-formed with every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from netctl.discovery.drift import Drift
from netctl.discovery.store import SeenDevice, SeenLink
from netctl.discovery.topology import SCHOOL_LEVEL_AT, build_map, render_html, render_svg
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    root = tmp_path_factory.mktemp("region")
    write_inventory(root, schools=600)
    return load_inventory(root)


def seen_all(inv: Inventory, silent: set[str]) -> tuple[dict[str, SeenDevice], list[SeenLink]]:
    devices = {e.hostname: SeenDevice(e.hostname, "snmp", first_seen=NOW,
                                      last_seen=None if e.hostname in silent else NOW,
                                      last_attempt=NOW)
               for e in inv.iter_devices() if e.role is not Role.AP}
    links = [SeenLink(le.link.a.device, le.link.a.interface or "p1", "", le.link.b.interface
                      or "p2", None, None, le.link.b.device, NOW, NOW)
             for le in inv.links if le.link.a.device and le.link.b.device
             and le.link.a.device not in silent and le.link.b.device not in silent]
    return devices, links


def test_large_county_is_drawn_school_by_school(region: Inventory) -> None:
    county = "640104"
    hosts = [e.hostname for e in region.iter_devices()
             if e.county == county and e.role is not Role.AP]
    assert len(hosts) > SCHOOL_LEVEL_AT
    gw = next(h for h in hosts if h.endswith("-gw1") and "-0002-" in h)
    devices, links = seen_all(region, {gw})
    drift = [Drift("model_mismatch", hosts[-1], "x", "y")]
    m = build_map(region, devices, links, drift, county=county, title="兴庆区 <&>")
    schools = [n for n in m.nodes if n.role == "school"]
    assert len(schools) == len(region.schools_in(county))
    gw_school = next(n for n in schools if n.id == f"school:{region.devices[gw].school}")
    assert "not_seen" in gw_school.drift
    assert {e.status for e in m.edges if gw_school.id in (e.a, e.b)} >= {"missing"}
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in m.pos.values())
    root = ET.fromstring(render_svg(m))  # noqa: S314 - our own SVG; well-formed, title escaped
    assert root.find("{http://www.w3.org/2000/svg}title").text == "兴庆区 <&>"  # type: ignore[union-attr]


def test_small_county_is_drawn_device_by_device(region: Inventory) -> None:
    county = min(region.counties, key=lambda c: sum(
        1 for e in region.iter_devices() if e.county == c and e.role is not Role.AP))
    devices, links = seen_all(region, set())
    m = build_map(region, devices, links, [], county=county, title=county)
    assert not any(n.role == "school" for n in m.nodes)
    assert {e.status for e in m.edges} <= {"seen", "unverified"}
    page = render_html([m], [], "t")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
