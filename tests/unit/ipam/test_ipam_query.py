"""Queries (show, usage, free blocks), ``check`` on a seeded broken plan, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netctl.exceptions import InventoryError
from netctl.inventory.index import load_inventory
from netctl.ipam.query import check, free_blocks, show, usage
from netctl.ipam.records import IpamError


def netctl(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script, as a user runs it."""
    return subprocess.run([sys.executable, "-c", "from netctl.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def seed(root: Path, replacements: list[tuple[str, str]], county: str = "640104") -> None:
    path = root / "ipam" / f"{county}.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def test_check_finds_overlaps_outside_orphans_duplicates(allocated_copy: Path) -> None:
    seed(allocated_copy, [
        # school 2 claims school 1's IPv6 block: overlap, and its prefixes leave it
        ("    block: '2001:db8:1002::/48 10.4.8.0/22'", "    block: '2001:db8:1001::/48 "
         "10.4.8.0/22'"),
        # a school that is not in the inventory
        ("sites:\n", "sites:\n  '2401049999':\n    block: '2001:db8:10ff::/48'\n"),
        # two devices with one address
        ("nx640104-0001-ap002 2001:db8:1001::3 10.4.6.3",
         "nx640104-0001-ap002 2001:db8:1001::2 10.4.6.3"),
        # a management address outside the management prefix
        ("nx640104-0001-sw1 2001:db8:1001::5 10.4.6.5",
         "nx640104-0001-sw1 2001:db8:1001::5 10.4.4.5"),
    ])
    report = check(load_inventory(allocated_copy))
    kinds = {(f.kind, f.scope) for f in report.findings if f.severity == "error"}
    assert ("overlap", "2401040002") in kinds
    assert ("orphan", "2401049999") in kinds
    assert ("duplicate", "nx640104-0001-ap002") in kinds
    assert ("outside", "2401040002") in kinds  # its role prefixes are outside its new block
    messages = "\n".join(f.message for f in report.findings)
    assert "management address of nx640104-0001-sw1 10.4.4.5 is outside its management prefix " \
           "10.4.6.0/26" in messages
    assert "school 2401049999 has a block (2001:db8:10ff::/48) but is not in the inventory" \
        in messages
    assert report.errors >= 5


def test_check_cli_exits_1_with_json(allocated_copy: Path) -> None:
    r = netctl("--inventory", str(allocated_copy), "ipam", "check", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"] is True
    seed(allocated_copy, [("nx640104-0001-ap002 2001:db8:1001::3 10.4.6.3",
                           "nx640104-0001-ap002 2001:db8:1001::2 10.4.6.3")])
    r = netctl("--inventory", str(allocated_copy), "ipam", "check", "--format", "json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["ok"] is False and out["errors"] >= 1
    assert {"severity", "kind", "scope", "message", "fix", "file"} <= set(out["findings"][0])


def test_device_declared_outside_its_school_block(allocated_copy: Path) -> None:
    seed(allocated_copy, [("      nx640104-0001-sw1 2001:db8:1001::5 10.4.6.5\n", "")])
    path = allocated_copy / "counties" / "640104.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - hostname: nx640104-0001-sw1\n",
                        "  - hostname: nx640104-0001-sw1\n    mgmt_ipv4: 10.9.9.9\n", 1)
    path.write_text(text, encoding="utf-8")
    report = check(load_inventory(allocated_copy))
    assert any(f.kind == "outside" and f.scope == "nx640104-0001-sw1"
               and "outside its site 2401040001's block 10.4.4.0/22" in f.message
               for f in report.findings)


def test_broken_record_file_is_reported_with_its_line(allocated_copy: Path) -> None:
    seed(allocated_copy, [("teaching 100 2001:db8:1001:1::/64",
                           "teaching 100 2001:db8:1001:1::1/64")])
    inv = load_inventory(allocated_copy)
    assert inv.ipam is not None
    with pytest.raises(InventoryError) as exc:
        inv.ipam.allocations()
    text = exc.value.problems[0].format()
    assert "ipam/640104.yaml:" in text and "has host bits set" in text


def test_show_school_county_city_device_and_prefix(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    school = show(inv, "2401040001")
    assert school["block"] == "2001:db8:1001::/48 10.4.4.0/22"
    assert [p["role"] for p in school["prefixes"]][:2] == ["management", "teaching"]
    assert school["prefixes"][1]["ipv6_mode"] == "dhcpv6-stateless"
    county = show(inv, "640104")
    assert county["block"] == "2001:db8:1000::/40 10.4.0.0/14"
    assert county["schools"][0]["code"] == "2401040001"
    assert show(inv, "640100")["counties"][0]["code"] == "640104"
    device = show(inv, "nx640104-metro1")
    assert any("nx640104-0001-gw1" in x for x in device["links"])
    owner = show(inv, "2001:db8:1001:1::42")
    assert owner["held_by"][-1] == "prefix 2401040001 teaching: 2001:db8:1001:1::/64"
    with pytest.raises(IpamError):
        show(inv, "no-such-thing")


def test_usage_per_level(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    region = {u.family: u for u in usage(inv, "region")}
    assert (region["ipv6"].used, region["ipv6"].capacity) == (5, 16)
    assert (region["ipv4"].used, region["ipv4"].capacity) == (22, 64)
    county = next(u for u in usage(inv, "county") if u.scope == "640104" and u.family == "ipv6")
    assert (county.used, county.capacity, county.unit) == (5, 256, "/48")
    school = next(u for u in usage(inv, "school")
                  if u.scope == "2401040002" and u.family == "ipv4")
    assert (school.used, school.capacity) == (19, 62)
    assert len(usage(inv, "city")) == 5
    with pytest.raises(IpamError):
        usage(inv, "planet")


def test_free_blocks_are_available_prefixes(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    free = [str(n) for n in free_blocks(inv, "640104", 48) if n.family == "ipv6"]
    assert free[:3] == ["2001:db8:1005::/48", "2001:db8:1006::/47", "2001:db8:1008::/45"]
    assert [str(n) for n in free_blocks(inv, "2401040001") if n.family == "ipv4"] == [
        "10.4.7.32/27", "10.4.7.64/26", "10.4.7.128/25"]


def test_cli_allocate_show_usage_free_json(plan_dir: Path) -> None:
    r = netctl("--inventory", str(plan_dir), "ipam", "allocate", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["changed"]) == 23 and out["added"]["ipv6 school blocks"] == 44
    r = netctl("--inventory", str(plan_dir), "ipam", "show", "2401040001", "--format", "json")
    shown = json.loads(r.stdout)
    assert shown["block"] == "2001:db8:1001::/48 10.4.4.0/22"
    assert shown["prefixes"][1] == {"role": "teaching", "vlan": 100,
                                    "ipv6": "2001:db8:1001:1::/64", "ipv4": "10.4.4.0/24",
                                    "ipv6_mode": "dhcpv6-stateless"}
    assert shown["addresses"][0]["ipv6"] == "2001:db8:1001::2"
    r = netctl("--inventory", str(plan_dir), "ipam", "release", "2401040001")
    assert r.returncode == 1 and "still in the inventory" in r.stderr
