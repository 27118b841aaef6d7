"""``netctl compliance``: the plan's KPIs per school, county, city and region; device baselines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import FormatOpt, HostOpt, device_filter, load, selected, settings
from netctl.cli._output import ExitStatus, Format, console, print_json, print_table
from netctl.compliance.backups import default_backups_dir
from netctl.compliance.export import baseline_json, kpis_json
from netctl.compliance.kpis import KPIS
from netctl.compliance.runner import run_baseline, run_kpis
from netctl.settings import Settings

app = typer.Typer(
    help="Compliance with the 2023-2027 plan: KPIs and security baselines.", no_args_is_help=True
)

CountyOne = Annotated[str | None, typer.Option("--county", help="GB/T 2260 county code")]
CityOne = Annotated[str | None, typer.Option("--city", help="GB/T 2260 city code")]
YearOpt = Annotated[
    int | None, typer.Option(help="Judge against this year's targets [default: this year]")
]
LangOpt = Annotated[str, typer.Option(help="zh | en")]
BackupsOpt = Annotated[
    Path | None,
    typer.Option(
        "--backups",
        help="Config backups folder <dir>/<hostname>/<UTC time>.cfg [env NETCTL_BACKUPS; "
        "default: backups/ beside the state store]",
    ),
]
FreshOpt = Annotated[
    float | None,
    typer.Option(
        "--freshness-hours",
        help="Evidence older than this does not count [default: targets.yaml, 24]",
    ),
]


def parse_as_of(text: str | None) -> datetime | None:
    """``--as-of``: an ISO 8601 time (``2026-11-01``, ``2026-11-01T08:00``, ``…+08:00``);
    without a zone it is Beijing time (UTC+8), as people write it."""
    if text is None:
        return None
    from datetime import timedelta, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        msg = f"--as-of '{text}': write an ISO time such as 2026-11-01 or 2026-11-01T08:00+08:00"
        raise typer.BadParameter(msg) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone(timedelta(hours=8)))
    return when


AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge at this past time from the state store's history and the backups taken by "
        "then (reproduce last month's report); ISO time, Beijing time unless a zone is given",
    ),
]


def backups_dir(s: Settings, option: Path | None) -> Path:
    """The backups folder: option, environment, beside the state store."""
    return option or default_backups_dir(s.state_url, s.home)


@app.command()
def kpis(
    ctx: typer.Context,
    county: CountyOne = None,
    city: CityOne = None,
    year: YearOpt = None,
    fmt: FormatOpt = Format.table,
    lang: LangOpt = "zh",
    backups: BackupsOpt = None,
    freshness_hours: FreshOpt = None,
    snapshot: Annotated[
        bool, typer.Option(help="Store the values as a KPI snapshot (trend)")
    ] = False,
    evidence: Annotated[bool, typer.Option(help="JSON: add each school result's evidence")] = False,
    as_of: AsOfOpt = None,
    line_protocol: Annotated[
        Path | None,
        typer.Option(
            "--line-protocol",
            help="Also write the values as InfluxDB line protocol ('kpi' "
            "measurement) to this file, for influx write",
        ),
    ] = None,
) -> None:
    """Every KPI of the plan (docs/targets.md) per school, county, city and region, against
    this year's target."""
    s = settings(ctx)
    inv = load(ctx)
    report, rows = run_kpis(
        inv,
        s.reports_dir,
        s.state_url,
        backups_dir(s, backups),
        county=county,
        city=city,
        year=year,
        freshness_hours=freshness_hours,
        snapshot=snapshot,
        as_of=parse_as_of(as_of),
    )
    if line_protocol is not None:
        from netctl.collectors.points import lines
        from netctl.compliance.points import kpi_points

        text = "\n".join(lines(kpi_points(report, inv)))
        line_protocol.write_text(text + "\n", encoding="utf-8")
    if fmt is Format.json:
        print_json(kpis_json(report, evidence=evidence))
        return
    zh = lang != "en"
    table = []
    for k in report.kpis:
        if k.scope_level == "school":
            continue
        spec = KPIS[k.kpi]
        met = (
            "-"
            if k.met is None
            else ("达标" if zh else "met")
            if k.met
            else ("未达标" if zh else "not met")
        )
        table.append(
            (
                k.scope_name,
                spec.name(lang),
                spec.format(k.value),
                spec.format(k.target),
                f"{k.numerator:g}/{k.denominator:g}",
                met,
            )
        )
    print_table(
        f"{report.year} {'指标' if zh else 'KPIs'}",
        [
            "范围" if zh else "scope",
            "指标" if zh else "KPI",
            "值" if zh else "value",
            "目标" if zh else "target",
            "分子/分母" if zh else "num/den",
            "结果" if zh else "result",
        ],
        table,
    )
    failing = [r for r in report.schools if not r.met]
    if county:
        print_table(
            "未达标学校及原因" if zh else "schools falling short, and why",
            ["学校" if zh else "school", "指标" if zh else "KPI", "原因" if zh else "reasons"],
            (
                (r.school_code, KPIS[r.kpi].name(lang), "; ".join(x.text(lang) for x in r.reasons))
                for r in failing
            ),
        )
    else:
        console.print(
            f"{len(failing)} school results fall short: --county C for the list, "
            "--format json for all"
        )
    if snapshot:
        console.print(f"KPI snapshot: {rows} rows → {s.state_url}")


