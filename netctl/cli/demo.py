"""``netctl demo``: the main job on the embedded sample network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._output import console, print_table
from netctl.cli.inventory import print_stats
from netctl.compliance.declared import KPI_NAMES
from netctl.demo import run_demo


def demo(
    out: Annotated[Path, typer.Option(help="Working folder (regenerated each run)")] = Path(
        ".netctl-demo"
    ),
    schools: Annotated[int, typer.Option(help="Schools in the sample region")] = 66,
    lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
) -> None:
    """Build the sample Ningxia network, validate it, print its summary and KPIs, store them."""
    console.print(f"[bold]netctl demo[/bold]: sample region with {schools} schools in {out}/")
    result = run_demo(out, schools)
    console.print(
        f"inventory: {out / 'inventory'} valid, {len(result.inventory.warnings)} warning(s)"
    )
    print_stats(result.stats)
    zh = lang != "en"
    rows = []
    for k in result.kpis.kpis:
        if k.scope_level not in ("region", "city"):
            continue
        name = KPI_NAMES[k.kpi][0 if zh else 1]
        value = (
            "-"
            if k.value is None
            else (f"{k.value:.0f}" if k.kpi == "internet_bandwidth_avg" else f"{k.value:.1%}")
        )
        target = f"{k.target:.0f}" if k.kpi == "internet_bandwidth_avg" else f"{k.target:.0%}"
        met = ("达标" if zh else "met") if k.met else ("未达标" if zh else "not met")
        rows.append((k.scope_name, name, value, target, met))
    title = "按清单申报数据计算的指标 (declared data)" if zh else "KPIs from declared data"
    print_table(
        title,
        [
            "范围" if zh else "scope",
            "指标" if zh else "KPI",
            "值" if zh else "value",
            "2027目标" if zh else "2027 target",
            "结果" if zh else "result",
        ],
        rows,
    )
    console.print(f"KPI snapshot: {result.snapshot_rows} rows → {result.state_url}")
    console.print(f"done in {result.seconds:.1f} s")
