"""Allocation of the sample region: complete, deterministic, idempotent, growth-safe, and every
refusal with its reason."""

from __future__ import annotations

import copy
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from netctl.exceptions import InventoryError
from netctl.inventory.index import load_inventory
from netctl.inventory.yamlio import dump_yaml, read_yaml
from netctl.ipam.allocate import AllocationError
from netctl.ipam.merge import IpamData
from netctl.ipam.net import parse_net
from netctl.ipam.query import check
from netctl.ipam.records import Allocations
from netctl.ipam.store import run_allocate, run_import, run_release, run_reserve

TODAY = date(2026, 11, 28)


def texts(root: Path) -> dict[str, str]:
    """The record files' text."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "ipam").glob("*.yaml"))}


def records(root: Path) -> Allocations:
    inv = load_inventory(root)
    assert isinstance(inv.ipam, IpamData)
    return inv.ipam.allocations()


def edit_county(root: Path, county: str, change: Any) -> None:
    path = root / "counties" / f"{county}.yaml"
    data = read_yaml(path)
    change(data)
    path.write_text(dump_yaml(data), encoding="utf-8")


def add_school(root: Path, county: str, code: str, *, like: int = 0) -> str:
    """Copy the county's ``like``-th school under a new code, with renamed devices."""
    def change(data: dict[str, Any]) -> None:
        school = copy.deepcopy(data["schools"][like])
        old = school["devices"][0]["hostname"].rsplit("-", 1)[0]
        new = f"nx{county}-{code[-4:]}x"
        school["code"], school["name"] = code, f"新学校{code[-4:]}"
        school.pop("website", None)
        for d in school["devices"]:
            d["hostname"] = d["hostname"].replace(old, new)
            if d.get("controller", "").startswith(old):
                d["controller"] = d["controller"].replace(old, new)
        data["schools"].append(school)
    edit_county(root, county, change)
    return f"nx{county}-{code[-4:]}x"


def refusal_text(exc: pytest.ExceptionInfo[AllocationError]) -> str:
    return "\n".join(str(r) for r in exc.value.refusals)


# ---------------------------------------------------------------------------- the whole region


def test_whole_sample_region_is_allocated_and_checks_clean(allocated_dir: Path) -> None:
    inv = load_inventory(allocated_dir)
    assert isinstance(inv.ipam, IpamData)
    allocs = inv.ipam.allocations()
    assert sorted(allocs.region.cities) == ["640100", "640200", "640300", "640400", "640500"]
    # cities in code order after the backbone's infrastructure block
    assert [str(allocs.region.cities[c]["ipv6"]) for c in sorted(allocs.region.cities)] == [
        f"2001:db8:{n}000::/36" for n in range(1, 6)]
    assert set(allocs.counties) == set(inv.counties)
    seen: set[tuple[str, int]] = set()
    for code, s in inv.schools.items():
        site = allocs.site(code)
        assert site is not None, code
        county = allocs.counties[s.county]
        for family, length in (("ipv6", 48), ("ipv4", 22)):
            block = site.block[family]  # type: ignore[index]
            assert block.length == length
            assert county.block[family].contains(block)  # type: ignore[index]
            assert len([p for p in site.prefixes.values() if family in p.nets]) == 8
            for p in site.prefixes.values():
                assert block.contains(p.nets[family])  # type: ignore[index]
        mgmt = site.prefixes["management"].nets
        for d in inv.devices_at(code):
            for family, addr in (("ipv6", d.device.mgmt_ipv6), ("ipv4", d.device.mgmt_ipv4)):
                assert addr is not None, d.hostname
                assert mgmt[family].network().supernet_of(  # type: ignore[index]
                    parse_net(str(addr)).network())  # type: ignore[arg-type]
                key = (family, int(addr))
                assert key not in seen
                seen.add(key)
        gateway = next(d for d in inv.devices_at(code) if d.role.value == "gateway")
        assert str(gateway.device.mgmt_ipv6).endswith("::1")
    assert sum(len(s.links) for _, s, _ in allocs.iter_sites()) > 44
    report = check(inv)
    assert (report.errors, report.warnings) == (0, 0), report.findings


def test_sample_inventory_of_the_repository_is_allocated(repo_root: Path) -> None:
    report = check(load_inventory(repo_root / "inventory"))
    assert report.errors == 0 and report.warnings == 0


