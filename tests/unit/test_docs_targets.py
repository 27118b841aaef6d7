"""docs/targets.md traces every KPI to the plan's sentence; the help and reports link there; the
package metadata installs without setuptools deprecation warnings (issue 15, items 5 and 6)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from netctl.compliance.kpis import KPI_IDS, KPIS

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "targets.md"
PLAN_NAME = "ningxia-education-digitalization-plan-2023-2027.zh.txt"
PLAN = next(
    (p for p in (REPO.parent / "shared" / "plan" / PLAN_NAME,
                 Path("/work/shared/plan") / PLAN_NAME) if p.is_file()),
    REPO.parent / "shared" / "plan" / PLAN_NAME,
)


def _rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| `([a-z0-9_]+)` \| (.+)$", line)
        if m:
            rows[m[1]] = m[2]
    return rows


def test_every_kpi_has_a_row_with_the_plan_words_and_an_english_reading() -> None:
    rows = _rows()
    assert list(rows) and set(rows) == set(KPI_IDS)
    for kpi, row in rows.items():
        words = row.split(" | ")[0]
        assert re.search(r"[\u4e00-\u9fff]", words), kpi  # the plan's words, in Chinese
        assert "*" in words, kpi  # and their English reading, in italics
        target = row.split(" | ")[1]
        expected = "1000" if KPIS[kpi].unit == "mbps" else f"{KPIS[kpi].plan_2027:.0%}"[:-1]
        assert expected in target, (kpi, target)


def test_the_quotes_are_the_plans_sentences() -> None:
    if not PLAN.is_file():
        pytest.skip(f"the plan text is not beside the repository ({PLAN})")
    plan = re.sub(r"\s+", "", PLAN.read_text(encoding="utf-8"))
    quotes = [re.sub(r"\s+", "", q) for q in
              re.findall(r"^> (.+)$", DOC.read_text(encoding="utf-8"), re.M)]
    joined: list[str] = []
    for q in quotes:  # a quote may span several "> " lines
        if joined and not joined[-1].endswith("。"):
            joined[-1] += q
        else:
            joined.append(q)
    assert len(joined) >= 4
    for q in joined:
        for part in q.split("……"):
            assert part in plan, part


def test_help_and_reports_point_to_docs_targets() -> None:
    from typer.testing import CliRunner

    from netctl.cli import app

    out = CliRunner().invoke(app, ["compliance", "kpis", "--help"]).stdout
    assert "docs/targets.md" in out and "TARGETS.md" not in out.replace("docs/targets.md", "")
    labels = (REPO / "reports" / "templates" / "labels.yaml").read_text(encoding="utf-8")
    assert "docs/targets.md" in labels and "TARGETS.md" not in labels.replace("targets.md", "")
    assert "docs/targets.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_pyproject_license_is_spdx_text() -> None:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "Apache-2.0"  # the table form is deprecated (PEP 639)
    assert any(r.startswith("setuptools>=77") for r in meta["build-system"]["requires"])


def test_install_prints_progress() -> None:
    lib = (REPO / "scripts" / "lib.sh").read_text(encoding="utf-8")
    assert "fetching" in lib and "installing netctl" in lib
    demo = (REPO / "scripts" / "demo.sh").read_text(encoding="utf-8")
    assert re.search(r"need_apt .*chromium.*fonts-noto-cjk", demo)
