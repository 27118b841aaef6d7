"""Options and helpers shared by the command groups."""

from __future__ import annotations

from typing import Annotated

import typer

from netctl.cli._output import Format, print_problems
from netctl.inventory.filters import DeviceFilter
from netctl.inventory.index import Inventory, load_inventory
from netctl.settings import Settings

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="table for people, json for scripts")
]
CountyOpt = Annotated[
    list[str] | None, typer.Option("--county", help="GB/T 2260 county code (repeatable)")
]
CityOpt = Annotated[
    list[str] | None, typer.Option("--city", help="GB/T 2260 city code (repeatable)")
]
RoleOpt = Annotated[list[str] | None, typer.Option("--role", help="device role (repeatable)")]
PlatformOpt = Annotated[
    list[str] | None, typer.Option("--platform", help="netutils platform (repeatable)")
]
SchoolOpt = Annotated[
    list[str] | None, typer.Option("--school", help="10-digit school code (repeatable)")
]
HostOpt = Annotated[list[str] | None, typer.Option("--host", help="hostname or glob (repeatable)")]


def settings(ctx: typer.Context) -> Settings:
    """The settings resolved by the root callback."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings.from_env()


def load(ctx: typer.Context, *, show_warnings: bool = False) -> Inventory:
    """Load the inventory of the current settings (errors propagate to ``main``)."""
    s = settings(ctx)
    meta = ctx.find_root().meta
    cached = meta.get("netctl.inventory")
    if isinstance(cached, Inventory):  # one load per command, however many helpers ask
        return cached
    inv = load_inventory(s.inventory_dir)
    meta["netctl.inventory"] = inv
    if show_warnings and inv.warnings:
        print_problems(inv.warnings)
    return inv


def device_filter(
    county: list[str] | None,
    city: list[str] | None,
    role: list[str] | None,
    platform: list[str] | None,
    school: list[str] | None = None,
    host: list[str] | None = None,
) -> DeviceFilter:
    """Build the filter from the common options."""
    return DeviceFilter.parse(
        county or (), city or (), role or (), platform or (), school or (), host or ()
    )
