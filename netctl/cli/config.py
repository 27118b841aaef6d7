"""``netctl config``: intended configuration (render; backup, diff and push build on it)."""

from __future__ import annotations

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
    settings,
)
from netctl.cli._output import ExitStatus, Format, console, err_console, print_json
from netctl.config.render import FEATURES, render_many
from netctl.inventory.filters import select
from netctl.inventory.yamlio import write_atomic
from netctl.models.inventory import Role

app = typer.Typer(help="Intended configuration from templates, policy and IPAM.",
                  no_args_is_help=True)

FeatureOpt = Annotated[str, typer.Option(
    "--feature", help=f"{' | '.join(FEATURES)} (all = the platform's main.j2)")]


@app.command()
def render(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    feature: FeatureOpt = "all",
    out: Annotated[Path | None, typer.Option(
        help="Write <out>/<hostname>.<feature>.cfg instead of printing")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Render the intended config of the selected devices; secrets stay placeholders."""
    if feature not in FEATURES:
        raise typer.BadParameter(f"'{feature}': choose {', '.join(FEATURES)}")
    inv = load(ctx)
    hosts = [d.hostname for d in select(inv, device_filter(county, city, role, platform, school,
                                                           host)) if d.role is not Role.AP]
    results = render_many(inv, hosts, feature, templates_dir=settings(ctx).templates_dir)
    done = [r for r in results if r.text is not None]
    for r in done:
        if out is not None:
            write_atomic(out / f"{r.hostname}.{feature}.cfg", r.text or "")
        elif fmt is Format.table and r.text:
            if len(done) > 1:
                console.print(f"==> {r.hostname} ({r.platform.value}) <==", markup=False)
            console.print(r.text, end="", markup=False, highlight=False)
    failed = [r for r in results if r.failed]
    if fmt is Format.json:
        print_json([{"hostname": r.hostname, "platform": r.platform.value, "config": r.text,
                     "error": r.error, "skipped": r.skipped} for r in results])
    for r in failed:
        err_console.print(f"error: {r.error}", style="red", markup=False, soft_wrap=True)
    skipped = sum(1 for r in results if r.skipped)
    err_console.print(f"{len(done)} rendered, {len(failed)} failed, {skipped} skipped"
                      + (f" -> {out}" if out is not None and done else ""), markup=False)
    raise typer.Exit(ExitStatus.FAILED if failed else ExitStatus.OK)
