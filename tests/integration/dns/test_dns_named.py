"""The generated zones pass named-checkzone and a real BIND serves what IPAM says."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

import dns.reversename
import pytest

from netctl.dns.check import check_zones
from netctl.dns.zone import label, write_zones
from netctl.inventory.index import load_inventory
from netctl.ipam.addresses import site_addressing
from netctl.ipam.store import run_allocate

pytestmark = pytest.mark.integration


def test_named_checkzone_accepts_every_zone(named: Any, checkzone: str) -> None:
    binary = checkzone
    for path in sorted(named.zones.glob("*.zone")):
        origin = path.name.removesuffix(".zone")
        proc = subprocess.run([binary, "-k", "fail", "-i", "local", origin, str(path)],
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "OK" in proc.stdout
    report = check_zones(named.zones, load_inventory(named.inventory), checkzone=binary)
    assert report.named_checkzone == binary
    assert report.errors == 0, report.findings


def test_aaaa_a_and_ptr_answers_are_what_ipam_says(named: Any) -> None:
    inv = load_inventory(named.inventory)
    checked = 0
    for entry in sorted(inv.devices.values(), key=lambda d: d.hostname):
        if entry.role.value not in ("gateway", "metro", "backbone", "firewall") \
                and not entry.hostname.endswith(("ap001", "sw1")):
            continue
        name = f"{label(entry.hostname)}.nxedu.example.cn."
        v6, v4 = str(entry.device.mgmt_ipv6), str(entry.device.mgmt_ipv4)
        assert named.answers(name, "AAAA") == [v6], name
        assert named.answers(name, "A") == [v4], name
        assert named.answers(dns.reversename.from_address(v6).to_text(), "PTR") == [name]
        assert named.answers(dns.reversename.from_address(v4).to_text(), "PTR") == [name]
        checked += 1
    assert checked > 100


def test_school_and_website_names_resolve_to_their_ipam_addresses(named: Any) -> None:
    inv = load_inventory(named.inventory)
    for code, s in sorted(inv.schools.items()):
        site = site_addressing(inv, code)
        assert site.gateway is not None
        gw = site.device(site.gateway)
        assert named.answers(f"{code}.nxedu.example.cn", "AAAA") == [str(gw.loopback_ipv6)]
        assert named.answers(f"{code}.nxedu.example.cn", "A") == [str(gw.loopback_ipv4)]
        if s.school.website and s.school.website.endswith(".nxedu.example.cn"):
            assert named.answers(s.school.website, "AAAA") == [
                str(site.services["website"].ipv6)]
    gw = site_addressing(inv, "2401040001").device("nx640104-0001-gw1")
    assert gw.loopback_ipv6 is not None
    ptr = dns.reversename.from_address(str(gw.loopback_ipv6)).to_text()
    assert named.answers(ptr, "PTR") == ["lo0.nx640104-0001-gw1.nxedu.example.cn."]
    assert named.answers("nosuchname.nxedu.example.cn", "AAAA") == []


def test_a_new_device_is_served_after_reload_with_a_higher_serial(named: Any) -> None:
    before = named.serial("nxedu.example.cn")
    county = named.inventory / "counties" / "640104.yaml"
    text = county.read_text(encoding="utf-8").replace(
        "  - hostname: nx640104-0001-sw1\n",
        "  - hostname: nx640104-0001-sw7\n    role: access\n    model: S5735-L48T4X-A1\n"
        "  - hostname: nx640104-0001-sw1\n", 1)
    county.write_text(text, encoding="utf-8")
    run_allocate(named.inventory, today=date(2026, 11, 29))
    results = write_zones(load_inventory(named.inventory), named.zones,
                          today=date(2026, 11, 29))
    assert all(r.changed and r.serial == 2026112900 for r in results)
    named.reload()
    deadline = time.monotonic() + 20
    while named.serial("nxedu.example.cn") == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert named.serial("nxedu.example.cn") == 2026112900 > before
    inv = load_inventory(named.inventory)
    new = inv.devices["nx640104-0001-sw7"].device
    assert named.answers("nx640104-0001-sw7.nxedu.example.cn", "AAAA") == [str(new.mgmt_ipv6)]
    deadline = time.monotonic() + 20
    ptr = dns.reversename.from_address(str(new.mgmt_ipv6)).to_text()
    while not named.answers(ptr, "PTR") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert named.answers(ptr, "PTR") == ["nx640104-0001-sw7.nxedu.example.cn."]


def test_named_checkzone_rejects_a_broken_zone(named: Any, checkzone: str,
                                               tmp_path: Path) -> None:
    binary = checkzone
    shutil.copytree(named.zones, tmp_path / "zones")
    path = tmp_path / "zones" / "nxedu.example.cn.zone"
    path.write_text(path.read_text(encoding="utf-8") + "bad_name\tIN\tA\t10.0.0.1\n",
                    encoding="utf-8")
    report = check_zones(tmp_path / "zones", None, checkzone=binary)
    assert any("named-checkzone" in f.message and "bad_name" in f.message
               for f in report.findings), report.findings


def test_a_long_cjk_school_name_gives_a_zone_named_checkzone_accepts(
    named: Any, checkzone: str, tmp_path: Path
) -> None:
    """Issue 13.7: an 86-character CJK name is 258 UTF-8 bytes, over the 255-byte limit of one
    TXT character-string; the record is split into several strings and the zone loads."""
    import dns.zone

    inventory = tmp_path / "inventory"
    shutil.copytree(named.inventory, inventory)
    inv = load_inventory(inventory)
    school = inv.schools_in("640104")[0].school
    long_name = ("宁夏回族自治区银川市兴庆区第一中学附属实验学校" * 4)[:86]
    assert len(long_name) == 86 and len(long_name.encode()) == 258
    county = inventory / "counties" / "640104.yaml"
    county.write_text(county.read_text(encoding="utf-8").replace(
        f"name: {school.name}\n", f"name: {long_name}\n", 1), encoding="utf-8")
    inv = load_inventory(inventory)
    assert inv.schools[school.code].school.name == long_name
    zones = tmp_path / "zones"
    write_zones(inv, zones, today=date(2026, 11, 29))
    path = zones / "nxedu.example.cn.zone"
    proc = subprocess.run([checkzone, "-k", "fail", "-i", "local", "nxedu.example.cn", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    zone = dns.zone.from_file(str(path), origin="nxedu.example.cn", relativize=True)
    txt = zone.find_rdataset(school.code, "TXT")
    [rdata] = list(txt)
    assert [len(s) for s in rdata.strings] == [255, 3]
    assert b"".join(rdata.strings).decode("utf-8") == long_name
    report = check_zones(zones, inv, checkzone=checkzone)
    assert report.errors == 0, report.findings
