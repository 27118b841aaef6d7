"""Issue 13.7 (roster side): zip bombs, huge rosters, wrong encodings, formula names, and an
import that writes every county file or none."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from netctl.exceptions import ImportRowError, NetctlError
from netctl.inventory import rosterio
from netctl.inventory.index import load_inventory
from netctl.inventory.roster import import_roster, read_roster
from netctl.testing.hostile import xlsx_bomb

ZH = ["学校标识码", "学校名称", "区县代码", "城乡分类", "学段", "班级数", "教室数", "数字化教室数",
      "网站域名"]
NEW = ["2401049001", "兴庆区第九十一小学", "640104", "城区", "小学", "24", "26", "20", ""]


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([ZH, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_8_mib_zip_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    bomb = xlsx_bomb(tmp_path / "roster.xlsx", megabytes=8)
    size = bomb.stat().st_size
    assert 7 << 20 < size < 10 << 20
    tracemalloc.start()
    start = time.monotonic()
    roster = read_roster(bomb)
    seconds = time.monotonic() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert roster.fatal
    [problem] = roster.errors
    assert "decompress" in problem.message and "zip bomb" in problem.message
    assert problem.fix
    assert seconds < 1.0, seconds
    assert peak < 4 << 20, peak  # the directory only: nothing inflated


def test_a_bomb_that_lies_about_its_size_is_still_bounded(tmp_path: Path) -> None:
    """Declared 1 MiB, inflates to 2 GiB: the zip reader stops at the declared size."""
    bomb = xlsx_bomb(tmp_path / "roster.xlsx", megabytes=2, lie=True)
    tracemalloc.start()
    start = time.monotonic()
    roster = read_roster(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert roster.fatal  # CRC mismatch or damaged XML: a clear error, not a traceback
    assert "not a readable XLSX" in roster.errors[0].message
    assert time.monotonic() - start < 5
    assert peak < 64 << 20, peak


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("netctl.inventory.roster.MAX_ROWS", 50)
    rows = [[f"24010490{i:02d}", f"学校{i}", "640104", "城区", "小学", "1", "1", "1", ""]
            for i in range(60)]
    roster = read_roster(write_csv(tmp_path / "r.csv", rows))
    assert roster.fatal and "more than 50 rows" in roster.errors[0].message
    wb = Workbook()
    for r in [ZH, *rows]:
        wb.active.append(r)
    wb.save(tmp_path / "r.xlsx")
    roster = read_roster(tmp_path / "r.xlsx")
    assert roster.fatal and "more than 50 rows" in roster.errors[0].message


def test_a_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rosterio, "MAX_FILE_BYTES", 100)
    roster = read_roster(write_csv(tmp_path / "r.csv", [NEW] * 5))
    assert roster.fatal and "MiB" in roster.errors[0].message


@pytest.mark.parametrize(("encoding", "names", "looks"), [
    ("big5", ["台北市立建國高級中學", "國立臺灣師範大學附屬高級中學"], "Big5"),
    ("shift_jis", ["東京都立日比谷高等学校", "大阪府立北野高等学校"], "Shift-JIS"),
    ("latin-1", ["Lycée Médéa", "Escuela Española"], "Latin-1"),
])
def test_other_encodings_are_refused_naming_the_options(
    tmp_path: Path, encoding: str, names: list[str], looks: str
) -> None:
    header = ["code", "name", "county", "category", "stage"]
    buf = io.StringIO()
    rows = [[f"240104900{i}", n, "640104", "urban", "primary"] for i, n in enumerate(names)]
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    path = tmp_path / "r.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    roster = read_roster(path)
    assert roster.fatal, [r.school.name for r in roster.rows]
    [problem] = roster.errors
    assert "not UTF-8, GB18030 or UTF-16" in problem.message
    assert looks in problem.message
    assert all(e in problem.fix for e in ("UTF-8", "GB18030", "UTF-16"))


def test_gb18030_with_gb2312_text_still_reads(tmp_path: Path) -> None:
    roster = read_roster(write_csv(tmp_path / "r.csv", [NEW], encoding="gb18030"))
    assert roster.encoding == "gb18030" and not roster.errors


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/","x")', "=cmd|' /C calc'!A0",
                                  "@SUM(A1)", "+1", "[/bold] x", "学校\x07"])
def test_formula_and_markup_names_refused_at_import(
    inv_copy: Path, tmp_path: Path, name: str
) -> None:
    before = snapshot(inv_copy)
    with pytest.raises(ImportRowError) as info:
        import_roster(inv_copy, write_csv(tmp_path / "r.csv", [[NEW[0], name, *NEW[2:]]]))
    [problem] = info.value.problems
    assert problem.line == 2 and problem.field == "学校名称"
    assert snapshot(inv_copy) == before


def test_import_across_counties_is_all_or_nothing(
    inv_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A school moves from 640105 to 640106 (two files change); the second rename fails."""
    inv = load_inventory(inv_copy)
    school = inv.schools_in("640105")[0]
    s = school.school
    row = [s.code, s.name, "640106", s.category.zh, s.stage.zh, s.classes, s.teaching_rooms,
           s.digital_classrooms, s.website or ""]
    roster = write_csv(tmp_path / "r.csv", [row])
    before = snapshot(inv_copy)
    real = Path.replace
    calls: list[Path] = []

    def flaky(self: Path, target: Any) -> Path:
        calls.append(Path(target))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    with pytest.raises(NetctlError) as info:
        import_roster(inv_copy, roster)
    monkeypatch.undo()
    assert "nothing was written" in str(info.value)
    assert len(calls) >= 2
    assert snapshot(inv_copy) == before  # the first file was put back; no temp files left
    result = import_roster(inv_copy, roster)  # and the import then works
    assert result.moved == 1


def test_cli_import_of_a_bomb_exits_1_without_a_traceback(inv_copy: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    bomb = xlsx_bomb(tmp_path / "roster.xlsx", megabytes=8)
    before = snapshot(inv_copy)
    r = subprocess.run(
        [sys.executable, "-c", "from netctl.cli import main; main()", "--inventory",
         str(inv_copy), "inventory", "import", str(bomb)],
        capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "zip bomb" in r.stderr and "Traceback" not in r.stderr + r.stdout
    assert snapshot(inv_copy) == before
