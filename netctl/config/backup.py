"""The versioned store of running configurations, secrets masked.

Layout (shared with the compliance engine, :mod:`netctl.compliance.backups`)::

    <backups>/<hostname>/<YYYYMMDDTHHMMSSZ>.cfg

A new file is written only when the configuration differs from the newest one, atomically;
an unchanged config touches the newest file (its mtime says when it was last confirmed).
Secrets (passwords, keys, communities, pre-shared keys, in clear or vendor-encrypted form) are
replaced by ``<masked>`` before anything touches the disk: a backup is safe to read, diff and
share, and it is never sent back to a device as is (rollback uses the unmasked copy held in
memory during the push).

Examples:
    >>> mask_secrets(" local-user netops password irreversible-cipher $1c$abc$")
    ' local-user netops password irreversible-cipher <masked>'
    >>> mask_secrets("snmp-server community s3cret RO")
    'snmp-server community <masked> RO'
    >>> mask_secrets("username admin secret 9 $9$xyz")
    'username admin secret 9 <masked>'
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from netctl.compliance.backups import newest_backup
from netctl.config.masking import Masking
from netctl.exceptions import NetctlError
from netctl.inventory.yamlio import write_atomic


def mask_secrets(text: str, masking: Masking | None = None, platform: str | None = None) -> str:
    """Replace every secret value in a configuration by ``<masked>`` (the platform's forms of
    ``templates/masking.yaml`` when given, always the built-in keyword rule)."""
    return (masking or Masking.builtin()).mask(text, platform)


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")


class UnsafeNameError(NetctlError):
    """A hostname or backup name that would leave the backups folder."""


def device_folder(backups_dir: Path, hostname: str) -> Path:
    """``<backups>/<hostname>``, refusing names that are not one plain path segment.

    Examples:
        >>> device_folder(Path("b"), "gw1.edu").as_posix()
        'b/gw1.edu'
        >>> device_folder(Path("b"), "../etc")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        netctl.config.backup.UnsafeNameError: '../etc' is not a device name: ...
    """
    if not _SAFE_NAME.fullmatch(hostname) or ".." in hostname:
        msg = (f"{hostname!r} is not a device name: letters, digits, '.', '_' and '-' only, "
               "not starting with '.' (a name cannot leave the backups folder)")
        raise UnsafeNameError(msg)
    return backups_dir / hostname


def write_backup(backups_dir: Path, hostname: str, running: str,
                 taken_at: datetime | None = None, *, masking: Masking | None = None,
                 platform: str | None = None) -> Path | None:
    """Store a masked running config; return its path, or None when it equals the newest one."""
    device_folder(backups_dir, hostname)
    masked = mask_secrets(running.replace("\r\n", "\n"), masking, platform).rstrip("\n") + "\n"
    newest = newest_backup(backups_dir, hostname)
    if newest is not None and newest.read() == masked:
        # unchanged: touch it, so the compliance engine sees the config confirmed just now
        now = (taken_at or datetime.now(UTC)).timestamp()
        os.utime(newest.path, (now, now))
        return None
    when = (taken_at or datetime.now(UTC)).astimezone(UTC)
    path = backups_dir / hostname / f"{when:%Y%m%dT%H%M%SZ}.cfg"
    if path.exists():  # two backups in the same second: keep both
        path = path.with_name(f"{when:%Y%m%dT%H%M%S}{when.microsecond:06d}Z.cfg")
    write_atomic(path, masked)
    return path


def list_backups(backups_dir: Path, hostname: str) -> list[Path]:
    """Every backup of a device, oldest first."""
    folder = device_folder(backups_dir, hostname)
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p for p in folder.glob("*.cfg") if p.is_file() and not p.is_symlink())
