"""Reports for county IT staff, rendered for real: HTML in headless Chromium, PDF through
Chromium and poppler (pdftotext, pdftoppm), XLSX read back with openpyxl.

Needs the Debian packages chromium, fonts-noto-cjk and poppler-utils (.ci/apt-packages).
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from netctl.cli import app
from netctl.compliance.kpis import KPI_IDS, KPIS
from netctl.compliance.runner import run_kpis
from netctl.inventory.index import Inventory, load_inventory
from netctl.report.pdf import run_chromium
from netctl.state import StateStore
from netctl.testing.sample_evidence import sample_evidence, write_sample_backups

REPO = Path(__file__).resolve().parents[3]
REPORTS = REPO / "reports"
ZH_NAMES = [KPIS[k].zh for k in KPI_IDS]


class Sample:
    """The generated 44-school region with a day of sample evidence and config backups."""

    def __init__(self, root: Path, inventory: Path) -> None:
        self.root = root
        self.inventory = inventory
        self.state = root / "state.db"
        self.backups = root / "backups"
        self.inv: Inventory = load_inventory(inventory)
        now = datetime.now(UTC)
        write_sample_backups(self.inv, self.backups, now)
        with StateStore(f"sqlite:///{self.state}") as store:
            store.record_observations(sample_evidence(self.inv, now))
        for _ in range(2):  # two earlier runs: the trend has points before today's
            run_kpis(self.inv, REPORTS, f"sqlite:///{self.state}", self.backups, snapshot=True)

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(
            app,
            ["--inventory", str(self.inventory), "--state", str(self.state), *args],
            env={"NETCTL_REPORTS": str(REPORTS), "NETCTL_BACKUPS": str(self.backups)},
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, result.stdout
        return result.stdout


@pytest.fixture(scope="module")
def sample(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return Sample(tmp_path_factory.mktemp("report"), sample_dir)


def failing_school(sample: Sample, county: str) -> str:
    """The name of a school of the county that falls short on some KPI."""
    report, _ = run_kpis(
        sample.inv, REPORTS, f"sqlite:///{sample.state}", sample.backups, county=county
    )
    code = next(r.school_code for r in report.schools if not r.met)
    return sample.inv.schools[code].school.name


def png_pixels(path: Path, max_rows: int = 400) -> tuple[int, int, list[bytes]]:
    """Width, height and the first rows of RGB(A) pixels of an 8-bit PNG (a screenshot)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(min(height, max_rows)):
        filt, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + left) & 255
            elif filt == 2:
                line[i] = (line[i] + up) & 255
            elif filt == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif filt == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (
                    line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                ) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def test_county_html_is_self_contained_and_complete(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "640104.html"
    assert "wrote" in sample.cli(
        "report", "--county", "640104", "--format", "html", "--out", str(out)
    )
    html = out.read_text(encoding="utf-8")
    assert "<title>教育专网建设规划达标报告 — 兴庆区" in html
    for name in ZH_NAMES:
        assert name in html
    assert failing_school(sample, "640104") in html
    assert "三、未达标学校及原因" in html and "四、设备安全基线不符合项" in html
    assert "8.1.4." in html  # baseline failures cite their clause
    assert html.count("<svg") == len(KPI_IDS) and "<polyline" in html  # a trend per KPI
    for external in ("<link", "<script", 'src="http', "url(http"):
        assert external not in html


def test_html_renders_in_chromium_and_is_not_blank(sample: Sample, tmp_path: Path) -> None:
    page = tmp_path / "640104.html"
    sample.cli("report", "--county", "640104", "--out", str(page))
    shot = tmp_path / "shot.png"
    run_chromium([f"--screenshot={shot}", "--window-size=1000,1400"], page)
    width, height, rows = png_pixels(shot)
    assert (width, height) == (1000, 1400)
    channels = len(rows[0]) // width
    pixels = [row[i : i + 3] for row in rows[::7] for i in range(0, len(row), channels * 7)]
    ink = sum(1 for p in pixels if p != b"\xff\xff\xff")
    assert ink / len(pixels) > 0.03  # text, table rules and coloured cells, not a white page
    assert len(set(pixels)) > 20


def test_pdf_has_the_chinese_text(sample: Sample, tmp_path: Path) -> None:
    pdf = tmp_path / "640104.pdf"
    sample.cli("report", "--county", "640104", "--format", "pdf", "--out", str(pdf))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name in ZH_NAMES:
        assert name in text, name
    assert "兴庆区" in text and failing_school(sample, "640104") in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 5000
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert fonts.count(" yes ") >= 1  # fonts are embedded


def test_xlsx_reopens_with_a_sheet_per_section(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "640000.xlsx"
    sample.cli("report", "--format", "xlsx", "--out", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "县区排名", "未达标学校", "设备基线", "趋势"]
    summary = wb["汇总"]
    assert [c.value for c in summary[1]][:3] == ["指标", "id", "本年度目标"]
    assert [summary.cell(row=i, column=2).value for i in range(2, 14)] == list(KPI_IDS)
    assert summary.auto_filter.ref == "A1:G13"
    ranking = wb["县区排名"]
    assert ranking.max_row == 23  # 22 counties
    assert [ranking.cell(row=i, column=1).value for i in range(2, 24)] == list(range(1, 23))
    schools = wb["未达标学校"]
    assert schools.auto_filter.ref and schools.max_row > 10
    assert {schools.cell(row=i, column=5).value for i in range(2, schools.max_row + 1)} <= set(
        ZH_NAMES
    )
    devices = wb["设备基线"]
    assert devices.max_row > 1 and devices.freeze_panes == "A2"
    assert wb["趋势"].max_row >= 1 + 2 * len(KPI_IDS)


def test_region_report_ranks_counties_and_english(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "region.html"
    sample.cli("report", "--format", "html", "--lang", "en", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "2. Counties ranked" in html and "Xingqing (640104)" in html
    assert all(KPIS[k].en in html for k in KPI_IDS)
    rows = html.split('<table class="rank">')[1].split("</table>")[0].count("<tr>")
    assert rows == 1 + 22


def test_all_county_reports_at_once(sample: Sample, tmp_path: Path) -> None:
    from netctl.report import write_reports

    paths = write_reports(
        sample.inv, REPORTS, f"sqlite:///{sample.state}", sample.backups, tmp_path
    )
    assert len(paths) == 22
    assert all(p.stat().st_size > 5000 for p in paths)
    assert "兴庆区" in paths[0].read_text(encoding="utf-8")
