"""``netctl assets``: the asset register (plan §19, 信息资产数据库)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import CityOpt, CountyOpt, RoleOpt, SchoolOpt, device_filter, load, settings
from netctl.cli._output import ExitStatus, console, err_console
from netctl.exceptions import ConfigError


class AssetFormat(str, Enum):  # noqa: UP042 - typer needs str-mixin enums
    """Register formats."""

    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def assets(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    school: SchoolOpt = None,
    fmt: Annotated[AssetFormat, typer.Option("--format", "-f", help="csv | xlsx | json")
                   ] = AssetFormat.csv,
    out: Annotated[Path | None, typer.Option("--out", help="file to write (xlsx: required; "
                                              "csv/json: default stdout)")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh | en column headers")] = "zh",
    backups: Annotated[Path | None, typer.Option("--backups", help="config backups folder "
                                                 "(baseline status)")] = None,
) -> None:
    """Every device with vendor, model, serial, OS version, first/last seen, school, role,
    management address and baseline status (discovery's facts, else the inventory's)."""
    from netctl.compliance.backups import default_backups_dir
    from netctl.discovery.assets import register, to_csv, to_json, to_xlsx
    from netctl.discovery.run import baseline_status, load_seen

    if lang not in ("zh", "en"):
        err_console.print("--lang: zh or en")
        raise typer.Exit(ExitStatus.USAGE)
    if fmt is AssetFormat.xlsx and out is None:
        err_console.print("--format xlsx needs --out FILE.xlsx")
        raise typer.Exit(ExitStatus.USAGE)
    s = settings(ctx)
    inv = load(ctx)
    flt = device_filter(county, city, role, None, school, None)
    folder = backups or default_backups_dir(s.state_url, s.home)
    try:
        baseline = baseline_status(inv, s.reports_dir, folder, flt)
    except ConfigError as exc:  # no rules here: the register still lists every asset
        err_console.print(f"baseline status left empty: {exc}", style="yellow", markup=False)
        baseline = {}
    seen = load_seen(s.state_url).resolved(inv)
    rows = register(inv, seen.devices, seen.links, baseline, flt)
    if fmt is AssetFormat.xlsx and out is not None:
        to_xlsx(rows, out, lang)
        console.print(f"{len(rows)} asset(s): {out}", markup=False)
        return
    data = to_csv(rows, lang) if fmt is AssetFormat.csv else (to_json(rows) + "\n").encode()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        from netctl.inventory.yamlio import write_atomic

        write_atomic(out, data.decode("utf-8"))
        err_console.print(f"{len(rows)} asset(s): {out}", markup=False)
