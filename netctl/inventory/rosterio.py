"""The hostile-input side of roster import: size limits, encodings, and all-or-nothing writes.

A roster comes from outside (a county office's spreadsheet), so reading it is bounded:

- an XLSX is a zip archive; its central directory declares each member's decompressed size, and
  Python's zip reader never inflates more than that. The declared sizes are checked before
  openpyxl opens the file, so a zip bomb (8 MB that inflates to gigabytes) is refused at once,
  reading only the directory;
- rows and columns are capped (a whole region has about 3,000 schools);
- a CSV is decoded only as UTF-8, GB18030 or UTF-16; text that is really Big5, Shift-JIS or
  Latin-1 also "decodes" as GB18030 (into the wrong characters), so GB18030 text is accepted
  only when every non-ASCII character is in GB2312 (the simplified-Chinese set county offices
  write); otherwise the file is refused, naming the encodings netctl reads;
- an import that changes several county files writes all of them or none
  (:func:`write_all_or_nothing`).

Examples:
    >>> plausible_gb18030("兴庆区第一小学,城区")
    True
    >>> plausible_gb18030("Médéa".encode("latin-1").decode("gb18030"))  # Latin-1 misread
    False
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from netctl.exceptions import NetctlError

MAX_FILE_BYTES = 64 * 1024 * 1024
"""A roster file larger than this is refused before it is read (64 MiB)."""
MAX_XLSX_INFLATED = 128 * 1024 * 1024
"""The sum of the declared decompressed sizes of an XLSX's members (128 MiB)."""
MAX_XLSX_MEMBERS = 2_000
MAX_ROWS = 100_000
"""Rows of a roster (a whole region is ~3,000 schools)."""
MAX_COLUMNS = 200
"""Columns read from each row; cells further right are ignored."""

ENCODINGS_FIX = ("save it as CSV UTF-8 (Excel: 另存为 → CSV UTF-8), or as .xlsx; netctl reads "
                 "UTF-8, GB18030 and UTF-16 (with its byte order mark)")


class RosterLimitError(NetctlError):
    """The roster is too large, or is in an encoding netctl does not read."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def check_file_size(size: int) -> None:
    """Refuse a file larger than :data:`MAX_FILE_BYTES`."""
    if size > MAX_FILE_BYTES:
        msg = (f"the file is {size / 2**20:.0f} MiB; a roster is at most "
               f"{MAX_FILE_BYTES // 2**20} MiB")
        raise RosterLimitError(msg, "split the roster per county, or remove what is not a roster")


def check_xlsx(path: Path) -> None:
    """Refuse an XLSX whose members would inflate beyond :data:`MAX_XLSX_INFLATED`.

    Only the zip's central directory is read. A member that lies about its size cannot inflate
    more than it declares: Python's zip reader stops there (and then fails its CRC check).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        msg = f"not a readable XLSX workbook ({exc})"
        raise RosterLimitError(msg, "open it in Excel or WPS and save it again as .xlsx") from exc
    if len(infos) > MAX_XLSX_MEMBERS:
        msg = f"the workbook holds {len(infos)} parts; a roster has a few dozen"
        raise RosterLimitError(msg, "open it in Excel or WPS and save it again as .xlsx")
    inflated = sum(max(0, i.file_size) for i in infos)
    if inflated > MAX_XLSX_INFLATED:
        compressed = sum(i.compress_size for i in infos)
        msg = (f"the workbook would decompress to {inflated / 2**20:,.0f} MiB from "
               f"{compressed / 2**20:,.1f} MiB (a zip bomb, or far more than a roster); the "
               f"limit is {MAX_XLSX_INFLATED // 2**20} MiB")
        raise RosterLimitError(msg, "export only the roster sheet to a new .xlsx or CSV file")


def too_many_rows(limit: int = MAX_ROWS) -> RosterLimitError:
    """The error for a roster with more than ``limit`` rows."""
    return RosterLimitError(f"the roster has more than {limit:,} rows",
                            "split it per county (a whole region has about 3,000 schools)")


def plausible_gb18030(text: str) -> bool:
    """True when every non-ASCII character of ``text`` is in GB2312 (or is U+FEFF/U+3000).

    GB18030 maps almost every byte sequence to some character, so Big5, Shift-JIS or Latin-1
    bytes decode "successfully" into wrong characters outside GB2312.
    """
    seen: set[str] = set()
    for ch in text:
        if ch < "\x80" or ch in seen:
            continue
        seen.add(ch)
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            return False
    return True


def likely_encodings(data: bytes) -> list[str]:
    """Encodings (other than those netctl reads) that decode ``data`` cleanly, to name them."""
    out = []
    for name, label in (("big5", "Big5 (Traditional Chinese)"), ("shift_jis", "Shift-JIS"),
                        ("cp1252", "Windows-1252 / Latin-1")):
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        out.append(label)
    return out


def refuse_encoding(data: bytes) -> RosterLimitError:
    """The error for bytes that are not UTF-8, GB18030 (as GB2312 text) or UTF-16."""
    guesses = likely_encodings(data)
    looks = f" (it looks like {' or '.join(guesses[:2])})" if guesses else ""
    msg = f"the file is not UTF-8, GB18030 or UTF-16 text{looks}"
    return RosterLimitError(msg, ENCODINGS_FIX)


def write_all_or_nothing(texts: Mapping[Path, str], originals: Mapping[Path, str | None],
                         order: Sequence[Path]) -> None:
    """Write every file or none: stage each as a temporary file beside it, then rename them all.

    If staging fails, nothing was touched. If a rename fails, the files already renamed are put
    back as they were (``originals``: the text each had, None when it did not exist).

    Raises:
        NetctlError: naming the file that failed; no county file has changed.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path in order:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, Path(name)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(texts[path])
                fh.flush()
                os.fsync(fh.fileno())
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
            Path(name).chmod(mode)
    except OSError as exc:
        for _, staged_tmp in staged:
            with contextlib.suppress(OSError):
                staged_tmp.unlink()
        msg = f"cannot write {staged[-1][0] if staged else order[0]}: {exc}; nothing was written"
        raise NetctlError(msg) from exc
    done: list[Path] = []
    try:
        for path, tmp in staged:
            tmp.replace(path)
            done.append(path)
    except OSError as exc:
        failed = staged[len(done)][0]
        problems = _restore(done, originals)
        for _, left in staged[len(done):]:
            with contextlib.suppress(OSError):
                left.unlink()
        if problems:
            msg = (f"cannot write {failed}: {exc}; and restoring failed for "
                   f"{', '.join(problems)}: check these files by hand (git diff)")
        else:
            msg = f"cannot write {failed}: {exc}; nothing was written (files restored)"
        raise NetctlError(msg) from exc


def _restore(done: Sequence[Path], originals: Mapping[Path, str | None]) -> list[str]:
    """Put renamed files back; the names of those that could not be restored."""
    from netctl.inventory.yamlio import write_atomic

    failed = []
    for path in reversed(done):
        try:
            before = originals.get(path)
            if before is None:
                path.unlink()
            else:
                write_atomic(path, before)
        except OSError:
            failed.append(str(path))
    return failed