@app.command()
def baseline(
    ctx: typer.Context,
    county: CountyOne = None,
    city: CityOne = None,
    host: HostOpt = None,
    fmt: FormatOpt = Format.table,
    lang: LangOpt = "zh",
    backups: BackupsOpt = None,
    freshness_hours: FreshOpt = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Check this one saved config file instead of the backups "
        "(needs --platform; no inventory)")] = None,
    platform: Annotated[str | None, typer.Option(
        "--platform", help="Platform of --config: huawei_vrp | hp_comware | ruijie_os | "
        "cisco_ios")] = None,
) -> None:
    """MLPS 2.0 baseline (GB/T 22239-2019) of each device's newest backed-up config; exit 1 if
    any device does not pass. With --config FILE --platform P: one saved config file."""
    s = settings(ctx)
    if config is not None or platform is not None:
        _baseline_file(s, config, platform, fmt, lang)
    folder = backups_dir(s, backups)
    inv = load(ctx)
    if host:  # a host pattern that matches nothing is an error (exit 3), not "0 devices pass"
        selected(inv, device_filter([county] if county else None, [city] if city else None,
                                    None, None, None, host))
    devices, when, hours = run_baseline(
        inv,
        s.reports_dir,
        folder,
        county=county,
        city=city,
        hosts=host,
        freshness_hours=freshness_hours,
    )
    failed = any(not d.passed for d in devices)
    if fmt is Format.json:
        print_json(baseline_json(devices, when, folder, hours))
        raise typer.Exit(ExitStatus.FAILED if failed else ExitStatus.OK)
    rows = []
    for d in devices:
        bad = [r for r in d.rules if r.status != "pass"]
        detail = "; ".join(
            f"{r.rule} {r.status} [{r.clause}]"
            + "".join(f" L{o.line}: {o.text}" for o in r.offending[:3])
            for r in bad
        )
        rows.append(
            (d.hostname, d.platform, d.status, detail or "; ".join(x.text(lang) for x in d.reasons))
        )
    print_table(
        f"{len(devices)} devices, backups in {folder}",
        ["设备" if lang != "en" else "device", "platform", "status", "rules"],
        rows,
    )
    raise typer.Exit(ExitStatus.FAILED if failed else ExitStatus.OK)


def _baseline_file(s: Settings, config: Path | None, platform: str | None, fmt: Format,
                   lang: str) -> None:
    """``compliance baseline --config FILE --platform P``: one file against its platform's rules."""
    from netctl.compliance.baseline import check_config, load_rules
    from netctl.compliance.export import rule_json
    from netctl.config.review import read_running

    if config is None or platform is None:
        raise typer.BadParameter("--config FILE and --platform P go together")
    rulesets = load_rules(s.reports_dir / "rules")
    if platform not in rulesets:
        raise typer.BadParameter(f"--platform '{platform}': rules exist for "
                                 f"{', '.join(sorted(rulesets))}")
    results = check_config(read_running(config), rulesets[platform])
    status = ("pass" if all(r.status == "pass" for r in results)
              else "fail" if all(r.status == "fail" for r in results) else "partial")
    if fmt is Format.json:
        print_json({"config": str(config), "platform": platform, "status": status,
                    "rules": [rule_json(r) for r in results]})
    else:
        print_table(f"{config} ({platform}): {status}",
                    ["rule", "clause", "status", "title", "offending lines"],
                    ([r.rule, r.clause, r.status, r.title.zh if lang != "en" else r.title.en,
                      "; ".join(f"L{o.line}: {o.text}" for o in r.offending[:3])]
                     for r in results))
    raise typer.Exit(ExitStatus.OK if status == "pass" else ExitStatus.FAILED)
