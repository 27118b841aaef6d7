"""Zones from IPAM: names, reverse zones in step, serials that change only with content,
and ``netctl dns check`` (netctl's own checks; named-checkzone runs in the integration tier)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import dns.rdatatype
import dns.reversename
import dns.zone
import pytest

from netctl.dns.check import check_zones
from netctl.dns.zone import build_zones, label, read_serial, render, reverse_zones, write_zones
from netctl.exceptions import InventoryError
from netctl.inventory.index import Inventory, load_inventory
from netctl.ipam.merge import management
from netctl.ipam.net import parse_net
from netctl.ipam.store import run_allocate

TODAY = date(2026, 11, 28)


def parse(path: Path, origin: str) -> dns.zone.Zone:
    return dns.zone.from_file(str(path), origin=origin, relativize=False)


def test_zones_hold_every_name_with_ipam_addresses(allocated_dir: Path, tmp_path: Path) -> None:
    inv = load_inventory(allocated_dir)
    results = write_zones(inv, tmp_path, today=TODAY)
    assert [r.origin for r in results] == ["nxedu.example.cn.", "8.b.d.0.1.0.0.2.ip6.arpa.",
                                           "10.in-addr.arpa."]
    assert all(r.changed and r.serial == 2026112800 for r in results)
    fwd = parse(tmp_path / "nxedu.example.cn.zone", "nxedu.example.cn")
    rev6 = parse(tmp_path / "8.b.d.0.1.0.0.2.ip6.arpa.zone", "8.b.d.0.1.0.0.2.ip6.arpa")
    rev4 = parse(tmp_path / "10.in-addr.arpa.zone", "10.in-addr.arpa")

    def rr(zone: dns.zone.Zone, name: str, rtype: str) -> list[str]:
        rds = zone.get_rdataset(name, rtype)
        return sorted(r.to_text() for r in rds) if rds else []

    for entry in inv.devices.values():
        name = f"{label(entry.hostname)}.nxedu.example.cn."
        assert rr(fwd, name, "AAAA") == [str(entry.device.mgmt_ipv6)]
        assert rr(fwd, name, "A") == [str(entry.device.mgmt_ipv4)]
        ptr6 = dns.reversename.from_address(str(entry.device.mgmt_ipv6)).to_text()
        ptr4 = dns.reversename.from_address(str(entry.device.mgmt_ipv4)).to_text()
        assert rr(rev6, ptr6, "PTR") == [name]
        assert rr(rev4, ptr4, "PTR") == [name]
    gw = inv.devices["nx640104-0001-gw1"]
    lo = "2001:db8:1001:7::1"  # the gateway's loopback comes first
    assert rr(fwd, "2401040001.nxedu.example.cn.", "AAAA") == [lo]
    assert rr(fwd, "lo0.nx640104-0001-gw1.nxedu.example.cn.", "AAAA") == [lo]
    assert rr(fwd, "vlan100.nx640104-0001-gw1.nxedu.example.cn.", "AAAA") == [
        "2001:db8:1001:1::1"]
    assert rr(fwd, "xgigabitethernet0-0-1.nx640104-0001-gw1.nxedu.example.cn.", "AAAA") == [
        "2001:db8:1001:6::3"]
    txt = fwd.get_rdataset("2401040001.nxedu.example.cn.", "TXT")
    assert txt is not None
    assert next(iter(txt)).strings[0].decode() == inv.schools["2401040001"].school.name
    assert gw.device.mgmt_ipv6 is not None
    website = inv.schools["2401040001"].school.website
    assert rr(fwd, f"{website}.", "AAAA") == ["2001:db8:1001:2::2"]
    assert rr(rev6, dns.reversename.from_address("2001:db8:1001:2::2").to_text(), "PTR") == [
        f"{website}."]
    assert rr(fwd, "ns1.nxedu.example.cn.", "AAAA")
    assert rr(fwd, "nxedu.example.cn.", "NS") == ["ns1.nxedu.example.cn.",
                                                  "ns2.nxedu.example.cn."]
    conf = (tmp_path / "named.conf.zones").read_text(encoding="utf-8")
    assert 'zone "10.in-addr.arpa" { type primary; file "10.in-addr.arpa.zone"; };' in conf


def test_serial_changes_only_with_content(allocated_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "dns"
    write_zones(load_inventory(allocated_copy), out, today=TODAY)
    again = write_zones(load_inventory(allocated_copy), out, today=date(2026, 12, 3))
    assert not any(r.changed for r in again)
    assert {r.serial for r in again} == {2026112800}
    # a new device: forward and reverse zones change together, the serial goes up
    path = allocated_copy / "counties" / "640104.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  - hostname: nx640104-0001-sw1\n",
        "  - hostname: nx640104-0001-sw9\n    role: access\n    model: S5735-L48T4X-A1\n"
        "  - hostname: nx640104-0001-sw1\n", 1)
    path.write_text(text, encoding="utf-8")
    run_allocate(allocated_copy, today=TODAY)
    same_day = write_zones(load_inventory(allocated_copy), out, today=TODAY)
    assert [r.changed for r in same_day] == [True, True, True]
    assert {r.serial for r in same_day} == {2026112801}
    # an alias (a CNAME) changes the forward zone only
    text = path.read_text(encoding="utf-8").replace(
        "  website: xingqing0001.nxedu.example.cn\n", "  website: xingqing0001.nxedu.example.cn\n"
        "  domains:\n  - {name: www.xq1.nxedu.example.cn, kind: website}\n", 1)
    path.write_text(text, encoding="utf-8")
    later = write_zones(load_inventory(allocated_copy), out, today=date(2026, 12, 1))
    assert [r.changed for r in later] == [True, False, False]
    assert "www.xq1\tIN\tCNAME\txingqing0001.nxedu.example.cn." in (
        out / "nxedu.example.cn.zone").read_text("utf-8")
    assert later[0].serial == 2026120100
    assert read_serial((out / "nxedu.example.cn.zone").read_text("utf-8")) == 2026120100


def test_reverse_zones_follow_nibble_and_octet_boundaries() -> None:
    assert [str(n) for n in reverse_zones(parse_net("2001:db8::/30"))] == [
        "2001:db8::/32", "2001:db9::/32", "2001:dba::/32", "2001:dbb::/32"]
    assert len(reverse_zones(parse_net("172.16.0.0/12"))) == 16
    assert [str(n) for n in reverse_zones(parse_net("10.0.0.0/8"))] == ["10.0.0.0/8"]


def test_check_is_clean_then_finds_stale_and_broken_zones(allocated_copy: Path,
                                                          tmp_path: Path) -> None:
    inv = load_inventory(allocated_copy)
    out = tmp_path / "dns"
    write_zones(inv, out, today=TODAY)
    report = check_zones(out, inv, checkzone=None)
    assert report.errors == 0, report.findings
    assert report.zones == ["nxedu.example.cn", "8.b.d.0.1.0.0.2.ip6.arpa", "10.in-addr.arpa"]
    fwd = out / "nxedu.example.cn.zone"
    text = fwd.read_text(encoding="utf-8")
    text = text.replace("nx640104-0001-ap001\tIN\tAAAA\t2001:db8:1001::2",
                        "nx640104-0001-ap001\tIN\tAAAA\t2001:db8:1001::99")
    text = text.replace("2026112800 ; serial", "2026139900 ; serial")
    fwd.write_text(text, encoding="utf-8")
    report = check_zones(out, inv, checkzone=None)
    messages = "\n".join(f.message for f in report.findings)
    assert "SOA serial 2026139900 is not YYYYMMDDnn" in messages
    assert "PTR of 2001:db8:1001::2 names nx640104-0001-ap001.nxedu.example.cn., which does " \
           "not resolve to it" in messages
    assert "stale: 1 record(s) missing, 1 not in IPAM any more" in messages
    missing = check_zones(tmp_path / "nowhere", inv, checkzone=None)
    assert missing.errors == 1 and "run 'netctl dns zone' first" in missing.findings[0].fix


def test_zones_of_a_whole_region_count(allocated_dir: Path) -> None:
    zones = build_zones(load_inventory(allocated_dir))
    forward, rev6, rev4 = zones
    ptr6 = [r for r in rev6.records if r[1] == "PTR"]
    ptr4 = [r for r in rev4.records if r[1] == "PTR"]
    aaaa = {value for _, rtype, value in forward.records if rtype == "AAAA"}
    assert len(ptr6) == len(aaaa)  # every IPv6 address of the zone has exactly one PTR
    assert len(ptr4) == len({value for _, rtype, value in forward.records if rtype == "A"})
    assert all(rtype != "SOA" for _, rtype, _ in forward.records)
    assert dns.rdatatype.from_text("PTR") == dns.rdatatype.PTR


def test_cli_zone_and_check(allocated_dir: Path, tmp_path: Path) -> None:
    def netctl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from netctl.cli import main; main()",
                               "--inventory", str(allocated_dir), *args],
                              capture_output=True, text=True, timeout=120, check=False)

    r = netctl("dns", "zone", "--out", str(tmp_path), "--today", "2026-11-28", "--format",
               "json")
    assert r.returncode == 0, r.stderr
    assert [z["serial"] for z in json.loads(r.stdout)] == [2026112800] * 3
    (tmp_path / "10.in-addr.arpa.zone").write_text("garbage\n", encoding="utf-8")
    r = netctl("dns", "check", "--out", str(tmp_path), "--format", "json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["ok"] is False
    assert any(f["zone"] == "10.in-addr.arpa" for f in out["findings"])


def _zone_texts(inv: Inventory) -> list[str]:
    plan = inv.ipam.plan
    return [render(z, plan, 1) for z in build_zones(inv)]


def test_zones_from_unapplied_addresses_are_those_of_the_applied_ones(
        allocated_copy: Path) -> None:
    """`netctl dns zone` loads without giving the devices IPAM's addresses (no address object
    per device) and takes them from the records as numbers: the zones are byte for byte those
    of an inventory whose devices carry them, also with a declared address (it wins)."""
    applied = load_inventory(allocated_copy)
    bare = load_inventory(allocated_copy, apply_ipam=False)
    assert bare.ipam.applied is False and applied.ipam.applied is True
    assert bare.devices["nx640104-0001-gw1"].device.mgmt_ipv6 is None
    assert _zone_texts(bare) == _zone_texts(applied)
    assert management(applied) == {}  # nothing to add: the devices have them
    numbers = management(bare)
    for host, entry in applied.devices.items():
        if host in numbers:
            six, four = entry.device.mgmt_ipv6, entry.device.mgmt_ipv4
            assert numbers[host] == (int(six) if six else None, int(four) if four else None)
    assert {h for h, e in applied.devices.items() if e.device.mgmt_ipv6} == set(numbers)
    # a device that declares the address IPAM recorded (as after `allocate` of a declared one)
    county = allocated_copy / "counties" / "640104.yaml"
    text = county.read_text(encoding="utf-8")
    host = "nx640104-0001-ap001"
    declared = text.replace(f"hostname: {host}\n",
                            f"hostname: {host}\n    mgmt_ipv4: 10.4.6.2\n", 1)
    assert declared != text
    county.write_text(declared, encoding="utf-8")
    assert _zone_texts(load_inventory(allocated_copy, apply_ipam=False)) == \
        _zone_texts(load_inventory(allocated_copy))


@pytest.mark.parametrize("damage", ["declared differs", "bad record line"])
def test_unapplied_addresses_raise_what_the_applied_load_raises(
        allocated_copy: Path, damage: str) -> None:
    if damage == "declared differs":
        county = allocated_copy / "counties" / "640104.yaml"
        text = county.read_text(encoding="utf-8")
        host = "nx640104-0001-ap001"
        county.write_text(text.replace(f"hostname: {host}\n",
                                       f"hostname: {host}\n    mgmt_ipv4: 10.4.6.99\n", 1),
                          encoding="utf-8")
    else:
        record = allocated_copy / "ipam" / "640104.yaml"
        text = record.read_text(encoding="utf-8")
        record.write_text(text.replace(" 10.4.6.2\n", " 10.4.6.999\n", 1), encoding="utf-8")
    with pytest.raises(InventoryError) as applied:
        load_inventory(allocated_copy)
    bare = load_inventory(allocated_copy, apply_ipam=False)
    with pytest.raises(InventoryError) as numbers:
        build_zones(bare)
    assert numbers.value.problems == applied.value.problems
    assert any(p.severity == "error" and p.file is not None for p in numbers.value.problems)


def test_txt_strings_escape_every_byte_as_rfc1035_says() -> None:
    """The TXT text of a name: each UTF-8 byte as itself (printable ASCII), backslash-quoted
    (`"` and `\\`) or `\\DDD`; split into strings of at most 255 bytes, never inside a
    character. Checked against a byte-by-byte reference, short names (one string) and long."""
    import random

    from netctl.dns.zone import _txt

    def reference(text: str) -> str:
        chunks: list[bytes] = [b""]
        for ch in text:
            raw = ch.encode("utf-8")
            if len(chunks[-1]) + len(raw) > 255:
                chunks.append(b"")
            chunks[-1] += raw

        def esc(b: int) -> str:
            if chr(b) in '"\\':
                return "\\" + chr(b)
            return chr(b) if 32 <= b <= 126 else f"\\{b:03d}"
        return " ".join('"' + "".join(esc(b) for b in c) + '"' for c in chunks)

    rng = random.Random(17)
    alphabet = 'aZ09 -"\\\t\x7f\x00éü宁夏教育（）【】😀' + "".join(chr(c) for c in range(32, 127))
    samples = ["", "银川市第一中学", 'a"b\\c', "宁" * 85, "宁" * 86, "x" * 255, "x" * 256]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 200)))
                for _ in range(300)]
    for text in samples:
        assert _txt(text) == reference(text), text


def test_zone_files_written_and_compared_in_parts(allocated_copy: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Zone files are written, and compared with the old ones, a few lines at a time: the
    bytes are those of the whole text, and a change in any part (the last line, one more line)
    is a change."""
    import netctl.dns.zone as zone_mod

    inv = load_inventory(allocated_copy)
    whole, parted = tmp_path / "whole", tmp_path / "parted"
    write_zones(inv, whole, today=TODAY)
    monkeypatch.setattr(zone_mod, "_PART_LINES", 7)  # many parts, one cut mid-zone
    assert [r.changed for r in write_zones(inv, parted, today=TODAY)] == [True] * 3
    for path in whole.iterdir():
        assert (parted / path.name).read_bytes() == path.read_bytes()
    zones = build_zones(inv)
    for z in zones:
        text = render(z, inv.ipam.plan, 5)
        assert text == "".join(zone_mod.render_parts(z, inv.ipam.plan, 5))
        assert len(z.lines) > 7 and text.count("\n") == len(z.lines) + 10
        assert zone_mod._same_text(text, zone_mod.render_parts(z, inv.ipam.plan, 5))
        assert not zone_mod._same_text(text + "x", zone_mod.render_parts(z, inv.ipam.plan, 5))
        assert not zone_mod._same_text(text[:-2] + "x\n",
                                       zone_mod.render_parts(z, inv.ipam.plan, 5))
        assert not zone_mod._same_text(text[:-1], zone_mod.render_parts(z, inv.ipam.plan, 5))
    # the same content the next day: nothing written, serials kept
    assert [r.changed for r in write_zones(inv, parted, today=date(2026, 11, 29))] == [False] * 3
    # the last line of the forward zone edited by hand: rewritten with the next serial
    fwd = parted / "nxedu.example.cn.zone"
    fwd.write_text(fwd.read_text("utf-8")[:-2] + "9\n", encoding="utf-8")
    again = write_zones(inv, parted, today=TODAY)
    assert [r.changed for r in again] == [True, False, False]
    assert again[0].serial == 2026112801
    assert fwd.read_bytes().replace(b"2026112801 ; serial", b"2026112800 ; serial") == \
        (whole / fwd.name).read_bytes()
