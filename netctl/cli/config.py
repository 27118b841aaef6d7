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
    selected,
    settings,
)
from netctl.cli._output import ExitStatus, Format, console, err_console, print_json
from netctl.config.diff import Diff
from netctl.config.guard import DEFAULT_MAX_REMOVALS, Guard
from netctl.config.render import FEATURES, render_many
from netctl.inventory.yamlio import write_atomic

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
    hosts = _hosts(ctx, county, city, role, platform, school, host)
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


# -- backup / diff / push / rollback / history (the push workflow) -----------------------------

StrictOpt = Annotated[bool, typer.Option(
    "--strict-host-keys", help="Refuse devices whose SSH host key is not recorded yet (no "
    "trust on first use; production). Also NETCTL_STRICT_HOST_KEYS=1")]
TargetsOpt = Annotated[Path | None, typer.Option(
    "--targets", help="YAML mapping hostname → host:port to connect to instead of the "
    "management address (labs, emulators, jump hosts)")]


PushFeatureOpt = Annotated[str | None, typer.Option(
    "--feature", help=f"Required: {' | '.join(FEATURES)} (what the push may change; "
    "docs/push-safety.md)", show_default=False)]
AllowRemovalsOpt = Annotated[int, typer.Option(
    "--allow-removals", help="Refuse a device whose remediation removes more lines than this")]
AllowProtectedOpt = Annotated[bool, typer.Option(
    "--allow-protected", help="Let the push add or change protected lines (management access, "
    "users, AAA, SSH, SNMP; templates/protect.yaml); they are never removed")]


def _required_feature(feature: str | None) -> str:
    if feature is None:
        raise typer.BadParameter(f"--feature is required: choose {', '.join(FEATURES)} "
                                 "(see docs/push-safety.md)", param_hint="--feature")
    if feature not in FEATURES:
        raise typer.BadParameter(f"'{feature}': choose {', '.join(FEATURES)}",
                                 param_hint="--feature")
    return feature


def _push_cli(
    ctx: typer.Context, hosts: list[str], feature: str, *, commit: bool, workers: int,
    timeout: float, targets: Path | None, intended: dict[str, str] | None = None,
    fmt: Format = Format.table, show_diff: bool = True, guard: Guard | None = None,
    strict: bool = False, processes: int = 1,
) -> None:
    """Run the workflow with a progress bar, print a summary; exit 1 when a device failed."""
    import getpass

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from netctl.compliance.backups import default_backups_dir
    from netctl.config.hostkeys import default_known_hosts, strict_from_env
    from netctl.config.push import PushOptions, load_targets, push
    from netctl.secrets import Secrets
    from netctl.state import StateStore

    s = settings(ctx)
    inv = load(ctx)
    options = PushOptions(
        feature=feature, templates_dir=s.templates_dir,
        backups_dir=default_backups_dir(s.state_url, s.home), commit=commit,
        workers=workers, timeout=timeout, targets=load_targets(targets) if targets else {},
        user=getpass.getuser(), guard=guard or Guard(),
        known_hosts=default_known_hosts(s.state_url, s.home),
        strict_host_keys=strict or strict_from_env(),
    )
    failures: list[str] = []
    with StateStore(s.state_url) as store, Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"), console=err_console, transient=True,
        disable=fmt is Format.json,
    ) as bar:
        task = bar.add_task("push" if commit else "diff", total=len(hosts), last="")

        def progress(host: str, status: str, done: int, total: int) -> None:
            del total
            bar.update(task, completed=done, last=f"{host} {status}")

        if processes > 1 and intended is None:
            from netctl.config.pool import push_in_processes

            result = push_in_processes(inv, hosts, options, Secrets(s.secrets_file),
                                       processes=processes, store=store, on_progress=progress)
        else:
            result = push(inv, hosts, options, Secrets(s.secrets_file), store=store,
                          on_progress=progress, intended=intended)
    if fmt is Format.json:
        print_json({"push_id": result.push_id, "feature": feature, "commit": commit,
                    "devices": [{"hostname": o.hostname, "status": o.status,
                                 "remediation": o.remediation, "error": o.error,
                                 "seconds": o.seconds, **_counts_json(o.diff),
                                 "steps": {k: {"wall_s": w, "cpu_s": c}
                                           for k, (w, c) in o.steps.items()}}
                                for o in result.outcomes]})
    else:
        for o in result.outcomes:
            if show_diff and o.diff is not None and o.status in ("would_change", "changed",
                                                                  "refused"):
                console.print(f"==> {o.hostname} ({o.platform.value}) {o.status} <==",
                              markup=False)
                _print_counts(o.diff)
                console.print(o.remediation, end="", markup=False, highlight=False)
            if o.failed or o.status == "failed":
                failures.append(f"{o.hostname}: {o.status}: {o.error}")
        counts = {st: result.count(st) for st in ("changed", "would_change", "unchanged",
                                                  "refused", "rolled_back", "failed",
                                                  "skipped")}
        console.print("summary: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v)
                      + (f" (push #{result.push_id})" if result.push_id else ""))
        for line in failures:
            err_console.print(line, style="red", markup=False, soft_wrap=True)
    raise typer.Exit(ExitStatus.OK if result.ok else ExitStatus.FAILED)


