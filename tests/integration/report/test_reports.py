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
        now = self.now = datetime.now(UTC)
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
    # sections numbered as shown: a county report has no ranking, so no number is skipped
    for heading in ("一、指标总览", "二、指标图示", "三、未达标学校及原因",
                    "四、设备安全基线不符合项"):
        assert f"<h2>{heading}" in html, heading
    assert "8.1.4." in html  # baseline failures cite their clause
    # a trend per KPI in the summary, the bars, a trajectory per KPI, the school grid
    assert html.count("<svg") == 2 * len(KPI_IDS) + 2 and "<polyline" in html
    assert html.count('class="chart trajectory"') == len(KPI_IDS)
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
    assert summary.auto_filter.ref == "A1:I13"
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
    trend = wb["趋势"]  # a row per snapshot (three: two earlier runs and this one)
    assert trend.max_row >= 1 + 3
    assert trend.cell(row=2, column=1).is_date
    assert trend.cell(row=2, column=2).number_format == "0.0%"


def test_region_report_ranks_counties_and_english(sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "region.html"
    sample.cli("report", "--format", "html", "--lang", "en", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "3. Counties ranked" in html and "Xingqing (640104)" in html
    assert "Each county&#39;s KPIs" in html or "Each county's KPIs" in html
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


# -- issue 15: pictures, words and formats people act on ------------------------------------------


def test_county_report_charts_render_in_chromium_and_print(sample: Sample, tmp_path: Path) -> None:
    """The charts are SVG drawn by netctl (no network): bars, trajectories, the school grid."""
    import re

    page = tmp_path / "640104.html"
    sample.cli("report", "--county", "640104", "--out", str(page))
    html = page.read_text(encoding="utf-8")
    bars = html.split('class="chart bars"')[1].split("</svg>")[0]
    assert bars.count('class="target"') == len(KPI_IDS)  # this year's target tick per KPI
    assert bars.count('class="value"') >= len(KPI_IDS) - 2  # a bar per KPI that has a value
    grid = html.split('class="chart grid"')[1].split("</svg>")[0]
    schools = len({s.code for s in sample.inv.schools_in("640104")})
    assert len(re.findall(r'class="cell (?:met|bad|na)"', grid)) == schools * len(KPI_IDS)
    for svg in html.split('class="chart trajectory"')[1:]:
        body = svg.split("</svg>")[0]
        assert 'class="targets"' in body and "2023" in body and "2027" in body
        assert body.count('class="snapshot"') >= 1  # the snapshots so far
    # Chromium draws them: the charts section has ink and colour
    shot = tmp_path / "charts.png"
    run_chromium([f"--screenshot={shot}", "--window-size=1100,2600"], page)
    width, _height, rows = png_pixels(shot, max_rows=2600)
    channels = len(rows[0]) // width
    green = sum(
        1
        for row in rows[::5]
        for i in range(0, len(row), channels * 5)
        if row[i : i + 3] == bytes.fromhex("2e8b57")
    )
    assert green > 50  # met bars and grid cells in the chart green
    pdf = tmp_path / "640104.pdf"
    sample.cli("report", "--county", "640104", "--format", "pdf", "--out", str(pdf))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert 3 <= pages <= 40
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("二、指标图示", "各指标当前值与本年度目标", "2023", "2027", "各学校指标达标情况"):
        assert words in text, words


def test_chinese_report_has_no_english_codes_and_beijing_time(
    sample: Sample, tmp_path: Path
) -> None:
    import re

    page = tmp_path / "640104.html"
    sample.cli("report", "--county", "640104", "--out", str(page))
    html = page.read_text(encoding="utf-8")
    body = html.split("<body>")[1]
    for code in ("huawei_vrp", "hp_comware", "(partial)", "(fail)", "(offline)", " · partial",
                 "connect_v6_failed", "no_backup"):
        assert code not in body, code
    assert "北京时间" in body and " UTC" not in body
    generated = re.search(r"生成时间 (\d{4}-\d\d-\d\d \d\d:\d\d)", body)
    assert generated is not None
    local = datetime.strptime(generated.group(1), "%Y-%m-%d %H:%M")
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    assert abs((local - utc_now).total_seconds() - 8 * 3600) < 600  # UTC+8, not UTC
    assert "docs/targets.md" in body and "TARGETS.md" not in body.replace("docs/targets.md", "")


def test_xlsx_numbers_percent_formats_charts_and_no_formulas(
    sample: Sample, tmp_path: Path
) -> None:
    """Numbers with formats, frozen filtered headers, native charts; a name is never a formula."""
    import dataclasses
    import zipfile

    from netctl.compliance.targets import load_targets
    from netctl.report import history
    from netctl.report.html import load_labels
    from netctl.report.view import build_view
    from netctl.report.xlsx import write_xlsx

    out = tmp_path / "640000.xlsx"
    sample.cli("report", "--format", "xlsx", "--out", str(out))
    wb = load_workbook(out)
    summary = wb["汇总"]
    values = {summary.cell(row=i, column=2).value: summary.cell(row=i, column=5) for i in
              range(2, 14)}
    access = values["edu_net_access"]
    assert isinstance(access.value, float) and access.number_format == "0.0%"
    bandwidth = values["internet_bandwidth_avg"]
    assert isinstance(bandwidth.value, float) and "Mbps" in bandwidth.number_format
    assert summary.freeze_panes == "A2"
    charts = sum(len(ws._charts) for ws in wb.worksheets)  # openpyxl's list of charts
    assert charts >= 2
    with zipfile.ZipFile(out) as z:
        assert sum(1 for n in z.namelist() if n.startswith("xl/charts/chart")) >= 2
    # a hostile school name stays text (CWE-1236: CSV/XLSX formula injection)
    report, _ = run_kpis(
        sample.inv, REPORTS, f"sqlite:///{sample.state}", sample.backups, county="640104"
    )
    with StateStore(f"sqlite:///{sample.state}") as store:
        trend = history(store, "county", "640104")
    view = build_view(report, sample.inv, load_targets(REPORTS / "targets.yaml"),
                      load_labels(REPORTS / "templates", "zh"), "zh", trend)
    evil = ["=HYPERLINK(\"http://x.invalid\",\"x\")", "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)"]
    view.schools = [dataclasses.replace(s, name=evil[i % len(evil)])
                    for i, s in enumerate(view.schools)]
    hostile = tmp_path / "hostile.xlsx"
    write_xlsx(view, hostile)
    names = {c.value for c in load_workbook(hostile)["未达标学校"]["B"][1:]}
    assert names and names <= set(evil)
    with zipfile.ZipFile(hostile) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in z.read(n).decode() for n in sheets)


def test_as_of_reproduces_a_past_report(sample: Sample, tmp_path: Path) -> None:
    """``--as-of``: freshness judged at that instant, from the history and the backups by then."""
    import json
    from datetime import timedelta

    def county_values(*extra: str) -> dict[str, float | None]:
        out = json.loads(sample.cli("compliance", "kpis", "--county", "640104", "--format",
                                    "json", *extra))
        return {k["kpi"]: k["value"] for k in out["kpis"] if k["scope_level"] == "county"}

    now = county_values()
    soon = (sample.now + timedelta(minutes=1)).isoformat()
    assert county_values("--as-of", soon) == now
    # a week later nothing is fresh, unless judged as of the day the evidence was taken
    later = (sample.now + timedelta(days=7)).isoformat()
    assert county_values("--as-of", later)["edu_net_access"] == 0
    before = (sample.now - timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    past = json.loads(sample.cli("compliance", "kpis", "--county", "640104", "--format", "json",
                                 "--as-of", before))
    assert next(k for k in past["kpis"] if k["scope_level"] == "county"
                and k["kpi"] == "edu_net_access")["value"] == 0
    reasons = {r["code"] for s in past["schools"] for r in s["reasons"]}
    assert "never_polled" in reasons, reasons  # as it stood then: no poll yet
    assert past["generated_at"].startswith(before[:13])
    out = tmp_path / "past.html"
    sample.cli("report", "--county", "640104", "--as-of", before, "--out", str(out))
    assert out.stat().st_size > 5000 and "数据截至" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["--inventory", str(sample.inventory), "--state",
                                      str(sample.state), "report", "--county", "640104",
                                      "--as-of", before, "--snapshot", "--out", str(out)])
    assert isinstance(result.exception, Exception)  # refused: the past is not a snapshot
