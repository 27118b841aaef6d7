"""What the collectors and probes observed, as the engine reads it: latest values with freshness.

The names are the contract of ``docs/observations.md``. A value older than the freshness window
(default 24 h) does not count; when a value is missing or stale, :meth:`Evidence.why_missing`
says why in words a person can act on ("no poll for 26 h", "never polled", "the last poll
failed").
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, String, and_, func, or_, select, type_coerce

from netctl.compliance.model import Reason
from netctl.inventory.index import Inventory
from netctl.state import Observation, StateStore, schema

# Metrics read only for devices at the school end of an uplink (interface tables are large).
# Not if_admin_status: no KPI or reason reads it (docs/observations.md).
ENDPOINT_METRICS: tuple[str, ...] = ("if_oper_status", "if_speed_mbps")
# Metrics read for every device that reports them.
DEVICE_METRICS: tuple[str, ...] = (
    "poll_ok",
    "ipv4_addresses",
    "ipv6_addresses",
    "ipv6_ra",
    "ap_state",
    "ap_radio",  # not ap_controller: no KPI reads it (docs/observations.md)
    "reach_v6_loss",  # ipv6_campus; reach_v4_loss is read by no KPI (docs/observations.md)
    "web_ipv6_supported",
    "web_reason",
    "web_links_v6_share",
)


class Reading(NamedTuple):
    """One latest value (a named tuple: a whole region holds ~100,000 of them)."""

    value: float | str | None
    at: datetime
    source: str


def age_text(delta: timedelta) -> tuple[str, str]:
    """An age in minutes (under an hour), hours (up to three days) or days, in Chinese and
    English.

    Examples:
        >>> age_text(timedelta(minutes=5))
        ('5 分钟', '5 min')
        >>> age_text(timedelta(hours=26, minutes=10))
        ('26 小时', '26 h')
        >>> age_text(timedelta(days=9, hours=3))
        ('9 天', '9 d')
    """
    hours = delta.total_seconds() / 3600
    if hours < 1:
        minutes = max(1, int(delta.total_seconds() // 60))
        return f"{minutes} 分钟", f"{minutes} min"
    if hours <= 72:
        n = max(1, int(hours))
        return f"{n} 小时", f"{n} h"
    days = int(hours // 24)
    return f"{days} 天", f"{days} d"


class Evidence:
    """Latest observations indexed by device, metric and interface, judged against a window."""

    def __init__(
        self, now: datetime, window: timedelta, observations: Iterable[Observation] = ()
    ) -> None:
        self._now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self._window = window
        self._cutoff = self._now - window  # fresh: observed at or after this instant
        self._data: dict[tuple[str, str], dict[str, Reading]] = {}
        self._seen: dict[str, datetime] | None = None  # built when first asked (rarely)
        self._stamps: dict[datetime, str] = {}
        self.add(observations)

    @property
    def now(self) -> datetime:
        """The instant the evidence is judged at."""
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        self._now = value
        self._cutoff = value - self._window

    @property
    def window(self) -> timedelta:
        """How old a reading may be and still count."""
        return self._window

    @window.setter
    def window(self, value: timedelta) -> None:
        self._window = value
        self._cutoff = self._now - value

    def add(self, observations: Iterable[Observation]) -> None:
        """Index more observations (the newest per key wins)."""
        data = self._data
        self._seen = None
        for o in observations:
            at = o.observed_at if o.observed_at.tzinfo else o.observed_at.replace(tzinfo=UTC)
            slot = data.setdefault((o.device, o.metric), {})
            old = slot.get(o.interface)
            if old is None or old.at <= at:
                slot[o.interface] = Reading(o.value, at, o.source)

    @classmethod
    def from_store(
        cls,
        store: StateStore,
        inv: Inventory,
        now: datetime,
        window: timedelta,
        *,
        as_of: bool = False,
    ) -> Evidence:
        """Read what the engine needs from the state store's latest values.

        This reads the ``latest`` table of :mod:`netctl.state.schema` directly, as plain rows:
        on a whole region (~120,000 values) it is three times faster than building
        :class:`~netctl.state.Observation` objects through :meth:`StateStore.latest`.
        """
        ev = cls(now, window)
        endpoints = sorted(_endpoint_devices(inv))
        if not as_of and _one_scan(store):
            ev._add_rows(_latest_scan(store, endpoints))
            return ev
        read = functools.partial(_history_rows, until=ev.now) if as_of else _latest_rows
        for chunk in _chunks(endpoints, 5000):
            ev._add_rows(read(store, ENDPOINT_METRICS, chunk))
        ev._add_rows(read(store, DEVICE_METRICS))
        return ev

    def _add_rows(self, rows: Iterable[Any]) -> None:
        """Index rows of :func:`_latest_rows` (or history rows, oldest first: the last wins)."""
        data = self._data
        self._seen = None
        stamps: dict[Any, datetime] = {}  # a poll writes many values with one timestamp
        new = tuple.__new__  # Reading(...) without its Python-level __new__
        for device, interface, metric, num, text, at_raw, source in rows:
            at = stamps.get(at_raw)
            if at is None:
                at = at_raw if isinstance(at_raw, datetime) else datetime.fromisoformat(at_raw)
                if at.tzinfo is None:
                    at = at.replace(tzinfo=UTC)
                stamps[at_raw] = at
            slot = data.get((device, metric))
            if slot is None:
                slot = data[(device, metric)] = {}
            slot[interface] = new(Reading, (num if text is None else text, at, source))

    def is_fresh(self, reading: Reading) -> bool:
        """True when the reading is inside the window (future timestamps count as fresh)."""
        return reading.at >= self._cutoff  # now - at <= window, without a subtraction

    def get(self, device: str, metric: str, interface: str = "") -> Reading | None:
        """The latest reading, whatever its age."""
        slot = self._data.get((device, metric))
        return slot.get(interface) if slot else None

    def fresh(self, device: str, metric: str, interface: str = "") -> Reading | None:
        """The latest reading if it is inside the window, else None."""
        slot = self._data.get((device, metric))
        r = slot.get(interface) if slot else None
        return r if r is not None and r.at >= self._cutoff else None

    def interfaces(self, device: str, metric: str) -> dict[str, Reading]:
        """Fresh readings of an interface metric of a device, by interface name."""
        slot = self._data.get((device, metric))
        if not slot:
            return {}
        cutoff = self._cutoff
        return {i: r for i, r in slot.items() if r.at >= cutoff}

    def fresh_of(
        self, devices: Iterable[str], metrics: tuple[str, ...]
    ) -> list[tuple[str, str, Reading]]:
        """Every fresh reading of ``metrics`` of ``devices``, as ``(device, interface,
        reading)``: device by device, then metric by metric (as given), then interface by
        interface as :meth:`interfaces` gives them; one call for a school's devices."""
        data, cutoff = self._data, self._cutoff
        out: list[tuple[str, str, Reading]] = []
        for device in devices:
            for metric in metrics:
                slot = data.get((device, metric))
                if slot:
                    out += [(device, i, r) for i, r in slot.items() if r.at >= cutoff]
        return out

    def last_seen(self, device: str) -> datetime | None:
        """When anything was last observed about the device (its ``poll_ok`` first)."""
        poll = self.get(device, "poll_ok")
        if poll is not None:
            return poll.at
        if self._seen is None:  # the newest reading of each device (each slot holds its newest)
            seen: dict[str, datetime] = {}
            for (dev, _metric), slot in self._data.items():
                for r in slot.values():
                    last = seen.get(dev)
                    if last is None or last < r.at:
                        seen[dev] = r.at
            self._seen = seen
        return self._seen.get(device)

    def stamp(self, at: datetime) -> str:
        """A timestamp for evidence lines: ``2026-11-28T20:00Z`` (cached: polls share times)."""
        text = self._stamps.get(at)
        if text is None:
            text = self._stamps[at] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        return text

    def why_missing(
        self, device: str, metric: str, interface: str = "", what: tuple[str, str] | None = None
    ) -> Reason:
        """Why there is no fresh ``metric`` for ``device`` (and ``interface``) from a poll.

        ``what`` names the missing thing for people, e.g. ``("上行链路状态", "uplink status")``.
        """
        zh_what, en_what = what or (metric, metric)
        where = f"{device}:{interface}" if interface else device
        reading = self.get(device, metric, interface)
        poll = self.get(device, "poll_ok")
        if reading is not None and not self.is_fresh(reading):
            zh_age, en_age = age_text(
                self.now - (poll.at if poll is not None and not self.is_fresh(poll) else reading.at)
            )
            if poll is not None and self.is_fresh(poll) and not poll.value:
                return Reason(
                    "poll_failed",
                    f"{device} 最近一次轮询失败，{zh_what}数据已 {zh_age} 未更新",
                    f"{device}: the last poll failed; {en_what} is {en_age} old",
                )
            if poll is not None and self.is_fresh(poll):
                # the device answers; this one fact is old: say which, and since when
                pz, pe = age_text(self.now - poll.at)
                hint_zh = "（该接口不再返回数据：接口名是否已变更？）" if interface else ""
                hint_en = " (the interface no longer reports: renamed?)" if interface else ""
                return Reason(
                    "stale",
                    f"{where} 的{zh_what}已 {zh_age} 未更新，而 {device} {pz}前轮询成功{hint_zh}",
                    f"{where}: {en_what} last reported {en_age} ago, though {device} was polled "
                    f"{pe} ago{hint_en}",
                )
            return Reason(
                "stale",
                f"{where} 已 {zh_age} 无轮询数据（{zh_what}）",
                f"{where}: no poll for {en_age} ({en_what})",
            )
        if poll is None:
            seen = self.last_seen(device)
            if seen is None:
                return Reason(
                    "never_polled",
                    f"{device} 从未被轮询，无{zh_what}数据",
                    f"{device}: never polled, no {en_what}",
                )
            zh_age, en_age = age_text(self.now - seen)
            if seen + self.window < self.now:
                return Reason(
                    "stale", f"{device} 已 {zh_age} 无轮询数据", f"{device}: no poll for {en_age}"
                )
            return Reason(
                "not_reported", f"{where} 未上报{zh_what}", f"{where}: {en_what} not reported"
            )
        if not self.is_fresh(poll):
            zh_age, en_age = age_text(self.now - poll.at)
            return Reason(
                "stale", f"{device} 已 {zh_age} 无轮询数据", f"{device}: no poll for {en_age}"
            )
        if not poll.value:
            return Reason(
                "poll_failed",
                f"{device} 最近一次轮询失败（{self.stamp(poll.at)}）",
                f"{device}: the last poll failed ({self.stamp(poll.at)})",
            )
        if interface:
            return Reason(
                "not_reported",
                f"{where} 轮询成功但未返回{zh_what}（接口名与清单不一致？）",
                f"{where}: polled, but no {en_what} returned (interface name differs "
                "from the inventory?)",
            )
        return Reason(  # a device-wide fact: interface names are not the cause
            "not_reported",
            f"{device} 轮询成功但未返回{zh_what}（设备的采集模板未读取该项，或设备确实没有）",
            f"{device}: polled, but no {en_what} returned (its SNMP profile does not read it, "
            "or the device has none)",
        )

    def why_unprobed(self, target: str, metric: str, what: tuple[str, str]) -> Reason:
        """Why there is no fresh probe result ``metric`` for ``target`` (probes have no poll_ok)."""
        zh_what, en_what = what
        reading = self.get(target, metric)
        if reading is None:
            return Reason(
                "never_probed",
                f"{target} 从未被探测，无{zh_what}",
                f"{target}: never probed, no {en_what}",
            )
        zh_age, en_age = age_text(self.now - reading.at)
        return Reason(
            "stale", f"{target} 已 {zh_age} 无{zh_what}", f"{target}: no {en_what} for {en_age}"
        )


