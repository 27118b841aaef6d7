"""``netctl dashboards``: Grafana dashboards, datasource, providers and alert rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import settings
from netctl.cli._output import console
from netctl.dashboards.build import DASHBOARDS_PATH, GENERATIONS, Influx, build
from netctl.dashboards.text import parse_lang
from netctl.inventory.index import Inventory
from netctl.ipam.merge import load_inventory

app = typer.Typer(help="Grafana dashboards and alert rules for the NOC, as code.",
                  no_args_is_help=True)


@app.command("build")
def build_cmd(
    ctx: typer.Context,
    lang: Annotated[str, typer.Option(help="zh (default) or en")] = "zh",
    out: Annotated[Path, typer.Option(help="Folder to write (mount it into Grafana)")] = Path(
        "out/grafana"),
    influx_url: Annotated[str, typer.Option(help="InfluxDB URL as Grafana reaches it")] = (
        "http://127.0.0.1:8086"),
    database: Annotated[str, typer.Option(help="InfluxDB database (2.x: its DBRP name)")] = (
        "netctl"),
    influx_version: Annotated[str, typer.Option(help="InfluxDB generation: 1, 2 or 3")] = "2",
    dashboards_path: Annotated[str, typer.Option(
        help="Where Grafana sees the dashboards folder")] = DASHBOARDS_PATH,
    use_inventory: Annotated[bool, typer.Option(
        "--inventory/--no-inventory", help="Name schools from the inventory")] = True,
) -> None:
    """Write dashboards JSON and provisioning YAML (datasource, providers, alert rules)."""
    try:
        language = parse_lang(lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from exc
    if influx_version not in GENERATIONS:
        raise typer.BadParameter("use 1, 2 or 3", param_hint="--influx-version")
    inv: Inventory | None = None
    inv_dir = settings(ctx).inventory_dir
    if use_inventory and (inv_dir / "region.yaml").is_file():
        inv = load_inventory(inv_dir)
    influx = Influx(influx_url, database, influx_version)
    result = build(out, language, influx, inv, dashboards_path)
    for b in result.bundle.dashboards:
        console.print(f"{b.filename}: {b.title} ({len(b.panels)} panels)")
    rules = sum(len(g["rules"]) for g in result.bundle.alerting["groups"])
    console.print(f"{len(result.files)} files in {out}/, {rules} alert rules"
                  + ("" if inv else " (no inventory: schools shown by code)"))
