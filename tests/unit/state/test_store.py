"""The state store on a real SQLite file and a real PostgreSQL server (tests/conftest.py):
migrations, transactions, latest values, records, concurrent writers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from netctl.exceptions import StateStoreError
from netctl.state import KpiRow, Observation, PushDevice, PushRecord, StateStore
from netctl.state.schema import MIGRATIONS

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def _sql(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement on the store's database directly (not through netctl)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_new_store_is_migrated_to_the_latest_version_once(state_url: str) -> None:
    with StateStore(state_url) as store:
        assert store.version() == MIGRATIONS[-1].version
        assert store.migrate() == []  # nothing left to apply
    rows = _sql(state_url, "select version, description from schema_version order by version")
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]


def test_a_store_from_a_newer_netctl_is_refused(state_url: str) -> None:
    StateStore(state_url).close()
    _sql(state_url, "insert into schema_version values (99, 'future', '2030-01-01')")
    with pytest.raises(StateStoreError, match="newer than this netctl"):
        StateStore(state_url)


def test_two_processes_creating_the_store_at_once(state_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_store() -> None:
        try:
            barrier.wait(timeout=10)
            StateStore(state_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with StateStore(state_url) as store:
        assert store.version() == MIGRATIONS[-1].version


def test_latest_keeps_the_newest_value_and_history_keeps_all(state_url: str) -> None:
    with StateStore(state_url) as store:
        store.record_observations([
            Observation("gw1", "if_oper_status", 1, T0, "snmp", "Gi0/1"),
            Observation("gw1", "sys_name", "gw1", T0, "snmp"),
        ])
        store.record_observations([Observation("gw1", "if_oper_status", 2, T0 + timedelta(
            minutes=5), "snmp", "Gi0/1")])
        # a late, older value never overwrites a newer one
        store.record_observations([Observation("gw1", "if_oper_status", 1, T0 - timedelta(
            minutes=5), "snmp", "Gi0/1")])
        latest = {(o.interface, o.metric): o for o in store.latest(devices=["gw1"])}
        assert latest[("Gi0/1", "if_oper_status")].value == 2.0
        assert latest[("Gi0/1", "if_oper_status")].observed_at == T0 + timedelta(minutes=5)
        assert latest[("", "sys_name")].value == "gw1"
        assert store.latest(metric="sys_name", since=T0 + timedelta(minutes=1)) == []
        assert store.prune_observations(T0) == 1
    assert _sql(state_url, "select count(*) from observations") == [(3,)]


def test_a_batch_lands_whole_or_not_at_all(state_url: str) -> None:
    with StateStore(state_url) as store:
        long_key = "web:" + "a" * 250 + ".example.cn"
        store.record_observations([Observation(long_key, "web_ipv6_supported", 1, T0, "probe-web")])
        assert store.latest(devices=[long_key])[0].value == 1.0
        bad = [Observation("gw2", "poll_ok", 1, T0, "snmp"),
               Observation("gw2", "poll_ok", 1, None, "snmp")]  # type: ignore[arg-type]
        with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
            store.record_observations(bad)
        assert store.latest(devices=["gw2"]) == []


def test_push_records_and_kpi_snapshots(state_url: str) -> None:
    with StateStore(state_url) as store:
        push_id = store.record_push(PushRecord(
            user="netops", feature="ipv6", dry_run=False, result="partial", started_at=T0,
            finished_at=T0 + timedelta(seconds=9), summary="changed 1, rolled_back 1",
            devices=[PushDevice("gw1", "changed", "ipv6 enable\n"),
                     PushDevice("gw2", "rolled_back", "", "rejected 'x'")]))
        record = store.pushes()[0]
        assert record.id == push_id and record.result == "partial"
        assert [(d.device, d.status) for d in record.devices] == [("gw1", "changed"),
                                                                  ("gw2", "rolled_back")]
        for day in range(3):
            store.save_kpi_snapshot([KpiRow("ipv6_campus", "county", "640104", day, 10,
                                            day / 10, 0.9, False)], year=2026,
                                    taken_at=T0 + timedelta(days=day))
        history = store.kpi_history("ipv6_campus", "county", "640104")
        assert [row.numerator for _, row in history] == [0, 1, 2]
        assert history[0][0] == T0


def test_concurrent_writers_from_several_shards(state_url: str) -> None:
    """Four collector shards (threads with their own store) write at once; nothing is lost.

    Every shard also writes one shared key, so the upsert of the latest value races itself:
    the newest observation must win whatever the commit order.
    """
    StateStore(state_url).close()
    shards, batches = 4, 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(shards)

    def shard(i: int) -> None:
        try:
            with StateStore(state_url) as store:
                barrier.wait(timeout=10)
                for b in range(batches):
                    at = T0 + timedelta(seconds=b * shards + i)
                    store.record_observations([
                        Observation(f"dev{i}-{b}", "poll_ok", 1, at, "snmp"),
                        Observation("shared", "poll_seq", b * shards + i, at, "snmp"),
                    ])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=shard, args=(i,)) for i in range(shards)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert _sql(state_url, "select count(*) from observations") == [(2 * shards * batches,)]
    with StateStore(state_url) as store:
        assert len(store.latest(metric="poll_ok")) == shards * batches
        assert store.latest(devices=["shared"])[0].value == shards * batches - 1
