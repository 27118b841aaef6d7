"""``netctl inventory``: validate, list, show, stats, generate, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from netctl import geo
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
from netctl.cli._output import ExitStatus, Format, console, print_json, print_problems, print_table
from netctl.exceptions import InventoryError
from netctl.inventory.filters import select
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import load_inventory
from netctl.inventory.show import describe
from netctl.inventory.stats import inventory_stats

app = typer.Typer(help="The source of truth: schools, nodes, devices, links.", no_args_is_help=True)


@app.command()
def validate(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Load every file, check it against the model and cross-check the whole; exit 1 on errors."""
    root = settings(ctx).inventory_dir
    try:
        inv = load_inventory(root)
        problems, n_err = inv.warnings, 0
    except InventoryError as exc:
        problems = exc.problems
        n_err = sum(1 for p in problems if p.severity == "error")
    n_warn = sum(1 for p in problems if p.severity == "warning")
    failed = n_err > 0 or (strict and n_warn > 0)
    if fmt is Format.json:
        print_json({"inventory": str(root), "valid": not failed, "errors": n_err,
                    "warnings": n_warn, "problems": problems})
    else:
        print_problems(problems, Path.cwd())
        status = "[red]invalid[/red]" if failed else "[green]valid[/green]"
        console.print(f"{escape(str(root))}: {status}: {n_err} error(s), {n_warn} warning(s)")
    if failed and n_err == 1 and any(p.message.startswith("no inventory here") for p in problems):
        raise typer.Exit(ExitStatus.CONFIG)  # nothing to validate: cannot start
    raise typer.Exit(ExitStatus.FAILED if failed else ExitStatus.OK)


@app.command("list")
def list_(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="devices | schools | links")] = "devices",
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List devices (filtered), schools or links."""
    inv = load(ctx)
    flt = device_filter(county, city, role, platform, school, host)
    rows: list[dict[str, object]]
    if what == "devices":
        rows = [
            {"hostname": d.hostname, "role": d.role.value, "platform": d.platform.value,
             "model": d.device.model, "county": d.county, "site": d.site,
             "site_name": inv.schools[d.school].school.name if d.school
             else inv.nodes[d.node].name if d.node else "",
             "mgmt": str(d.device.mgmt_ipv6 or d.device.mgmt_ipv4 or "")}
            for d in select(inv, flt)
        ]
    elif what == "schools":
        counties, cities = flt.counties or (None,), flt.cities or (None,)
        rows = [
            {"code": s.code, "name": s.school.name, "county": s.county,
             "county_name": geo.COUNTIES[s.county].name, "category": s.school.category.value,
             "stage": s.school.stage.value, "classes": s.school.classes,
             "rooms": s.school.teaching_rooms, "devices": len(inv.devices_at(s.code))}
            for c in counties for ci in cities for s in inv.schools_in(c, ci)
        ]
    elif what == "links":
        hosts = {d.hostname for d in select(inv, flt)}
        rows = [
            {"kind": e.link.kind.value, "a": str(e.link.a), "b": str(e.link.b),
             "mbps": e.link.mbps, "file": e.file.name}
            for e in inv.links if flt.empty or e.link.a.device in hosts or e.link.b.device in hosts
        ]
    else:
        raise typer.BadParameter(f"'{what}': choose devices, schools or links")
    if fmt is Format.json:
        print_json(rows)
        return
    columns = list(rows[0]) if rows else ["(none)"]
    print_table(f"{len(rows)} {what}", columns, ([r[c] for c in columns] for r in rows))


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="school code, hostname, node id or county code")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Show one school, device, node or county with everything attached to it."""
    inv = load(ctx)
    info = describe(inv, name)
    if fmt is Format.json:
        print_json(info)
        return
    for key, value in info.items():
        if isinstance(value, list):
            console.print(f"[bold]{escape(key)}[/bold] ({len(value)}):")
            for item in value:
                console.print(f"  - {item}", markup=False)
        else:
            console.print(f"[bold]{escape(key)}[/bold]: {escape(str(value))}")


@app.command()
def stats(
    ctx: typer.Context, county: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None, fmt: FormatOpt = Format.table,
) -> None:
    """Counts of schools, devices and links, for the region or a county or city."""
    inv = load(ctx)
    device_filter([county] if county else None, [city] if city else None, None, None)
    st = inventory_stats(inv, county, city)
    if fmt is Format.json:
        print_json(st)
        return
    print_stats(st)


def print_stats(st: object) -> None:
    """Print an InventoryStats as a two-column table."""
    rows = []
    for key, value in vars_of(st).items():
        shown = (", ".join(f"{k} {v}" for k, v in sorted(value.items()))
                 if isinstance(value, dict) else value)
        rows.append((key, shown))
    print_table("inventory", ["item", "count"], rows)


def vars_of(obj: object) -> dict[str, object]:
    """Fields of a dataclass instance."""
    import dataclasses

    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the inventory to")],
    schools: Annotated[int, typer.Option(help="Number of schools (22 … ~3000)")] = 44,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files")] = 2027,
    force: Annotated[bool, typer.Option(help="Overwrite an inventory already there")] = False,
) -> None:
    """Generate a Ningxia-shaped sample inventory (deterministic)."""
    n = write_inventory(out, schools, seed, force=force)
    console.print(f"wrote {n} files to {out}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="Roster: CSV (UTF-8, GB18030) or XLSX")],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet [default: the first]")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Import the school roster (学校名册): update in place, add new ones; exit 1 on bad rows."""
    from netctl.cli._output import err_console
    from netctl.exceptions import ImportRowError
    from netctl.inventory.roster import import_roster

    try:
        res = import_roster(settings(ctx).inventory_dir, file, sheet=sheet, skip_bad=skip_bad,
                            dry_run=dry_run)
    except ImportRowError as exc:
        if fmt is Format.json:
            print_json({"written": False, "problems": exc.problems})
        print_problems(exc.problems, Path.cwd())
        bad = len({p.line for p in exc.problems})
        err_console.print(f"{bad} bad row(s): nothing was written", style="red bold")
        raise typer.Exit(ExitStatus.FAILED) from None
    if fmt is Format.json:
        print_json(res)
        return
    print_problems(res.problems, Path.cwd())
    if rows := [(c.line, c.code, c.name, c.county, c.action, ", ".join(c.fields))
                for c in res.changes if c.action != "unchanged"]:
        print_table(None, ["line", "code", "name", "county", "action", "fields"], rows)
    console.print(res.summary, markup=False, soft_wrap=True)
