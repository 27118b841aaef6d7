"""Issue 13.1: every inventory string that reaches a template is validated at load.

An interface name with a line break (``GigabitEthernet0/0/5\\nundo stelnet server enable``)
used to pass ``inventory validate`` and render as a second command. Each field that a template
can print now has a grammar, and ``inventory validate`` names the file, line, field and fix.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from netctl.exceptions import InventoryError, Problem
from netctl.inventory.index import load_inventory
from netctl.models.inventory import CountyFile, Interface, School
from netctl.models.text import problem_in

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
"""
COUNTY = """\
county: "640104"
schools:
  - code: "2401040001"
    name: @SCHOOL@
    category: urban
    stage: primary
    devices:
      - hostname: s1-gw1
        role: gateway
        model: S6730-H24X6C
        interfaces:
          - name: @IF@
            role: uplink
            description: @DESCR@
"""
GOOD = {"SCHOOL": "兴庆区第一小学", "IF": "XGigabitEthernet0/0/1", "DESCR": "to metro"}


def inventory(tmp_path: Path, **values: str) -> Path:
    text = COUNTY
    for key, default in GOOD.items():
        text = text.replace(f"@{key}@", values.get(key, default))
    root = tmp_path / "inventory"
    (root / "counties").mkdir(parents=True)
    (root / "region.yaml").write_text(REGION, encoding="utf-8")
    (root / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (root / "counties" / "640104.yaml").write_text(text, encoding="utf-8")
    return root


def errors(root: Path) -> list[Problem]:
    with pytest.raises(InventoryError) as info:
        load_inventory(root)
    return [p for p in info.value.problems if p.severity == "error"]


def test_the_good_file_loads(tmp_path: Path) -> None:
    inv = load_inventory(inventory(tmp_path))
    assert inv.devices["s1-gw1"].device.interfaces[0].name == "XGigabitEthernet0/0/1"


@pytest.mark.parametrize("name", [
    '"GigabitEthernet0/0/5\\nundo stelnet server enable"',  # the injection
    '"GigabitEthernet0/0/5\\rundo stelnet server enable"',
    '"GigabitEthernet0/0/5\\u2028undo stelnet server enable"',  # Unicode line separator
    '"GigabitEthernet0/0/5\\u0085undo stelnet"',  # NEL
    '"GigabitEthernet0/0/5\\u202e"',  # bidi override
    '"GigabitEthernet0/0/5\\u200b"',  # zero-width space
    '"GigabitEthernet0/0/5 shutdown"',  # a keyword after the name
    '"GigabitEthernet0/0/5;reboot"',
    '"GigabitEthernet0/0/5\\tx"',
    '"Gigabit Ethernet0/0/5"',
    '"GigabitEthernet\\u00a00/5"',  # a no-break space
])
def test_interface_name_injection_refused_with_file_line_field_fix(
    tmp_path: Path, name: str
) -> None:
    root = inventory(tmp_path, IF=name)
    [p] = errors(root)
    assert p.file == root / "counties" / "640104.yaml"
    assert p.line == 12
    assert p.field == "schools[0].devices[0].interfaces[0].name"
    assert "not a valid interface" in p.message
    assert "\n" not in p.message and "\r" not in p.message  # the value is shown escaped
    assert "GigabitEthernet0/0/1" in p.fix


@pytest.mark.parametrize("name", [
    "GigabitEthernet0/0/1", "GigabitEthernet 0/1", "TenGigabitEthernet 0/25",
    "Ten-GigabitEthernet1/0/25", "XGigabitEthernet0/0/1", "Eth-Trunk1", "Eth-Trunk1.100",
    "100GE1/0/1", "10GE1/0/1:2", "Vlanif100", "Vlan-interface100", "VLAN 100", "Vlan100",
    "LoopBack0", "Loopback 0", "AggregatePort 1", "Port-channel1", "eth0", "lo", "enp0s3",
    "Bridge-Aggregation1", "MEth0/0/1", "GigabitEthernet1/0/1.100",
])
def test_real_interface_names_accepted(name: str) -> None:
    assert Interface(name=name).name == name


@pytest.mark.parametrize(("descr", "what"), [
    ('"to metro\\nundo stelnet server enable"', "line break"),
    ('"to metro\\u202e"', "format"),
    ('"to metro\\u0007"', "control"),
])
def test_description_control_characters_refused(tmp_path: Path, descr: str, what: str) -> None:
    [p] = errors(inventory(tmp_path, DESCR=descr))
    assert p.field == "schools[0].devices[0].interfaces[0].description"
    assert what in p.message
    assert "one line" in p.fix
    assert p.line == 14


@pytest.mark.parametrize(("name", "what"), [
    ('"=HYPERLINK(\\"http://x\\")"', "cannot start with '='"),
    ('"=cmd|'"' /C calc'"'!A0"', "cannot start with '='"),
    ('"+1 school"', "cannot start with '+'"),
    ('"@SUM(1)"', "cannot start with '@'"),
    ('"-2+3"', "cannot start with '-'"),
    ('"[/bold] x"', "cannot contain '['"),
    ('"学校\\n第二行"', "line break"),
    ('"学校\\u3000一中"', "space other than"),
])
def test_school_names_that_no_school_has(tmp_path: Path, name: str, what: str) -> None:
    [p] = errors(inventory(tmp_path, SCHOOL=name))
    assert p.field == "schools[0].name"
    assert what in p.message
    assert p.fix


@pytest.mark.parametrize("name", ["银川市第一中学（高中部）", "兴庆区第一小学",
                                  "Yinchuan No.1 Middle School", "石嘴山市第十五小学·分校"])
def test_real_school_names_accepted(name: str) -> None:
    school = TypeAdapter(School).validate_python(
        {"code": "2401040001", "name": name, "category": "urban", "stage": "primary"})
    assert school.name == name


@pytest.mark.parametrize("code", ["２４０１０４０００１", "٢٤٠١٠٤٠٠٠١", "24010400０1", "240104000"])
def test_school_code_is_ascii_digits(code: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(School).validate_python(
            {"code": code, "name": "x", "category": "urban", "stage": "primary"})


@pytest.mark.parametrize(("field", "value"), [
    ("model", "S6730\nundo stelnet"), ("model", "S6730 H24"), ("building", "A\rB"),
    ("room", "A101\u2029x"), ("credentials", "default\nx"), ("tags", ["a b"]),
])
def test_other_device_fields(field: str, value: object) -> None:
    data = {"county": "640104", "schools": [{
        "code": "2401040001", "name": "x", "category": "urban", "stage": "primary",
        "devices": [{"hostname": "s1-gw1", "role": "gateway", field: value}]}]}
    with pytest.raises(ValidationError) as info:
        TypeAdapter(CountyFile).validate_python(data)
    assert info.value.errors()[0]["loc"][-2:] in ((0, field), ("devices", 0)) or \
        field in info.value.errors()[0]["loc"]


def test_link_endpoint_interface_injection(tmp_path: Path) -> None:
    root = inventory(tmp_path)
    f = root / "counties" / "640104.yaml"
    f.write_text(f.read_text(encoding="utf-8") + textwrap.dedent("""\
        links:
          - {kind: edu_private, a: "s1-gw1:XGigabitEthernet0/0/1\\nundo ssh server", b: "nx-bb-yi1",
             mbps: 1000}
        """), encoding="utf-8")
    [p] = errors(root)
    assert p.field == "links[0].a.interface"
    assert p.line == 16


def test_problem_in_names_the_character() -> None:
    assert problem_in("a\nb") == "a line break (U+000A)"
    assert problem_in("a\u2028b") == "a line separator (U+2028)"
    assert problem_in("a\u200bb") == "a format (invisible) character (U+200B)"
    assert problem_in("a\ue000b") == "a private-use character (U+E000)"
    assert problem_in("中文 ok") is None


def test_validate_cli_reports_the_injection(tmp_path: Path) -> None:
    root = inventory(tmp_path, IF='"GigabitEthernet0/0/5\\nundo stelnet server enable"')
    r = subprocess.run(
        [sys.executable, "-c", "from netctl.cli import main; main()", "--inventory", str(root),
         "inventory", "validate"], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    out = " ".join(r.stderr.split())
    assert "640104.yaml:12: error: schools[0].devices[0].interfaces[0].name:" in out
    assert "undo stelnet" in out and "\\n" in out  # shown escaped, never as a second line
    assert "GigabitEthernet0/0/1" in out  # the fix


def test_vlan_names_from_the_address_plan_are_one_line() -> None:
    """A prefix description becomes the VLAN's name in the render context."""
    from netctl.ipam.plan import RolePlan

    assert TypeAdapter(RolePlan).validate_python(
        {"role": "teaching", "vlan": 100, "description": "classrooms and labs"})
    for bad in ("classrooms\nvlan 999", "classrooms\u2028x", "x\x1b[31m"):
        with pytest.raises(ValidationError):
            TypeAdapter(RolePlan).validate_python(
                {"role": "teaching", "vlan": 100, "description": bad})
        with pytest.raises(ValidationError):
            TypeAdapter(CountyFile).validate_python({"county": "640104", "prefixes": [
                {"prefix": "2001:db8::/64", "role": "teaching", "vlan": 100, "description": bad}]})


@pytest.mark.parametrize(("model", "name", "warned"), [
    ("S6730-H24X6C", "XGigabitEthernet0/0/1", False),
    ("S6730-H24X6C", "XGigabitEthernet 0/0/1", True),  # Huawei prints no space
    ("RG-S5750C-28GT4XS-H", "GigabitEthernet 0/1", False),
    ("RG-S5750C-28GT4XS-H", "GigabitEthernet0/1", True),  # Ruijie prints one
])
def test_interface_names_in_their_platforms_form(
    tmp_path: Path, model: str, name: str, warned: bool
) -> None:
    root = inventory(tmp_path, IF=f'"{name}"')
    catalog = root / "catalog.yaml"
    catalog.write_text(CATALOG + "  RG-S5750C-28GT4XS-H: {platform: ruijie_os}\n",
                       encoding="utf-8")
    county = root / "counties" / "640104.yaml"
    county.write_text(county.read_text(encoding="utf-8").replace(
        "model: S6730-H24X6C", f"model: {model}"), encoding="utf-8")
    inv = load_inventory(root)
    found = [w for w in inv.warnings if "writes an interface name" in w.message]
    assert bool(found) is warned, [w.format() for w in inv.warnings]
    if warned:
        assert found[0].line == 12
        assert found[0].field == "schools[0].devices[0].interfaces[0].name"
