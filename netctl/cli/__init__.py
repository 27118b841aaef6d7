"""The ``netctl`` command line: thin Typer commands over the library, one module per group."""

from __future__ import annotations

import os
import sys

# Pydantic looks for plugins in every installed distribution's entry points before it builds its
# first model (~10 ms, and the import of importlib.metadata): netctl uses none. Set the variable
# to '' to have them loaded anyway.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
from pathlib import Path
from typing import Annotated, NoReturn

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
    "discover": ("netctl.cli.discover", "app", "group"),
    "assets": ("netctl.cli.assets", "assets", "command"),
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
    at = _group_at(argv)
    return argv[at] if at is not None else None


def _group_at(argv: list[str]) -> int | None:
    """The position of the command group on the command line, if one is named."""
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in _ROOT_OPTIONS_WITH_VALUE:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return i if arg in GROUPS else None
    return None


def __getattr__(name: str) -> typer.Typer:
    """``netctl.cli.app``: the whole app (tests and documentation use it)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def _print_version(value: bool) -> None:
    if value:
        from netctl import __version__

        sys.stdout.write(f"netctl {__version__}\n")
        raise typer.Exit(ExitStatus.OK)


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
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version, help="Print the version and exit",
    )] = False,
) -> None:
    """Resolve settings once for every command."""
    del version
    from netctl.inventory.parsecache import folder_from_env, use_cache

    env = dict(os.environ)
    if home is not None:
        env["NETCTL_HOME"] = str(home)
    ctx.obj = Settings.from_env(env, inventory_dir=inventory_dir, state_url=state)
    use_cache(folder_from_env(env, ctx.obj.home))  # parsed inventory files (NETCTL_CACHE)


# Commands that hold a whole region in memory (inventory, records, zones), make next to no
# reference cycles, and write files only through write_atomic (closed and fsynced before the
# command returns), or nothing: every command of a group (None), or the commands named. They
# run without the cyclic garbage collector (each collection would walk millions of live objects
# for nothing) and, when done, run the exit handlers and leave without freeing those objects one
# by one (~0.15 s of a region's `ipam allocate`, `dns zone` or `inventory validate`).
_FAST_EXIT: dict[str, frozenset[str] | None] = {
    "ipam": None,
    "dns": None,
    "inventory": frozenset({"validate", "stats", "list", "show"}),  # read only
}


def _fast_exit(argv: list[str]) -> bool:
    """Whether the command line names a command of ``_FAST_EXIT``."""
    at = _group_at(argv)
    if at is None or argv[at] not in _FAST_EXIT:
        return False
    commands = _FAST_EXIT[argv[at]]
    if commands is None:
        return True
    return next((a for a in argv[at + 1:] if not a.startswith("-")), None) in commands


def main() -> None:
    """The command line in this process (:func:`program` is the ``netctl`` program): map library
    errors to exit codes and one clear message.

    Exit codes (README): 0 ok, 1 found errors, 2 bad command line, 3 cannot start, 70 a bug.
    An unexpected exception is a bug: one line on stderr, the traceback in a log file.
    """
    _main()


def program() -> None:
    """The ``netctl`` program (console script, ``python -m netctl``): :func:`main`, and for the
    commands of :data:`_FAST_EXIT` without the cyclic collector and with the fast exit, which
    ends the process — so only here, never in :func:`main`, which a caller that goes on (a test)
    may call."""
    if not _fast_exit(sys.argv[1:]):
        _main()
        return
    import gc

    gc.disable()
    try:
        _main()
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """Exit as ``sys.exit(code)`` would, without tearing the heap down object by object."""
    import atexit
    import contextlib

    status = 0
    if isinstance(code, int):
        status = code
    elif code is not None:
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that left (`| head`)
            stream.flush()
    atexit._run_exitfuncs()  # logging's flush and close, and anything else registered
    os._exit(status)


def _main() -> None:
    """:func:`main` without the fast exit."""
    if sys.argv[1:] == ["--version"]:  # no need to import every command group
        from netctl import __version__

        sys.stdout.write(f"netctl {__version__}\n")
        sys.exit(ExitStatus.OK)
    try:
        code = build_app(_group_in(sys.argv[1:]))(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else ExitStatus.OK)
    except InventoryError as exc:
        print_problems(exc.problems, Path.cwd())
        errors = sum(1 for p in exc.problems if p.severity == "error")
        if exc.missing:
            err_console.print("cannot start: no inventory", style="red bold")
            sys.exit(ExitStatus.CONFIG)
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
        code = getattr(exc, "exit_code", ExitStatus.FAILED)
        err_console.print(f"error: {exc}", style="red", markup=False, soft_wrap=True)
        sys.exit(code)
    except typer.Abort:
        err_console.print("aborted", style="red")
        sys.exit(ExitStatus.FAILED)
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileNotFoundError) as exc:
        if exc.filename is None:  # no file named: not the user's file, a bug
            sys.exit(crash(exc))
        # a file the user named or netctl must write: their environment, not a bug
        err_console.print(f"error: {exc.strerror}: {exc.filename} (fix: check the path and its "
                          "permissions)", style="red", markup=False, soft_wrap=True)
        sys.exit(ExitStatus.CONFIG)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted", style="red")
        sys.exit(130)
    except BrokenPipeError:  # `netctl ... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        sys.exit(ExitStatus.OK)
    except Exception as exc:  # usage errors of the bundled click, and the last resort
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        sys.exit(crash(exc))


def crash(exc: BaseException) -> int:
    """A bug: write the traceback to a log file, print one line naming it; return 70."""
    import os
    import tempfile
    import traceback
    from datetime import UTC, datetime

    from netctl import __version__

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = (f"netctl {__version__} crashed at {stamp}\nargv: {sys.argv!r}\n\n"
            + "".join(traceback.format_exception(exc)))
    where = "(could not write a log file)"
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    base = Path(os.environ.get("NETCTL_CRASH_DIR") or Path(state_home) / "netctl")
    for folder in (base, Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, path = tempfile.mkstemp(prefix=f"crash-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            where = path
            break
        except OSError:
            continue
    err_console.print(
        f"internal error (a bug in netctl): {type(exc).__name__}: {exc}\n"
        f"the traceback is in {where}; please report it with that file",
        style="red", markup=False, soft_wrap=True)
    return int(ExitStatus.INTERNAL)
