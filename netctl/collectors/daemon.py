"""The SNMP collector: schedules, per-device isolation, sinks, health, signals.

:class:`SnmpCollector` owns the moving parts; :mod:`netctl.collectors.service` builds it from
settings: its ``run_once`` and ``run_daemon`` are what ``netctl collect snmp --once`` and
``netctl daemon`` call (``netctl daemon`` through :func:`netctl.daemon.run_daemon`, which runs the
probe schedules beside the SNMP ones as a *companion*: the collectors never import the probes).

* Every (device, profile) pair has its own schedule: a stable phase (a hash of the pair, so
  restarts keep the spread and 20,000 devices do not all start at :00) plus a random jitter of up
  to ``profile.jitter`` of the interval at each cycle.
* At most ``snmp.concurrency`` polls run at once; each one runs under a deadline
  (``snmp.deadline_s``) and inside a ``try``: a dead or slow school costs one slot for at most
  the deadline and never delays or crashes the others. A poll still running when its next turn
  comes is not started twice.
* SIGTERM/SIGINT: stop scheduling, let running polls finish (up to the deadline), flush InfluxDB
  (spooling what cannot be written) and the state store, exit 0. SIGHUP: reload the inventory,
  the profiles and the target overrides; devices that stay keep their counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netctl.collectors.config import CollectorConfig
from netctl.collectors.points import Point, lines
from netctl.collectors.sinks.influx import InfluxSink
from netctl.collectors.sinks.state import StateSink
from netctl.collectors.snmp import usm
from netctl.collectors.snmp.client import (
    Session,
    SnmpError,
    Transport,
    V2cSession,
    V3Session,
)
from netctl.collectors.snmp.convert import (
    ApReport,
    CompiledProfile,
    CounterStore,
    DeviceTags,
    compile_profile,
    convert,
)
from netctl.collectors.snmp.profile import Profile
from netctl.collectors.snmp.walk import fetch
from netctl.collectors.snmp.wlan import ApElection
from netctl.collectors.targets import Shard, Target, stable_hash
from netctl.exceptions import NetctlError
from netctl.inventory.index import Inventory
from netctl.models.inventory import Role
from netctl.state.store import Observation

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 900.0
"""An unreachable device's heartbeat is retried at 2, 4, 8... times its interval, up to this:
dead schools must not hold the poll slots that live ones need."""

WIFI_RADIO = {"wifi4": "802.11n", "wifi5": "802.11ac", "wifi6": "802.11ax",
              "wifi6e": "802.11ax", "wifi7": "802.11be"}


class CollectorError(NetctlError):
    """The collector cannot start (no profiles, no sink, bad configuration)."""


@dataclass(frozen=True, slots=True)
class ApInfo:
    """What the inventory says about an AP (for tags, radio fallback and the election)."""

    tags: DeviceTags
    wifi: str | None
    controller: str | None


@dataclass
class DeviceRuntime:
    """Per-device state kept between polls."""

    target: Target
    session: Session
    counters: CounterStore = field(default_factory=CounterStore)
    sys_object_id: str | None = None
    profiles: list[CompiledProfile] = field(default_factory=list)
    reachable: bool = True  # the last heartbeat poll answered
    failures: int = 0  # heartbeats failed in a row


@dataclass(slots=True)
class PollOutcome:
    """One (device, profile) poll."""

    hostname: str
    profile: str
    ok: bool
    duration_s: float
    requests: int = 0
    points: int = 0
    observations: int = 0
    error: str = ""


@dataclass
class Stats:
    """Counters for the health measurement (reset at each report)."""

    polls_ok: int = 0
    polls_failed: int = 0
    duration_sum: float = 0.0

    def add(self, outcome: PollOutcome) -> None:
        """Count one poll."""
        if outcome.ok:
            self.polls_ok += 1
        else:
            self.polls_failed += 1
        self.duration_sum += outcome.duration_s


@dataclass
class RunSummary:
    """What ``--once`` did."""

    outcomes: list[PollOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    points: int = 0
    observations: int = 0
    duration_s: float = 0.0

    @property
    def failed_hosts(self) -> list[str]:
        """Devices with at least one failed poll."""
        return sorted({o.hostname for o in self.outcomes if not o.ok})


class SnmpCollector:
    """Polls targets with profiles and feeds the sinks."""

    def __init__(
        self,
        config: CollectorConfig,
        profiles: dict[str, Profile],
        targets: list[Target],
        *,
        aps: dict[str, ApInfo] | None = None,
        influx: InfluxSink | None = None,
        state: StateSink | None = None,
        shard: Shard | None = None,
    ) -> None:
        self.config = config
        self.influx = influx
        self.state = state
        self.shard = shard or Shard()
        self.transport = Transport(rcvbuf=config.snmp.rcvbuf_bytes)
        self._engines: dict[tuple[str, int], usm.EngineState] = {}
        self._pysnmp: Any = None
        self.stats = Stats()
        self.waiting = 0
        self.summary_points = 0
        self.summary_observations = 0
        self._running: set[tuple[str, str]] = set()
        self._sem = asyncio.Semaphore(config.snmp.concurrency)
        self._heap: list[tuple[float, int, str, str]] = []
        self._seq = itertools.count()
        self.set_profiles(profiles)
        self.aps = aps or {}
        self.runtimes: dict[str, DeviceRuntime] = {}
        self.set_targets(targets)
        self.election = self._new_election()

    @property
    def slots(self) -> asyncio.Semaphore:
        """The poll slots (``snmp.concurrency``): other pollers (discovery) share them."""
        return self._sem

    # -- configuration ------------------------------------------------------------------------
    def set_profiles(self, profiles: dict[str, Profile]) -> None:
        """Install (or replace) the profile set."""
        if not profiles:
            msg = "no SNMP profile: add YAML files under collectors/snmp/profiles/"
            raise CollectorError(msg)
        self.profiles = {name: compile_profile(p) for name, p in profiles.items()}

    def _new_election(self) -> ApElection:
        wlan_intervals = [c.profile.interval_s for c in self.profiles.values()
                          if c.profile.converter == "wlan_ap"] or [300.0]
        polled = frozenset(t.hostname for t in (r.target for r in self.runtimes.values())
                           if t.role == Role.WLC.value)
        return ApElection(
            ttl_s=2.5 * max(wlan_intervals),
            primary_of=lambda ap: info.controller if (info := self.aps.get(ap)) else None,
            polled=polled, started_at=time.monotonic())

    def set_targets(self, targets: list[Target]) -> None:
        """Install (or replace) the targets; devices that stay keep their counters."""
        old = self.runtimes if hasattr(self, "runtimes") else {}
        new: dict[str, DeviceRuntime] = {}
        for t in targets:
            prev = old.get(t.hostname)
            if prev is not None and prev.target == t:
                rt = prev
            else:
                rt = DeviceRuntime(t, self._session(t))
                if prev is not None:
                    rt.counters = prev.counters
                    rt.sys_object_id = prev.sys_object_id
            rt.profiles = self._match(rt)
            new[t.hostname] = rt
        for gone in set(old) - set(new):
            if self.state is not None:
                self.state.forget(gone)
        self.runtimes = new

    def _match(self, rt: DeviceRuntime) -> list[CompiledProfile]:
        t = rt.target
        return [c for c in self.profiles.values()
                if c.profile.applies_to(t.platform, t.role, rt.sys_object_id)]

    def _session(self, t: Target) -> Session:
        snmp = self.config.snmp
        addr = (t.host, t.port)
        lean_ok = snmp.backend == "lean" and (
            t.user is None or usm.supports(t.user.auth_protocol, t.user.priv_protocol))
        if lean_ok:
            if t.user is not None:
                return V3Session(self.transport, addr, t.user, self._engines,
                                 timeout=snmp.timeout_s, retries=snmp.retries, context=t.context)
            return V2cSession(self.transport, addr, t.community or b"public",
                              timeout=snmp.timeout_s, retries=snmp.retries)
        from netctl.collectors.snmp.pysnmp_backend import PysnmpEngine, PysnmpSession

        if self._pysnmp is None:
            self._pysnmp = PysnmpEngine(rcvbuf=snmp.rcvbuf_bytes)
        return PysnmpSession(self._pysnmp, addr, community=t.community, user=t.user,
                             timeout=snmp.timeout_s, retries=snmp.retries, context=t.context)

    # -- one poll -----------------------------------------------------------------------------
    def _ap_tags(self, ap: str) -> DeviceTags | None:
        info = self.aps.get(ap)
        return info.tags if info is not None else None

    def _ap_attr(self, ap: str, attr: str) -> str | None:
        info = self.aps.get(ap)
        if info is None or attr != "wifi" or info.wifi is None:
            return None
        return info.wifi

    async def poll(self, rt: DeviceRuntime, compiled: CompiledProfile) -> tuple[
            PollOutcome, Sequence[Point], list[Observation], list[ApReport]]:
        """Poll one profile of one device; never raises (errors become a failed outcome)."""
        profile = compiled.profile
        snmp = self.config.snmp
        t = rt.target
        started = time.monotonic()
        time_ms = int(time.time() * 1000)
        points: Sequence[Point] = []  # the converter's Points: lines() reads them as columns
        observations: list[Observation] = []
        reports: list[ApReport] = []
        requests_before = rt.session.requests
        error = ""
        wanted = (self.state.wanted_at(time.monotonic())
                  if self.state is not None else None)
        try:
            async with asyncio.timeout(snmp.deadline_s):
                result = await fetch(
                    rt.session, compiled.scalar_oids, compiled.column_oids,
                    max_repetitions=profile.max_repetitions or snmp.max_repetitions,
                    max_varbinds=snmp.max_varbinds)
            conv = convert(compiled, result, t.tags, time_ms=time_ms, counters=rt.counters,
                           now_s=time.monotonic(), ap_tags=self._ap_tags,
                           inventory=self._ap_attr, state_wanted=wanted)
            points, observations, reports = conv.points, conv.observations, conv.ap_reports
            for o in observations:
                if o.metric == "sys_object_id" and isinstance(o.value, str):
                    rt.sys_object_id = o.value
        except TimeoutError:
            error = f"deadline of {snmp.deadline_s:g} s exceeded"
        except SnmpError as exc:
            error = str(exc)
        except Exception as exc:  # per-device isolation: one bad agent never stops the rest
            log.exception("%s/%s: unexpected error", t.hostname, profile.name)
            error = f"{type(exc).__name__}: {exc}"
        duration = time.monotonic() - started
        ok = not error
        if error:
            log.warning("%s (%s:%d) %s: %s", t.hostname, t.host, t.port, profile.name, error)
        if profile.heartbeat:
            points, observations = self._heartbeat(t, profile, points, observations, ok,
                                                   duration, time_ms, wanted)
        outcome = PollOutcome(t.hostname, profile.name, ok, duration,
                              rt.session.requests - requests_before,
                              len(points) + sum(len(r.points) for r in reports),
                              len(observations) + sum(len(r.observations) for r in reports),
                              error)
        self.stats.add(outcome)
        return outcome, points, observations, reports

    @staticmethod
    def _heartbeat(t: Target, profile: Profile, points: Sequence[Point],
                   observations: list[Observation], ok: bool, duration: float,
                   time_ms: int, wanted: Callable[[str, str, str, float | str | None], bool]
                   | None) -> tuple[Sequence[Point], list[Observation]]:
        extra = {"poll_ok": int(ok), "poll_ms": round(duration * 1000, 3)}
        if points:
            p = points[0]
            points = [Point(p.measurement, p.tags, {**p.fields, **extra}, p.time_ms),
                      *points[1:]]
        else:
            points = [Point(profile.measurement, t.tags.items(), extra, time_ms)]
        if wanted is None or wanted(t.hostname, "", "poll_ok", float(ok)):
            from datetime import UTC, datetime

            observations = [*observations, Observation(
                device=t.hostname, metric="poll_ok", value=float(ok),
                observed_at=datetime.fromtimestamp(time_ms / 1000, UTC), source="snmp")]
        return points, observations

    def emit(self, points: Sequence[Point], observations: list[Observation], *,
             accepted: bool = True) -> None:
        """Hand results to the sinks. ``accepted``: the observations already passed the state
        sink's filter (:meth:`poll` asks it before building them)."""
        self.summary_points += len(points)
        self.summary_observations += len(observations)
        if self.influx is not None and points:
            self.influx.add(lines(points))
        if self.state is not None and observations:
            if accepted:
                self.state.queue(observations)
            else:
                self.state.add(observations, time.monotonic())

    def emit_reports(self, reports: list[ApReport]) -> None:
        """Run the HA election over AP reports and emit the winners."""
        for r in self.election.decide(reports, time.monotonic()):
            self.emit(list(r.points), list(r.observations), accepted=False)

    async def _guarded(self, rt: DeviceRuntime, compiled: CompiledProfile) -> PollOutcome:
        key = (rt.target.hostname, compiled.name)
        self.waiting += 1
        acquired = False
        try:
            async with self._sem:
                self.waiting -= 1
                acquired = True
                self._running.add(key)
                try:
                    outcome, points, observations, reports = await self.poll(rt, compiled)
                finally:
                    self._running.discard(key)
        finally:
            if not acquired:
                self.waiting -= 1
        self.emit(points, observations)
        if reports:
            self.emit_reports(reports)
        return outcome

    # -- --once -------------------------------------------------------------------------------
    async def run_once(self) -> RunSummary:
        """Poll every profile of every target once. Per device, the heartbeat profile goes
        first (its sysObjectID selects the vendor profiles; a device that does not answer it is
        not asked anything else); devices run concurrently; one HA election at the end."""
        started = time.monotonic()
        summary = RunSummary()
        all_reports: list[ApReport] = []

        async def one(rt: DeviceRuntime, c: CompiledProfile) -> PollOutcome:
            async with self._sem:
                outcome, points, observations, reports = await self.poll(rt, c)
            self.emit(points, observations)
            all_reports.extend(reports)
            return outcome

        async def device(rt: DeviceRuntime) -> list[PollOutcome]:
            outcomes = [await one(rt, c) for c in rt.profiles if c.profile.heartbeat]
            if outcomes and not all(o.ok for o in outcomes):
                return outcomes
            rt.profiles = self._match(rt)
            rest = [c for c in rt.profiles if not c.profile.heartbeat]
            return outcomes + list(await asyncio.gather(*(one(rt, c) for c in rest)))

        for outcomes in await asyncio.gather(*(device(rt) for rt in self.runtimes.values())):
            summary.outcomes += outcomes
        self.emit_reports(all_reports)
        await self.flush()
        summary.points = self.summary_points
        summary.observations = self.summary_observations
        summary.duration_s = time.monotonic() - started
        return summary

    async def flush(self) -> None:
        """Flush both sinks."""
        if self.influx is not None:
            await self.influx.flush()
        if self.state is not None:
            await self.state.flush()

    # -- daemon -------------------------------------------------------------------------------
    def health_point(self, interval_s: float) -> Point:
        """The collector's own measurement (``netctl_collector``), then reset the counters."""
        s = self.stats
        polls = s.polls_ok + s.polls_failed
        fields: dict[str, int | float | str | bool] = {
            "polls_ok": s.polls_ok, "polls_failed": s.polls_failed,
            "duration_s": round(s.duration_sum / polls, 6) if polls else 0.0,
            "queue_depth": self.waiting,
        }
        if self.influx is not None:
            fields["spool_points"] = self.influx.spool.points
            fields["spool_dropped"] = self.influx.spool.dropped_points
            fields["spool_quarantined"] = self.influx.spool.quarantined
        self.stats = Stats()
        host = socket.gethostname()
        tags = (("city", ""), ("collector", "snmp"), ("county", ""), ("device", host),
                ("role", "collector"), ("school", ""), ("shard", str(self.shard)))
        del interval_s
        return Point("netctl_collector", tags, fields, int(time.time() * 1000))

    def _phase(self, hostname: str, profile: Profile) -> float:
        return (stable_hash(f"{hostname}/{profile.name}") % 10_000) / 10_000 * profile.interval_s

    async def run(self, stop: asyncio.Event, reload: asyncio.Event,
                  reloader: Callable[[], tuple[dict[str, Profile], list[Target],
                                               dict[str, ApInfo]]] | None = None) -> None:
        """Poll on schedule until ``stop``; on ``reload`` call ``reloader`` and re-plan."""
        loop_start = time.monotonic()
        heap = self._heap
        seq = 0

        def plan(now: float) -> None:
            heap.clear()
            for host, rt in self.runtimes.items():
                for c in rt.profiles:
                    self._schedule(host, c, now)

        plan(loop_start)
        tasks: set[asyncio.Task[Any]] = set()
        background = []
        hb_stop = asyncio.Event()
        if self.influx is not None:
            background.append(asyncio.create_task(self.influx.run(hb_stop)))
        if self.state is not None:
            background.append(asyncio.create_task(
                self.state.run(hb_stop, self.config.state.flush_interval_s)))
        background.append(asyncio.create_task(self._health_loop(hb_stop)))
        while not stop.is_set():
            if reload.is_set():
                reload.clear()
                if reloader is not None:
                    try:
                        profiles, targets, aps = reloader()
                        self.set_profiles(profiles)
                        self.aps = aps
                        self.set_targets(targets)
                        self.election = self._new_election()
                        plan(time.monotonic())
                        log.info("reloaded: %d targets, %d profiles", len(targets),
                                 len(profiles))
                    except NetctlError as exc:
                        log.error("reload failed, keeping the previous inventory: %s", exc)  # noqa: TRY400
            now = time.monotonic()
            while heap and heap[0][0] <= now:
                due, _s, host, pname = heapq.heappop(heap)
                rt = self.runtimes.get(host)
                compiled = next((c for c in rt.profiles if c.name == pname), None) if rt else None
                if rt is None or compiled is None:
                    continue
                p = compiled.profile
                interval = p.interval_s
                if p.heartbeat and rt.failures:  # an unreachable device: back off to 15 min
                    interval = min(interval * 2 ** min(rt.failures, 8), MAX_BACKOFF_S)
                nxt = due + interval
                if nxt <= now:  # fell behind: skip missed turns, keep the phase
                    nxt += p.interval_s * ((now - nxt) // p.interval_s + 1)
                seq = next(self._seq)
                heapq.heappush(heap, (nxt + random.uniform(0, p.jitter * p.interval_s),
                                      seq, host, pname))
                if (host, pname) in self._running:
                    continue
                if not rt.reachable and not p.heartbeat:
                    continue  # the heartbeat says the device is away: do not burn a slot
                task = asyncio.create_task(self._job(rt, compiled))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            wait = min(1.0, max(0.0, heap[0][0] - time.monotonic())) if heap else 1.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    waiter = asyncio.create_task(stop.wait())
                    reloader_wait = asyncio.create_task(reload.wait())
                    try:
                        await asyncio.wait({waiter, reloader_wait},
                                           return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        waiter.cancel()
                        reloader_wait.cancel()
        log.info("stopping: %d poll(s) in flight", len(tasks))
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=self.config.snmp.deadline_s)
            for t in pending:
                t.cancel()
        if self.influx is not None:
            self.influx.add(lines([self.health_point(0.0)]))
        hb_stop.set()
        await asyncio.gather(*background, return_exceptions=True)
        if self.influx is not None:
            await self.influx.close()
        if self.state is not None:
            await self.state.flush()
        self.transport.close()
        log.info("stopped")

    def _schedule(self, host: str, compiled: CompiledProfile, now: float) -> None:
        """Put a (device, profile) pair on the schedule: heartbeats at once, the others at
        their stable phase within the interval."""
        first = now + (0.0 if compiled.profile.heartbeat else
                       self._phase(host, compiled.profile))
        heapq.heappush(self._heap, (first, next(self._seq), host, compiled.name))

    async def _job(self, rt: DeviceRuntime, compiled: CompiledProfile) -> None:
        outcome = await self._guarded(rt, compiled)
        if compiled.profile.heartbeat:
            rt.reachable = outcome.ok
            rt.failures = 0 if outcome.ok else rt.failures + 1
            matched = self._match(rt)
            known = {c.name for c in rt.profiles}
            if [c.name for c in matched] != [c.name for c in rt.profiles]:
                rt.profiles = matched  # the sysObjectID selected vendor profiles
                now = time.monotonic()
                for c in matched:
                    if c.name not in known:
                        self._schedule(rt.target.hostname, c, now)

    async def _health_loop(self, stop: asyncio.Event) -> None:
        interval = self.config.health.interval_s
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await stop.wait()
            if stop.is_set():
                return
            if self.influx is not None:
                self.influx.add(lines([self.health_point(interval)]))


def ap_infos(inv: Inventory) -> dict[str, ApInfo]:
    """Inventory facts about every AP."""
    out = {}
    for e in inv.iter_devices():
        if e.role is Role.AP:
            tags = DeviceTags(device=e.hostname, role="ap", city=e.city or "",
                              county=e.county or "", school=e.site)
            wifi = WIFI_RADIO.get(e.wifi.value) if e.wifi is not None else None
            out[e.hostname] = ApInfo(tags, wifi, e.device.controller)
    return out


__all__ = ["ApInfo", "CollectorError", "PollOutcome", "RunSummary", "SnmpCollector", "ap_infos"]
