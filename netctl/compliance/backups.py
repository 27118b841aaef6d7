"""Where the compliance engine finds backed-up running configurations.

Layout (the contract with ``netctl config backup``, issue 4)::

    <backups dir>/<hostname>/<UTC timestamp>.cfg
    e.g.  backups/nx640104-0001-gw1/20261128T020000Z.cfg

One folder per device, named by its inventory hostname; one file per backup, named by the UTC
time it was taken (``YYYYMMDDTHHMMSSZ``; ``2026-11-28T02-00-00Z`` and other spellings with the
same 14 digits are accepted), holding the running configuration as the device printed it
(``display current-configuration`` / ``show running-config``), UTF-8. The newest file is the
device's current configuration. A file whose name carries no timestamp is dated by its mtime.
A backup job that finds the configuration unchanged writes no copy but touches the newest file
(``os.utime``): its mtime says when the configuration was last confirmed, which is what the
freshness window (``backup_freshness_hours``, 48 h) is measured against.

The folder is, in order: the ``--backups`` option, ``NETCTL_BACKUPS``, or ``backups/`` beside the
SQLite state store (``<home>/.netctl/backups`` by default).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

_STAMP = re.compile(r"(\d{4})\D?(\d{2})\D?(\d{2})\D?(\d{2})\D?(\d{2})\D?(\d{2})(\d{6})?")


@dataclass(frozen=True, slots=True)
class Backup:
    """One backed-up running configuration."""

    hostname: str
    path: Path
    taken_at: datetime

    def confirmed_at(self, st: os.stat_result | None = None) -> datetime:
        """When the configuration was last known to be current: the later of the time in the
        name and the file's mtime (a backup job that finds the configuration unchanged touches
        the newest file instead of writing a copy). ``st``: the file's stat, when the caller
        has it already."""
        mtime = datetime.fromtimestamp((st or self.path.stat()).st_mtime, tz=UTC)
        return max(self.taken_at, mtime)

    def read(self) -> str:
        """The configuration text (undecodable bytes replaced, so one bad byte never hides it)."""
        return self.path.read_text(encoding="utf-8", errors="replace")


def backup_time(path: Path) -> datetime:
    """The time a backup was taken: from its name, else its mtime.

    Examples:
        >>> backup_time(Path("20261128T020000Z.cfg")).isoformat()
        '2026-11-28T02:00:00+00:00'
        >>> backup_time(Path("2026-11-28T02-00-00Z.cfg")).isoformat()
        '2026-11-28T02:00:00+00:00'
        >>> backup_time(Path("20261128T020000123456Z.cfg")).isoformat()  # same second, later
        '2026-11-28T02:00:00.123456+00:00'
    """
    return _stamp(path.stem) or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


@lru_cache(maxsize=65536)
def _stamp(name: str) -> datetime | None:
    """The UTC time written in a backup's name, or None (read once per name: a nightly job
    names many backups alike)."""
    if (len(name) == 16 and name[8] == "T" and name[15] == "Z" and name.isascii()
            and name[:8].isdigit() and name[9:15].isdigit()):  # as written: no regex needed
        try:
            return datetime(int(name[:4]), int(name[4:6]), int(name[6:8]), int(name[9:11]),
                            int(name[11:13]), int(name[13:15]), tzinfo=UTC)
        except ValueError:
            return None
    found = _STAMP.search(name)
    if not found:
        return None
    y, mo, d, h, mi, sec, us = (int(g or 0) for g in found.groups())
    try:
        return datetime(y, mo, d, h, mi, sec, us, tzinfo=UTC)
    except ValueError:
        return None


def newest_backup(
    backups_dir: Path, hostname: str, before: datetime | None = None
) -> Backup | None:
    """The newest backup of a device (taken at or before ``before``), or None."""
    folder = os.path.join(backups_dir, hostname)  # noqa: PTH118 - a string: one Path at the end
    try:
        names = os.listdir(folder)  # noqa: PTH208 - names only
    except (FileNotFoundError, NotADirectoryError):
        return None
    return newest_and_named(backups_dir, hostname, names, before)[0]


def newest_and_named(
    backups_dir: Path, hostname: str, names: list[str], before: datetime | None = None
) -> tuple[Backup | None, bool]:
    """:func:`newest_backup` from the names in the device's folder (as ``os.listdir`` gives
    them), and whether every backup among ``names`` carries its time in its name
    (then the newest is known from the names alone: no file's mtime can change which one it is).
    """
    found, named = newest_by_name(names, before)
    if named:
        if found is None:
            return None, True
        taken_at, name = found
        return Backup(hostname, backups_dir.joinpath(hostname, name), taken_at), True
    names = [n for n in names if n.endswith(".cfg")]
    folder = os.path.join(backups_dir, hostname)  # noqa: PTH118 - a string: one Path at the end
    timed = [(backup_time(Path(folder, n)), Path(folder, n)) for n in names]
    if before is not None:
        timed = [(w, p) for w, p in timed if w <= before]
        if not timed:
            return None, False
    taken_at, path = max(timed)
    return Backup(hostname, path, taken_at), False


def newest_by_name(names: list[str], before: datetime | None = None,
                   ) -> tuple[tuple[datetime, str] | None, bool]:
    """The newest backup among the names in a device's folder by the times in the names
    (``(taken_at, name)``, taken at or before ``before``; None when there is no such backup),
    and True; or ``(None, False)`` when some backup's name carries no time (then its mtime
    says: :func:`newest_and_named`).

    Examples:
        >>> newest_by_name(["20261128T020000Z.cfg", "20261127T020000Z.cfg", "notes.txt"])[0][1]
        '20261128T020000Z.cfg'
        >>> newest_by_name(["20261128T020000Z.cfg", "old.cfg"]), newest_by_name([])
        ((None, False), (None, True))
        >>> newest_by_name(["20261128T020000Z.cfg", "20261127T020000Z.cfg"],
        ...                datetime(2026, 11, 27, 12, tzinfo=UTC))[0][1]
        '20261127T020000Z.cfg'
    """
    if len(names) == 1 and names[0].endswith(".cfg"):  # the usual case: one backup
        when = _stamp(names[0][:-4])
        if when is not None:
            return ((when, names[0]) if before is None or when <= before else None), True
    names = [n for n in names if n.endswith(".cfg")]
    if not names:
        return None, True
    stamped = [(when, n) for n in names if (when := _stamp(n[:-4])) is not None]
    if len(stamped) == len(names):  # the usual case: no stat per file
        if before is not None:
            stamped = [(w, n) for w, n in stamped if w <= before]
        return (max(stamped) if stamped else None), True
    return None, False


def default_backups_dir(state_url: str, home: Path, env: dict[str, str] | None = None) -> Path:
    """``NETCTL_BACKUPS``, else ``backups/`` beside a SQLite store, else ``<home>/.netctl/backups``.

    Examples:
        >>> str(default_backups_dir("sqlite:////srv/netctl/.netctl/state.db", Path("/srv"), {}))
        '/srv/netctl/.netctl/backups'
        >>> str(default_backups_dir("postgresql://db/netctl", Path("/srv"), {}))
        '/srv/.netctl/backups'
    """
    e = dict(os.environ) if env is None else env
    if e.get("NETCTL_BACKUPS"):
        return Path(e["NETCTL_BACKUPS"])
    if state_url.startswith("sqlite:///") and not state_url.endswith(":memory:"):
        return Path(state_url.removeprefix("sqlite:///")).parent / "backups"
    return home / ".netctl" / "backups"


def backup_path(backups_dir: Path, hostname: str, taken_at: datetime) -> Path:
    """Where a backup taken at ``taken_at`` goes (for writers: ``netctl config backup``).

    Examples:
        >>> backup_path(Path("b"), "gw1", datetime(2026, 11, 28, 2, 0, tzinfo=UTC)).as_posix()
        'b/gw1/20261128T020000Z.cfg'
    """
    return backups_dir / hostname / f"{taken_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.cfg"
