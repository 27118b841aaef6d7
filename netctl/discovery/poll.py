"""``netctl discover``: ask every selected device what it is and who its neighbours are.

The SNMP collector's poller does the work (same sessions, credentials, target overrides,
``snmp.concurrency`` slots and ``snmp.deadline_s`` per request set): the collector's ``system``
profile first (a device that does not answer is asked nothing else), then its ``entity`` profile
(model, serial: where each vendor puts them) and the discovery profiles ``lldp`` and
``interfaces`` (``collectors/snmp/discovery/``) at once.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from netctl.collectors.daemon import SnmpCollector, plan
from netctl.collectors.snmp.client import SnmpError
from netctl.collectors.snmp.walk import fetch
from netctl.discovery.profiles import (
    CompiledDiscovery,
    VendorRule,
    fingerprint,
    load_discovery,
    vendor_of_descr,
)
from netctl.inventory.filters import DeviceFilter
from netctl.settings import Settings

CHASSIS_MAC, CHASSIS_NET = 4, 5  # LldpChassisIdSubtype macAddress(4), networkAddress(5)
PORT_MAC, PORT_NET, PORT_NAME, PORT_LOCAL = 3, 4, 5, 7  # LldpPortIdSubtype


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One LLDP neighbour of a polled device."""

    local_port: str
    chassis_id: str
    port: str
    sys_name: str = ""
    port_descr: str = ""
    sys_descr: str = ""
    vendor: str | None = None
    platform: str | None = None


@dataclass(slots=True)
class DevicePoll:
    """What discovery learnt about one device."""

    hostname: str
    ok: bool = False
    error: str = ""
    duration_s: float = 0.0
    requests: int = 0
    sys_name: str | None = None
    sys_object_id: str | None = None
    sys_descr: str | None = None
    chassis_id: str | None = None
    vendor: str | None = None
    platform: str | None = None
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    interfaces: list[str] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    lldp_ok: bool = False


@dataclass(slots=True)
class DiscoverySummary:
    """One ``netctl discover`` run."""

    polls: list[DevicePoll]
    problems: list[str]
    duration_s: float
    at: datetime


def format_id(subtype: int | None, raw: object, *, port: bool = False) -> str:
    """An LLDP chassis or port id as text, by its subtype.

    Examples:
        >>> format_id(4, bytes.fromhex("506f77eadca0"))
        '50:6f:77:ea:dc:a0'
        >>> format_id(5, b"GigabitEthernet0/0/1", port=True)
        'GigabitEthernet0/0/1'
        >>> format_id(5, b"\\x01\\xc0\\x00\\x02\\x01")
        '192.0.2.1'
    """
    if raw is None:
        return ""
    data = raw if isinstance(raw, bytes) else str(raw).encode()
    mac, net = (PORT_MAC, PORT_NET) if port else (CHASSIS_MAC, CHASSIS_NET)
    if subtype == mac and len(data) == 6:
        return ":".join(f"{b:02x}" for b in data)
    if subtype == net and len(data) in (5, 17):
        return str(ipaddress.ip_address(data[1:]))
    text = data.decode("utf-8", errors="replace").rstrip("\x00").strip()
    if text and all(c.isprintable() for c in text):
        return text
    return ":".join(f"{b:02x}" for b in data)


def _text(value: object) -> str:
    return format_id(None, value) if value is not None else ""


def _neighbours(rows: list[dict[str, object]], rules: list[VendorRule]) -> list[Neighbour]:
    out = []
    for r in rows:
        sub = r.get("local_port_subtype")
        local_id = _text(r.get("local_port_id"))
        local_descr = str(r.get("local_port_descr") or "")
        local = local_id if sub == PORT_NAME else (local_descr or local_id)
        psub = r.get("port_subtype")
        pid = format_id(psub if isinstance(psub, int) else None, r.get("port_id"), port=True)
        pdescr = str(r.get("port_descr") or "")
        remote = pid if psub == PORT_NAME or not pdescr else (
            pdescr if psub in (PORT_MAC, PORT_LOCAL) else pid)
        csub = r.get("chassis_subtype")
        chassis = format_id(csub if isinstance(csub, int) else None, r.get("chassis_id"))
        if not local or not (chassis or remote):
            continue
        descr = str(r.get("sys_descr") or "")
        fp = vendor_of_descr(rules, descr)
        out.append(Neighbour(local, chassis, remote, str(r.get("sys_name") or ""), pdescr,
                             descr, fp.vendor, fp.platform))
    return out


