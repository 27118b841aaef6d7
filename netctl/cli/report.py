"""``netctl report``: the compliance report for county IT staff (HTML, PDF, XLSX)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import load, settings
from netctl.cli._output import console
from netctl.cli.compliance import (
    AsOfOpt,
    BackupsOpt,
    CityOne,
    CountyOne,
    FreshOpt,
    YearOpt,
    backups_dir,
    parse_as_of,
)
from netctl.report import ReportFormat, write_report


def report(
    ctx: typer.Context,
    county: CountyOne = None,
    city: CityOne = None,
    year: YearOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="html | pdf | xlsx")] = (
        ReportFormat.html
    ),
    lang: Annotated[str, typer.Option(help="zh (default) | en")] = "zh",
    out: Annotated[
        Path | None, typer.Option(help="Output file [default: reports/out/<scope>-<year>.<format>]")
    ] = None,
    backups: BackupsOpt = None,
    freshness_hours: FreshOpt = None,
    snapshot: Annotated[bool, typer.Option(help="Also store this run as a KPI snapshot")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Summary (KPI, target, value, trend), schools that fall short and why, device baseline
    failures; for a city or the region, counties ranked."""
    s = settings(ctx)
    path = write_report(
        load(ctx),
        s.reports_dir,
        s.state_url,
        backups_dir(s, backups),
        fmt,
        county=county,
        city=city,
        year=year,
        lang=lang,
        out=out,
        freshness_hours=freshness_hours,
        snapshot=snapshot,
        as_of=parse_as_of(as_of),
    )
    console.print(f"wrote {path}", markup=False)
