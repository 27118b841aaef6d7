"""What discovery saw, in the state store (tables ``discovery_devices``, ``discovery_links``).

A device polled successfully gets its facts and ``last_seen`` updated (``first_seen`` kept) and
its LLDP neighbours replaced; a device that did not answer gets only ``last_attempt`` and
``last_error``. A neighbour that is neither a polled device (matched by LLDP chassis id) nor an
inventory hostname (matched by LLDP system name) is kept as ``lldp:<name>``. One transaction
per run: a discovery lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from netctl.discovery.poll import DevicePoll
from netctl.exceptions import StateStoreError
from netctl.state import schema as s
from netctl.state.store import StateStore


@dataclass(frozen=True, slots=True)
class SeenDevice:
    """A row of ``discovery_devices``."""

    device: str
    source: str
    sys_name: str | None = None
    sys_object_id: str | None = None
    sys_descr: str | None = None
    chassis_id: str | None = None
    vendor: str | None = None
    platform: str | None = None
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    interfaces: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None

    @property
    def seen(self) -> bool:
        """Answered at least once."""
        return self.last_seen is not None


@dataclass(frozen=True, slots=True)
class SeenLink:
    """A row of ``discovery_links``: one end's view of one LLDP adjacency."""

    device: str
    local_port: str
    remote_chassis_id: str
    remote_port: str
    remote_sys_name: str | None
    remote_port_descr: str | None
    remote_device: str | None
    first_seen: datetime
    last_seen: datetime


def short_name(name: str) -> str:
    """An LLDP system name compared with hostnames: lower case, without a domain.

    Examples:
        >>> short_name("NX640104-0001-SW9.nxedu.example.cn")
        'nx640104-0001-sw9'
    """
    return name.strip().split(".", 1)[0].lower()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_discovery(store: StateStore, polls: Iterable[DevicePoll], at: datetime,
                     hostnames: set[str]) -> None:
    """Record one discovery run (``hostnames``: every inventory hostname)."""
    polls = list(polls)
    dev = s.discovery_devices
    link = s.discovery_links
    try:
        with store.engine.begin() as conn:
            existing = {r.device: r for r in conn.execute(select(dev))}
            by_chassis = {r.chassis_id: r.device for r in existing.values()
                          if r.chassis_id and r.source == "snmp"}
            by_chassis.update({p.chassis_id: p.hostname for p in polls if p.ok and p.chassis_id})
            by_name = {short_name(h): h for h in hostnames}

            def upsert(key: str, values: dict[str, Any]) -> None:
                if key in existing:
                    conn.execute(update(dev).where(dev.c.device == key).values(**values))
                else:
                    conn.execute(insert(dev).values(device=key, **values))

            for p in polls:
                if not p.ok:
                    upsert(p.hostname, {"source": "snmp", "last_attempt": at,
                                        "last_error": p.error or "no answer"})
                    continue
                prior = existing.get(p.hostname)
                facts = {  # a part that failed this time (entity, LLDP) keeps what was known
                    "sys_name": p.sys_name, "sys_object_id": p.sys_object_id,
                    "sys_descr": p.sys_descr, "chassis_id": p.chassis_id, "vendor": p.vendor,
                    "platform": p.platform, "model": p.model, "serial": p.serial,
                    "os_version": p.os_version, "interfaces": "\n".join(p.interfaces) or None}
                upsert(p.hostname, {
                    "source": "snmp", **{k: v for k, v in facts.items() if v is not None},
                    "first_seen": (prior.first_seen if prior is not None and prior.first_seen
                                   else at),
                    "last_seen": at, "last_attempt": at, "last_error": p.error or None})
                if not p.lldp_ok:
                    continue  # LLDP not answered: keep what was known
                old = {(r.local_port, r.remote_chassis_id, r.remote_port): r.first_seen
                       for r in conn.execute(select(link).where(link.c.device == p.hostname))}
                conn.execute(delete(link).where(link.c.device == p.hostname))
                rows = {}
                for n in p.neighbours:
                    remote = by_chassis.get(n.chassis_id) if n.chassis_id else None
                    if remote is None and n.sys_name:
                        remote = by_name.get(short_name(n.sys_name))
                    if remote is None:
                        remote = f"lldp:{short_name(n.sys_name) if n.sys_name else n.chassis_id}"
                        prior = existing.get(remote)
                        upsert(remote, {
                            "source": "lldp", "sys_name": n.sys_name or None,
                            "chassis_id": n.chassis_id or None,
                            "sys_descr": n.sys_descr or None, "vendor": n.vendor,
                            "platform": n.platform,
                            "first_seen": (prior.first_seen if prior is not None
                                           and prior.first_seen else at), "last_seen": at})
                        if prior is None:
                            existing[remote] = conn.execute(select(dev).where(
                                dev.c.device == remote)).one()
                    key = (n.local_port, n.chassis_id, n.port)
                    rows[key] = {"device": p.hostname, "local_port": n.local_port,
                                 "remote_chassis_id": n.chassis_id, "remote_port": n.port,
                                 "remote_sys_name": n.sys_name or None,
                                 "remote_port_descr": n.port_descr or None,
                                 "remote_device": remote, "first_seen": old.get(key, at),
                                 "last_seen": at}
                if rows:
                    conn.execute(insert(link), list(rows.values()))
    except SQLAlchemyError as exc:
        msg = f"cannot record the discovery in {store.url}: {exc}"
        raise StateStoreError(msg) from exc


def seen_devices(store: StateStore) -> dict[str, SeenDevice]:
    """Every device discovery knows, by key."""
    with store.read() as conn:
        rows = conn.execute(select(s.discovery_devices)).all()
    out = {}
    for r in rows:
        out[r.device] = SeenDevice(
            r.device, r.source, r.sys_name, r.sys_object_id, r.sys_descr, r.chassis_id,
            r.vendor, r.platform, r.model, r.serial, r.os_version,
            tuple(x for x in (r.interfaces or "").split("\n") if x), _utc(r.first_seen),
            _utc(r.last_seen), _utc(r.last_attempt), r.last_error)
    return out


def seen_links(store: StateStore) -> list[SeenLink]:
    """Every LLDP adjacency as its reporting device saw it, in a stable order."""
    t = s.discovery_links
    with store.read() as conn:
        rows = conn.execute(select(t).order_by(t.c.device, t.c.local_port,
                                               t.c.remote_chassis_id, t.c.remote_port)).all()
    return [SeenLink(r.device, r.local_port, r.remote_chassis_id, r.remote_port,
                     r.remote_sys_name, r.remote_port_descr, r.remote_device,
                     _utc(r.first_seen) or datetime.now(UTC),
                     _utc(r.last_seen) or datetime.now(UTC)) for r in rows]
