"""``netctl probe``: website IPv6 support and reachability of school gateways, one round."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

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
    selected,
    settings,
)
from netctl.cli._output import ExitStatus, Format, err_console, print_json, print_table, to_jsonable
from netctl.exceptions import ConfigError
from netctl.probes.reach import Method, ReachConfig, ReachTarget
from netctl.probes.run import gateway_targets, run_reach_probe, run_web_probe, website_sites
from netctl.probes.web import Site, WebProbeConfig
from netctl.state.store import StateStore

app = typer.Typer(help="Probes: websites over IPv6 (national method), gateway reachability.",
                  no_args_is_help=True)

OnceOpt = Annotated[bool, typer.Option(
    "--once", help="Run one round and exit (schedules run in the collector daemon)")]
AllowOpt = Annotated[list[str] | None, typer.Option(
    "--allow", help="Only ever contact these networks (CIDR, repeatable) [default: any unicast "
    "address but loopback]")]
NoStoreOpt = Annotated[bool, typer.Option(
    "--no-store", help="Print only; do not write the state store")]


def _need_once(once: bool) -> None:
    if not once:
        err_console.print("continuous probing runs in the collector daemon ('netctl daemon'); "
                          "add --once for one round here", style="red")
        raise typer.Exit(ExitStatus.USAGE)


def _port_map(items: list[str] | None) -> dict[int, int]:
    out: dict[int, int] = {}
    for item in items or ():
        src, sep, dst = item.partition("=")
        if not sep or not src.strip().isdigit() or not dst.strip().isdigit():
            raise typer.BadParameter(f"'{item}': write URL-PORT=CONNECT-PORT, e.g. 443=8443")
        out[int(src)] = int(dst)
    return out


def _store(ctx: typer.Context, no_store: bool) -> StateStore | None:
    return None if no_store else StateStore(settings(ctx).state_url)


@app.command()
def web(
    ctx: typer.Context,
    once: OnceOpt = False,
    county: CountyOpt = None, city: CityOpt = None, school: SchoolOpt = None,
    site: Annotated[list[str] | None, typer.Option(
        "--site", help="Probe this domain (repeatable) instead of the inventory's websites")
    ] = None,
    resolver: Annotated[list[str] | None, typer.Option(
        "--resolver", help="DNS resolver ADDRESS[:PORT] (repeatable) [default: the system's]")
    ] = None,
    ns_port: Annotated[int, typer.Option(help="Port of the authoritative servers")] = 53,
    port_map: Annotated[list[str] | None, typer.Option(
        "--port-map", help="Connect to another port: URL-PORT=PORT (repeatable)")] = None,
    allow: AllowOpt = None,
    ca_file: Annotated[str | None, typer.Option(help="CA bundle for HTTPS checks")] = None,
    verify: Annotated[bool, typer.Option(help="Verify HTTPS certificates")] = True,
    threshold: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Share of second-level links that must answer over IPv6 "
        "[default: website_links_v6_share in reports/targets.yaml]")] = None,
    max_links: Annotated[int, typer.Option(min=0, help="Second-level links checked per site")
                         ] = 30,
    third_level: Annotated[bool, typer.Option(help="Also check third-level links")] = False,
    concurrency: Annotated[int, typer.Option(min=1, help="Websites probed at once")] = 20,
    timeout: Annotated[float, typer.Option(min=1.0, help="Time budget per website, seconds")
                       ] = 120.0,
    no_store: NoStoreOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Judge websites' IPv6 support the way the national IPv6 monitoring platform does."""
    _need_once(once)
    if site:
        sites = [Site(d.lower().rstrip(".")) for d in site]
    else:
        inv = load(ctx)
        sites = website_sites(inv, device_filter(county, city, None, None, school))
        if not sites:
            raise ConfigError("no school website in this selection (fix: check --county/--city/"
                              "--school, give schools a website: in the inventory, or name "
                              "sites with --site)")
    if threshold is None:
        from netctl.compliance.targets import website_links_threshold

        threshold = website_links_threshold(settings(ctx).reports_dir)
    cfg = WebProbeConfig(
        resolvers=tuple(resolver or ()), ns_port=ns_port, port_map=_port_map(port_map),
        allowed_networks=tuple(allow) if allow else None, ca_file=ca_file, verify_tls=verify,
        links_threshold=threshold, links3_threshold=threshold, max_links=max_links,
        third_level=third_level, site_concurrency=concurrency, site_timeout=timeout,
    )
    store = _store(ctx, no_store)
    try:
        run = asyncio.run(run_web_probe(sites, cfg, store=store))
    finally:
        if store is not None:
            store.close()
    if fmt is Format.json:
        print_json({
            "started_at": run.started_at, "duration_s": run.duration_s, "total": len(run.results),
            "supported": run.supported, "observations": run.observations,
            "sites": [{**to_jsonable(r), "reason_zh": r.reason_zh, "reason_en": r.reason_en}
                      for r in run.results],
        })
    else:
        print_table(
            f"{run.supported}/{len(run.results)} websites support IPv6 ({run.duration_s:.1f} s)",
            ["domain", "IPv6", "reason", "原因", "links v6", "connect v6/v4 ms", "ttfb v6/v4 ms",
             "detail"],
            ([r.domain, "yes" if r.supported else "no", r.reason.value, r.reason_zh,
              "" if r.links.share is None else f"{r.links.share:.0%}",
              _pair(r.timings.connect_ms_v6, r.timings.connect_ms_v4),
              _pair(r.timings.ttfb_ms_v6, r.timings.ttfb_ms_v4), r.detail[:120]]
             for r in run.results),
        )
    raise typer.Exit(ExitStatus.OK if run.supported == len(run.results) else ExitStatus.FAILED)


