"""The addressing API config templates use, and how IPAM reaches the rest of netctl."""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path

import pytest

from netctl.inventory.index import load_inventory
from netctl.inventory.nornir import build_nornir_inventory
from netctl.ipam.addresses import device_addressing, site_addressing
from netctl.ipam.plan import Ipv6Mode
from netctl.ipam.records import IpamError


def test_site_addressing_of_a_school(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    site = site_addressing(inv, "2401040001")
    assert (site.kind, site.county, site.gateway) == ("school", "640104", "nx640104-0001-gw1")
    assert site.block_ipv6 == IPv6Network("2001:db8:1001::/48")
    by_role = {v.role: v for v in site.vlans}
    assert sorted(by_role) == ["iot", "management", "office", "teaching", "wireless-student",
                               "wireless-teacher"]
    teaching = by_role["teaching"]
    assert (teaching.vlan_id, teaching.ipv6, teaching.ipv4) == (
        100, IPv6Interface("2001:db8:1001:1::1/64"), IPv4Interface("10.4.4.1/24"))
    assert teaching.mode is Ipv6Mode.DHCPV6_STATELESS and teaching.other_flag
    assert by_role["office"].managed_flag and not by_role["office"].autoconfig
    assert not by_role["management"].ra
    uplink = next(p for p in site.links if p.a.hostname == "nx640104-metro1")
    assert uplink.a.ipv6 == IPv6Interface("2001:db8:1001:6::2/127")
    assert uplink.b.ipv6 == IPv6Interface("2001:db8:1001:6::3/127")
    assert uplink.b.ipv4 == IPv4Interface("10.4.7.3/31")
    assert uplink.peer("nx640104-0001-gw1") is uplink.a
    gw = site.device("nx640104-0001-gw1")
    assert gw.loopback_ipv6 is not None and gw.loopback_ipv4 is not None
    assert len(gw.vlans) == 6
    ap = site.device("nx640104-0001-ap001")
    assert ap.vlans == [] and ap.loopback_ipv6 is None
    assert ap.mgmt_gateway_ipv6 == IPv6Address("2001:db8:1001::1")
    assert site.services["website"].ipv6 == IPv6Address("2001:db8:1001:2::2")


def test_device_addressing_of_a_metro_node_routes_to_its_schools(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    metro = device_addressing(inv, "nx640104-metro1")
    down = next(x for x in metro.links if x.peer == "nx640104-0001-gw1")
    assert down.ipv6 == IPv6Interface("2001:db8:1001:6::2/127")
    assert down.peer_ipv6 == IPv6Address("2001:db8:1001:6::3")
    assert down.routed_prefixes == [IPv6Network("2001:db8:1001::/48")]
    up = next(x for x in metro.links if x.peer == "nx-bb-yi1")
    assert up.routed_prefixes == []  # the backbone is upstream
    backbone = device_addressing(inv, "nx-bb-yi1")
    to_metro = next(x for x in backbone.links if x.peer == "nx640104-metro1")
    assert to_metro.routed_prefixes == [IPv6Network("2001:db8:1000::/40")]
    gw = device_addressing(inv, "nx640104-0001-gw1")
    assert {x.peer for x in gw.links} == {"nx640104-metro1", "nx640104-0001-fw1"}
    assert all(x.routed_prefixes == [] for x in gw.links)


def test_addressing_without_ipam_is_empty_and_unknown_names_fail(sample_dir: Path,
                                                                 allocated_dir: Path) -> None:
    plain = load_inventory(sample_dir)
    empty = device_addressing(plain, "nx640104-0001-gw1")
    assert empty.vlans == [] and empty.mgmt_ipv6 is None
    inv = load_inventory(allocated_dir)
    with pytest.raises(IpamError, match="unknown device"):
        device_addressing(inv, "nope")
    with pytest.raises(IpamError, match="is not a site"):
        site_addressing(inv, "nope")


def test_rest_of_netctl_sees_management_addresses(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    assert str(inv.devices["nx640104-0001-gw1"].device.mgmt_ipv6) == "2001:db8:1001::1"
    nornir_inv = build_nornir_inventory(inv)
    assert nornir_inv.hosts["nx640104-0001-ap001"].hostname == "2001:db8:1001::2"
    # without applying IPAM (what allocation starts from) devices keep what files declare
    bare = load_inventory(allocated_dir, apply_ipam=False)
    assert bare.devices["nx640104-0001-gw1"].device.mgmt_ipv6 is None


def test_a_record_file_in_another_layout_still_gives_addresses(allocated_copy: Path) -> None:
    from netctl.inventory.yamlio import dump_yaml, read_yaml

    path = allocated_copy / "ipam" / "640104.yaml"
    path.write_text(dump_yaml(read_yaml(path)), encoding="utf-8")  # PyYAML's own layout
    assert "addresses: |\n" not in path.read_text(encoding="utf-8")
    inv = load_inventory(allocated_copy)
    assert str(inv.devices["nx640104-0001-ap001"].device.mgmt_ipv6) == "2001:db8:1001::2"
    assert str(inv.devices["nx640104-metro1"].device.mgmt_ipv4) == "10.4.0.1"


def test_a_broken_address_line_is_reported_at_load_with_its_line(allocated_copy: Path) -> None:
    from netctl.exceptions import InventoryError

    path = allocated_copy / "ipam" / "640104.yaml"
    text = path.read_text(encoding="utf-8")
    bad = "      nx640104-0001-ap002 2001:db8:1001::3 10.4.6.300\n"
    text = text.replace("      nx640104-0001-ap002 2001:db8:1001::3 10.4.6.3\n", bad)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(bad.rstrip("\n")) + 1
    with pytest.raises(InventoryError) as exc:
        load_inventory(allocated_copy)
    assert f"ipam/640104.yaml:{line}: error:" in exc.value.problems[0].format()
