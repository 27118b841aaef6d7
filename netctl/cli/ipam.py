"""``netctl ipam``: allocate, reserve, release, import, show, usage, free, check."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from netctl.cli._common import FormatOpt, load, settings
from netctl.cli._output import ExitStatus, Format, console, print_json, print_table
from netctl.ipam.net import Net
from netctl.ipam.store import WriteResult, run_allocate, run_import, run_release, run_reserve

# netctl.ipam.query (show, usage, free, check) is imported by the commands that use it: allocate
# does not pay for it

app = typer.Typer(help="Addresses: the plan, allocation, queries, checks (docs/ipam.md).",
                  no_args_is_help=True)

TodayOpt = Annotated[str | None, typer.Option(
    "--today", help="Date of the run, YYYY-MM-DD (hold-downs count from it) [default: today]")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Compute, print, write nothing")]


def _today(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _report(result: WriteResult, fmt: Format, root: Path) -> None:
    added = dict(result.report.added) if result.report else {}
    data: dict[str, Any] = {
        "changed": [str(p) for p in result.changed], "unchanged": result.unchanged,
        "added": added, "released": [str(n) for n in result.released],
        "orphans": result.report.orphans if result.report else [],
        "expired_holds": result.report.expired_holds if result.report else 0,
    }
    if fmt is Format.json:
        print_json(data)
        return
    if added:
        print_table("allocated", ["what", "count"], sorted(added.items()))
    for path in result.changed:
        console.print(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}")
    for net in result.released:
        console.print(f"released {net} (held before reuse)")
    for orphan in data["orphans"]:
        console.print(f"[yellow]kept (not in the inventory): {orphan}[/yellow]")
    console.print(f"{len(result.changed)} file(s) changed, {result.unchanged} unchanged")


@app.command()
def allocate(ctx: typer.Context, dry_run: DryOpt = False, today: TodayOpt = None,
             fmt: FormatOpt = Format.table) -> None:
    """Give every city, county, school, VLAN, device and link what it lacks; move nothing."""
    root = settings(ctx).inventory_dir
    _report(run_allocate(root, today=_today(today), dry_run=dry_run), fmt, root)


@app.command()
def reserve(ctx: typer.Context, prefix: Annotated[str, typer.Argument(help="prefix to keep")],
            description: Annotated[str, typer.Option(help="why")] = "",
            today: TodayOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Keep a prefix from ever being allocated."""
    root = settings(ctx).inventory_dir
    _report(run_reserve(root, prefix, description, today=_today(today)), fmt, root)


@app.command()
def release(ctx: typer.Context,
            target: Annotated[str, typer.Argument(help="school code, hostname or reserved prefix")],
            force: Annotated[bool, typer.Option(help="even if still in the inventory")] = False,
            today: TodayOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Release a school's block or a device's addresses (held before reuse), or a reservation."""
    root = settings(ctx).inventory_dir
    _report(run_release(root, target, today=_today(today), force=force), fmt, root)


@app.command("import")
def import_(ctx: typer.Context,
            source: Annotated[Path, typer.Argument(help="CSV (scope,prefix,role,vlan) or YAML")],
            dry_run: DryOpt = False, today: TodayOpt = None,
            fmt: FormatOpt = Format.table) -> None:
    """Record existing allocations, then allocate the rest around them."""
    root = settings(ctx).inventory_dir
    _report(run_import(root, source, today=_today(today), dry_run=dry_run), fmt, root)


@app.command()
def show(ctx: typer.Context,
         target: Annotated[str, typer.Argument(
             help="school, county or city code, 'region', hostname, or a prefix/address")],
         fmt: FormatOpt = Format.table) -> None:
    """What IPAM holds for a school, county, city, device or prefix."""
    from netctl.ipam import query

    info = query.show(load(ctx), target)
    if fmt is Format.json:
        print_json(info)
        return
    for key, value in info.items():
        if isinstance(value, list):
            console.print(f"[bold]{key}[/bold] ({len(value)}):")
            for item in value:
                text = "  ".join(f"{v}" for v in item.values() if v is not None) \
                    if isinstance(item, dict) else str(item)
                console.print(f"  - {text}", markup=False)
        else:
            console.print(f"[bold]{key}[/bold]: {escape(str(value))}")


@app.command()
def usage(ctx: typer.Context,
          level: Annotated[str, typer.Option(help="region | city | county | school")] = "county",
          fmt: FormatOpt = Format.table) -> None:
    """Utilisation per level: blocks of the level below in use, out of how many."""
    from netctl.ipam import query

    rows = query.usage(load(ctx), level)
    if fmt is Format.json:
        print_json([{**asdict(r), "percent": r.percent} for r in rows])
        return
    print_table(f"{level} utilisation", ["scope", "name", "family", "block", "unit", "used",
                                         "capacity", "%"],
                ((r.scope, r.name, r.family, r.block, r.unit, r.used, r.capacity, r.percent)
                 for r in rows))


@app.command()
def free(ctx: typer.Context,
         target: Annotated[str, typer.Argument(help="school, county, city, 'region' or prefix")],
         length: Annotated[int | None, typer.Option(help="only blocks that hold a /LENGTH")] = None,
         fmt: FormatOpt = Format.table) -> None:
    """Free blocks ("available prefixes") inside a block."""
    from netctl.ipam import query

    nets = query.free_blocks(load(ctx), target, length)
    if fmt is Format.json:
        print_json([str(n) for n in nets])
        return
    columns = ["prefix"] + ([f"/{length} blocks"] if length else [])
    print_table(f"{len(nets)} free block(s) in {target}", columns,
                ((str(n), *([n.size // Net(n.family, 0, length).size] if length else []))
                 for n in nets))


@app.command()
def check(ctx: typer.Context,
          strict: Annotated[bool, typer.Option(help="warnings fail too")] = False,
          fmt: FormatOpt = Format.table) -> None:
    """Overlaps, records outside their parent, addresses outside their school's block,
    orphans, duplicates; exit 1 on errors."""
    from netctl.ipam import query

    report = query.check(load(ctx))
    failed = report.errors > 0 or (strict and report.warnings > 0)
    if fmt is Format.json:
        print_json({"ok": not failed, "errors": report.errors, "warnings": report.warnings,
                    "findings": report.findings})
    else:
        if report.findings:
            print_table("ipam check", ["severity", "kind", "scope", "message", "fix"],
                        ((f.severity, f.kind, f.scope, f.message, f.fix)
                         for f in report.findings))
        console.print(f"{report.errors} error(s), {report.warnings} warning(s)")
    raise typer.Exit(ExitStatus.FAILED if failed else ExitStatus.OK)
