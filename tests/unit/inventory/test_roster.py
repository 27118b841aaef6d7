"""Import of the school roster: encodings, XLSX, headers, every bad row, idempotent writes, CLI."""

from __future__ import annotations

import csv
import difflib
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook
from typer.testing import CliRunner

from netctl.cli import app
from netctl.exceptions import ImportRowError, Problem
from netctl.inventory.index import Inventory, load_inventory
from netctl.inventory.roster import import_roster, read_roster

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "roster"
ZH = ["学校标识码", "学校名称", "区县代码", "城乡分类", "学段", "班级数", "教室数", "数字化教室数",
      "网站域名"]
EN = ["code", "name", "county", "category", "stage", "classes", "teaching_rooms",
      "digital_classrooms", "website"]
NEW = ["2401049001", "兴庆区第九十一小学", "640104", "城区", "小学", "24", "26", "20",
       "xq9001.nxedu.example.cn"]


def write_csv(path: Path, rows: list[list[Any]], *, header: list[str] = ZH,
              encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def snapshot(root: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


def row_of(inv: Inventory, code: str, **change: Any) -> list[Any]:
    """The roster row that matches the inventory as it is, with ``change`` applied."""
    entry = inv.schools[code]
    s = entry.school
    values = {"code": s.code, "name": s.name, "county": entry.county, "category": s.category.zh,
              "stage": s.stage.zh, "classes": s.classes, "teaching_rooms": s.teaching_rooms,
              "digital_classrooms": s.digital_classrooms, "website": s.website or ""}
    values.update(change)
    return [values[k] for k in EN]


def first(inv: Inventory, county: str) -> str:
    return inv.schools_in(county)[0].code


def school_data(root: Path, county: str, code: str) -> dict[str, Any] | None:
    data = yaml.safe_load((root / "counties" / f"{county}.yaml").read_text(encoding="utf-8"))
    return next((s for s in data.get("schools") or [] if s["code"] == code), None)


# --- reading: encodings, XLSX, headers, values ---------------------------------------------


@pytest.mark.parametrize(("encoding", "reported"), [
    ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gb18030", "gb18030"), ("utf-16", "utf-16"),
])
def test_csv_encodings(tmp_path: Path, encoding: str, reported: str) -> None:
    path = write_csv(tmp_path / "r.csv", [NEW], encoding=encoding)
    roster = read_roster(path)
    assert roster.encoding == reported
    assert roster.problems == ()
    (row,) = roster.rows
    assert (row.line, row.county, row.school.name) == (2, "640104", "兴庆区第九十一小学")
    assert row.school.category.value == "urban"
    assert row.school.stage.value == "primary"
    assert (row.school.classes, row.school.teaching_rooms, row.school.digital_classrooms) == (
        24, 26, 20)


def test_gb18030_fixture_as_a_county_office_writes_it(inv_copy: Path) -> None:
    """Committed fixture: GB18030 (not UTF-8), headers with notes in full-width parentheses."""
    path = FIXTURES / "xingqing-gb18030.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    roster = read_roster(path)
    assert roster.encoding == "gb18030"
    assert roster.errors == []
    assert [r.school.name for r in roster.rows] == ["兴庆区第一小学", "兴庆区第九十二小学"]
    result = import_roster(inv_copy, path)
    assert (result.added, result.updated) == (1, 1)
    inv = load_inventory(inv_copy)
    assert inv.schools["2401049002"].school.stage.value == "nine_year"
    assert inv.schools["2401049002"].school.category.value == "town"


def test_xlsx_numbers_from_excel_and_named_sheet(inv_copy: Path, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "说明"
    ws.append(["this sheet is not the roster"])
    roster_ws = wb.create_sheet("学校名册")
    roster_ws.append([f" {h} " for h in ZH])  # spaces around headers
    roster_ws.append([2401049001, "兴庆区第九十一小学", 640104, "城区", "小学", 24.0, 26, "20",
                      None])
    roster_ws.append([2401049002.0, "兴庆区第九十二小学", 640104.0, "乡村", "九年一贯制学校",
                      6, 6.0, 0, "http://WWW.X92.example.cn/"])
    roster_ws.append([None] * 9)  # an empty row: skipped, but it keeps the numbering
    roster_ws.append([2401049003, "兴庆区第九十三小学", 640104, "镇区", "初中", 3.5, 3, 0, None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)

    roster = read_roster(path, sheet="学校名册")
    assert (roster.encoding, roster.sheet) == (None, "学校名册")
    assert [(r.line, r.school.code) for r in roster.rows] == [(2, "2401049001"), (3, "2401049002")]
    second = roster.rows[1].school
    assert (second.classes, second.teaching_rooms, second.website) == (6, 6, "www.x92.example.cn")
    assert roster.rows[0].school.website is None
    assert [(p.line, p.field, p.message) for p in roster.errors] == [
        (5, "班级数", "3.5 is not a whole number")]

    first_sheet = read_roster(path)  # the first sheet is not a roster
    assert first_sheet.fatal and first_sheet.sheet == "说明"
    assert {p.line for p in first_sheet.errors} == {1}
    with pytest.raises(ImportRowError) as exc:
        import_roster(inv_copy, path, sheet="no such sheet")
    assert "学校名册" in exc.value.problems[0].fix

    result = import_roster(inv_copy, path, sheet="学校名册", skip_bad=True)
    assert (result.added, result.skipped, result.sheet) == (2, 1, "学校名册")


def test_english_headers_and_tolerated_spellings(tmp_path: Path) -> None:
    header = ["Code", " NAME ", "county", "Category", "stage", "Classes", "Teaching Rooms",
              "digital-classrooms", "website"]
    path = write_csv(tmp_path / "en.csv", [["2401049001", "Xingqing No. 91", "640104", "town",
                                            "Nine-Year", "6", "6", "", ""]], header=header)
    roster = read_roster(path)
    assert roster.errors == []
    (row,) = roster.rows
    assert row.school.stage.value == "nine_year"
    assert row.school.category.value == "town"
    assert "digital_classrooms" not in row.given  # empty count: not given
    assert row.given >= {"website", "classes"}

    noted = ["*学校标识码", "学校名称（全称）", "区县代码(6位)", "城乡分类", "学段", "班级数（个）"]
    path = write_csv(tmp_path / "notes.csv", [NEW[:6]], header=noted)
    assert read_roster(path).errors == []


def test_codes_and_categories_as_spreadsheets_write_them(tmp_path: Path) -> None:
    rows = [
        ['="2401049001"', "甲", "640104", "111", "小学"],  # a CSV made for Excel; statistics code
        ["2401049002.0", "乙", "640104.0", "村庄", "幼儿园"],  # a float that became text
        ["2.40105E+09", "丙", "640104", "乡村", "小学"],  # Excel's scientific notation: lost digits
        ["2401049004", "丁", "兴庆区", "乡村", "小学"],  # a county name in the code column
    ]
    roster = read_roster(write_csv(tmp_path / "r.csv", rows, header=ZH[:5]))
    assert [(r.line, r.school.code, r.school.category.value) for r in roster.rows] == [
        (2, "2401049001", "urban"), (3, "2401049002", "rural")]
    assert [(p.line, p.field) for p in roster.errors] == [(4, "学校标识码"), (5, "区县代码")]
    assert "Excel shortened" in roster.errors[0].message
    assert "设置单元格格式" in roster.errors[0].fix
    assert roster.errors[1].fix == "兴庆区 is 640104: write the code"


# --- every bad row, with its line ----------------------------------------------------------


def test_every_bad_row_with_its_line_column_and_fix(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["2401049001", "好学校", "640104", "城区", "小学", "1", "1", "1", ""],  # 2 good
        ["240104901", "短代码", "640104", "城区", "小学", "1", "1", "1", ""],  # 3 bad code
        ["2401049003", "外县", "640199", "城区", "小学", "1", "1", "1", ""],  # 4 unknown county
        ["2401049004", "城市", "640104", "城市", "小学", "1", "1", "1", ""],  # 5 bad category
        [],  # 6 an empty row still counts, as in a spreadsheet
        ["2401049005", "负数", "640104", "城区", "小学", "-3", "1", "1", ""],  # 7 negative
        ["2401049006", "汉字", "640104", "城区", "小学", "十二", "1", "1", ""],  # 8 not a number
        ["2401049007", "重复甲", "640104", "城区", "小学", "1", "1", "1", ""],  # 9 duplicate
        ["2401049008", "学段", "640104", "城区", "大学", "1", "1", "1", ""],  # 10 bad stage
        ["2401049009", "网站", "640104", "城区", "小学", "1", "1", "1", "http://x/y z"],  # 11
        ["2401049007", "重复乙", "640104", "乡村", "小学", "1", "1", "1", ""],  # 12 duplicate
        ["2401049010", "两行\n名称", "640104", "城区", "小学", "1", "1", "1", ""],  # 13 (two lines)
        ["x", "", "640104", "城区", "小学", "1", "1", "99999", ""],  # 14: three problems
    ]
    roster = read_roster(write_csv(tmp_path / "bad.csv", rows))
    got = [(p.line, p.field) for p in roster.errors]
    assert got == [
        (3, "学校标识码"), (4, "区县代码"), (5, "城乡分类"), (7, "班级数"), (8, "班级数"),
        (9, "学校标识码"), (10, "学段"), (11, "网站域名"), (12, "学校标识码"), (13, "学校名称"),
        (14, "学校标识码"), (14, "学校名称"), (14, "数字化教室数"),
    ]
    by_line = {p.line: p for p in roster.errors}
    assert by_line[3].message == "'240104901' is not a 10-digit school code"
    assert "10-digit" in by_line[3].fix
    assert by_line[4].message == "unknown county code '640199'"
    assert "640104 兴庆区" in by_line[4].fix
    assert "城区, 镇区 or 乡村" in by_line[5].fix
    assert by_line[7].message == "-3 is negative"
    assert by_line[8].message == "'十二' is not a whole number"
    assert by_line[9].message == "school code 2401049007 is also on line 12"
    assert by_line[12].message == "school code 2401049007 is also on line 9"
    assert "小学" in by_line[10].fix
    assert [r.line for r in roster.rows] == [2]
    assert roster.bad_lines == {3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14}
    assert str(roster.errors[0].format()).startswith(f"{tmp_path / 'bad.csv'}:3: error: 学校标识码")


def test_unknown_and_missing_columns_name_the_accepted_headers(tmp_path: Path) -> None:
    header = ["学校标识码", "学校名称", "城乡分类", "学段", "校长", "班级数", "班级数"]
    roster = read_roster(write_csv(tmp_path / "r.csv", [NEW[:7]], header=header))
    assert roster.fatal and roster.rows == ()
    problems = {p.field: p for p in roster.errors}
    assert all(p.line == 1 for p in roster.errors)
    assert problems["校长"].message == "unknown column '校长' (column E)"
    assert "学校标识码 (code)" in problems["校长"].fix
    assert "网站域名 (website)" in problems["校长"].fix
    assert problems["区县代码"].message == "required column 区县代码 (county) is missing"
    assert "repeats column F" in problems["班级数"].message
    close = read_roster(write_csv(tmp_path / "c.csv", [NEW], header=[*ZH[:8], "网站名称"]))
    assert close.errors[0].fix.startswith("did you mean 网站域名 (website)?")


def test_not_a_roster(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    assert "save it as .xlsx" in read_roster(tmp_path / "old.xls").errors[0].fix
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    assert read_roster(tmp_path / "empty.csv").errors[0].message == "the file is empty"
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    assert "not a readable XLSX" in read_roster(tmp_path / "broken.xlsx").errors[0].message
    csv_path = write_csv(tmp_path / "r.csv", [NEW])
    assert "XLSX" in read_roster(csv_path, sheet="x").errors[0].message


# --- writing ---------------------------------------------------------------------------------


def test_import_writes_nothing_when_any_row_is_bad(inv_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(inv_copy)
    code = first(inv, "640104")
    rows = [row_of(inv, code, name="改名"), NEW, [*NEW[:2], "640104", "城区", "小学", "-1"]]
    before = snapshot(inv_copy)
    with pytest.raises(ImportRowError) as exc:
        import_roster(inv_copy, write_csv(tmp_path / "r.csv", [*rows[:2], [*rows[2], 1, 1, ""]]))
    assert [(p.line, p.field) for p in exc.value.problems] == [
        (3, "学校标识码"), (4, "学校标识码"), (4, "班级数")]
    assert snapshot(inv_copy) == before


def test_skip_bad_imports_the_good_rows(inv_copy: Path, tmp_path: Path) -> None:
    rows = [NEW, ["2401049002", "坏", "640104", "城市", "小学", "1", "1", "1", ""]]
    result = import_roster(inv_copy, write_csv(tmp_path / "r.csv", rows), skip_bad=True)
    assert (result.added, result.skipped, result.rows) == (1, 1, 2)
    errors = [(p.line, p.field) for p in result.problems if p.severity == "error"]
    assert errors == [(3, "城乡分类")]
    inv = load_inventory(inv_copy)
    assert "2401049001" in inv.schools and "2401049002" not in inv.schools
    only_bad = write_csv(tmp_path / "bad.csv", rows[1:])
    before = snapshot(inv_copy)
    with pytest.raises(ImportRowError):
        import_roster(inv_copy, only_bad, skip_bad=True)  # nothing good to import
    assert snapshot(inv_copy) == before


def test_reimport_is_idempotent_byte_for_byte(inv_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(inv_copy)
    rows = [row_of(inv, s.code) for s in inv.schools.values()]
    unchanged = write_csv(tmp_path / "same.csv", rows)
    before = snapshot(inv_copy)
    result = import_roster(inv_copy, unchanged)
    assert (result.unchanged, result.added, result.updated, result.files) == (44, 0, 0, ())
    assert snapshot(inv_copy) == before

    code = first(inv, "640105")
    rows[0] = row_of(inv, rows[0][0], classes=99, website="")
    moved = next(i for i, r in enumerate(rows) if r[0] == code)
    rows[moved] = row_of(inv, code, county="640106")
    changed = write_csv(tmp_path / "changed.csv", [*rows, NEW])
    result = import_roster(inv_copy, changed)
    assert (result.added, result.updated, result.moved, result.unchanged) == (1, 1, 1, 42)
    after = snapshot(inv_copy)
    again = import_roster(inv_copy, changed)
    assert (again.added, again.updated, again.moved, again.unchanged) == (0, 0, 0, 45)
    assert again.files == () and not again.written
    assert snapshot(inv_copy) == after
    load_inventory(inv_copy)


def test_update_in_place_keeps_devices_and_other_keys(inv_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(inv_copy)
    code = first(inv, "640104")
    path = inv_copy / "counties" / "640104.yaml"
    text = path.read_text(encoding="utf-8")
    # an engineer's comment, an IPAM prefix and a key order of their own on the school
    marker = f"- code: '{code}'\n"
    assert marker in text
    head, tail = text.split(marker, 1)
    tail = tail.replace("  devices:\n", "  prefixes:\n  - {prefix: 10.64.1.0/24, role: user}\n"
                        "  devices:\n", 1)
    text = f"{head}# 校区改造 2026\n{marker}  # 学校标识码来自名册\n{tail}"
    path.write_text(text, encoding="utf-8")
    devices = [d.hostname for d in load_inventory(inv_copy).devices_at(code)]
    assert devices

    row = row_of(inv, code, name="兴庆区第一实验小学", classes=30, digital_classrooms=30,
                 website="")
    result = import_roster(inv_copy, write_csv(tmp_path / "r.csv", [row]))
    assert result.updated == 1
    assert result.changes[0].fields == ("name", "classes", "digital_classrooms", "website")
    new_text = path.read_text(encoding="utf-8")
    assert "# 校区改造 2026\n" in new_text and "  # 学校标识码来自名册\n" in new_text
    inv2 = load_inventory(inv_copy)
    school = inv2.schools[code].school
    assert (school.name, school.classes, school.website) == ("兴庆区第一实验小学", 30, None)
    assert [str(p.prefix) for p in school.prefixes] == ["10.64.1.0/24"]
    assert [d.hostname for d in inv2.devices_at(code)] == devices
    # only the changed lines differ: the rest of the file is byte for byte the same
    diff = list(difflib.ndiff(text.splitlines(), new_text.splitlines()))
    assert [x[2:].split(":")[0] for x in diff if x.startswith("- ")] == [
        "  name", "  classes", "  digital_classrooms", "  website"]
    assert [x[2:] for x in diff if x.startswith("+ ")] == [
        "  name: 兴庆区第一实验小学", "  classes: 30", "  digital_classrooms: 30"]


def test_missing_optional_columns_keep_what_the_school_has(inv_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(inv_copy)
    code = first(inv, "640104")
    before = inv.schools[code].school
    row = row_of(inv, code, name="新名")[:5]
    result = import_roster(inv_copy, write_csv(tmp_path / "r.csv", [row], header=ZH[:5]))
    assert result.changes[0].fields == ("name",)
    after = load_inventory(inv_copy).schools[code].school
    assert (after.classes, after.website) == (before.classes, before.website)


def test_new_schools_go_to_the_end_of_their_county(inv_copy: Path, tmp_path: Path) -> None:
    (inv_copy / "counties" / "640522.yaml").unlink()  # nothing else refers to its devices
    rows = [NEW, ["2452299001", "海原县新建小学", "640522", "乡村", "小学", "", "", "", ""]]
    result = import_roster(inv_copy, write_csv(tmp_path / "r.csv", rows))
    assert result.added == 2
    assert sorted(p.name for p in result.files) == ["640104.yaml", "640522.yaml"]
    inv = load_inventory(inv_copy)
    assert inv.schools_in("640104")[-1].code == "2401049001"
    created = (inv_copy / "counties" / "640522.yaml").read_text(encoding="utf-8")
    assert created == textwrap.dedent("""\
        county: '640522'
        name: 海原县
        schools:
        - code: '2452299001'
          name: 海原县新建小学
          category: rural
          stage: primary
    """)
    assert inv.schools["2452299001"].school.classes == 0
    assert any("has no gateway" in w.message for w in inv.warnings)  # a warning, not an error


def test_a_school_that_changed_county_moves(inv_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(inv_copy)
    code = first(inv, "640105")
    devices = [d.hostname for d in inv.devices_at(code)]
    inside = [e for e in inv.links if e.file.name == "640105.yaml"
              and all(inv.devices[h].school == code
                      for h in (e.link.a.device, e.link.b.device) if h is not None)]
    assert inside
    result = import_roster(inv_copy, write_csv(tmp_path / "r.csv",
                                               [row_of(inv, code, county="640106")]))
    assert result.moved == 1 and result.changes[0].from_county == "640105"
    notes = [p for p in result.problems if p.severity == "warning"]
    assert notes and "stays in 640105.yaml" in notes[0].message
    assert school_data(inv_copy, "640105", code) is None
    moved = school_data(inv_copy, "640106", code)
    assert moved is not None and [d["hostname"] for d in moved["devices"]] == devices
    inv2 = load_inventory(inv_copy)
    assert inv2.schools[code].county == "640106"
    assert inv2.schools_in("640106")[-1].code == code
    assert {d.county for d in inv2.devices_at(code)} == {"640106"}
    moved_links = [e for e in inv2.links if e.file.name == "640106.yaml"
                   and e.link.a.device is not None and e.link.a.device in devices]
    assert len(moved_links) == len(inside)


HAND = """\
# 兴庆区 —— maintained by hand
county: "640104"
name: 兴庆区
nodes:
  - id: 640104-metro
    kind: metro
    name: 兴庆区教育城域网汇聚节点
    devices:
      - {hostname: nx640104-metro1, role: metro, model: CE6881-48S6CQ}
schools:
  # 城区学校
  - code: "2401040001"     # 学校标识码
    website: yc1.example.cn   # engineers put the website first here
    name: 兴庆区第一小学
    category: urban
    stage: primary
    classes: 24
    devices:
      - hostname: nx640104-0001-gw1
        role: gateway
        model: S6730-H24X6C
      - {hostname: nx640104-0001-ap001, role: ap, model: AirEngine5761-11,
         building: A, room: A101}
    # 以下为乡村学校
links: []   # none yet
"""


def test_hand_written_file_keeps_comments_style_and_key_order(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    (root / "counties").mkdir(parents=True)
    (root / "region.yaml").write_text("region: {code: '640000'}\n", encoding="utf-8")
    (root / "catalog.yaml").write_text(
        "models:\n  CE6881-48S6CQ: {platform: huawei_vrp}\n  S6730-H24X6C: {platform: huawei_vrp}\n"
        "  AirEngine5761-11: {platform: huawei_vrp, wifi: wifi6}\n", encoding="utf-8")
    county = root / "counties" / "640104.yaml"
    county.write_text(HAND, encoding="utf-8")
    rows = [["2401040001", "兴庆区第一小学", "640104", "城区", "小学", "26", "", "",
             "yc1.example.cn"],
            ["2401040002", "兴庆区红星村小学", "640104", "乡村", "小学", "3", "3", "1", ""]]
    result = import_roster(root, write_csv(tmp_path / "r.csv", rows))
    assert (result.updated, result.added) == (1, 1)
    assert county.read_text(encoding="utf-8") == HAND.replace(
        "    classes: 24\n", "    classes: 26\n").replace(
        "    # 以下为乡村学校\n", "    # 以下为乡村学校\n"
        "  - code: '2401040002'\n    name: 兴庆区红星村小学\n    category: rural\n"
        "    stage: primary\n    classes: 3\n    teaching_rooms: 3\n    digital_classrooms: 1\n")
    assert load_inventory(root).schools["2401040002"].school.website is None
    # a website that appears goes after the key it follows in the model
    rows[1][-1] = "hx.example.cn"
    import_roster(root, write_csv(tmp_path / "r2.csv", rows))
    assert "    digital_classrooms: 1\n    website: hx.example.cn\n" in county.read_text("utf-8")
    assert load_inventory(root).schools["2401040002"].school.website == "hx.example.cn"


def test_flow_style_file_is_normalised_then_edited(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    (root / "counties").mkdir(parents=True)
    (root / "region.yaml").write_text("{}\n", encoding="utf-8")
    county = root / "counties" / "640104.yaml"
    county.write_text(
        "county: '640104'  # 兴庆区\nschools: [{code: '2401040001', name: 甲, category: urban,"
        " stage: primary}]\n", encoding="utf-8")
    rows = [["2401040001", "乙", "640104", "城区", "小学"]]
    result = import_roster(root, write_csv(tmp_path / "r.csv", rows, header=ZH[:5]))
    assert result.updated == 1
    assert "# 兴庆区" in county.read_text(encoding="utf-8")
    assert load_inventory(root).schools["2401040001"].school.name == "乙"


def test_dry_run_writes_nothing(inv_copy: Path, tmp_path: Path) -> None:
    before = snapshot(inv_copy)
    result = import_roster(inv_copy, write_csv(tmp_path / "r.csv", [NEW]), dry_run=True)
    assert result.added == 1 and result.dry_run and not result.written
    assert [p.name for p in result.files] == ["640104.yaml"]
    assert snapshot(inv_copy) == before


# --- CLI -------------------------------------------------------------------------------------


def test_cli_import_prints_a_table_with_chinese_names(inv_copy: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [NEW], encoding="utf-8-sig")
    runner = CliRunner()
    args = ["--inventory", str(inv_copy), "inventory", "import", str(path)]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "兴庆区第九十一小学" in result.output
    assert "1 added, 0 updated, 0 moved, 0 unchanged, 0 skipped; wrote 1 file(s)" in result.output
    again = runner.invoke(app, [*args, "--format", "json"])
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert (data["added"], data["unchanged"], data["written"], data["encoding"]) == (
        0, 1, False, "utf-8-sig")


def test_cli_bad_rows_exit_1_and_name_the_lines(inv_copy: Path, tmp_path: Path) -> None:
    rows = [NEW, ["2401049002", "坏", "640104", "城市", "小学", "1", "1", "1", ""]]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = snapshot(inv_copy)
    runner = CliRunner()
    args = ["--inventory", str(inv_copy), "inventory", "import", str(path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "bad.csv:3: error: 城乡分类: '城市' is not an urban–rural category" in result.output
    assert "1 bad row(s): nothing was written" in result.output
    assert snapshot(inv_copy) == before
    as_json = runner.invoke(app, [*args, "-f", "json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["problems"][0]["line"] == 3
    skipped = runner.invoke(app, [*args, "--skip-bad", "--dry-run"])
    assert skipped.exit_code == 0
    assert "1 added" in skipped.output and "1 skipped" in skipped.output
    assert snapshot(inv_copy) == before
    missing = runner.invoke(app, [*args[:-1], str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_problem_type_is_the_shared_one(tmp_path: Path) -> None:
    roster = read_roster(write_csv(tmp_path / "r.csv", [["1", "x", "640104", "城区", "小学"]],
                                   header=ZH[:5]))
    assert all(isinstance(p, Problem) for p in roster.problems)


def test_moving_the_only_school_out_and_back(inv_copy: Path, tmp_path: Path) -> None:
    inv = load_inventory(inv_copy)
    (entry,) = inv.schools_in("640202")
    there = write_csv(tmp_path / "there.csv", [row_of(inv, entry.code, county="640205")])
    assert import_roster(inv_copy, there).moved == 1
    emptied = (inv_copy / "counties" / "640202.yaml").read_text(encoding="utf-8")
    assert "\nschools: []\n" in emptied
    assert load_inventory(inv_copy).schools_in("640202") == []
    back = write_csv(tmp_path / "back.csv", [row_of(inv, entry.code)])
    assert import_roster(inv_copy, back).moved == 1
    inv2 = load_inventory(inv_copy)
    assert [s.code for s in inv2.schools_in("640202")] == [entry.code]
    assert len(inv2.devices_at(entry.code)) == len(inv.devices_at(entry.code))
    assert len(inv2.links) == len(inv.links)


def test_a_county_file_without_schools_gets_its_first(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    (root / "counties").mkdir(parents=True)
    (root / "region.yaml").write_text("{}\n", encoding="utf-8")
    county = root / "counties" / "640104.yaml"
    county.write_text("county: '640104'\n# 链路\nlinks: []\n", encoding="utf-8")
    rows = [["2401040001", "甲", "640104", "城区", "小学"]]
    assert import_roster(root, write_csv(tmp_path / "r.csv", rows, header=ZH[:5])).added == 1
    assert county.read_text(encoding="utf-8") == (
        "county: '640104'\nschools:\n- code: '2401040001'\n  name: 甲\n  category: urban\n"
        "  stage: primary\n# 链路\nlinks: []\n")
