"""Tables of the state store and the ordered migrations that create them.

The schema is versioned: ``schema_version`` holds one row per applied migration. A migration is
applied in the same transaction as its version row, so a crash leaves the store at the previous
version, never in between. Add a migration at the end of :data:`MIGRATIONS`; never edit one that
has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

# Every observation, as it came (history; pruned by age).
observations = Table(
    "observations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device", String(300), nullable=False),
    Column("interface", String(128), nullable=False, default=""),
    Column("metric", String(64), nullable=False),
    Column("value_num", Float),
    Column("value_text", Text),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("source", String(128), nullable=False),
    Index("ix_observations_device_time", "device", "observed_at"),
)

# The latest value per device, interface and metric: what the compliance engine reads.
latest = Table(
    "latest",
    metadata,
    Column("device", String(300), primary_key=True),
    Column("interface", String(128), primary_key=True, default=""),
    Column("metric", String(64), primary_key=True),
    Column("value_num", Float),
    Column("value_text", Text),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("source", String(128), nullable=False),
)

pushes = Table(
    "pushes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("user", String(64), nullable=False),
    Column("feature", String(64), nullable=False),
    Column("dry_run", Integer, nullable=False),
    Column("result", String(16), nullable=False),  # ok | failed | partial
    Column("summary", Text),
)

push_devices = Table(
    "push_devices",
    metadata,
    Column("push_id", Integer, ForeignKey("pushes.id", ondelete="CASCADE"), primary_key=True),
    Column("device", String(300), primary_key=True),
    Column("status", String(16), nullable=False),  # unchanged | changed | failed | rolled_back
    Column("diff", Text),
    Column("error", Text),
)

kpi_snapshots = Table(
    "kpi_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("year", Integer, nullable=False),
    Column("kpi", String(32), nullable=False),
    Column("scope_level", String(8), nullable=False),  # school | county | city | region
    Column("scope_code", String(16), nullable=False),
    Column("numerator", Float),
    Column("denominator", Float),
    Column("value", Float),
    Column("target", Float),
    Column("met", Integer),
    Index("ix_kpi_scope_time", "kpi", "scope_level", "scope_code", "taken_at"),
)

# Named locks (``device:<hostname>`` while a push changes it): one row per held lock, the primary
# key makes a second taker fail; holder, host, pid and expiry say who and until when.
locks = Table(
    "locks",
    metadata,
    Column("name", String(320), primary_key=True),
    Column("token", String(32), nullable=False),
    Column("user", String(64), nullable=False),
    Column("host", String(128), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("purpose", String(200)),
)


# What discovery saw (netctl discover): one row per device polled or named by a neighbour.
discovery_devices = Table(
    "discovery_devices",
    metadata,
    Column("device", String(300), primary_key=True),  # inventory hostname, or lldp:<name>
    Column("source", String(16), nullable=False),  # snmp | lldp
    Column("sys_name", String(300)),
    Column("sys_object_id", String(128)),
    Column("sys_descr", Text),
    Column("chassis_id", String(128)),
    Column("vendor", String(64)),
    Column("platform", String(32)),
    Column("model", String(128)),
    Column("serial", String(128)),
    Column("os_version", String(128)),
    Column("interfaces", Text),  # newline-separated interface names (ifName, else ifDescr)
    Column("first_seen", DateTime(timezone=True)),
    Column("last_seen", DateTime(timezone=True)),
    Column("last_attempt", DateTime(timezone=True)),
    Column("last_error", Text),
)

# LLDP neighbours as each polled device reports them (replaced per device at each discovery).
discovery_links = Table(
    "discovery_links",
    metadata,
    Column("device", String(300), primary_key=True),
    Column("local_port", String(128), primary_key=True),
    Column("remote_chassis_id", String(128), primary_key=True),
    Column("remote_port", String(128), primary_key=True),
    Column("remote_sys_name", String(300)),
    Column("remote_port_descr", Text),
    Column("remote_device", String(300)),  # the device key it resolved to (discovery_devices)
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step."""

    version: int
    description: str
    upgrade: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    for table in (observations, latest, pushes, push_devices, kpi_snapshots):
        table.create(conn)


def _widen(conn: Connection) -> None:
    """Website keys (``web:<domain>``) and ``snmp:<controller>`` sources outgrow 64/32 characters.

    SQLite does not enforce lengths (and stores created after this version are wide already);
    PostgreSQL needs the columns altered.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in ("observations", "latest"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN device TYPE VARCHAR(300)")
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN interface TYPE VARCHAR(128)")
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN source TYPE VARCHAR(128)")
    conn.exec_driver_sql("ALTER TABLE push_devices ALTER COLUMN device TYPE VARCHAR(300)")


def _discovery(conn: Connection) -> None:
    for table in (discovery_devices, discovery_links):
        table.create(conn)


def _locks(conn: Connection) -> None:
    locks.create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "observations, latest, pushes, push_devices, kpi_snapshots", _initial),
    Migration(2, "wider device, interface and source columns", _widen),
    Migration(3, "discovery: devices and LLDP links seen", _discovery),
    Migration(4, "locks (per-device push locks)", _locks),
)
