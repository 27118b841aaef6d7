"""A bounded on-disk spool of line-protocol batches, for when InfluxDB is down.

Each batch is one gzip file named ``<sequence>-<points>.lp.gz``, written atomically (temporary
file, ``fsync``, rename). Batches are replayed oldest first and a file is deleted only after its
write succeeded: nothing is lost, and because every point carries its own timestamp a batch
replayed twice (a crash between the write and the delete) overwrites the same points in
InfluxDB instead of adding new ones.

When the spool would exceed its size limit the oldest batches are dropped, with a warning that
says how many points and from when: recent data matters more to the NOC than old data (the
policy Telegraf's ``metric_buffer_limit`` follows).

Faults never stop the spool, and none is silent:

* a batch that cannot be read back (truncated, not gzip, not UTF-8) is **quarantined**: moved to
  ``quarantine/`` (at most :data:`QUARANTINE_KEEP` files kept), counted in ``quarantined`` and
  logged; the replay goes on with the next file;
* a batch that cannot be written (disk full, read-only, quota) is counted in ``dropped_points``
  (``spool_dropped``) and ``write_errors`` with an ERROR line; its temporary file is removed;
* temporary files (``*.tmp``) left by a crash are removed at start, with a log line.
"""

from __future__ import annotations

import errno
import gzip
import logging
import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{12})-(\d+)\.lp\.gz$")
QUARANTINE = "quarantine"
QUARANTINE_KEEP = 100
"""Quarantined files kept for a post-mortem; older ones are deleted (and were counted)."""


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
        self.quarantined = 0
        self.write_errors = 0
        self._full_warned = False
        folder.mkdir(parents=True, exist_ok=True)
        stale = list(folder.glob("*.tmp"))  # a crash while writing: the batch was not counted
        for path in stale:
            path.unlink(missing_ok=True)
        if stale:
            log.warning("spool %s: removed %d half-written temporary file(s) left by a crash "
                        "or a full disk", folder, len(stale))
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
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(final)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self.dropped_points += len(lines)
            self.write_errors += 1
            why = "disk full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else str(exc)
            log.error("spool %s cannot take a batch (%s): dropped %d points; %d dropped in "  # noqa: TRY400 - no traceback wanted
                      "total. Free space or move influx.spool_dir.", self.folder, why,
                      len(lines), self.dropped_points)
            return None
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
            if oldest is None:
                try:
                    oldest = victim.path.stat().st_mtime
                except FileNotFoundError:  # replayed in the meantime
                    oldest = None
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
        """The lines of a spooled batch (raises on a corrupt file: see :meth:`load`)."""
        with gzip.open(item.path, "rt", encoding="utf-8") as fh:
            return [line for line in fh.read().split("\n") if line]

    def load(self, item: SpoolFile) -> list[str] | None:
        """The lines of a spooled batch, or None when it is unreadable (then quarantined)."""
        try:
            return self.read(item)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            self.quarantine(item, f"{type(exc).__name__}: {exc}")
            return None

    def quarantine(self, item: SpoolFile, reason: str) -> None:
        """Move an unreadable batch aside (counted, logged); keep the newest few."""
        folder = self.folder / QUARANTINE
        try:
            folder.mkdir(exist_ok=True)
            item.path.replace(folder / item.path.name)
        except OSError:
            item.path.unlink(missing_ok=True)
        self.quarantined += 1
        log.error("spool file %s is unreadable (%s): moved to %s/ (%d points lost, %d file(s) "
                  "quarantined so far); replay goes on", item.path.name, reason[:200],
                  folder, item.points, self.quarantined)
        kept = sorted(folder.glob("*.lp.gz")) if folder.is_dir() else []
        for old in kept[:-QUARANTINE_KEEP]:
            old.unlink(missing_ok=True)

    @staticmethod
    def done(item: SpoolFile) -> None:
        """Delete a batch once InfluxDB has it."""
        item.path.unlink(missing_ok=True)
