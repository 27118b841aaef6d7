"""``netctl ssh keys``: the SSH host keys netctl trusts (list, accept after checking, forget)."""

from __future__ import annotations

from typing import Annotated

import typer

from netctl.cli._common import FormatOpt, settings
from netctl.cli._output import ExitStatus, Format, console, err_console, print_json, print_table
from netctl.config.hostkeys import (
    HostKeyError,
    KnownHosts,
    accept,
    default_known_hosts,
    fetch_key,
    fingerprint,
    iter_fingerprints,
    parse_host_id,
)

app = typer.Typer(help="SSH host keys of the devices (netctl's known_hosts).",
                  no_args_is_help=True)
keys = typer.Typer(help="List, accept or forget recorded host keys.", no_args_is_help=True)
app.add_typer(keys, name="keys")

HostArg = Annotated[str, typer.Argument(
    help="Host id as in known_hosts and in the refusal message: host, or [host]:port")]


def _known(ctx: typer.Context) -> KnownHosts:
    s = settings(ctx)
    return KnownHosts(default_known_hosts(s.state_url, s.home))


@keys.command("list")
def list_keys(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Every recorded key with its SHA256 fingerprint."""
    known = _known(ctx)
    rows = [{"host": h, "type": t, "fingerprint": f, "device": d}
            for h, t, f, d in iter_fingerprints(known)]
    if fmt is Format.json:
        print_json({"file": str(known.path), "keys": rows})
        return
    print_table(str(known.path), ["host", "type", "fingerprint", "device"],
                ([r["host"], r["type"], r["fingerprint"], r["device"]] for r in rows))


@keys.command("accept")
def accept_key(
    ctx: typer.Context, host: HostArg,
    fp: Annotated[str | None, typer.Option(
        "--fingerprint", help="SHA256:… checked on the device's console; required to record")]
    = None,
    timeout: Annotated[float, typer.Option()] = 10.0,
) -> None:
    """Record the key the host presents now, if it has the fingerprint you checked."""
    known = _known(ctx)
    if not fp:
        try:
            name, port = parse_host_id(host)
            shown = fingerprint(fetch_key(name, port, timeout=timeout))
        except (OSError, Exception) as exc:  # paramiko raises many types
            err_console.print(f"error: cannot read the host key of {host}: {exc}",
                              markup=False)
            raise typer.Exit(ExitStatus.FAILED) from None
        err_console.print(f"{host} presents {shown}; nothing recorded. Check it on the device's "
                          f"console, then run again with --fingerprint {shown}", markup=False)
        raise typer.Exit(ExitStatus.FAILED)
    try:
        entry = accept(known, host, fp, timeout=timeout)
    except HostKeyError as exc:
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(ExitStatus.FAILED) from None
    console.print(f"recorded {entry.host} {entry.key_type} {entry.fingerprint} in {known.path}",
                  markup=False)


@keys.command("forget")
def forget_key(ctx: typer.Context, host: HostArg) -> None:
    """Remove a host's recorded keys (the next connection trusts on first use, or is refused
    in strict mode)."""
    known = _known(ctx)
    gone = known.forget(host)
    if not gone:
        err_console.print(f"{host} is not in {known.path}", markup=False)
        raise typer.Exit(ExitStatus.FAILED)
    console.print(f"forgot {gone} key(s) of {host}", markup=False)
