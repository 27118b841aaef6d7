"""``netctl discover``: what the network says it is, the drift from the inventory, its fixes
and the map (docs/discovery.md)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import (
    CityOpt,
    CountyOpt,
    FormatOpt,
    HostOpt,
    RoleOpt,
    SchoolOpt,
    device_filter,
    load,
    settings,
)
from netctl.cli._output import ExitStatus, Format, console, err_console, print_json, print_table

app = typer.Typer(help="Discover devices and links (SNMP, LLDP) and compare with the inventory.",
                  invoke_without_command=True)

ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Collector config [default: collectors/daemons/snmp.toml]")]
TargetsOpt = Annotated[Path | None, typer.Option(
    "--targets", help="YAML/TOML map hostname -> {address, community, credential} [env "
    "NETCTL_SNMP_TARGETS]")]


@app.callback()
def discover(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    school: SchoolOpt = None, host: HostOpt = None,
    config: ConfigOpt = None, targets: TargetsOpt = None, fmt: FormatOpt = Format.table,
) -> None:
    """Poll the selected devices (fingerprint, interfaces, LLDP neighbours) with the SNMP
    collector's poller and record what was seen in the state store; exit 1 if any device did
    not answer."""
    if ctx.invoked_subcommand is not None:
        return
    from netctl.discovery.poll import run_discovery

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    flt = device_filter(county, city, role, None, school, host)
    summary = asyncio.run(run_discovery(settings(ctx), flt=flt, config_path=config,
                                        targets_file=targets))
    for problem in summary.problems:
        err_console.print(f"not polled: {problem}", style="yellow", markup=False)
    if fmt is Format.json:
        print_json(summary)
    else:
        print_table(None, ["device", "ok", "vendor", "model", "serial", "os", "neighbours",
                           "ms", "error"], [
            (d.hostname, "yes" if d.ok else "NO", d.vendor or "", d.model or "", d.serial or "",
             d.os_version or "", len(d.neighbours), f"{d.duration_s * 1000:.0f}", d.error)
            for d in summary.polls])
        failed = sum(not d.ok for d in summary.polls)
        err_console.print(f"{len(summary.polls)} device(s) in {summary.duration_s:.2f} s, "
                          f"{failed} did not answer; recorded in {settings(ctx).state_url}")
    if any(not d.ok for d in summary.polls):
        raise typer.Exit(ExitStatus.FAILED)


@app.command("drift")
def drift_cmd(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    school: SchoolOpt = None, host: HostOpt = None, fmt: FormatOpt = Format.table,
) -> None:
    """Differences between the inventory and what discovery saw, each with a stable code and
    its fix; exit 1 if there is any."""
    from netctl.discovery.run import drift, load_seen

    inv = load(ctx)
    seen = load_seen(settings(ctx).state_url)
    if not seen.devices:
        err_console.print("discovery has not run on this state store: run netctl discover "
                          "first", style="yellow")
    found = drift(inv, seen, device_filter(county, city, role, None, school, host))
    if fmt is Format.json:
        print_json({"drift": [d.as_dict() for d in found]})
    else:
        print_table(f"{len(found)} drift(s)", ["code", "device", "detail", "fix", "where"], [
            (d.code, d.device, d.detail, d.fix,
             f"{d.file}:{d.line}" if d.file and d.line else d.file or "") for d in found])
    if found:
        raise typer.Exit(ExitStatus.FAILED)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, school: SchoolOpt = None,
    host: HostOpt = None,
    write: Annotated[bool, typer.Option("--write", help="Apply the edits after showing them "
                                        "(the edited inventory is validated first)")] = False,
) -> None:
    """Propose the drift fixes as a diff of inventory/ files; nothing is written without
    --write."""
    from netctl.discovery.importer import propose
    from netctl.discovery.importer import write as apply
    from netctl.discovery.run import drift, load_seen

    s = settings(ctx)
    inv = load(ctx)
    found = drift(inv, load_seen(s.state_url), device_filter(county, city, None, None, school,
                                                              host))
    proposal = propose(inv.root, found)
    sys.stdout.write(proposal.diff())
    for d in proposal.skipped:
        err_console.print(f"not imported ({d.code} {d.device}): {d.fix}", markup=False)
    if not proposal.files:
        err_console.print("nothing to import")
        return
    if not write:
        err_console.print(f"{len(proposal.files)} file(s) would change; run again with --write "
                          "to apply")
        return
    for path in apply(proposal):
        console.print(f"written: {path}", markup=False)


@app.command("map")
def map_cmd(
    ctx: typer.Context,
    county: CountyOpt = None,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path(
        "topology.html"),
) -> None:
    """Write the topology map (region backbone and each county, drift marked) as one HTML
    page."""
    from netctl.discovery.run import load_seen, map_page

    inv = load(ctx)
    for code in county or ():
        if code not in inv.counties:
            err_console.print(f"no county {code} in the inventory", markup=False)
            raise typer.Exit(ExitStatus.CONFIG)
    path = map_page(inv, load_seen(settings(ctx).state_url), list(county or ()) or None, out)
    console.print(f"map: {path}", markup=False)