async def discover_devices(collector: SnmpCollector, profiles: dict[str, CompiledDiscovery],
                           rules: list[VendorRule]) -> list[DevicePoll]:
    """Discover every target of ``collector`` (its slots, sessions and deadline)."""
    snmp = collector.config.snmp

    async def one_fetch(rt: object, compiled: CompiledDiscovery) -> tuple[dict[str, object],
                                                                          list[dict[str, object]]]:
        from netctl.collectors.daemon import DeviceRuntime

        assert isinstance(rt, DeviceRuntime)  # noqa: S101
        async with collector.slots, asyncio.timeout(snmp.deadline_s):
            result = await fetch(rt.session, compiled.scalar_oids, compiled.column_oids,
                                 max_repetitions=snmp.max_repetitions,
                                 max_varbinds=snmp.max_varbinds)
        return compiled.rows(result)

    async def device(host: str) -> DevicePoll:
        rt = collector.runtimes[host]
        d = DevicePoll(host)
        started = time.monotonic()
        before = rt.session.requests
        async with collector.slots:
            outcome, _p, obs, _r = await collector.poll(rt, collector.profiles["system"])
        if not outcome.ok:
            d.error = outcome.error
            d.duration_s = time.monotonic() - started
            d.requests = rt.session.requests - before
            return d
        facts = {o.metric: o.value for o in obs}
        d.sys_name = _str(facts.get("sys_name"))
        d.sys_object_id = _str(facts.get("sys_object_id"))
        d.sys_descr = _str(facts.get("sys_descr"))

        async def entity() -> dict[str, str]:
            async with collector.slots:
                out, _pts, ent, _rep = await collector.poll(rt, collector.profiles["entity"])
            if not out.ok:
                raise SnmpError(out.error)
            return {o.metric: str(o.value) for o in ent}

        results = await asyncio.gather(entity(), one_fetch(rt, profiles["lldp"]),
                                       one_fetch(rt, profiles["interfaces"]),
                                       return_exceptions=True)
        ent, lldp, ifs = results
        errors: list[str] = []
        software = None
        if isinstance(ent, dict):
            d.model = ent.get("entity_model")
            d.serial = ent.get("entity_serial")
            software = ent.get("entity_software")
        else:
            errors.append(f"entity: {_why(ent, snmp.deadline_s)}")
        if isinstance(lldp, tuple):
            scalars, rows = lldp
            sub = scalars.get("lldpLocChassisIdSubtype")
            d.chassis_id = format_id(sub if isinstance(sub, int) else None,
                                     scalars.get("lldpLocChassisId")) or None
            d.neighbours = _neighbours(rows, rules)
            d.lldp_ok = True
        else:
            errors.append(f"lldp: {_why(lldp, snmp.deadline_s)}")
        if isinstance(ifs, tuple):
            d.interfaces = [str(r["name"]) for r in ifs[1] if r.get("name")]
        else:
            errors.append(f"interfaces: {_why(ifs, snmp.deadline_s)}")
        fp = fingerprint(rules, d.sys_object_id, d.sys_descr, software)
        d.vendor, d.platform, d.os_version = fp.vendor, fp.platform, fp.os_version
        d.ok = True
        d.error = "; ".join(errors)
        d.duration_s = time.monotonic() - started
        d.requests = rt.session.requests - before
        return d

    return list(await asyncio.gather(*(device(h) for h in collector.runtimes)))


def _str(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _why(exc: object, deadline: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"deadline of {deadline:g} s exceeded"
    if isinstance(exc, SnmpError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def run_discovery(settings: Settings, *, flt: DeviceFilter | None = None,
                        config_path: Path | None = None, targets_file: Path | None = None,
                        record: bool = True) -> DiscoverySummary:
    """``netctl discover``: poll the selected devices and record what was seen."""
    from netctl.discovery.store import record_discovery
    from netctl.inventory.index import load_inventory
    from netctl.state.store import StateStore

    started = time.monotonic()
    at = datetime.now(UTC)
    p = plan(settings, config_path=config_path, targets_file=targets_file, flt=flt)
    profiles, rules = load_discovery(settings.collectors_dir / "snmp")
    collector = SnmpCollector(p.config, p.profiles, p.targets, aps=p.aps)
    try:
        polls = await discover_devices(collector, profiles, rules)
    finally:
        collector.transport.close()
    if record:
        inv = load_inventory(settings.inventory_dir)
        with StateStore(settings.state_url) as store:
            record_discovery(store, polls, at, set(inv.devices))
    return DiscoverySummary(sorted(polls, key=lambda d: d.hostname), p.problems,
                            time.monotonic() - started, at)