_SECTIONS_SHOWN = 12
_NOT_SENT = Guard(max_removals=10**9, allow_protected=True)
"""A backup run sends nothing: the guard has nothing to refuse."""


def _counts_json(d: Diff | None) -> dict[str, object]:
    if d is None:
        return {}
    return {"added": d.added_count, "removed": list(d.removed),
            "refused": [{"line": r.line, "reason": r.reason} for r in d.refused],
            "protected_changes": list(d.protected),
            "sections": [{"section": s, "added": a, "removed": r} for s, a, r in d.sections]}


def _print_counts(d: Diff) -> None:
    """The risk first: lines added/removed per section, protected lines left alone."""
    from netctl.cli._output import print_table

    rows = sorted(d.sections, key=lambda x: (-x[2], -x[1]))
    shown, rest = rows[:_SECTIONS_SHOWN], rows[_SECTIONS_SHOWN:]
    if rest:
        shown.append((f"… {len(rest)} more sections", sum(a for _, a, _ in rest),
                      sum(r for _, _, r in rest)))
    print_table(f"+{d.added_count} -{d.removed_count} lines", ["section", "added", "removed"],
                ([s, a, r] for s, a, r in shown))
    for r in d.refused:
        console.print(f"  kept (protected): {r.line}  [{r.reason}]", markup=False,
                      highlight=False)


def _offline_diff(ctx: typer.Context, host: list[str] | None, feature: str, running: Path,
                  guard: Guard, fmt: Format) -> None:
    """``config diff --running FILE``: one device against a saved config, no connection."""
    from netctl.config.review import read_running, review

    if not host or len(host) != 1:
        raise typer.BadParameter("--running FILE needs exactly one --host", param_hint="--host")
    r = review(load(ctx), host[0], feature, read_running(running), settings(ctx).templates_dir,
               guard)
    if fmt is Format.json:
        print_json(r.as_json())
    else:
        console.print(f"==> {r.hostname} ({r.diff.platform.value}) feature {feature} <==",
                      markup=False)
        _print_counts(r.diff)
        console.print(r.diff.text, end="", markup=False, highlight=False)
        for reason in r.refusal:
            err_console.print(f"refused: {reason}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(ExitStatus.FAILED if r.refusal else ExitStatus.OK)


@app.command()
def diff(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    feature: PushFeatureOpt = None, workers: Annotated[int, typer.Option()] = 50,
    timeout: Annotated[float, typer.Option(help="Seconds per device operation")] = 30.0,
    targets: TargetsOpt = None, fmt: FormatOpt = Format.table,
    running: Annotated[Path | None, typer.Option(
        "--running", help="Diff against this saved running config, without connecting "
        "(one --host)")] = None,
    allow_removals: AllowRemovalsOpt = DEFAULT_MAX_REMOVALS,
    allow_protected: AllowProtectedOpt = False,
    strict_host_keys: StrictOpt = False,
) -> None:
    """Back up running configs and show the remediation a push would send (undo/no included),
    with the lines added/removed per section and the guard's verdict."""
    chosen = _required_feature(feature)
    guard = Guard(allow_removals, allow_protected)
    if running is not None:
        _offline_diff(ctx, host, chosen, running, guard, fmt)
    hosts = _hosts(ctx, county, city, role, platform, school, host)
    _push_cli(ctx, hosts, chosen, commit=False, workers=workers, timeout=timeout,
              targets=targets, fmt=fmt, guard=guard, strict=strict_host_keys)


@app.command()
def push(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    feature: PushFeatureOpt = None,
    commit: Annotated[bool, typer.Option(help="Really send (default: dry run)")] = False,
    workers: Annotated[int, typer.Option(help="Devices at once")] = 50,
    processes: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes sharing the devices and the --workers (past one "
        "core, for pushes to hundreds of devices; each process loads the inventory)")] = 1,
    timeout: Annotated[float, typer.Option(help="Seconds per device operation")] = 30.0,
    targets: TargetsOpt = None, fmt: FormatOpt = Format.table,
    allow_removals: AllowRemovalsOpt = DEFAULT_MAX_REMOVALS,
    allow_protected: AllowProtectedOpt = False,
    strict_host_keys: StrictOpt = False,
) -> None:
    """Push the remediation, verify, save; roll back a device on failure. Dry run by default.
    A device whose remediation removes more than --allow-removals lines or changes protected
    configuration is refused (docs/push-safety.md)."""
    chosen = _required_feature(feature)
    hosts = _hosts(ctx, county, city, role, platform, school, host)
    _push_cli(ctx, hosts, chosen, commit=commit, workers=workers, timeout=timeout,
              targets=targets, fmt=fmt, guard=Guard(allow_removals, allow_protected),
              strict=strict_host_keys, processes=processes)


