"""The ``netctl`` command line: thin Typer commands over the library, one module per group."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

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

# name → (module, attribute, kind): groups are imported only when used, so that
# `netctl inventory list` does not pay for SNMP, InfluxDB, Jinja2 and SSH imports.
GROUPS: dict[str, tuple[str, str, str]] = {
    "inventory": ("netctl.cli.inventory", "app", "group"),
    "ipam": ("netctl.cli.ipam", "app", "group"),
    "dns": ("netctl.cli.dns", "app", "group"),
    "config": ("netctl.cli.config", "app", "group"),
    "collect": ("netctl.cli.collect", "app", "group"),
    "probe": ("netctl.cli.probe", "app", "group"),
    "daemon": ("netctl.cli.daemon", "daemon", "command"),
    "compliance": ("netctl.cli.compliance", "app", "group"),
    "report": ("netctl.cli.report", "report", "command"),
    "dashboards": ("netctl.cli.dashboards", "app", "group"),
    "demo": ("netctl.cli.demo", "demo", "command"),
    "ssh": ("netctl.cli.ssh", "app", "group"),
}
_ROOT_OPTIONS_WITH_VALUE = ("--home", "--inventory", "--state")


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command group, or only ``only`` (what one run needs)."""
    import importlib

    root = typer.Typer(
        name="netctl",
        help="Run the Ningxia education network: inventory, IPAM, config push, collectors, "
        "compliance with the 2023-2027 plan.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    for name, (module, attr, kind) in GROUPS.items():
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(module), attr)
        if kind == "group":
            root.add_typer(target, name=name)
        else:
            root.command(name)(target)
    return root


def _group_in(argv: list[str]) -> str | None:
    """The command group named on the command line, if any."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _ROOT_OPTIONS_WITH_VALUE:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg if arg in GROUPS else None
    return None


def __getattr__(name: str) -> typer.Typer:
    """``netctl.cli.app``: the whole app (tests and documentation use it)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


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
    env = None
    if home is not None:
        import os

        env = dict(os.environ, NETCTL_HOME=str(home))
    ctx.obj = Settings.from_env(env, inventory_dir=inventory_dir, state_url=state)


def main() -> None:
    """Console-script entry point: map library errors to exit codes and one clear message."""
    try:
        code = build_app(_group_in(sys.argv[1:]))(standalone_mode=False)
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
        err_console.print(f"error: {exc}", style="red", markup=False, soft_wrap=True)
        sys.exit(ExitStatus.CONFIG)
    except NetctlError as exc:
        err_console.print(f"error: {exc}", style="red", markup=False, soft_wrap=True)
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
