"""A lock file for files every writer re-reads under the lock (IPAM records, the SSH
known_hosts file): an exclusive ``flock``, a bounded wait, the holder named.

Kept apart from :mod:`netctl.state.locks` (the state store's device locks) so that the commands
that only need a file lock (``netctl ipam allocate``) do not import SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from netctl.exceptions import NetctlError


class LockHeldError(NetctlError):
    """Someone else holds the lock: the message says who, where and since when."""

    def __init__(self, name: str, holder: str) -> None:
        self.name = name
        self.holder = holder
        super().__init__(f"{name} is locked by {holder}")


def whoami() -> str:
    """``NETCTL_USER``, else the login name."""
    try:
        return os.environ.get("NETCTL_USER") or getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float = 30.0, what: str = "") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` body.

    Waits up to ``timeout`` seconds (polling, bounded), then raises :class:`LockHeldError`
    naming the holder recorded in the file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "?"
                    raise LockHeldError(what or str(path), holder) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        stamp = (f"{whoami()} on {socket.gethostname()} pid {os.getpid()} since "
                 f"{datetime.now(UTC).isoformat(timespec='seconds')}")
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp.encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
