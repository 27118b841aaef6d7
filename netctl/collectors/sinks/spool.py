"""A bounded on-disk spool of line-protocol batches, for when InfluxDB is down.

Each batch is one gzip file named ``<sequence>-<points>.lp.gz``, written atomically (temporary
file, ``fsync``, rename). Batches are replayed oldest first and a file is deleted only after its
write succeeded: nothing is lost, and because every point carries its own timestamp a batch
replayed twice (a crash between the write and the delete) overwrites the same points in
InfluxDB instead of adding new ones.

When the spool would exceed its size limit the oldest batches are dropped, with a warning that
says how many points and from when: recent data matters more to the NOC than old data (the
policy Telegraf's ``metric_buffer_limit`` follows).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{12})-(\d+)\.lp\.gz$")


@dataclass(frozen=True, slots=True)
class SpoolFile:
    """One spooled batch."""

    path: Path
    sequence: int
    points: int
    size: int


class Spool:
    """The spool folder."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.dropped_points = 0
        self._full_warned = False
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.tmp"):  # a crash while writing: the batch was not counted
            stale.unlink(missing_ok=True)
        files = self.files()
        self._next = files[-1].sequence + 1 if files else 1

    def files(self) -> list[SpoolFile]:
        """Spooled batches, oldest first."""
        out = []
        for path in self.folder.iterdir():
            m = _NAME.match(path.name)
            if m:
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                out.append(SpoolFile(path, int(m[1]), int(m[2]), size))
        return sorted(out, key=lambda f: f.sequence)

    @property
    def points(self) -> int:
        """Points waiting in the spool."""
        return sum(f.points for f in self.files())

    @property
    def size(self) -> int:
        """Bytes used."""
        return sum(f.size for f in self.files())

    def __bool__(self) -> bool:
        return any(_NAME.match(p.name) for p in self.folder.iterdir())

    def put(self, lines: list[str]) -> SpoolFile | None:
        """Spool one batch; drop the oldest batches if the spool would overflow."""
        if not lines:
            return None
        data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=5)
        self._make_room(len(data))
        seq = self._next
        self._next += 1
        final = self.folder / f"{seq:012d}-{len(lines)}.lp.gz"
        tmp = final.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(final)
        return SpoolFile(final, seq, len(lines), len(data))

    def _make_room(self, incoming: int) -> None:
        files = self.files()
        used = sum(f.size for f in files)
        if used + incoming <= self.max_bytes:
            self._full_warned = False
            return
        dropped = 0
        oldest: float | None = None
        while files and used + incoming > self.max_bytes:
            victim = files.pop(0)
            oldest = oldest or victim.path.stat().st_mtime
            victim.path.unlink(missing_ok=True)
            used -= victim.size
            dropped += victim.points
        self.dropped_points += dropped
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(oldest)) if oldest else "?"
        log.warning(
            "InfluxDB spool %s is FULL (%.1f MB limit): dropped the %d oldest points "
            "(spooled since %s); %d dropped in total. Restore InfluxDB or raise "
            "influx.spool_max_mb.", self.folder, self.max_bytes / 1e6, dropped, when,
            self.dropped_points)
        self._full_warned = True

    @staticmethod
    def read(item: SpoolFile) -> list[str]:
        """The lines of a spooled batch."""
        with gzip.open(item.path, "rt", encoding="utf-8") as fh:
            return [line for line in fh.read().split("\n") if line]

    @staticmethod
    def done(item: SpoolFile) -> None:
        """Delete a batch once InfluxDB has it."""
        item.path.unlink(missing_ok=True)
