"""The probes as schedules of the collector daemon (``netctl daemon``).

:func:`run_probe_schedules` is what the daemon starts next to its SNMP schedules: a round of the
website probe every ``web.interval_s`` (default 6 h) and a round of the reachability probe every
``reach.interval_s`` (default 5 min), until the daemon's stop event. Each round reloads the
inventory (so SIGHUP is not needed for probes), keeps only this shard's targets, writes the state
store (in a worker thread) and hands its points to the daemon's InfluxDB sink, whose spool keeps
them while InfluxDB is down. A failing round is logged and the next one runs on time; a round
still running when the daemon stops is cancelled and writes nothing.

Settings come from ``collectors/daemons/probes.toml`` (every key optional, unknown keys are
errors); the keys are listed in ``docs/probes.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import tomllib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netctl.collectors.points import Point, lines
from netctl.compliance.targets import WEBSITE_LINKS_V6_SHARE, website_links_threshold
from netctl.exceptions import ConfigError
from netctl.inventory.filters import DeviceFilter
from netctl.inventory.index import load_inventory
from netctl.models.inventory import Role
from netctl.probes.reach import Method, ReachConfig
from netctl.probes.run import (
    REACH_SOURCE,
    WEB_SOURCE,
    gateway_targets,
    reach_observations,
    run_reach_probe,
    run_web_probe,
    web_observations,
    website_sites,
)
from netctl.probes.web import WebProbeConfig
from netctl.settings import Settings
from netctl.state.store import Observation, StateStore

log = logging.getLogger(__name__)

STRICT = ConfigDict(frozen=True, extra="forbid")
VOLATILE = frozenset({"reach_v6_rtt_ms", "reach_v4_rtt_ms"})
"""Metrics that change at every round: written to the state store only every ``refresh_s``."""


class WebSchedule(BaseModel):
    """``[web]``: the website probe."""

    model_config = STRICT
    enabled: bool = True
    interval_s: Annotated[float, Field(ge=60, le=7 * 86_400)] = 6 * 3600
    start_jitter_s: Annotated[float, Field(ge=0, le=86_400)] = 60
    """The first round starts after a random delay up to this (spreads restarts)."""
    resolvers: list[str] = Field(default_factory=list)
    ns_port: Annotated[int, Field(ge=1, le=65535)] = 53
    port_map: dict[int, int] = Field(default_factory=dict)
    allowed_networks: list[str] | None = None
    ca_file: str | None = None
    verify_tls: bool = True
    require_ns_v6: bool = True
    links_threshold: Annotated[float | None, Field(ge=0, le=1)] = None
    """None: ``website_links_v6_share`` of reports/targets.yaml (what the KPI requires)."""
    max_links: Annotated[int, Field(ge=0, le=1000)] = 30
    third_level: bool = False
    max_links3: Annotated[int, Field(ge=0, le=1000)] = 30
    site_concurrency: Annotated[int, Field(ge=1, le=1000)] = 20
    per_host_concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    max_requests_per_site: Annotated[int, Field(ge=4, le=10_000)] = 200
    site_timeout: Annotated[float, Field(gt=0, le=3600)] = 120

    def probe_config(self, links_threshold: float = WEBSITE_LINKS_V6_SHARE) -> WebProbeConfig:
        """The probe's configuration (``links_threshold``: the targets file's, unless set here)."""
        threshold = self.links_threshold if self.links_threshold is not None else links_threshold
        return WebProbeConfig(
            resolvers=tuple(self.resolvers), ns_port=self.ns_port, port_map=dict(self.port_map),
            allowed_networks=tuple(self.allowed_networks) if self.allowed_networks else None,
            ca_file=self.ca_file, verify_tls=self.verify_tls, require_ns_v6=self.require_ns_v6,
            links_threshold=threshold, links3_threshold=threshold,
            max_links=self.max_links, third_level=self.third_level, max_links3=self.max_links3,
            site_concurrency=self.site_concurrency,
            per_host_concurrency=self.per_host_concurrency,
            max_requests_per_site=self.max_requests_per_site, site_timeout=self.site_timeout,
        )


class ReachSchedule(BaseModel):
    """``[reach]``: the reachability probe."""

    model_config = STRICT
    enabled: bool = True
    interval_s: Annotated[float, Field(ge=10, le=86_400)] = 300
    start_jitter_s: Annotated[float, Field(ge=0, le=3600)] = 10
    roles: list[Role] = Field(default_factory=lambda: [Role.GATEWAY])
    method: Literal["auto", "icmp", "icmp-dgram", "icmp-raw", "tcp"] = "auto"
    count: Annotated[int, Field(ge=1, le=100)] = 3
    interval: Annotated[float, Field(ge=0, le=10)] = 0.2
    timeout: Annotated[float, Field(gt=0, le=30)] = 1.0
    target_timeout: Annotated[float, Field(gt=0, le=300)] = 5.0
    tcp_port: Annotated[int, Field(ge=1, le=65535)] = 22
    concurrency: Annotated[int, Field(ge=1, le=10_000)] = 256
    allowed_networks: list[str] | None = None

    def probe_config(self) -> ReachConfig:
        """The probe's configuration."""
        return ReachConfig(
            method=Method(self.method), count=self.count, interval=self.interval,
            timeout=self.timeout, target_timeout=self.target_timeout, tcp_port=self.tcp_port,
            concurrency=self.concurrency,
            allowed_networks=tuple(self.allowed_networks) if self.allowed_networks else None,
        )


