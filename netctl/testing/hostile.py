"""Hostile inputs for tests: a time and memory bound per case, and zip bombs built without
inflating them.

Used by the fuzz suite (``tests/fuzz``) and the input-limit tests; never imported at run time.

The bomb's members are deflate streams made of one compressed block repeated: with a full
flush after each block the compressor starts afresh, so every block compresses to the same
bytes, and an 8 MiB bomb that declares (truthfully) gigabytes is written in a fraction of a
second. The CRC is not computed (reading the member would take seconds, and netctl must refuse
the file before reading any member).
"""

from __future__ import annotations

import io
import signal
import struct
import threading
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

MEMORY_LIMIT = 64 << 20
"""Peak memory one case may allocate (tracemalloc), far above any legitimate small input."""


SECONDS_LIMIT = 10.0
"""Wall time one case may take before it is interrupted as a hang."""


class HangError(BaseException):
    """A case ran longer than its time limit (interrupted by SIGALRM). Not an ``Exception``,
    so that code under test which catches every error cannot turn a hang into a refusal."""


def bounded(func: Callable[[], T], limit: int = MEMORY_LIMIT,
            seconds: float = SECONDS_LIMIT) -> T:
    """Run ``func``; fail if it allocated more than ``limit`` bytes at its peak, and interrupt it
    (:class:`HangError`) after ``seconds`` (main thread on POSIX; elsewhere only memory is
    bounded). Hypothesis' deadline reports slow cases, but only once they return: this one
    also stops a case that would never return."""
    use_alarm = (hasattr(signal, "setitimer")
                 and threading.current_thread() is threading.main_thread())

    def _interrupt(signum: int, frame: object) -> None:
        msg = f"one case ran longer than {seconds:g} s (a hang)"
        raise HangError(msg)

    previous: Any = None
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _interrupt)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    tracemalloc.start()
    try:
        result = func()
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    if peak >= limit:
        msg = f"one case allocated {peak / 2**20:.1f} MiB (limit {limit / 2**20:.0f} MiB)"
        raise AssertionError(msg)
    return result


CHUNK = 1 << 20  # 1 MiB of the same row, compressed once


def _deflate_blocks(repeat: int, chunk: bytes) -> tuple[bytes, int]:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    return block * repeat + tail, len(chunk) * repeat


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """``(name, data, method, crc, uncompressed size)`` → a zip archive (no zip64)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, data, method, crc, size in members:
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                              len(data), size, len(raw), 0) + raw + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21,
                                  crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd),
                          start, 0))
    return out.getvalue()


def xlsx_bomb(path: Path, megabytes: int = 8, *, lie: bool = False) -> Path:
    """A real workbook whose first sheet is replaced by a bomb of about ``megabytes`` MiB that
    declares (truthfully) about a thousand times as much once inflated, in several members
    (each below 4 GiB, so no zip64). ``lie``: each member declares 1 MiB instead."""
    from openpyxl import Workbook

    good = io.BytesIO()
    wb = Workbook()
    wb.active.append(["学校标识码", "学校名称"])
    wb.save(good)

    members: list[tuple[str, bytes, int, int, int]] = []
    with zipfile.ZipFile(good) as zf:
        for info in zf.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            data = zf.read(info)
            members.append((info.filename, data, 0, zlib.crc32(data), len(data)))
    row = b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>"
    chunk = row * (CHUNK // len(row))
    per_member = 2  # MiB compressed each
    for i in range(max(1, megabytes // per_member)):
        block, _ = _deflate_blocks(1, chunk)
        repeat = (per_member << 20) // len(block)
        data, size = _deflate_blocks(repeat, chunk)
        name = "xl/worksheets/sheet1.xml" if i == 0 else f"xl/media/pad{i}.xml"
        members.append((name, data, 8, 0, CHUNK if lie else size))
    path.write_bytes(_zip(members))
    return path
