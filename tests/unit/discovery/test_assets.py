"""The asset register's files: CSV for Excel (BOM, CRLF), XLSX, and no formula from a device's
own text (a sysDescr or model is what the device says, not something to run)."""

from __future__ import annotations

from pathlib import Path

from netctl.discovery.assets import Asset, to_csv, to_xlsx


def asset(model: str) -> Asset:
    return Asset("nx640104-0001-sw9", False, "640104", "2401040001", "古城村小学", "2401040001",
                 "", "Huawei", model, "", "2102A", "V200R021C10SPC600", "huawei_vrp", "",
                 "2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z", "")


def test_csv_and_xlsx_never_carry_a_formula(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://example.invalid","S5735")'
    text = to_csv([asset(evil)], "zh").decode("utf-8")
    assert text.startswith("\ufeff设备名,已登记") and text.endswith("\r\n")
    assert "'=HYPERLINK" in text and ",否," in text
    to_xlsx([asset(evil)], tmp_path / "a.xlsx", "en")
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "a.xlsx").active
    assert ws["A1"].value == "hostname"
    cell = ws["I2"]
    assert cell.data_type == "s" and cell.value == "'" + evil