def test_allocating_twice_gives_identical_files(allocated_copy: Path) -> None:
    before = texts(allocated_copy)
    result = run_allocate(allocated_copy, today=TODAY + timedelta(days=3))
    assert result.changed == []
    assert result.report is not None and sum(result.report.added.values()) == 0
    assert texts(allocated_copy) == before


def test_allocation_is_deterministic(allocated_dir: Path, plan_dir: Path) -> None:
    run_allocate(plan_dir, today=TODAY)
    assert texts(plan_dir) == texts(allocated_dir)


def test_fast_paths_give_what_the_general_path_gives(allocated_dir: Path, plan_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("netctl.ipam.allocator.FAST_PATHS", False)
    run_allocate(plan_dir, today=TODAY)
    assert texts(plan_dir) == texts(allocated_dir)


def test_a_new_school_takes_the_next_free_block_and_moves_no_one(allocated_copy: Path) -> None:
    before = records(allocated_copy)
    old_texts = texts(allocated_copy)
    add_school(allocated_copy, "640104", "2401040000")  # sorts first, still moves no one
    result = run_allocate(allocated_copy, today=TODAY)
    after = records(allocated_copy)
    assert [p.name for p in result.changed] == ["640104.yaml"]
    for code, county in before.counties.items():
        for site_code, site in county.sites.items():
            assert after.counties[code].sites[site_code] == site
    new = after.counties["640104"].sites["2401040000"]
    used = {s.block["ipv6"].start for s in before.counties["640104"].sites.values()}
    assert str(new.block["ipv6"]) == "2001:db8:1005::/48"  # after infra + 4 schools
    assert new.block["ipv6"].start not in used
    # the file only grew: every old line is still there, in order
    old_lines = old_texts["640104.yaml"].splitlines()
    new_lines = texts(allocated_copy)["640104.yaml"].splitlines()
    it = iter(new_lines)
    assert all(line in it for line in old_lines)


def test_a_new_device_takes_the_next_free_address(allocated_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["schools"][1]["devices"].append(
            {"hostname": "nx640104-0002-sw9", "role": "access", "model": "S5735-L48T4X-A1"})
    before = records(allocated_copy).site("2401040002")
    edit_county(allocated_copy, "640104", change)
    run_allocate(allocated_copy, today=TODAY)
    after = records(allocated_copy).site("2401040002")
    assert before is not None and after is not None
    assert {h: v for h, v in after.addresses.items() if h in before.addresses} == \
        before.addresses
    assert str(after.addresses["nx640104-0002-sw9"]["ipv4"]) == "10.4.10.20"


# ---------------------------------------------------------------------------- refusals


def _plan(root: Path, old: str, new: str) -> None:
    path = root / "address-plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_county_out_of_school_blocks_says_how_many_it_needs_and_has(plan_dir: Path) -> None:
    _plan(plan_dir, "  county: 14 ", "  county: 20 ")  # 4 blocks of /22: infrastructure + 3
    with pytest.raises(AllocationError) as exc:
        run_allocate(plan_dir, today=TODAY)
    text = refusal_text(exc)
    assert "county 640104 兴庆区: out of ipv4 school blocks: needs 4, has 3 " \
           "(/22 in 10.0.16.0/20)" in text
    assert not (plan_dir / "ipam").exists()  # nothing written


def test_region_out_of_city_blocks(plan_dir: Path) -> None:
    _plan(plan_dir, "  city: 36 ", "  city: 34 ")  # 4 blocks, the first holds the backbone
    with pytest.raises(AllocationError) as exc:
        run_allocate(plan_dir, today=TODAY)
    assert "region: out of ipv6 city blocks: needs 5, has 3 (/34 in 2001:db8::/32)" in \
        refusal_text(exc)


def test_management_prefix_that_does_not_fit_its_devices(plan_dir: Path) -> None:
    _plan(plan_dir, "role: management, vlan: 10, ipv6: 64, ipv4: 26",
          "role: management, vlan: 10, ipv6: 64, ipv4: 28")
    with pytest.raises(AllocationError) as exc:
        run_allocate(plan_dir, today=TODAY)
    text = refusal_text(exc)
    assert "school 2401040002: management prefix 10.4.10.192/28 is full: needs 19 " \
           "addresses, has 14" in text


def test_reservation_overlapping_an_allocation_is_refused(allocated_copy: Path) -> None:
    with pytest.raises(AllocationError) as exc:
        run_reserve(allocated_copy, "2001:db8:1001::/48", "lab", today=TODAY)
    assert "2001:db8:1001::/48 overlaps school 2401040001" in refusal_text(exc)
    with pytest.raises(AllocationError) as exc:
        run_reserve(allocated_copy, "192.168.0.0/16", "lab", today=TODAY)
    assert "outside the region's blocks" in refusal_text(exc)


def test_a_reserved_block_is_skipped(allocated_copy: Path) -> None:
    run_reserve(allocated_copy, "2001:db8:1005::/48", "future data centre", today=TODAY)
    assert "future data centre" in texts(allocated_copy)["640104.yaml"]
    add_school(allocated_copy, "640104", "2401049999")
    run_allocate(allocated_copy, today=TODAY)
    site = records(allocated_copy).site("2401049999")
    assert site is not None and str(site.block["ipv6"]) == "2001:db8:1006::/48"


def test_a_reservation_inside_a_site_is_kept_free_there(allocated_copy: Path) -> None:
    run_reserve(allocated_copy, "2001:db8:0:53::/64", "DNS resolvers", today=TODAY)
    assert "2001:db8:0:53::/64" in texts(allocated_copy)["region.yaml"]
    assert check(load_inventory(allocated_copy)).errors == 0
    with pytest.raises(AllocationError) as exc:
        run_reserve(allocated_copy, "2001:db8::/64", "clash", today=TODAY)
    assert "overlaps region infrastructure management" in refusal_text(exc)


def test_import_outside_its_parent_is_refused(plan_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "existing.csv"
    csv.write_text("scope,prefix,role,vlan\n2401040001,10.99.0.0/22,,\n", encoding="utf-8")
    with pytest.raises(AllocationError) as exc:
        run_import(plan_dir, csv, today=TODAY)
    assert "10.99.0.0/22 leaves its parent: it is outside 10.4.0.0/14" in refusal_text(exc)


def test_import_that_contradicts_a_record_is_refused(allocated_copy: Path,
                                                     tmp_path: Path) -> None:
    csv = tmp_path / "existing.csv"
    csv.write_text("scope,prefix\n2401040001,2001:db8:10ff::/48\n", encoding="utf-8")
    with pytest.raises(AllocationError) as exc:
        run_import(allocated_copy, csv, today=TODAY)
    assert "says 2001:db8:10ff::/48, but it already has 2001:db8:1001::/48" in \
        refusal_text(exc)


def test_import_rows_that_make_no_sense_name_their_line(plan_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "existing.csv"
    csv.write_text("scope,prefix,role\n2499999999,2001:db8:10aa::/48,\n"
                   "2401040001,2001:db8:10aa::/64,kitchen\n"
                   "nx640104-0001-gw1,2001:db8:10aa::/64,\n", encoding="utf-8")
    with pytest.raises(AllocationError) as exc:
        run_import(plan_dir, csv, today=TODAY)
    text = refusal_text(exc)
    assert "existing.csv:2: unknown scope '2499999999'" in text
    assert "existing.csv:3: unknown role 'kitchen'" in text
    assert "existing.csv:4: nx640104-0001-gw1 is a device: give an address" in text


def test_import_of_existing_allocations_is_kept_and_the_rest_allocated_around(
        plan_dir: Path, tmp_path: Path) -> None:
    yml = tmp_path / "existing.yaml"
    yml.write_text(
        "- {scope: '2401040003', prefix: '2001:db8:10aa::/48'}\n"
        "- {scope: '2401040003', prefix: '2001:db8:10aa:64::/64', role: teaching, vlan: 64}\n"
        "- {scope: nx640104-0003-gw1, prefix: '2001:db8:10aa::99'}\n"
        "- {scope: reserved, prefix: '2001:db8:1001::/48', role: old campus}\n",
        encoding="utf-8")
    run_import(plan_dir, yml, today=TODAY)
    allocs = records(plan_dir)
    site = allocs.site("2401040003")
    assert site is not None
    assert str(site.block["ipv6"]) == "2001:db8:10aa::/48"
    assert str(site.prefixes["teaching"].nets["ipv6"]) == "2001:db8:10aa:64::/64"
    assert site.prefixes["teaching"].vlan == 64
    assert str(site.prefixes["management"].nets["ipv6"]) == "2001:db8:10aa::/64"
    assert str(site.addresses["nx640104-0003-gw1"]["ipv6"]) == "2001:db8:10aa::99"
    first = allocs.site("2401040001")
    assert first is not None and str(first.block["ipv6"]) == "2001:db8:1002::/48"
    report = check(load_inventory(plan_dir))
    assert report.errors == 0, report.findings
    assert any(f.kind == "drift" and "VLAN 64" in f.message for f in report.findings)


def test_declared_management_address_wins_or_conflicts(allocated_copy: Path) -> None:
    def declare(address: str) -> Any:
        def change(data: dict[str, Any]) -> None:
            data["schools"][0]["devices"][2]["mgmt_ipv6"] = address  # nx640104-0001-sw1
        return change
    edit_county(allocated_copy, "640104", declare("2001:db8:1001::99"))
    with pytest.raises(InventoryError) as exc:
        load_inventory(allocated_copy)
    text = exc.value.problems[0].format()
    assert "640104.yaml:" in text and "mgmt_ipv6 2001:db8:1001::99 differs from the address " \
        "IPAM recorded (2001:db8:1001::5" in text
    run_allocate(allocated_copy, today=TODAY)  # the declared address wins
    inv = load_inventory(allocated_copy)
    assert str(inv.devices["nx640104-0001-sw1"].device.mgmt_ipv6) == "2001:db8:1001::99"
    edit_county(allocated_copy, "640104", declare("2001:db8:ffff::1"))
    with pytest.raises(AllocationError) as exc2:
        run_allocate(allocated_copy, today=TODAY)
    assert "management address 2001:db8:ffff::1 is outside school 2401040001's management " \
           "prefix 2001:db8:1001::/64" in refusal_text(exc2)


def test_declared_prefixes_in_a_county_file_are_pinned(plan_dir: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["schools"][0]["prefixes"] = [{"prefix": "10.4.200.0/22", "role": "block"}]
    edit_county(plan_dir, "640104", change)
    run_allocate(plan_dir, today=TODAY)
    site = records(plan_dir).site("2401040001")
    assert site is not None and str(site.block["ipv4"]) == "10.4.200.0/22"


# ---------------------------------------------------------------------------- release, hold-down


def test_release_refuses_what_is_still_in_the_inventory(allocated_copy: Path) -> None:
    with pytest.raises(AllocationError) as exc:
        run_release(allocated_copy, "2401040004", today=TODAY)
    assert "still in the inventory" in refusal_text(exc)
    with pytest.raises(AllocationError) as exc:
        run_release(allocated_copy, "2001:db8:7777::/48", today=TODAY)
    assert "nothing to release" in refusal_text(exc)


def test_a_released_block_is_held_before_reuse(allocated_copy: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        data["schools"] = [s for s in data["schools"] if s["code"] != "2401040002"]
        gone = "nx640104-0002-"
        data["links"] = [x for x in data["links"]
                         if gone not in str(x["a"]) and gone not in str(x["b"])]
    edit_county(allocated_copy, "640104", drop)
    report = check(load_inventory(allocated_copy))
    assert any(f.kind == "orphan" and f.scope == "2401040002" for f in report.findings)
    result = run_release(allocated_copy, "2401040002", today=TODAY)
    assert [str(n) for n in result.released] == ["2001:db8:1002::/48", "10.4.8.0/22"]
    assert check(load_inventory(allocated_copy)).errors == 0
    add_school(allocated_copy, "640104", "2401040099")
    run_allocate(allocated_copy, today=TODAY + timedelta(days=29))
    site = records(allocated_copy).site("2401040099")
    assert site is not None and str(site.block["ipv6"]) == "2001:db8:1005::/48"  # not 1002
    # once the hold-down is over, the next school gets the freed block
    add_school(allocated_copy, "640104", "2401040098")
    result = run_allocate(allocated_copy, today=TODAY + timedelta(days=30))
    assert result.report is not None and result.report.expired_holds == 2
    site = records(allocated_copy).site("2401040098")
    assert site is not None and str(site.block["ipv6"]) == "2001:db8:1002::/48"
    assert "released:" not in texts(allocated_copy)["640104.yaml"]


def test_a_released_device_address_is_held(allocated_copy: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        devices = data["schools"][1]["devices"]
        data["schools"][1]["devices"] = [d for d in devices
                                         if d["hostname"] != "nx640104-0002-ap001"]
    edit_county(allocated_copy, "640104", drop)
    run_release(allocated_copy, "nx640104-0002-ap001", today=TODAY)
    def add(data: dict[str, Any]) -> None:
        data["schools"][1]["devices"].append(
            {"hostname": "nx640104-0002-sw9", "role": "access", "model": "S5735-L48T4X-A1"})
    edit_county(allocated_copy, "640104", add)
    run_allocate(allocated_copy, today=TODAY + timedelta(days=1))
    site = records(allocated_copy).site("2401040002")
    assert site is not None
    assert str(site.addresses["nx640104-0002-sw9"]["ipv6"]) == "2001:db8:1002::14"


def test_region_infrastructure_and_counties_without_city_level(tmp_path: Path,
                                                               sample_dir: Path) -> None:
    root = tmp_path / "inventory"
    shutil.copytree(sample_dir, root)
    plan = (Path(__file__).resolve().parents[3] / "inventory" / "address-plan.yaml").read_text(
        encoding="utf-8")
    (root / "address-plan.yaml").write_text(plan.replace("  city: 36 ", "  city: null "),
                                            encoding="utf-8")
    run_allocate(root, today=TODAY)
    allocs = records(root)
    assert allocs.region.cities == {}
    assert str(allocs.counties["640104"].block["ipv6"]) == "2001:db8:100::/40"


# edits of a recorded school that the fast path for complete sites must hand to the general
# path (which refuses, reports or adds), and one it may keep (nothing to do)
_EDITS = {
    "nothing": [],
    "network address": [("ap001 2001:db8:1001::2 ", "ap001 2001:db8:1001:: ")],
    "ipv4 broadcast": [("ap001 2001:db8:1001::2 10.4.6.2", "ap001 2001:db8:1001::2 10.4.6.63")],
    "outside its prefix": [("ap002 2001:db8:1001::3 ", "ap002 2001:db8:1001:1::3 ")],
    "two devices, one address": [("ap002 2001:db8:1001::3 10.4.6.3",
                                  "ap002 2001:db8:1001::2 10.4.6.2")],
    "missing address": [("      nx640104-0001-sw1 2001:db8:1001::5 10.4.6.5\n", "")],
    "missing ipv4": [("sw1 2001:db8:1001::5 10.4.6.5", "sw1 2001:db8:1001::5 -")],
    "orphan address": [("      nx640104-0001-sw1 2001:db8:1001::5 10.4.6.5\n",
                        "      nx640104-0001-sw1 2001:db8:1001::5 10.4.6.5\n"
                        "      nx640104-0001-gone 2001:db8:1001::9 10.4.6.9\n")],
    "service on the gateway address": [("website 2001:db8:1001:2::2 ",
                                        "website 2001:db8:1001:2::1 ")],
    "loopbacks collide": [("fw1 2001:db8:1001:7::2 10.4.7.18", "fw1 2001:db8:1001:7::1 10.4.7.17")],
    "links overlap": [("| 2001:db8:1001:6::2/127 10.4.7.2/31",
                       "| 2001:db8:1001:6::/127 10.4.7.2/31")],
    "link outside p2p": [("| 2001:db8:1001:6::2/127 ", "| 2001:db8:1001:5::2/127 ")],
    "missing link": [("      nx640104-metro1:GigabitEthernet0/0/1 | nx640104-0001-gw1:"
                      "XGigabitEthernet0/0/1 | 2001:db8:1001:6::2/127 10.4.7.2/31\n", "")],
    "role prefixes overlap": [("office 110 2001:db8:1001:2::/64",
                               "office 110 2001:db8:1001:1::/64")],
    "role prefix outside the block": [("iot 140 2001:db8:1001:5::/64",
                                       "iot 140 2001:db8:1002:5::/64")],
    "roles out of plan order": [("      teaching 100 2001:db8:1001:1::/64 10.4.4.0/24\n", ""),
                                ("      iot 140 2001:db8:1001:5::/64",
                                 "      teaching 100 2001:db8:1001:1::/64 10.4.4.0/24\n"
                                 "      iot 140 2001:db8:1001:5::/64")],
}


@pytest.mark.parametrize("edit", sorted(_EDITS))
def test_complete_sites_fast_path_agrees_with_the_general_path(
        allocated_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    outcomes: list[tuple[Any, Any, dict[str, str]]] = []
    for fast in (True, False):
        root = tmp_path / f"fast-{fast}"
        shutil.copytree(allocated_dir, root)
        path = root / "ipam" / "640104.yaml"
        text = path.read_text(encoding="utf-8")
        for old, new in _EDITS[edit]:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr("netctl.ipam.allocator.FAST_PATHS", fast)
        try:
            result = run_allocate(root, today=TODAY)
        except AllocationError as exc:
            outcomes.append(("refused", str(exc), {}))
            continue
        assert result.report is not None
        outcomes.append((dict(result.report.added), result.report.orphans, texts(root)))
    assert outcomes[0] == outcomes[1]
    if edit == "nothing":
        assert outcomes[0][0] == {} or not any(outcomes[0][0].values())
