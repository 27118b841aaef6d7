"""``netctl demo``: the main job, for real, on an emulated network on loopback."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._output import console, print_table
from netctl.cli.inventory import print_stats
from netctl.compliance.kpis import KPIS
from netctl.demo import DEMO_SECRETS, DemoResult, run_demo


def _fmt(kpi: str, v: float | None) -> str:
    return "-" if v is None else KPIS[kpi].format(v)


def _print(result: DemoResult, lang: str) -> None:
    out = result.out
    zh = lang != "en"

    def t(zh_text: str, en_text: str) -> str:
        return zh_text if zh else en_text

    console.print(f"inventory: {out / 'inventory'} valid, {len(result.inventory.warnings)} "
                  "warning(s)")
    print_stats(result.stats)
    console.print(f"IPAM: {result.allocated} record file(s) under {out / 'inventory' / 'ipam'}; "
                  f"DNS zones: {result.zones} in {out / 'dns'}; websites' name server: "
                  f"{result.dns_kind}")
    print_table(t("预置故障", "seeded faults"),
                [t("故障", "fault"), t("位置", "where"), t("效果", "effect")], result.faults)
    counts = Counter((f, s) for f, _h, _p, s in result.pushed)
    print_table(t("经 SSH 下发（netctl config push --commit）",
                  "pushes over SSH (netctl config push --commit)"),
                [t("功能", "feature"), t("结果", "status"), t("设备数", "devices")],
                [(f, s, n) for (f, s), n in sorted(counts.items())])
    print_table(t("轮询与探测（经套接字）", "poll and probe rounds (over sockets)"),
                ["round", "SNMP polls", "failed devices", "observations", "websites",
                 "IPv6 websites", "reach targets", "seconds"],
                [(name, r.polls, ", ".join(r.polls_failed) or "-", r.observations, r.websites,
                  r.websites_v6, r.reach_targets, f"{r.seconds:.1f}")
                 for name, r in zip(("before", "after"), result.rounds, strict=False)])
    print_table(t("下发前后的全区指标", "region KPIs before and after the push"),
                [t("指标", "KPI"), t("下发前", "before"), t("下发后", "after"),
                 t("原因", "why")],
                [(KPIS[m.kpi].name(lang), _fmt(m.kpi, m.before), _fmt(m.kpi, m.after),
                  m.why if m.before != m.after else f"unchanged: {m.why}")
                 for m in result.moved])
    console.print(f"state store: {result.state_url} ({result.snapshot_rows} KPI rows per "
                  "snapshot, 2 snapshots)")
    if result.report is not None:
        console.print(f"county report (trend: before, after): {result.report}")
    if result.dashboards is not None:
        console.print(f"Grafana dashboards: {result.dashboards}")
    console.print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()))
    console.print(f"[bold]done in {result.seconds:.1f} s[/bold]")
    home = str(out)
    console.print(f"SNMP targets: {result.snmp_targets}; SSH targets: {result.ssh_targets}",
                  soft_wrap=True)
    console.print(t("接下来可以试试：", "try next:"))
    county = min(s.county for s in result.inventory.schools.values())
    for line in (f"netctl --home {home} compliance kpis --county {county}",
                 f"netctl --home {home} config history",
                 f"netctl --home {home} inventory show {min(result.inventory.schools)}"):
        console.print(f"  {line}", markup=False, soft_wrap=True)


def _print_running(result: DemoResult) -> None:
    home = str(result.out)
    env = " ".join(f"{k}={v}" for k, v in DEMO_SECRETS.items())
    console.print("[bold]the emulated network is up[/bold] (Ctrl-C stops it). From another shell:")
    console.print(f"  export {env}", markup=False, soft_wrap=True)
    for line in (
        f"netctl --home {home} collect snmp --once --targets {result.snmp_targets}",
        result.probe_command,
        f"netctl --home {home} probe reach --once --address 127.0.0.1 --allow 127.0.0.0/8",
        f"netctl --home {home} config diff --feature ipv6 --role gateway "
        f"--targets {result.ssh_targets}",
        f"SSH: ssh -p PORT admin@127.0.0.1 (password admin), PORT in {result.ssh_targets}",
    ):
        console.print(f"  {line}", markup=False, soft_wrap=True)


def demo(
    out: Annotated[Path, typer.Option(help="The demo's netctl home (rebuilt each run)")] = Path(
        ".netctl-demo"
    ),
    schools: Annotated[int, typer.Option(help="Schools in the sample region")] = 66,
    lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
    influx_url: Annotated[str | None, typer.Option(
        "--influx-url", help="Also write InfluxDB (v2 write API; token in NETCTL_INFLUX_TOKEN)"
    )] = None,
    keep_running: Annotated[bool, typer.Option(
        "--keep-running", help="Leave the emulated network up until Ctrl-C")] = False,
) -> None:
    """Build the sample region, start it as an emulated network on loopback, push, poll, probe,
    and show which KPIs the push moved."""
    console.print(f"[bold]netctl demo[/bold]: sample region with {schools} schools in {out}/, "
                  "emulated on loopback")
    done = threading.Event()

    def ready(result: object) -> None:
        assert isinstance(result, DemoResult)  # noqa: S101
        _print(result, lang)
        _print_running(result)
        previous = signal.signal(signal.SIGINT, lambda *_: done.set())
        try:
            while not done.wait(0.5):
                pass
        finally:
            signal.signal(signal.SIGINT, previous)
        console.print("stopping the emulated network")

    result = run_demo(out, schools, influx_url=influx_url, keep_running=keep_running,
                      on_ready=ready, lang=lang)
    if not keep_running:
        _print(result, lang)
