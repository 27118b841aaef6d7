"""``netctl assets``: the asset register (plan §19, 信息资产数据库) a county can hand in.

One row per inventory device of the selection (APs included: they are assets), plus every
device discovery saw that the inventory lacks (``declared: no``): vendor, model, serial and OS
version as the device reports them (else as declared), first and last seen, school, role,
management address and the MLPS baseline status of its newest configuration backup.
CSV (UTF-8 with BOM, for Excel), XLSX and JSON; text that a spreadsheet would run as a formula
is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from netctl.discovery.store import SeenDevice, SeenLink
from netctl.inventory.filters import DeviceFilter, select
from netctl.inventory.index import Inventory

COLUMNS = ("hostname", "declared", "county", "school_code", "school", "site", "role", "vendor",
           "model", "declared_model", "serial", "os_version", "platform", "mgmt_address",
           "first_seen", "last_seen", "baseline")
HEADERS_ZH = ("设备名", "已登记", "区县", "学校标识码", "学校", "站点", "角色", "厂商", "型号",
              "登记型号", "序列号", "系统版本", "平台", "管理地址", "首次发现", "最近发现",
              "安全基线")


@dataclass(frozen=True, slots=True)
class Asset:
    """One row of the register."""

    hostname: str
    declared: bool
    county: str
    school_code: str
    school: str
    site: str
    role: str
    vendor: str
    model: str
    declared_model: str
    serial: str
    os_version: str
    platform: str
    mgmt_address: str
    first_seen: str
    last_seen: str
    baseline: str


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else ""


def register(inv: Inventory, seen: dict[str, SeenDevice], links: Sequence[SeenLink],
             baseline: dict[str, str], flt: DeviceFilter | None = None) -> list[Asset]:
    """The register for the selection in inventory order, then the undeclared devices that
    the selected devices see by LLDP (by name)."""
    out = []
    for e in select(inv, flt):
        sd = seen.get(e.hostname)
        spec = inv.catalog.models.get(e.device.model or "")
        school = inv.schools.get(e.school or "")
        dev = e.device
        addr = dev.mgmt_ipv6 or dev.mgmt_ipv4
        vendor = sd.vendor if sd is not None and sd.vendor else (spec.vendor if spec else None)
        out.append(Asset(
            e.hostname, True, e.county or "", e.school or "",
            school.school.name if school else "", e.site, e.role.value, vendor or "",
            (sd.model if sd is not None and sd.model else dev.model or ""), dev.model or "",
            (sd.serial if sd is not None and sd.serial else dev.serial or ""),
            (sd.os_version or "") if sd is not None else "", e.platform.value,
            str(addr) if addr else "", _iso(sd.first_seen if sd else None),
            _iso(sd.last_seen if sd else None), baseline.get(e.hostname, "")))
    selected = {a.hostname: a for a in out}
    extra: dict[str, Asset] = {}
    for sl in links:
        key = sl.remote_device or ""
        near = selected.get(sl.device)
        sd = seen.get(key)
        if near is None or sd is None or not key.startswith("lldp:") or key in extra:
            continue
        extra[key] = Asset(key.removeprefix("lldp:"), False, near.county, near.school_code,
                           near.school, near.site, "", sd.vendor or "", sd.model or "", "",
                           sd.serial or "", sd.os_version or "", sd.platform or "", "",
                           _iso(sd.first_seen), _iso(sd.last_seen), "")
    return out + [extra[k] for k in sorted(extra)]


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_json(assets: list[Asset]) -> str:
    """JSON: ``{"assets": [{column: value}]}`` (keys are only ever added)."""
    return json.dumps({"assets": [asdict(a) for a in assets]}, ensure_ascii=False, indent=2)


def to_csv(assets: list[Asset], lang: str = "zh") -> bytes:
    """CSV in UTF-8 with a BOM (Excel opens it as UTF-8), header in Chinese or English."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADERS_ZH if lang == "zh" else COLUMNS)
    for a in assets:
        w.writerow([_cell(v) for v in _row(a, lang)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _row(a: Asset, lang: str) -> list[object]:
    values: list[object] = [getattr(a, c) for c in COLUMNS]
    values[1] = ("是" if a.declared else "否") if lang == "zh" else ("yes" if a.declared else "no")
    return values


def to_xlsx(assets: list[Asset], path: Path, lang: str = "zh") -> None:
    """An XLSX workbook with one sheet, a frozen bold header and an auto filter."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "资产" if lang == "zh" else "assets"
    ws.append(list(HEADERS_ZH if lang == "zh" else COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for a in assets:
        ws.append([_cell(v) for v in _row(a, lang)])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for col, width in zip("ABCDEFGHIJKLMNOPQ", (24, 6, 8, 12, 24, 14, 9, 9, 20, 20, 22, 20, 12,
                                                 22, 21, 21, 10), strict=True):
        ws.column_dimensions[col].width = width
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