class ProbeSettings(BaseModel):
    """``collectors/daemons/probes.toml``."""

    model_config = STRICT
    web: WebSchedule = Field(default_factory=WebSchedule)
    reach: ReachSchedule = Field(default_factory=ReachSchedule)
    refresh_s: Annotated[float, Field(ge=0, le=86_400)] = 900
    """Unchanged values are written to the state store again after this long."""


def load_probe_settings(path: Path | None) -> ProbeSettings:
    """Read ``probes.toml`` (defaults when absent).

    Raises:
        ConfigError: unreadable file, or every invalid key with its location.
    """
    if path is None or not path.exists():
        return ProbeSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return ProbeSettings.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise ConfigError(msg) from exc
    except ValidationError as exc:
        where = [f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                 for e in exc.errors()]
        raise ConfigError("invalid probe configuration:\n  " + "\n  ".join(where)) from exc


class LineSink(Protocol):
    """The daemon's InfluxDB sink (:class:`netctl.collectors.sinks.influx.InfluxSink`)."""

    def add(self, lines: Sequence[str]) -> None:
        """Queue line-protocol lines."""
        ...


class ShardLike(Protocol):
    """:class:`netctl.collectors.targets.Shard`."""

    def owns(self, key: str) -> bool:
        """Whether ``key`` belongs to this shard."""
        ...


class StateWriter:
    """Writes probe observations: changed values at once, unchanged ones every ``refresh_s``,
    volatile ones (RTT) only every ``refresh_s``. One transaction per round, in a thread."""

    def __init__(self, store: StateStore, refresh_s: float) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self._last: dict[tuple[str, str], tuple[float | str | None, float]] = {}

    def select(self, observations: Sequence[Observation], now: float) -> list[Observation]:
        """The observations due for writing (and remember them)."""
        out = []
        for o in observations:
            key = (o.device, o.metric)
            prev = self._last.get(key)
            if prev is not None:
                changed = prev[0] != o.value and o.metric not in VOLATILE
                if not changed and now - prev[1] < self.refresh_s:
                    continue
            self._last[key] = (o.value, now)
            out.append(o)
        return out

    async def write(self, observations: Sequence[Observation]) -> int:
        """Write what is due; a failure is logged and the values are retried next round."""
        batch = self.select(observations, time.monotonic())
        if not batch:
            return 0
        try:
            return await asyncio.to_thread(self.store.record_observations, batch)
        except Exception:
            log.exception("state store write of %d probe observations failed", len(batch))
            for o in batch:
                self._last.pop((o.device, o.metric), None)
            return 0


