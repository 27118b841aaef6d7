"""The ``netctl`` command line: thin Typer commands over the library, one module per group."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from netctl.cli import collect, compliance, config, daemon, demo, dns, inventory, ipam, report
from netctl.cli._output import ExitStatus, err_console, print_problems
from netctl.exceptions import (
    ConfigError,
    ImportRowError,
    InventoryError,
    NetctlError,
    SecretsError,
    StateStoreError,
)
from netctl.inventory.filters import FilterError
from netctl.settings import Settings

app = typer.Typer(
    name="netctl",
    help="Run the Ningxia education network: inventory, IPAM, config push, collectors, "
    "compliance with the 2023-2027 plan.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(inventory.app, name="inventory")
app.add_typer(config.app, name="config")
app.add_typer(collect.app, name="collect")
app.add_typer(compliance.app, name="compliance")
app.add_typer(ipam.app, name="ipam")
app.add_typer(dns.app, name="dns")
app.add_typer(__import__("netctl.cli.dashboards", fromlist=["app"]).app, name="dashboards")
app.command("report")(report.report)
app.command("daemon")(daemon.daemon)
app.command("demo")(demo.demo)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[Path | None, typer.Option(
        help="Folder holding inventory/, templates/, collectors/, reports/ [env NETCTL_HOME; "
        "default: current folder]")] = None,
    inventory_dir: Annotated[Path | None, typer.Option(
        "--inventory", help="Inventory folder [env NETCTL_INVENTORY; default: HOME/inventory]",
    )] = None,
    state: Annotated[str | None, typer.Option(
        help="State store: SQLite file or SQLAlchemy URL [env NETCTL_STATE]")] = None,
) -> None:
    """Resolve settings once for every command."""
    overrides: dict[str, Path | str | None] = {"inventory_dir": inventory_dir, "state_url": state}
    env = None
    if home is not None:
        import os

        env = dict(os.environ, NETCTL_HOME=str(home))
    ctx.obj = Settings.from_env(env, **overrides)


def main() -> None:
    """Console-script entry point: map library errors to exit codes and one clear message."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else ExitStatus.OK)
    except InventoryError as exc:
        print_problems(exc.problems, Path.cwd())
        errors = sum(1 for p in exc.problems if p.severity == "error")
        err_console.print(f"inventory invalid: {errors} error(s)", style="red bold")
        sys.exit(ExitStatus.FAILED)
    except ImportRowError as exc:
        print_problems(exc.problems, Path.cwd())
        err_console.print(str(exc), style="red bold")
        sys.exit(ExitStatus.FAILED)
    except (ConfigError, SecretsError, StateStoreError, FilterError, FileExistsError) as exc:
        err_console.print(f"error: {exc}", style="red", markup=False)
        sys.exit(ExitStatus.CONFIG)
    except NetctlError as exc:
        err_console.print(f"error: {exc}", style="red", markup=False)
        sys.exit(ExitStatus.FAILED)
    except typer.Abort:
        err_console.print("aborted", style="red")
        sys.exit(ExitStatus.FAILED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # usage errors of the bundled click, and the last resort
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