def _latest_rows(
    store: StateStore, metrics: Sequence[str], devices: Sequence[str] | None = None
) -> Iterator[Any]:
    """Rows ``(device, interface, metric, value_num, value_text, observed_at, source)``."""
    t = schema.latest
    q = select(*_latest_columns()).where(t.c.metric.in_(metrics))
    if devices is not None:
        q = q.where(t.c.device.in_(devices))
    return _fetch(store, q)


def _latest_columns() -> tuple[Any, ...]:
    """The columns of a latest-values row, in :func:`_latest_rows`' order."""
    t = schema.latest
    return (t.c.device, t.c.interface, t.c.metric, t.c.value_num, t.c.value_text,
            type_coerce(t.c.observed_at, String), t.c.source)


def _one_scan(store: StateStore) -> bool:
    """Can :func:`_latest_scan` read the store? (SQLite with its JSON functions, built in
    since 3.38)"""
    return store.engine.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 38)


def _latest_scan(store: StateStore, endpoints: list[str]) -> Iterator[Any]:
    """:func:`_latest_rows` of the device metrics (every device) and of the endpoint metrics
    (``endpoints`` only) in one scan of the ``latest`` table, on SQLite.

    The device metrics are read by scanning the table anyway (``metric`` is not indexed):
    the endpoint metrics' rows are taken in the same pass, their devices named in one JSON
    text (``json_each``) rather than one bound parameter each (~5,500 for a region, in
    chunks: three statements, two of them a search of the key per device)."""
    t = schema.latest
    names = func.json_each(json.dumps(endpoints)).table_valued("value")
    q = select(*_latest_columns()).where(
        or_(
            t.c.metric.in_(DEVICE_METRICS),
            and_(t.c.metric.in_(ENDPOINT_METRICS), t.c.device.in_(select(names.c.value))),
        )
    )
    return _fetch(store, q)


