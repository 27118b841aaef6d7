"""Reading a roster file: CSV (UTF-8 with or without BOM, GB18030, UTF-16; comma, tab or semicolon)
or XLSX (first sheet or a named one), bounded by :mod:`netctl.inventory.rosterio`'s limits, then
checked row by row (:mod:`netctl.inventory.roster_rows`).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from netctl.exceptions import Problem
from netctl.inventory.roster_columns import _BadCellError
from netctl.inventory.roster_rows import Roster, Table, _check
from netctl.inventory.rosterio import (
    ENCODINGS_FIX,
    MAX_COLUMNS,
    MAX_ROWS,
    RosterLimitError,
    check_file_size,
    check_xlsx,
    plausible_gb18030,
    refuse_encoding,
    too_many_rows,
)


def read_roster(path: Path, *, sheet: str | None = None) -> Roster:
    """Read a roster file (CSV or XLSX) and check every row; never raises for bad content."""
    try:
        table, encoding, sheet_name = _read_table(path, sheet)
    except (_BadCellError, RosterLimitError) as exc:
        problem = Problem(path, None, "", exc.message, exc.fix)
        return Roster(path, None, sheet, {}, (), (problem,), frozenset(), fatal=True)
    return _check(path, table, encoding, sheet_name)


def _read_table(path: Path, sheet: str | None) -> tuple[Table, str | None, str | None]:
    try:
        check_file_size(path.stat().st_size)
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _BadCellError(f"cannot read the file: {exc.strerror or exc}") from exc
    suffix = path.suffix.lower()
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _BadCellError("this is the old Excel format (.xls)",
                            "open it in Excel or WPS and save it as .xlsx (or CSV UTF-8)")
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        check_xlsx(path)
        table, name = _read_xlsx(path, sheet)
        return table, None, name
    if sheet is not None:
        raise _BadCellError(f"--sheet {sheet} applies to XLSX files; this is a CSV file",
                            "drop --sheet, or import the XLSX workbook")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _BadCellError(f"cannot read the file: {exc.strerror or exc}") from exc
    table, encoding = _read_csv(data)
    return table, encoding, None


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: BOM → utf-8-sig (or utf-16), else UTF-8, else GB18030."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError as exc:
        msg = f"the file starts with a byte order mark but is not valid {exc.encoding}"
        raise _BadCellError(msg, ENCODINGS_FIX) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise refuse_encoding(data) from exc
    if not plausible_gb18030(text):  # Big5, Shift-JIS, Latin-1 "decode" as GB18030 too
        raise refuse_encoding(data)
    return text, "gb18030"


def _read_csv(data: bytes) -> tuple[Table, str]:
    text, encoding = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if any(d in first for d in ",\t;") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: Table = []
    try:
        for line, record in enumerate(reader, start=1):
            if line > MAX_ROWS:
                raise too_many_rows(MAX_ROWS)
            table.append((line, list(record[:MAX_COLUMNS])))
    except csv.Error as exc:
        raise _BadCellError(f"line {len(table) + 1}: not valid CSV ({exc})",
                            "check the quotes on that line") from exc
    return table, encoding


def _read_xlsx(path: Path, sheet: str | None) -> tuple[Table, str]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _BadCellError(f"not a readable XLSX workbook ({exc})",
                            "open it in Excel or WPS and save it again as .xlsx") from exc
    except Exception as exc:  # openpyxl raises anything on a malformed part
        raise _BadCellError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                            "open it in Excel or WPS and save it again as .xlsx") from exc
    try:
        return _sheet_rows(wb, sheet)
    except (_BadCellError, RosterLimitError):
        raise
    except Exception as exc:  # a damaged sheet part (XML, CRC, zlib)
        raise _BadCellError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                            "open it in Excel or WPS and save it again as .xlsx") from exc
    finally:
        wb.close()


def _sheet_rows(wb: Any, sheet: str | None) -> tuple[Table, str]:
    """The rows of the named (or first) sheet, bounded in rows and columns."""
    if sheet is not None and sheet not in wb.sheetnames:
        raise _BadCellError(f"the workbook has no sheet '{sheet}'",
                            "use --sheet with one of: " + ", ".join(wb.sheetnames))
    if not wb.worksheets:
        raise _BadCellError("the workbook has no worksheet")
    ws = wb[sheet] if sheet is not None else wb.worksheets[0]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # dimensions written by other tools are often wrong
    table: Table = []
    for line, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
        if line > MAX_ROWS:
            raise too_many_rows(MAX_ROWS)
        table.append((line, list(values)))
    return table, str(ws.title)
