"""The collector as a service: its plan resolved from settings, its sinks opened, one poll
(:func:`run_once`, ``netctl collect snmp --once``) or the schedules until a signal
(:func:`run_daemon`; ``netctl daemon`` runs it through :func:`netctl.daemon.run_daemon`, which adds
the probe schedules as a companion). The moving parts are :class:`netctl.collectors.daemon.
SnmpCollector`'s.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netctl.collectors.config import CollectorConfig, load_config, load_target_overrides
from netctl.collectors.daemon import ApInfo, RunSummary, SnmpCollector, ap_infos
from netctl.collectors.sinks.influx import InfluxSink
from netctl.collectors.sinks.state import StateSink
from netctl.collectors.snmp.profile import Profile, load_profiles
from netctl.collectors.targets import Shard, Target, build_targets
from netctl.exceptions import ConfigError
from netctl.inventory.filters import DeviceFilter, select
from netctl.ipam.merge import load_inventory
from netctl.secrets import Secrets
from netctl.settings import Settings
from netctl.state.store import StateStore

log = logging.getLogger(__name__)


@dataclass
class Plan:
    """Everything a run needs, resolved from settings."""

    config: CollectorConfig
    profiles: dict[str, Profile]
    targets: list[Target]
    aps: dict[str, ApInfo]
    problems: list[str]


def plan(settings: Settings, *, config_path: Path | None = None,
         targets_file: Path | None = None, flt: DeviceFilter | None = None,
         shard: Shard | None = None, env: dict[str, str] | None = None) -> Plan:
    """Load configuration, profiles, inventory, secrets and targets."""
    e = dict(os.environ) if env is None else env
    config = load_config(config_path or settings.collectors_dir / "daemons" / "snmp.toml")
    profiles_dir = Path(config.snmp.profiles)
    if not profiles_dir.is_absolute():
        profiles_dir = settings.collectors_dir / profiles_dir
    profiles = load_profiles(profiles_dir)
    inv = load_inventory(settings.inventory_dir)
    overrides = dict(config.targets)
    extra = targets_file or (Path(e["NETCTL_SNMP_TARGETS"]) if e.get("NETCTL_SNMP_TARGETS")
                             else None)
    if extra is not None:
        overrides.update(load_target_overrides(extra))
    secrets = Secrets(settings.secrets_file, env=e)
    entries = select(inv, flt)
    targets, problems = build_targets(
        entries, settings=config.snmp, secrets=secrets,
        default_credential=inv.defaults.snmp, overrides=overrides, shard=shard)
    return Plan(config, profiles, targets, ap_infos(inv), problems)


def make_sinks(settings: Settings, config: CollectorConfig, *, influx: bool = True,
               state: bool = True, shard: Shard | None = None,
               env: dict[str, str] | None = None) -> tuple[InfluxSink | None, StateSink | None]:
    """Open the sinks the configuration enables."""
    e = dict(os.environ) if env is None else env
    influx_sink = None
    if influx and config.influx.enabled:
        spool = Path(config.influx.spool_dir)
        if not spool.is_absolute():
            spool = settings.home / spool
        if shard is not None and shard.count > 1:
            spool = spool / f"shard-{shard.index}-of-{shard.count}"
        influx_sink = InfluxSink(config.influx, spool, e.get(config.influx.token_env))
    state_sink = None
    if state and config.state.enabled:
        state_sink = StateSink(StateStore(settings.state_url), refresh_s=config.state.refresh_s)
    return influx_sink, state_sink


async def run_once(settings: Settings, *, flt: DeviceFilter | None = None,
                   config_path: Path | None = None, targets_file: Path | None = None,
                   shard: Shard | None = None, influx: bool = True,
                   state: bool = True) -> RunSummary:
    """``netctl collect snmp --once``: one poll of every matching device."""
    p = plan(settings, config_path=config_path, targets_file=targets_file, flt=flt, shard=shard)
    influx_sink, state_sink = make_sinks(settings, p.config, influx=influx, state=state,
                                         shard=shard)
    collector = SnmpCollector(p.config, p.profiles, p.targets, aps=p.aps, influx=influx_sink,
                              state=state_sink, shard=shard)
    try:
        summary = await collector.run_once()
    finally:
        if influx_sink is not None:
            await influx_sink.close()
        collector.transport.close()
    summary.problems = p.problems
    return summary


Companion = Callable[[asyncio.Event, InfluxSink | None], Coroutine[Any, Any, None]]
"""A schedule that runs beside the SNMP ones until the stop event is set (the probes')."""


async def run_daemon(settings: Settings, *, config_path: Path | None = None,
                     targets_file: Path | None = None, flt: DeviceFilter | None = None,
                     shard: Shard | None = None,
                     stop: asyncio.Event | None = None, snmp: bool = True,
                     companions: Sequence[Companion] = ()) -> None:
    """Poll on schedule until SIGTERM/SIGINT; SIGHUP reloads.

    Each companion runs beside the SNMP schedules (given the stop event and the InfluxDB sink)
    and is awaited before returning: :func:`netctl.daemon.run_daemon` passes the probe schedules.
    With ``snmp`` (the default) a daemon that would poll nothing refuses to start
    (``ConfigError``, exit 3) instead of running idle; ``snmp=False`` runs the companions only.
    """
    p = plan(settings, config_path=config_path, targets_file=targets_file, flt=flt, shard=shard)
    for problem in p.problems:
        log.warning("not polled: %s", problem)
    if not snmp:
        p.targets = []
    elif not p.targets:
        msg = (f"no device to poll: {len(p.problems)} device(s) left out (logged above) "
               "(fix: check the filters and shard, give devices a management address and each "
               "credential set its SNMP community or user, or map devices with --targets; "
               "--no-snmp runs the probes only)")
        raise ConfigError(msg)
    influx_sink, state_sink = make_sinks(settings, p.config, shard=shard)
    collector = SnmpCollector(p.config, p.profiles, p.targets, aps=p.aps, influx=influx_sink,
                              state=state_sink, shard=shard)
    stop = stop or asyncio.Event()
    reload = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)

    def reloader() -> tuple[dict[str, Profile], list[Target], dict[str, ApInfo]]:
        q = plan(settings, config_path=config_path, targets_file=targets_file, flt=flt,
                 shard=shard)
        for problem in q.problems:
            log.warning("not polled: %s", problem)
        return q.profiles, q.targets, q.aps

    log.info("collector started: %d targets, %d profiles, shard %s, pid %d", len(p.targets),
             len(p.profiles), shard or Shard(), os.getpid())
    tasks = [asyncio.create_task(companion(stop, influx_sink)) for companion in companions]
    try:
        await collector.run(stop, reload, reloader)
    finally:
        stop.set()
        for failure in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(failure, BaseException):
                log.error("companion schedule failed: %s", failure)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)


__all__ = ["Companion", "Plan", "make_sinks", "plan", "run_daemon", "run_once"]
