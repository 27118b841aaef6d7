"""Every validation error and warning of the inventory, each from a bad file, with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from netctl.exceptions import InventoryError, Problem
from netctl.inventory.index import load_inventory

REGION = """\
region: {code: "640000", name: 宁夏回族自治区}
defaults: {aps_per_room: 1, credentials: default}
nodes:
  - id: bb-640100
    kind: backbone
    name: 银川市教育骨干网核心节点
    devices:
      - {hostname: nx-bb-yi1, role: backbone, model: NE40E-X8A}
"""

CATALOG = """\
models:
  NE40E-X8A: {platform: huawei_vrp}
  S6730-H24X6C: {platform: huawei_vrp}
  AirEngine5761-11: {platform: huawei_vrp, wifi: wifi6}
  AirEngine9700-M: {platform: huawei_vrp}
"""

GOOD_COUNTY = """\
county: "640104"
name: 兴庆区
schools:
  - code: "2401040001"
    name: 兴庆区第一小学
    category: urban
    stage: primary
    classes: 12
    teaching_rooms: 12
    digital_classrooms: 10
    devices:
      - hostname: s1-gw1
        role: gateway
        model: S6730-H24X6C
        interfaces:
          - {name: XGigabitEthernet0/0/1, role: uplink}
      - {hostname: s1-ac1, role: wlc, model: AirEngine9700-M}
      - {hostname: s1-ap001, role: ap, model: AirEngine5761-11, room: A101, controller: s1-ac1}
links:
  - {kind: edu_private, a: "s1-gw1:XGigabitEthernet0/0/1", b: "nx-bb-yi1", mbps: 1000}
