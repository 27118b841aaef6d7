"""``netctl dns``: write the education zone and its reverse zones, and check them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli._common import FormatOpt, load, settings
from netctl.cli._output import ExitStatus, Format, console, print_json, print_table
from netctl.dns.zone import write_zones

app = typer.Typer(help="The education zone: BIND zone files from IPAM, and their checks.",
                  no_args_is_help=True)

OutOpt = Annotated[Path | None, typer.Option(
    "--out", help="Folder of the zone files [env NETCTL_DNS_OUT; default: HOME/out/dns]",
    envvar="NETCTL_DNS_OUT")]


def _out(ctx: typer.Context, out: Path | None) -> Path:
    return out if out is not None else settings(ctx).home / "out" / "dns"


@app.command()
def zone(ctx: typer.Context, out: OutOpt = None,
         today: Annotated[str | None, typer.Option(help="date for new serials, YYYY-MM-DD")]
         = None, fmt: FormatOpt = Format.table) -> None:
    """Write the zone files (a file changes, with a new serial, only when its content does)."""
    when = date.fromisoformat(today) if today else date.today()
    # the zones take the management addresses from the records as numbers: no address object
    # per device (netctl.ipam.merge.management; the same addresses, the same errors)
    results = write_zones(load(ctx, apply_ipam=False), _out(ctx, out), today=when)
    if fmt is Format.json:
        print_json(results)
        return
    print_table(f"zones in {_out(ctx, out)}", ["zone", "records", "serial", "changed"],
                ((r.origin, r.records, r.serial, "yes" if r.changed else "") for r in results))


@app.command()
def check(ctx: typer.Context, out: OutOpt = None,
          stale: Annotated[bool, typer.Option(help="also compare with the inventory")] = True,
          fmt: FormatOpt = Format.table) -> None:
    """named-checkzone (when installed) and netctl's own checks; exit 1 on errors."""
    from netctl.dns.check import check_zones  # dnspython: only this command needs it

    report = check_zones(_out(ctx, out), load(ctx) if stale else None)
    if fmt is Format.json:
        print_json({"ok": report.errors == 0, **{k: getattr(report, k) for k in
                                                 ("zones", "named_checkzone", "findings")}})
    else:
        if report.findings:
            print_table("dns check", ["severity", "zone", "message", "fix"],
                        ((f.severity, f.zone, f.message, f.fix) for f in report.findings))
        tool = report.named_checkzone or "not installed"
        console.print(f"{len(report.zones)} zone(s), named-checkzone: {tool}, "
                      f"{report.errors} error(s)", markup=False)
    raise typer.Exit(ExitStatus.FAILED if report.errors else ExitStatus.OK)
