"""``netctl demo``: the main job on the embedded sample network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._output import console, print_table
from netctl.cli.inventory import print_stats
from netctl.compliance.kpis import KPIS
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
    console.print(f"IPAM: {result.allocated} record file(s) under {out / 'inventory' / 'ipam'}; "
                  f"DNS: {result.zones} zone file(s) in {out / 'dns'}")
    print_table("security baseline pushed to emulated gateways (netctl config push --commit)"
                if not zh else "安全基线下发到仿真网关（netctl config push --commit）",
                ["hostname", "platform", "status"], result.pushed)
    rows = []
    for k in result.kpis.kpis:
        if k.scope_level not in ("region", "city"):
            continue
        spec = KPIS[k.kpi]
        name, value, target = spec.name(lang), spec.format(k.value), spec.format(k.target)
        met = (
            "-"
            if k.met is None
            else ("达标" if zh else "met")
            if k.met
            else ("未达标" if zh else "not met")
        )
        rows.append((k.scope_name, name, value, target, met))
    title = (
        f"{result.kpis.year} 年指标（样例证据）"
        if zh
        else f"{result.kpis.year} KPIs (sample evidence)"
    )
    print_table(
        title,
        [
            "范围" if zh else "scope",
            "指标" if zh else "KPI",
            "值" if zh else "value",
            "本年度目标" if zh else "target this year",
            "结果" if zh else "result",
        ],
        rows,
    )
    console.print(f"KPI snapshot: {result.snapshot_rows} rows → {result.state_url}")
    if result.report is not None:
        console.print(f"county report: {result.report}")
    console.print(f"done in {result.seconds:.1f} s")