@app.command()
def backup(
    ctx: typer.Context,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    workers: Annotated[int, typer.Option()] = 50,
    timeout: Annotated[float, typer.Option()] = 30.0, targets: TargetsOpt = None,
    strict_host_keys: StrictOpt = False,
) -> None:
    """Fetch running configs into the versioned backup store (secrets masked)."""
    hosts = _hosts(ctx, county, city, role, platform, school, host)
    _push_cli(ctx, hosts, "all", commit=False, workers=workers, timeout=timeout,
              targets=targets, show_diff=False, guard=_NOT_SENT, strict=strict_host_keys)


@app.command()
def rollback(
    ctx: typer.Context,
    hostname: Annotated[str, typer.Argument(help="Device to restore")],
    to: Annotated[str, typer.Option(
        help="Backup file name (see `netctl config history HOST`), or 'previous'")] = "previous",
    commit: Annotated[bool, typer.Option(help="Really send (default: dry run)")] = False,
    timeout: Annotated[float, typer.Option()] = 30.0, targets: TargetsOpt = None,
    allow_removals: AllowRemovalsOpt = DEFAULT_MAX_REMOVALS,
    allow_protected: AllowProtectedOpt = False,
    strict_host_keys: StrictOpt = False,
) -> None:
    """Bring a device back to a saved backup (within what netctl's features own)."""
    from netctl.compliance.backups import default_backups_dir
    from netctl.config.push import restorable
    from netctl.exceptions import ConfigError

    s = settings(ctx)
    selected(load(ctx), device_filter(None, None, None, None, None, [hostname]),
             configurable=True)
    saved = _backups(default_backups_dir(s.state_url, s.home), hostname)
    if to == "previous":
        if len(saved) < 2:
            msg = (f"{hostname} has {len(saved)} backup(s): no previous one to go back to (fix: "
                   f"`netctl config history {hostname}` lists them; `config diff` or `config "
                   "backup` makes one)")
            raise ConfigError(msg)
        chosen = saved[-2]
    else:
        matches = [p for p in saved if to in (p.name, p.stem)]
        if not matches:
            msg = (f"no backup '{to}' for {hostname} (fix: `netctl config history {hostname}` "
                   "lists its backups)")
            raise ConfigError(msg)
        chosen = matches[0]
    console.print(f"restoring {hostname} to {chosen.name}", markup=False)
    text = restorable(chosen.read_text(encoding="utf-8"))
    _push_cli(ctx, [hostname], "all", commit=commit, workers=1, timeout=timeout,
              targets=targets, intended={hostname: text},
              guard=Guard(allow_removals, allow_protected), strict=strict_host_keys)


@app.command()
def history(
    ctx: typer.Context,
    hostname: Annotated[str | None, typer.Argument(help="A device: its backups")] = None,
    limit: Annotated[int, typer.Option()] = 20,
    all_runs: Annotated[bool, typer.Option(
        "--all", help="Also the dry runs (config diff, config backup, push without --commit)")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Recent pushes that sent to devices (who, when, result), or one device's backups."""
    from netctl.cli._output import print_table
    from netctl.compliance.backups import default_backups_dir
    from netctl.state import StateStore

    s = settings(ctx)
    if hostname:
        files = _backups(default_backups_dir(s.state_url, s.home), hostname)
        rows = [{"backup": p.name, "bytes": p.stat().st_size} for p in files]
    else:
        with StateStore(s.state_url) as store:
            runs = store.pushes(limit, dry_run=None if all_runs else False)
            rows = [{"id": r.id, "started": r.started_at,
                     "user": r.user, "kind": "dry run" if r.dry_run else "push",
                     "feature": r.feature, "dry_run": r.dry_run,
                     "result": r.result, "summary": r.summary} for r in runs]
    if fmt is Format.json:
        print_json(rows)  # times in UTC, ISO 8601
        return
    columns = list(rows[0]) if rows else ["(none)"]
    if "started" in columns:  # people read Beijing time
        columns[columns.index("started")] = "started (Beijing time)"
        rows = [{**r, "started (Beijing time)": r["started"]} for r in rows]
    print_table(None, columns, ([r[c] for c in columns] for r in rows))


def _backups(backups_dir: Path, hostname: str) -> list[Path]:
    """A device's backups; a name that would leave the backups folder is a bad argument."""
    from netctl.config.backup import UnsafeNameError, list_backups

    try:
        return list_backups(backups_dir, hostname)
    except UnsafeNameError as exc:
        raise typer.BadParameter(str(exc), param_hint="HOSTNAME") from None


def _hosts(ctx: typer.Context, county: list[str] | None, city: list[str] | None,
           role: list[str] | None, platform: list[str] | None, school: list[str] | None,
           host: list[str] | None) -> list[str]:
    flt = device_filter(county, city, role, platform, school, host)
    return [d.hostname for d in selected(load(ctx), flt, configurable=True)]
