"""The state store: SQLite by default, any SQLAlchemy database by URL (PostgreSQL-ready).

Every write is one transaction: a batch of observations lands whole or not at all. On SQLite a
write transaction takes the write lock at once (``BEGIN IMMEDIATE``: no upgrade deadlock between
two writers); reads use deferred transactions (:meth:`StateStore.read`), so that with WAL a
read-only command never waits for, nor fails because of, a writer holding the lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from netctl.exceptions import StateStoreError
from netctl.state import schema as s


@dataclass(frozen=True, slots=True)
class Observation:
    """One observed value of a device (``interface=""``) or of one of its interfaces."""

    device: str
    metric: str
    value: float | str | None
    observed_at: datetime
    source: str
    interface: str = ""


@dataclass(frozen=True, slots=True)
class PushDevice:
    """What a push did to one device."""

    device: str
    status: str  # unchanged | changed | failed | rolled_back
    diff: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class PushRecord:
    """One run of ``netctl config push``: who, when, which devices, diff, result."""

    user: str
    feature: str
    dry_run: bool
    result: str
    started_at: datetime
    finished_at: datetime | None = None
    summary: str = ""
    devices: Sequence[PushDevice] = field(default_factory=tuple)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI value at one scope, as stored in a snapshot."""

    kpi: str
    scope_level: str
    scope_code: str
    numerator: float | None
    denominator: float | None
    value: float | None
    target: float | None
    met: bool | None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class StateStore:
    """Open (and migrate) the state store at ``url``."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError) as exc:
            msg = f"cannot open state store {url}: {exc}"
            raise StateStoreError(msg) from exc
        if self.engine.dialect.name == "sqlite":
            # pysqlite commits DDL on its own; take transactions over so that a migration and
            # its version row commit together (SQLAlchemy's documented recipe)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.reader: Engine = self.engine.execution_options(netctl_read=True)
        """The same pool; transactions begun through it are deferred (SQLite)."""
        if migrate:
            self.migrate()

    def read(self) -> Any:
        """A connection for reading only (``with store.read() as conn``)."""
        return self.reader.connect()

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------
    def version(self) -> int:
        """The applied schema version (0 for an empty database)."""
        with self.reader.connect() as conn:
            if not self.engine.dialect.has_table(conn, "schema_version"):
                return 0
            return int(conn.execute(select(func.max(s.schema_version.c.version))).scalar() or 0)

    def migrate(self) -> list[int]:
        """Apply every pending migration, each in its own transaction; return those applied.

        Two processes may start on a new store at once (a daemon and a CLI): a migration that
        fails because the other applied it first is not an error.
        """
        applied: list[int] = []
        try:
            if self.version() == s.MIGRATIONS[-1].version:
                return applied  # up to date: a read, no write lock (read-only commands)
            try:
                with self.engine.begin() as conn:
                    s.schema_version.create(conn, checkfirst=True)
            except SQLAlchemyError:
                with self.reader.connect() as conn:
                    if not self.engine.dialect.has_table(conn, "schema_version"):
                        raise
            current = self.version()
            latest = s.MIGRATIONS[-1].version
            if current > latest:
                msg = (
                    f"state store {self.url} is at schema {current}, newer than this netctl "
                    f"({latest}): upgrade netctl"
                )
                raise StateStoreError(msg)
            for m in s.MIGRATIONS:
                if m.version <= current:
                    continue
                try:
                    with self.engine.begin() as conn:
                        m.upgrade(conn)
                        conn.execute(insert(s.schema_version).values(
                            version=m.version, description=m.description,
                            applied_at=datetime.now(UTC)))
                except SQLAlchemyError:
                    if self.version() >= m.version:
                        continue  # applied by the other process in the meantime
                    raise
                applied.append(m.version)
        except SQLAlchemyError as exc:
            msg = f"cannot migrate state store {self.url}: {exc}"
            raise StateStoreError(msg) from exc
        return applied

    # -- observations -----------------------------------------------------------------------
    def record_observations(self, items: Iterable[Observation]) -> int:
        """Store a batch in one transaction: history rows plus the latest value per key."""
        rows = [
            {
                "device": o.device,
                "interface": o.interface,
                "metric": o.metric,
                "value_num": float(o.value) if isinstance(o.value, (int, float)) else None,
                "value_text": o.value if isinstance(o.value, str) else None,
                "observed_at": _utc(o.observed_at),
                "source": o.source,
            }
            for o in items
        ]
        if not rows:
            return 0
        latest_rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for r in rows:
            key = (r["device"], r["interface"], r["metric"])
            if key not in latest_rows or latest_rows[key]["observed_at"] <= r["observed_at"]:
                latest_rows[key] = r
        with self.engine.begin() as conn:
            conn.execute(insert(s.observations), rows)
            stmt = self._upsert_latest()
            conn.execute(stmt, list(latest_rows.values()))
        return len(rows)

    def _upsert_latest(self) -> Any:
        dialect = self.engine.dialect.name
        ins: Any
        if dialect == "sqlite":
            ins = sqlite_insert(s.latest)
        elif dialect == "postgresql":
            ins = pg_insert(s.latest)
        else:  # pragma: no cover - other dialects are not supported yet
            msg = f"state store dialect {dialect} is not supported (use sqlite or postgresql)"
            raise StateStoreError(msg)
        newer = ins.excluded.observed_at >= s.latest.c.observed_at
        return ins.on_conflict_do_update(
            index_elements=["device", "interface", "metric"],
            set_={c: ins.excluded[c] for c in ("value_num", "value_text", "observed_at", "source")},
            where=newer,
        )

    def latest(
        self,
        *,
        devices: Iterable[str] | None = None,
        metric: str | None = None,
        since: datetime | None = None,
    ) -> list[Observation]:
        """Latest values, optionally for some devices, one metric, or newer than ``since``."""
        q = select(s.latest)
        if devices is not None:
            q = q.where(s.latest.c.device.in_(list(devices)))
        if metric is not None:
            q = q.where(s.latest.c.metric == metric)
        if since is not None:
            q = q.where(s.latest.c.observed_at >= _utc(since))
        with self.reader.connect() as conn:
            return [
                Observation(
                    device=r.device,
                    interface=r.interface,
                    metric=r.metric,
                    value=r.value_num if r.value_text is None else r.value_text,
                    observed_at=_utc(r.observed_at),
                    source=r.source,
                )
                for r in conn.execute(q.order_by(s.latest.c.device, s.latest.c.interface))
            ]

    def prune_observations(self, older_than: datetime) -> int:
        """Delete history older than a date (the latest values stay)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                s.observations.delete().where(s.observations.c.observed_at < _utc(older_than))
            )
            return int(result.rowcount or 0)

    # -- pushes -----------------------------------------------------------------------------
    def record_push(self, record: PushRecord) -> int:
        """Store a push and its per-device outcomes in one transaction; return its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(s.pushes).values(
                    started_at=_utc(record.started_at),
                    finished_at=_utc(record.finished_at) if record.finished_at else None,
                    user=record.user,
                    feature=record.feature,
                    dry_run=int(record.dry_run),
                    result=record.result,
                    summary=record.summary,
                )
            )
            push_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            if record.devices:
                conn.execute(
                    insert(s.push_devices),
                    [
                        {
                            "push_id": push_id,
                            "device": d.device,
                            "status": d.status,
                            "diff": d.diff,
                            "error": d.error,
                        }
                        for d in record.devices
                    ],
                )
        return int(push_id)

    def pushes(self, limit: int = 20, *, dry_run: bool | None = None) -> list[PushRecord]:
        """The most recent pushes, newest first, with their devices.

        ``dry_run=False``: only the runs that sent (``push --commit``, rollback); ``True``: only
        the dry runs (diff, backup, push without --commit); ``None``: both.
        """
        query = select(s.pushes)
        if dry_run is not None:
            query = query.where(s.pushes.c.dry_run.is_(dry_run))
        with self.reader.connect() as conn:
            heads = conn.execute(query.order_by(s.pushes.c.id.desc()).limit(limit)).all()
            out = []
            for h in heads:
                devs = conn.execute(
                    select(s.push_devices)
                    .where(s.push_devices.c.push_id == h.id)
                    .order_by(s.push_devices.c.device)
                ).all()
                out.append(
                    PushRecord(
                        id=h.id,
                        user=h.user,
                        feature=h.feature,
                        dry_run=bool(h.dry_run),
                        result=h.result,
                        started_at=_utc(h.started_at),
                        finished_at=_utc(h.finished_at) if h.finished_at else None,
                        summary=h.summary or "",
                        devices=tuple(
                            PushDevice(d.device, d.status, d.diff or "", d.error or "")
                            for d in devs
                        ),
                    )
                )
            return out

    # -- KPI snapshots ----------------------------------------------------------------------
    def save_kpi_snapshot(
        self, rows: Iterable[KpiRow], year: int, taken_at: datetime | None = None
    ) -> int:
        """Store one snapshot (all rows share ``taken_at``) in one transaction."""
        when = _utc(taken_at or datetime.now(UTC))
        values = [
            {
                "taken_at": when,
                "year": year,
                "kpi": r.kpi,
                "scope_level": r.scope_level,
                "scope_code": r.scope_code,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "value": r.value,
                "target": r.target,
                "met": None if r.met is None else int(r.met),
            }
            for r in rows
        ]
        if values:
            with self.engine.begin() as conn:
                conn.execute(insert(s.kpi_snapshots), values)
        return len(values)

    def kpi_history(
        self, kpi: str, scope_level: str, scope_code: str
    ) -> list[tuple[datetime, KpiRow]]:
        """Every stored value of one KPI at one scope, oldest first."""
        t = s.kpi_snapshots
        q = (
            select(t)
            .where(t.c.kpi == kpi, t.c.scope_level == scope_level, t.c.scope_code == scope_code)
            .order_by(t.c.taken_at)
        )
        with self.reader.connect() as conn:
            return [
                (
                    _utc(r.taken_at),
                    KpiRow(
                        r.kpi,
                        r.scope_level,
                        r.scope_code,
                        r.numerator,
                        r.denominator,
                        r.value,
                        r.target,
                        None if r.met is None else bool(r.met),
                    ),
                )
                for r in conn.execute(q)
            ]


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("netctl_read"):
        conn.exec_driver_sql("BEGIN")  # deferred: a reader takes no write lock
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    import contextlib
    import sqlite3

    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL is persistent: when another connection holds the file, it has set it already
    with contextlib.suppress(sqlite3.OperationalError):
        cur.execute("PRAGMA journal_mode=WAL")
    cur.close()
