"""Options and helpers shared by the command groups."""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from netctl.cli._output import Format, print_problems
from netctl.inventory.filters import DeviceFilter, FilterError, select
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.ipam.merge import load_inventory
from netctl.models.inventory import Role
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


def load(ctx: typer.Context, *, show_warnings: bool = False, apply_ipam: bool = True
         ) -> Inventory:
    """Load the inventory of the current settings (errors propagate to ``main``).
    ``apply_ipam=False``: the devices keep what their files declare (see
    :func:`netctl.inventory.index.load_inventory`)."""
    s = settings(ctx)
    meta = ctx.find_root().meta
    cached = meta.get("netctl.inventory")
    if isinstance(cached, Inventory) and (not apply_ipam or cached.ipam is None
                                          or cached.ipam.applied):
        return cached  # one load per command, however many helpers ask
    enabled = gc.isenabled()
    gc.disable()  # a region is millions of objects, nearly none of them in cycles
    try:
        inv = load_inventory(s.inventory_dir, apply_ipam=apply_ipam)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()  # ... and they live until the command ends: no collection walks them again
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


def describe_filter(flt: DeviceFilter) -> str:
    """The filter as the options that built it (``--county 640104 --role gateway``)."""
    parts = [f"--county {c}" for c in flt.counties] + [f"--city {c}" for c in flt.cities]
    parts += [f"--role {r.value}" for r in flt.roles]
    parts += [f"--platform {p.value}" for p in flt.platforms]
    parts += [f"--school {s}" for s in flt.schools] + [f"--host {h}" for h in flt.hostnames]
    return " ".join(parts) or "(no filter)"


def selected(
    inv: Inventory, flt: DeviceFilter, *, configurable: bool = False, what: str = "device"
) -> list[DeviceEntry]:
    """The devices ``flt`` selects; an empty selection is an error (exit 3) naming the fix.

    ``configurable`` leaves out APs (their controller carries their configuration). Every
    command that acts on a selection goes through here, so none reports success on nothing.
    """
    import difflib

    found = [d for d in select(inv, flt) if not (configurable and d.role is Role.AP)]
    if found:
        return found
    hint = ""
    for pattern in flt.hostnames:
        close = difflib.get_close_matches(pattern, list(inv.devices), n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean '{close[0]}'?"
            break
    kind = "configurable device (APs are configured through their controller)" if configurable \
        else what
    msg = (
        f"no {kind} matches {describe_filter(flt)} in {len(inv.devices)} device(s){hint} "
        "(fix: check the values with `netctl inventory list devices` and its filters)"
    )
    raise FilterError(msg)