async def run_probe_schedules(
    settings: Settings, stop: asyncio.Event, *, influx: LineSink | None = None,
    flt: DeviceFilter | None = None, shard: ShardLike | None = None,
    config_path: Path | None = None, store: StateStore | None = None,
) -> None:
    """Run the ``probe-web`` and ``probe-reach`` schedules until ``stop`` is set.

    This is the function ``netctl daemon`` starts next to its SNMP schedules.
    """
    cfg = load_probe_settings(config_path or settings.collectors_dir / "daemons" / "probes.toml")
    own_store = store is None
    state = store or StateStore(settings.state_url)
    writer = StateWriter(state, cfg.refresh_s)
    shard_text = str(shard) if shard is not None else ""

    def owned(key: str) -> bool:
        return shard is None or shard.owns(key)

    def emit(points: list[Point]) -> None:
        if influx is not None:
            influx.add(lines(points))

    async def web_round() -> str:
        inv = await asyncio.to_thread(load_inventory, settings.inventory_dir)
        sites = [s for s in website_sites(inv, flt) if owned(s.domain)]
        threshold = website_links_threshold(settings.reports_dir)
        run = await run_web_probe(sites, cfg.web.probe_config(threshold), shard=shard_text)
        written = await writer.write(web_observations(run.results))
        emit(run.points)
        return (f"{run.supported}/{len(run.results)} websites support IPv6, {written} "
                f"observations, {run.duration_s:.1f} s")

    async def reach_round() -> str:
        inv = await asyncio.to_thread(load_inventory, settings.inventory_dir)
        base = flt or DeviceFilter()
        roles = DeviceFilter(base.counties, base.cities, tuple(cfg.reach.roles), base.platforms,
                             base.schools, base.hostnames)
        targets, missing = gateway_targets(inv, roles)
        targets = [t for t in targets if owned(t.name)]
        run = await run_reach_probe(targets, cfg.reach.probe_config(), shard=shard_text,
                                    missing=missing)
        written = await writer.write(reach_observations(run.results))
        emit(run.points)
        answered = sum(1 for r in run.results if r.ok)
        return (f"{answered}/{len(run.results)} addresses answer, {len(missing)} devices "
                f"without a management address, {written} observations, "
                f"{run.duration_s:.1f} s")

    loops: list[Awaitable[None]] = []
    if cfg.web.enabled:
        loops.append(_every(WEB_SOURCE, cfg.web.interval_s, web_round, stop,
                            first_delay=random.uniform(0, cfg.web.start_jitter_s)))
    if cfg.reach.enabled:
        loops.append(_every(REACH_SOURCE, cfg.reach.interval_s, reach_round, stop,
                            first_delay=random.uniform(0, cfg.reach.start_jitter_s)))
    log.info("probe schedules: %s", ", ".join(
        f"{n} every {i:g} s" for n, i, on in (
            (WEB_SOURCE, cfg.web.interval_s, cfg.web.enabled),
            (REACH_SOURCE, cfg.reach.interval_s, cfg.reach.enabled)) if on) or "none")
    try:
        await asyncio.gather(*loops)
    finally:
        if own_store:
            state.close()


async def _every(name: str, interval: float, round_: Callable[[], Awaitable[str]],
                 stop: asyncio.Event, *, first_delay: float = 0.0) -> None:
    """Run ``round_`` every ``interval`` seconds until ``stop``; a round may take at most
    ``interval`` (it is cancelled after that) and never overlaps the next."""
    if await _wait(stop, first_delay):
        return
    while not stop.is_set():
        started = time.monotonic()
        task = asyncio.ensure_future(round_())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({task, stopper}, timeout=interval,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task not in done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            if stop.is_set():
                log.info("%s: stopping, round cancelled", name)
                return
            log.warning("%s: round cut off after %g s (longer than its interval)", name, interval)
        elif task.exception() is not None:
            exc = task.exception()
            log.error("%s: round failed: %s: %s", name, type(exc).__name__, exc)
        else:
            log.info("%s: %s", name, task.result())
        if await _wait(stop, max(0.0, started + interval - time.monotonic())):
            return


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``stop`` is set first; True when stopping."""
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await stop.wait()
    return stop.is_set()
