"""``netctl collect snmp``: poll the selected devices (once, or on schedule)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import (
    CityOpt,
    CountyOpt,
    FormatOpt,
    HostOpt,
    PlatformOpt,
    RoleOpt,
    SchoolOpt,
    device_filter,
    load,
    selected,
    settings,
)
from netctl.cli._output import ExitStatus, Format, err_console, print_json, print_table

app = typer.Typer(help="Collect observations from the network (SNMP).", no_args_is_help=True)

ShardOpt = Annotated[str | None, typer.Option(
    "--shard", help="i/N: poll only the devices whose stable hash is i modulo N")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Collector config [default: collectors/daemons/snmp.toml]")]
TargetsOpt = Annotated[Path | None, typer.Option(
    "--targets", help="YAML/TOML map hostname -> {address, community, credential} [env "
    "NETCTL_SNMP_TARGETS]")]


@app.command("snmp")
def snmp(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    once: Annotated[bool, typer.Option("--once", help="One poll of every profile, then exit "
                                       "(rates need two polls: use the daemon)")] = False,
    shard: ShardOpt = None, config: ConfigOpt = None, targets: TargetsOpt = None,
    no_influx: Annotated[bool, typer.Option("--no-influx", help="Do not write InfluxDB")] = False,
    no_state: Annotated[bool, typer.Option("--no-state", help="Do not write the state store")
                        ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Poll SNMP devices with the profiles of collectors/snmp/profiles."""
    from netctl.collectors.daemon import run_daemon, run_once
    from netctl.collectors.targets import Shard

    flt = device_filter(county, city, role, platform, school, host)
    selected(load(ctx), flt)  # an empty selection is an error (exit 3), not "0 polls, ok"
    sh = Shard.parse(shard) if shard else None
    s = settings(ctx)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not once:
        asyncio.run(run_daemon(s, config_path=config, targets_file=targets, flt=flt, shard=sh))
        return
    summary = asyncio.run(run_once(s, flt=flt, config_path=config, targets_file=targets,
                                   shard=sh, influx=not no_influx, state=not no_state))
    for problem in summary.problems:
        err_console.print(f"not polled: {problem}", style="yellow", markup=False)
    if not summary.outcomes:
        from netctl.exceptions import ConfigError

        why = f"{len(summary.problems)} device(s) not polled (above)" if summary.problems \
            else "no device in this shard"
        msg = (f"nothing was polled: {why} (fix: give each credential set its SNMP community or "
               "user, e.g. NETCTL_CRED_CAMPUS_COMMUNITY, or map devices with --targets)")
        raise ConfigError(msg)
    if fmt is Format.json:
        print_json(summary)
    else:
        print_table(None, ["device", "profile", "ok", "ms", "requests", "points", "error"], [
            (o.hostname, o.profile, "yes" if o.ok else "NO", f"{o.duration_s * 1000:.0f}",
             o.requests, o.points, o.error) for o in summary.outcomes])
        err_console.print(
            f"{len(summary.outcomes)} poll(s) of {len({o.hostname for o in summary.outcomes})} "
            f"device(s) in {summary.duration_s:.2f} s: {summary.points} point(s), "
            f"{summary.observations} observation(s); failed: "
            f"{', '.join(summary.failed_hosts) or 'none'}")
    if summary.failed_hosts or summary.problems:  # a device left out is a failure too
        raise typer.Exit(ExitStatus.FAILED)
