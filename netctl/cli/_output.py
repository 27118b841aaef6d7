"""Output for people (rich tables) and scripts (JSON), and the exit codes scripts rely on."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import Enum, IntEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from netctl.exceptions import Problem

# Wide enough for Chinese names when output goes to a file or a pipe (rich would use 80).
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "200"))
console = Console(highlight=False, soft_wrap=False, width=_WIDTH)
err_console = Console(stderr=True, highlight=False, width=_WIDTH)


class ExitStatus(IntEnum):
    """Exit codes: stable, documented in README."""

    OK = 0
    FAILED = 1  # ran, and found errors or failed items (invalid inventory, failed devices)
    USAGE = 2  # bad command line (typer/click's own code)
    CONFIG = 3  # cannot start: no inventory, bad settings or secrets, state store unavailable
    INTERNAL = 70  # a bug: please report it


class Format(str, Enum):  # noqa: UP042 - typer needs str-mixin enums
    """Output formats."""

    table = "table"
    json = "json"


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, addresses, paths and dates → JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, IPv4Address | IPv6Address | IPv4Network | IPv6Network | Path):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    """Print JSON on stdout (UTF-8, Chinese as is), written as it is encoded: a 1,000-device
    push report is ~8 MB of JSON, and building it as one string first cost ~28 MB at the end of
    the command (its peak). ``to_jsonable`` runs first, so nothing fails half-way through."""
    json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print a table for people. Data is text, never Rich markup (``[/bold] x`` prints as is)."""
    from rich.table import Table  # only commands that print a table pay for it

    table = Table(title=escape(title) if title else None, title_justify="left",
                  header_style="bold")
    for c in columns:
        table.add_column(escape(str(c)), overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else escape(_cell(v)) for v in row))
    console.print(table)


def _cell(value: Any) -> str:
    """A table cell: a time in Beijing time (what people read; JSON keeps UTC)."""
    if isinstance(value, datetime):
        from netctl.peopletime import for_people

        return for_people(value)
    return str(value)


def print_problems(problems: Sequence[Problem], root: Path | None = None) -> None:
    """One line per problem on stderr: ``file:line: severity: field: message (fix: ...)``."""
    for p in problems:
        style = "red" if p.severity == "error" else "yellow"
        err_console.print(p.format(root), style=style, markup=False, soft_wrap=True)
