"""``netctl daemon``: every collector schedule, until SIGTERM (SIGHUP reloads the inventory)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import settings


def daemon(
    ctx: typer.Context,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="i/N: this daemon polls the devices whose stable hash is i modulo N "
        "(N daemons on N hosts split the fleet with no coordinator)")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Collector config [default: collectors/daemons/snmp.toml]")] = None,
    targets: Annotated[Path | None, typer.Option(
        "--targets", help="YAML/TOML map hostname -> {address, community, credential} [env "
        "NETCTL_SNMP_TARGETS]")] = None,
    snmp: Annotated[bool, typer.Option(
        "--snmp/--no-snmp", help="Poll SNMP (--no-snmp: run the probe schedules only)")] = True,
    log_level: Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING")] = "INFO",
) -> None:
    """Run the collector daemon (SNMP schedules; see docs/collectors.md)."""
    from netctl.collectors.daemon import run_daemon
    from netctl.collectors.targets import Shard

    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sh = Shard.parse(shard) if shard else None
    asyncio.run(run_daemon(settings(ctx), config_path=config, targets_file=targets, shard=sh,
                           snmp=snmp))