def _history_rows(
    store: StateStore,
    metrics: Sequence[str],
    devices: Sequence[str] | None = None,
    *,
    until: datetime,
) -> Iterable[Any]:
    """Like :func:`_latest_rows`, as the ``latest`` table stood at ``until``: the history rows
    observed up to then, oldest first (so the newest per key wins when indexed)."""
    t = schema.observations
    q = (
        select(
            t.c.device,
            t.c.interface,
            t.c.metric,
            t.c.value_num,
            t.c.value_text,
            type_coerce(t.c.observed_at, String),
            t.c.source,
        )
        .where(t.c.metric.in_(metrics), t.c.observed_at <= until)
        .order_by(t.c.observed_at, t.c.id)
    )
    if devices is not None:
        q = q.where(t.c.device.in_(devices))
    return _fetch(store, q)


def _fetch(store: StateStore, q: Select[Any]) -> Iterator[Any]:
    """Every row of ``q`` as the driver's plain tuples: on a region (~100,000 rows) building
    SQLAlchemy ``Row`` objects costs more than the query (the columns need no conversion: the
    timestamp is read as the driver gives it, text or datetime, see :meth:`Evidence._add_rows`).
    Rows come in batches, each dropped once indexed (the whole list would double the memory
    a run touches)."""
    with store.read() as conn:
        result = conn.execute(q)
        cursor = getattr(result, "cursor", None)
        if cursor is None:  # pragma: no cover - every SQLAlchemy 2 cursor result has one
            yield from result
            return
        while batch := cursor.fetchmany(4096):
            yield from batch


def _endpoint_devices(inv: Inventory) -> set[str]:
    """Devices at either end of an uplink, and every gateway (their uplinks carry IPv6)."""
    out: set[str] = set()
    for entry in inv.links:
        link = entry.link
        if not link.kind.is_uplink:
            continue
        for end in (link.a, link.b):
            if end.device is not None:
                out.add(end.device)
    return out


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