"""


def make_inventory(tmp_path: Path, counties: dict[str, str], region: str = REGION) -> Path:
    root = tmp_path / "inventory"
    (root / "counties").mkdir(parents=True)
    (root / "region.yaml").write_text(region, encoding="utf-8")
    (root / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    for name, text in counties.items():
        (root / "counties" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(InventoryError) as info:
        load_inventory(root)
    return info.value.problems


def only_error(root: Path) -> Problem:
    errors = [p for p in problems_of(root) if p.severity == "error"]
    assert len(errors) == 1, [p.format() for p in errors]
    return errors[0]


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_good_inventory_loads(tmp_path: Path) -> None:
    inv = load_inventory(make_inventory(tmp_path, {"640104.yaml": GOOD_COUNTY}))
    assert set(inv.devices) == {"nx-bb-yi1", "s1-gw1", "s1-ac1", "s1-ap001"}
    assert inv.devices["s1-ap001"].wifi is not None
    assert inv.devices["s1-gw1"].city == "640100"
    assert inv.warnings == []
    assert [str(u.b) for u in inv.uplinks_of("2401040001")] == ["nx-bb-yi1"]


def test_misspelt_field_names_file_line_and_suggests(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("        role: gateway\n", "        rol: gateway\n")
    root = make_inventory(tmp_path, {"640104.yaml": bad})
    problems = [p for p in problems_of(root) if "rol" in p.message]
    unknown = next(p for p in problems if "unknown field 'rol'" in p.message)
    assert unknown.file == root / "counties" / "640104.yaml"
    assert unknown.line == line_of(bad, "rol: gateway")
    assert unknown.field == "schools[0].devices[0].rol"
    assert "did you mean 'role'?" in unknown.fix
    missing = next(p for p in problems if "required field 'role'" in p.message)
    assert missing.line == line_of(bad, "hostname: s1-gw1")


def test_missing_required_field(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("    name: 兴庆区第一小学\n", "")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message == "required field 'name' is missing"
    assert p.field == "schools[0].name"
    assert p.line == line_of(bad, 'code: "2401040001"')
    assert "add 'name: ...'" in p.fix


def test_bad_school_code(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace('code: "2401040001"', 'code: "240104001"')
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.field == "schools[0].code"
    assert p.line == line_of(bad, 'code: "240104001"')
    assert "10-digit" in p.fix


def test_unknown_platform(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("        model: S6730-H24X6C\n", "        platform: huawei\n")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message == "unknown platform 'huawei'"
    assert p.line == line_of(bad, "platform: huawei")
    assert "huawei_vrp" in p.fix


def test_device_without_resolvable_platform(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("model: S6730-H24X6C", "model: S9999")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message == "device 's1-gw1' has no platform"
    assert "catalog.yaml" in p.fix


def test_bad_enum_lists_the_choices(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("category: urban", "category: city")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.field == "schools[0].category"
    assert "'urban'" in p.fix and "'rural'" in p.fix


def test_unknown_county_code(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace('county: "640104"', 'county: "640199"').replace("name: 兴庆区\n", "")
    p = only_error(make_inventory(tmp_path, {"640199.yaml": bad}))
    assert p.message == "unknown county code 640199"
    assert p.line == 1
    assert "640104 兴庆区" in p.fix


def test_county_name_must_match_code(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("name: 兴庆区\n", "name: 西夏区\n")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert "county 640104 is 兴庆区, not 西夏区" in p.message
    assert p.line == 2


def test_duplicate_school_code_across_files(tmp_path: Path) -> None:
    other = (
        GOOD_COUNTY.replace('county: "640104"', 'county: "640105"')
        .replace("name: 兴庆区\n", "")
        .replace("s1-", "s2-")
    )
    root = make_inventory(tmp_path, {"640104.yaml": GOOD_COUNTY, "640105.yaml": other})
    p = only_error(root)
    assert p.message == "duplicate school code 2401040001"
    assert p.file == root / "counties" / "640105.yaml"
    assert "640104.yaml" in p.fix


def test_duplicate_hostname(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("hostname: s1-ac1", "hostname: s1-gw1")
    root = make_inventory(tmp_path, {"640104.yaml": bad})
    errors = [p for p in problems_of(root) if p.severity == "error"]
    dup = next(p for p in errors if p.message == "duplicate hostname 's1-gw1'")
    assert dup.line == line_of(bad, "{hostname: s1-gw1, role: wlc")


def test_link_endpoint_that_does_not_exist(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace('b: "nx-bb-yi1"', 'b: "nx-bb-xx9"')
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message == "link endpoint 'nx-bb-xx9' does not exist"
    assert p.field == "links[0].b"
    assert p.line == line_of(bad, "kind: edu_private")


def test_link_interface_that_does_not_exist(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace('a: "s1-gw1:XGigabitEthernet0/0/1"', 'a: "s1-gw1:Eth0/0/9"')
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message == "device 's1-gw1' has no interface 'Eth0/0/9'"
    assert "XGigabitEthernet0/0/1" in p.fix


def test_uplink_without_rate(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace(", mbps: 1000}", "}")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert "needs its contracted rate" in p.message


def test_controller_must_be_a_wlc(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("controller: s1-ac1", "controller: s1-gw1")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message == "controller 's1-gw1' has role gateway, not wlc"


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("    classes: 12\n", "    classes: [12\n")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert p.message.startswith("not valid YAML")
    assert p.line is not None and abs(p.line - line_of(bad, "classes: [12")) <= 2


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace("    classes: 12\n", "    classes: 12\n    classes: 13\n")
    p = only_error(make_inventory(tmp_path, {"640104.yaml": bad}))
    assert "duplicate" in p.message


def test_no_inventory_folder(tmp_path: Path) -> None:
    p = only_error(tmp_path)
    assert "no inventory here" in p.message
    assert "netctl inventory generate" in p.fix


def test_every_error_is_reported_not_only_the_first(tmp_path: Path) -> None:
    bad = (
        GOOD_COUNTY.replace('code: "2401040001"', 'code: "1"')
        .replace("stage: primary", "stage: college")
        .replace("classes: 12", "classes: -3")
    )
    errors = [
        p
        for p in problems_of(make_inventory(tmp_path, {"640104.yaml": bad}))
        if p.severity == "error"
    ]
    assert {p.field for p in errors} == {
        "schools[0].code",
        "schools[0].stage",
        "schools[0].classes",
    }


def test_school_without_gateway_is_a_warning(tmp_path: Path) -> None:
    county = GOOD_COUNTY.split("    devices:", maxsplit=1)[0]
    inv = load_inventory(make_inventory(tmp_path, {"640104.yaml": county}))
    assert len(inv.warnings) == 1
    w = inv.warnings[0]
    assert w.severity == "warning"
    assert "has no gateway" in w.message
    assert w.line == line_of(county, 'code: "2401040001"')


def test_problem_format_is_file_line_field_message_fix(tmp_path: Path) -> None:
    bad = GOOD_COUNTY.replace('code: "2401040001"', 'code: "24010400"')
    root = make_inventory(tmp_path, {"640104.yaml": bad})
    text = only_error(root).format(root)
    assert text.startswith("counties/640104.yaml:4: error: schools[0].code: ")
    assert "(fix: " in text


def test_sample_inventory_is_valid(sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    assert len(inv.schools) == 44
    assert {d.county for d in inv.schools.values()} == set(
        __import__("netctl.geo", fromlist=["COUNTIES"]).COUNTIES
    )
    assert inv.warnings == []


def test_repository_inventory_is_valid(repo_root: Path) -> None:
    inv = load_inventory(repo_root / "inventory")
    assert len(inv.schools) >= 22