@app.command()
def reach(
    ctx: typer.Context,
    once: OnceOpt = False,
    county: CountyOpt = None, city: CityOpt = None, role: RoleOpt = None,
    platform: PlatformOpt = None, school: SchoolOpt = None, host: HostOpt = None,
    address: Annotated[list[str] | None, typer.Option(
        "--address", help="Test this address (repeatable) instead of the inventory's")] = None,
    method: Annotated[Method, typer.Option(
        help="auto: ICMP datagram, else raw ICMP, else TCP connect")] = Method.AUTO,
    count: Annotated[int, typer.Option(min=1, max=100, help="Echoes per address")] = 3,
    interval: Annotated[float, typer.Option(min=0.0, help="Seconds between echoes")] = 0.2,
    timeout: Annotated[float, typer.Option(min=0.05, help="Seconds to wait for each reply")
                       ] = 1.0,
    tcp_port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --method tcp")] = 22,
    concurrency: Annotated[int, typer.Option(min=1, help="Addresses tested at once")] = 256,
    allow: AllowOpt = None,
    no_store: NoStoreOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Loss and round-trip time to each gateway's IPv6 and IPv4 management address."""
    _need_once(once)
    missing: list[str] = []
    if address:
        targets = [ReachTarget(a, a) for a in address]
    else:
        inv = load(ctx)
        flt = device_filter(county, city, role, platform, school, host)
        selected(inv, flt)  # an empty selection is an error (exit 3)
        targets, missing = gateway_targets(inv, flt)
        if not targets:
            raise ConfigError(f"no gateway with a management address in {len(missing)} selected "
                              "device(s) (fix: set mgmt_ipv6/mgmt_ipv4, or name --address)")
    for name in missing:
        err_console.print(f"warning: {name} has no management address: not tested",
                          style="yellow", markup=False)
    cfg = ReachConfig(method=method, count=count, interval=interval, timeout=timeout,
                      target_timeout=max(5.0, timeout + interval * count + 1), tcp_port=tcp_port,
                      concurrency=concurrency, allowed_networks=tuple(allow) if allow else None)
    store = _store(ctx, no_store)
    try:
        run = asyncio.run(run_reach_probe(targets, cfg, store=store, missing=missing))
    except OSError as exc:
        raise ConfigError(f"cannot run the reachability probe: {exc}") from exc
    finally:
        if store is not None:
            store.close()
    rows: list[dict[str, Any]] = [
        {"device": r.target.name, "family": f"ipv{r.family}", "address": r.target.address,
         "method": r.method, "sent": r.sent, "received": r.received, "loss": r.loss,
         "rtt_ms": r.rtt_ms, "rtt_min_ms": r.rtt_min_ms, "rtt_max_ms": r.rtt_max_ms,
         "error": r.error}
        for r in run.results
    ]
    lost = sum(1 for r in run.results if not r.ok)
    if fmt is Format.json:
        print_json({"started_at": run.started_at, "duration_s": run.duration_s,
                    "targets": len(rows), "unreachable": lost, "missing": missing,
                    "observations": run.observations, "results": rows})
    else:
        columns = ["device", "family", "address", "method", "loss", "rtt_ms", "error"]
        print_table(f"{len(rows) - lost}/{len(rows)} addresses answer ({run.duration_s:.1f} s)",
                    columns, ([r[c] for c in columns] for r in rows))
    raise typer.Exit(ExitStatus.OK if lost == 0 else ExitStatus.FAILED)


def _pair(v6: float | None, v4: float | None) -> str:
    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f}"

    return f"{f(v6)} / {f(v4)}"
