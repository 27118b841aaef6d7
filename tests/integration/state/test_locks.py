"""Locks in the state store (SQLite and a real PostgreSQL), two concurrent pushes to the same
emulated device, and reads that do not wait for a writer (issue 13 items 6 and 8)."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netctl.state import PushRecord, StateStore
from netctl.state.locks import DeviceLocks, LockHeldError

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url(state_url: str) -> str:
    """A fresh store on SQLite, then on the session's private PostgreSQL (tests/conftest.py)."""
    return state_url


def test_second_taker_is_told_who_holds_it(store_url: str) -> None:
    with StateStore(store_url) as a, StateStore(store_url) as b:
        alice = DeviceLocks(a, user="alice")
        bob = DeviceLocks(b, user="bob")
        bob.host = "noc-2"  # another machine sharing the store
        held = alice.acquire("device:gw1", "push ipv6")
        with pytest.raises(LockHeldError) as exc:
            bob.acquire("device:gw1", "push baseline")
        text = str(exc.value)
        assert "alice on" in text and f"pid {held.pid}" in text and "since 20" in text
        assert "push ipv6" in text
        assert bob.acquire("device:gw2").name == "device:gw2"  # other devices are free
        alice.release(held)
        assert bob.acquire("device:gw1").user == "bob"
        assert {lk.name for lk in alice.held()} == {"device:gw1", "device:gw2"}


def test_expired_and_dead_locks_are_taken_over(store_url: str) -> None:
    with StateStore(store_url) as store:
        old = DeviceLocks(store, ttl=0.05, user="gone")
        old.host = "noc-9"
        old.acquire("device:gw1")
        time.sleep(0.1)
        assert DeviceLocks(store, user="carol").acquire("device:gw1").user == "carol"
        dead = DeviceLocks(store, user="crashed")
        dead.pid = 2**22 + 12345  # no such process on this host
        dead.acquire("device:gw3")
        assert DeviceLocks(store, user="dave").acquire("device:gw3").user == "dave"


def test_many_takers_at_once_exactly_one_wins(store_url: str) -> None:
    with StateStore(store_url) as store:
        def take(i: int) -> bool:
            locks = DeviceLocks(store, user=f"u{i}")
            locks.host = f"noc-{i}"
            try:
                locks.acquire("device:core1")
            except LockHeldError:
                return False
            return True

        with ThreadPoolExecutor(8) as pool:
            wins = list(pool.map(take, range(16)))
    assert wins.count(True) == 1


def test_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A writer holds SQLite's write lock; read-only calls answer at once (deferred)."""
    path = tmp_path / "state.db"
    with StateStore(f"sqlite:///{path}") as store:
        store.record_push(PushRecord("t", "ipv6", False, "ok", datetime.now(UTC)))
        writer = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO locks VALUES ('device:x','t','u','h',1,"
                       "'2026-01-01','2026-01-01','')")
        try:
            start = time.monotonic()
            assert len(store.pushes()) == 1
            assert store.latest() == []
            assert store.version() >= 3
            assert DeviceLocks(store).held() == []  # the writer has not committed
            with StateStore(f"sqlite:///{path}") as again:  # opening (migrate) only reads
                assert again.pushes()[0].feature == "ipv6"
            assert time.monotonic() - start < 1.0
        finally:
            writer.execute("ROLLBACK")
            writer.close()


def test_reads_block_nothing_for_a_writer(tmp_path: Path) -> None:
    """A long read does not stop a writer either (WAL)."""
    path = tmp_path / "state.db"
    with StateStore(f"sqlite:///{path}") as store:
        store.record_push(PushRecord("t", "ipv6", False, "ok", datetime.now(UTC)))
        started = threading.Event()
        release = threading.Event()

        def long_read() -> None:
            with store.read() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM pushes").all()
                started.set()
                release.wait(5)

        t = threading.Thread(target=long_read)
        t.start()
        try:
            assert started.wait(5)
            store.record_push(PushRecord("t", "dns", False, "ok", datetime.now(UTC)))
        finally:
            release.set()
            t.join(5)
        assert len(store.pushes()) == 2
