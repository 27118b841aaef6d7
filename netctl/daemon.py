"""``netctl daemon``: the SNMP schedules with the probe schedules beside them.

The collectors (:mod:`netctl.collectors.service`) and the probes (:mod:`netctl.probes.schedule`)
sit on the same floor and the collectors never import the probes: this module, one floor up (it
also reads the plan's targets, :mod:`netctl.compliance.targets`), hands the probe schedules to the
collector daemon as a companion.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from netctl.collectors.service import Companion
from netctl.collectors.service import run_daemon as run_collectors
from netctl.collectors.sinks.influx import InfluxSink
from netctl.collectors.targets import Shard
from netctl.compliance.targets import website_links_threshold
from netctl.inventory.filters import DeviceFilter
from netctl.probes.schedule import run_probe_schedules
from netctl.settings import Settings


def probe_companion(settings: Settings, *, flt: DeviceFilter | None = None,
                    shard: Shard | None = None) -> Companion:
    """The ``probe-web`` and ``probe-reach`` schedules as a companion of the SNMP daemon
    (the web probe's link threshold read from ``reports/targets.yaml`` before each round)."""

    def threshold() -> float:
        return website_links_threshold(settings.reports_dir)

    async def probes(stop: asyncio.Event, influx: InfluxSink | None) -> None:
        await run_probe_schedules(settings, stop, influx=influx, flt=flt, shard=shard,
                                  links_threshold=threshold)

    return probes


async def run_daemon(settings: Settings, *, config_path: Path | None = None,
                     targets_file: Path | None = None, flt: DeviceFilter | None = None,
                     shard: Shard | None = None, stop: asyncio.Event | None = None,
                     snmp: bool = True) -> None:
    """Poll SNMP on schedule and run the probe schedules until SIGTERM/SIGINT; SIGHUP reloads.

    ``snmp=False`` runs the probes only (see :func:`netctl.collectors.service.run_daemon`).
    """
    await run_collectors(settings, config_path=config_path, targets_file=targets_file, flt=flt,
                         shard=shard, stop=stop, snmp=snmp,
                         companions=(probe_companion(settings, flt=flt, shard=shard),))
