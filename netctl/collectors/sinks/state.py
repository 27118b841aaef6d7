"""State-store sink: the latest observation per device, interface and metric.

Writing every interface rate of 20,000 devices every minute into SQLite would store a billion
history rows a day that nobody reads, so an observation is written when

* its key (device, interface, metric) was not written yet by this process, or
* its value changed and the metric is not volatile (a link going down is written at once), or
* the last write of the key is older than ``refresh_s`` (default 15 min): ``observed_at`` stays
  fresh for the compliance engine's "not polled for 26 h" rule.

Volatile metrics (rates, uptime, client counts) change at every poll and are only refreshed.
Batches go to :meth:`netctl.state.store.StateStore.record_observations` in one transaction, in a
worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from netctl.state.store import Observation, StateStore

log = logging.getLogger(__name__)

VOLATILE: Final = frozenset({"if_in_bps", "if_out_bps", "sys_uptime", "ap_clients"})


Remembered = dict[tuple[str, str], dict[str, tuple[float | str | None, float]]]
"""What was written: (device, metric) -> interface -> (value, when)."""


class StateFilter:
    """:meth:`StateSink.wants` at one moment, as the converter asks it: called with
    (device, interface, metric, value) for one value, or :meth:`column` for one metric over
    the rows of a table (the same decisions, asked in the same order for each key)."""

    __slots__ = ("_last", "_now", "_refresh")

    def __init__(self, last: Remembered, refresh_s: float, now: float) -> None:
        self._last, self._refresh, self._now = last, refresh_s, now

    def __call__(self, device: str, interface: str, metric: str,
                 value: float | str | None) -> bool:
        seen = self._last.get((device, metric))
        if seen is None:
            seen = self._last[(device, metric)] = {}
        prev = seen.get(interface)
        if prev is not None and self._now - prev[1] < self._refresh and (
                prev[0] == value or metric in VOLATILE):
            return False
        seen[interface] = (value, self._now)
        return True

    def column(self, device: str, metric: str, interfaces: list[str],
               values: list[float | str | None], rows: list[int]) -> list[int]:
        """The ``rows`` whose (interface, value) is wanted, as calls in row order would
        decide (a None value is not asked about)."""
        seen = self._last.get((device, metric))
        if seen is None:
            seen = {}
        now, refresh = self._now, self._refresh
        volatile = metric in VOLATILE
        get = seen.get
        out = []
        for r in rows:
            value = values[r]
            if value is None:
                continue
            iface = interfaces[r]
            prev = get(iface)
            if prev is not None and now - prev[1] < refresh and (volatile or prev[0] == value):
                continue
            seen[iface] = (value, now)
            out.append(r)
        if out:
            self._last.setdefault((device, metric), seen)
        return out


@dataclass
class StateSink:
    """Filters and batches observations for the state store."""

    store: StateStore
    refresh_s: float = 900.0
    _last: Remembered = field(default_factory=dict)
    _queue: list[Observation] = field(default_factory=list)
    written: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wants(self, device: str, interface: str, metric: str, value: float | str | None,
              now: float) -> bool:
        """Whether an observation is new, changed or due for a refresh (and remember it as
        written): ask before building it, then :meth:`queue` it."""
        seen = self._last.setdefault((device, metric), {})
        prev = seen.get(interface)
        if prev is not None:
            changed = prev[0] != value and metric not in VOLATILE
            if not changed and now - prev[1] < self.refresh_s:
                return False
        seen[interface] = (value, now)
        return True

    def wanted_at(self, now: float) -> StateFilter:
        """:meth:`wants` at ``now`` as a function of (device, interface, metric, value), with
        :meth:`StateFilter.column` for a whole column (same decisions as :meth:`wants`)."""
        return StateFilter(self._last, self.refresh_s, now)

    def add(self, observations: Iterable[Observation], now: float) -> None:
        """Queue the observations that are new, changed or due for a refresh."""
        for o in observations:
            if self.wants(o.device, o.interface, o.metric, o.value, now):
                self._queue.append(o)

    def queue(self, observations: Iterable[Observation]) -> None:
        """Queue observations already accepted by :meth:`wants`."""
        self._queue.extend(observations)

    def forget(self, device: str) -> None:
        """Drop the memory of a device (removed from the inventory)."""
        for key in [k for k in self._last if k[0] == device]:
            del self._last[key]

    @property
    def queued(self) -> int:
        """Observations waiting."""
        return len(self._queue)

    async def flush(self) -> int:
        """Write the queue in one transaction; return how many rows."""
        async with self._lock:
            batch, self._queue = self._queue, []
            if not batch:
                return 0
            try:
                n = await asyncio.to_thread(self.store.record_observations, batch)
            except Exception:
                log.exception("state store write failed; %d observations kept for the next "
                              "flush", len(batch))
                self._queue[:0] = batch
                return 0
            self.written += n
            return n

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        """Flush every ``interval_s`` until ``stop``."""
        while not stop.is_set():
            try:
                async with asyncio.timeout(interval_s):
                    await stop.wait()
            except TimeoutError:
                pass
            await self.flush()
