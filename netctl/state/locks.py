"""Locks where two engineers (or two machines) collide.

* :func:`file_lock`: an exclusive ``flock`` on a lock file, for files every writer re-reads
  under the lock (IPAM records, the SSH known_hosts file). Waits a bounded time, then names the
  holder written in the lock file.
* :class:`DeviceLocks`: named locks in the state store's ``locks`` table (migration 4), so that
  two pushes to the same device refuse each other even when they run on two machines sharing a
  PostgreSQL store. A lock is one row; taking it is an ``INSERT`` that the primary key makes
  fail when someone else holds it, in its own transaction. Each row says who (user), where
  (host, pid), since when and until when: an expired lock, or one whose process is gone on this
  same host, is stale and taken over (with a log line).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from netctl.exceptions import StateStoreError
from netctl.state import schema as s
from netctl.state.filelock import LockHeldError, file_lock, whoami

if TYPE_CHECKING:
    from netctl.state.store import StateStore

log = logging.getLogger(__name__)

__all__ = ["DeviceLocks", "Lock", "LockHeldError", "file_lock", "whoami"]


@dataclass(frozen=True, slots=True)
class Lock:
    """One held lock."""

    name: str
    token: str
    user: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime
    purpose: str = ""

    def describe(self) -> str:
        """``alice on noc-1 (pid 42) since 2026-12-06T15:00:00+00:00 (push ipv6)``."""
        why = f" ({self.purpose})" if self.purpose else ""
        return (f"{self.user} on {self.host} (pid {self.pid}) since "
                f"{self.acquired_at.isoformat(timespec='seconds')}{why}")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DeviceLocks:
    """Named locks in the state store (``device:<hostname>`` for pushes)."""

    def __init__(self, store: StateStore, *, ttl: float = 3600.0, user: str | None = None) -> None:
        self.store = store
        self.ttl = ttl
        self.user = user or whoami()
        self.host = socket.gethostname()
        self.pid = os.getpid()

    def acquire(self, name: str, purpose: str = "") -> Lock:
        """Take ``name`` or raise :class:`LockHeldError` naming the holder."""
        now = datetime.now(UTC)
        lock = Lock(name, uuid.uuid4().hex, self.user[:64], self.host[:128], self.pid, now,
                    now + timedelta(seconds=self.ttl), purpose[:200])
        for _attempt in range(3):  # bounded: a stale lock is removed, then taken once more
            try:
                with self.store.engine.begin() as conn:
                    conn.execute(insert(s.locks).values(
                        name=lock.name, token=lock.token, user=lock.user, host=lock.host,
                        pid=lock.pid, acquired_at=lock.acquired_at, expires_at=lock.expires_at,
                        purpose=lock.purpose))
                return lock
            except IntegrityError:
                held = self.holder(name)
                if held is None:
                    continue  # released in the meantime
                if self._stale(held, now):
                    log.warning("taking over stale lock %s held by %s", name, held.describe())
                    self._remove(held)
                    continue
                raise LockHeldError(name, held.describe()) from None
            except SQLAlchemyError as exc:
                msg = f"cannot take lock {name} in the state store: {exc}"
                raise StateStoreError(msg) from exc
        held = self.holder(name)
        raise LockHeldError(name, held.describe() if held else "another process")

    def release(self, lock: Lock) -> None:
        """Give ``lock`` back (only if still ours)."""
        with contextlib.suppress(SQLAlchemyError), self.store.engine.begin() as conn:
            conn.execute(delete(s.locks).where(s.locks.c.name == lock.name,
                                               s.locks.c.token == lock.token))

    def holder(self, name: str) -> Lock | None:
        """Who holds ``name`` now."""
        with self.store.read() as conn:
            r = conn.execute(select(s.locks).where(s.locks.c.name == name)).first()
        if r is None:
            return None
        return Lock(r.name, r.token, r.user, r.host, int(r.pid), _utc(r.acquired_at),
                    _utc(r.expires_at), r.purpose or "")

    def held(self) -> list[Lock]:
        """Every lock in the table."""
        with self.store.read() as conn:
            rows = conn.execute(select(s.locks).order_by(s.locks.c.name)).all()
        return [Lock(r.name, r.token, r.user, r.host, int(r.pid), _utc(r.acquired_at),
                     _utc(r.expires_at), r.purpose or "") for r in rows]

    def _stale(self, held: Lock, now: datetime) -> bool:
        if held.expires_at <= now:
            return True
        if held.host == self.host and held.pid != self.pid:
            try:
                os.kill(held.pid, 0)
            except ProcessLookupError:
                return True  # its process is gone
            except PermissionError:
                return False
        return False

    def _remove(self, held: Lock) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(delete(s.locks).where(s.locks.c.name == held.name,
                                               s.locks.c.token == held.token))
