"""Probes at the scale of the region: 1,000 simulated school websites and 3,000 gateway addresses.

Everything is served on this machine and nothing else is contacted:

- **websites**: BIND ``named`` on a loopback port serves one zone with every site; the site
  server (HTTP and HTTPS, 127.0.0.1 and ::1) runs in its own process so that the probe's CPU is
  measured alone. The mix follows the region's: 80 % dual-stack, 10 % IPv4-only, 5 % whose IPv6
  homepage differs, 5 % whose links lead to an IPv4-only host. Each homepage is ~20 KB of
  Chinese text with 8 same-site links; the full national method runs (AAAA, authoritative
  servers over IPv6, homepage over HTTP and HTTPS on both families, content comparison, links);
- **reachability**: 3,000 targets on loopback only (127.x.y.z and ``::1``), production settings
  (3 echoes 0.2 s apart, 1 s timeout), with ICMP (raw as root, datagram where allowed) and with
  TCP connect.

Reports wall time, sites/s and targets/s, and the probe process's CPU seconds (user + system).
The site server's CPU is reported apart. The machine is shared: compare runs of the same day.

    python benchmarks/bench_probes.py [--sites 1000] [--targets 3000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from netctl.probes.reach import Method, ReachConfig, ReachTarget, probe_reachability
from netctl.probes.web import Site, WebProbeConfig, probe_websites
from netctl.testing.websim import (
    NamedServer,
    SimPage,
    SimSite,
    SiteServer,
    Zone,
    make_tls_material,
)

ZONE = "bench.test"
TEXT = ("宁夏回族自治区教育厅推进教育数字化战略行动，建设教育专网和智慧校园，"
        "学校网站全面支持IPv6访问。本校坚持立德树人，办人民满意的教育。")


def kind_of(i: int) -> str:
    """The case of site ``i``: dual, v4only, differ or halflinks."""
    r = i % 20
    return "v4only" if r in (1, 11) else "differ" if r == 5 else "halflinks" if r == 15 \
        else "dual"


def _page(title: str, links: list[str], size: int) -> SimPage:
    body = (TEXT * (size // len(TEXT.encode()) + 1))[: size // 3]
    anchors = "".join(f'<li><a href="{u}">第{i}条新闻</a></li>' for i, u in enumerate(links))
    return SimPage(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
                   f"</head><body><h1>{title}</h1><p>{body}</p><ul>{anchors}</ul></body></html>")


def build(n: int) -> tuple[list[SimSite], Zone]:
    """The simulated sites and their zone."""
    sites: list[SimSite] = []
    records = ["@ NS ns1", "ns1 A 127.0.0.1", "ns1 AAAA ::1"]
    for i in range(n):
        name = f"site{i:04d}"
        host = f"{name}.{ZONE}"
        kind = kind_of(i)
        links = [f"/news/{j}.htm" for j in range(8)]
        if kind == "halflinks":
            links = links[:4] + [f"http://old.{name}.{ZONE}/n{j}.htm" for j in range(4)]
            sites.append(SimSite(f"old.{name}.{ZONE}",
                                 {f"/n{j}.htm": _page(f"旧闻{j}", [], 1500) for j in range(4)}))
            records.append(f"old.{name} A 127.0.0.1")
        pages = {"/": _page(f"{name} 学校", links, 20_000),
                 **{f"/news/{j}.htm": _page(f"新闻{j}", [], 1500) for j in range(8)}}
        v6 = {"/": SimPage("<title>Welcome to nginx!</title>It works")} if kind == "differ" \
            else {}
        sites.append(SimSite(host, pages, pages_v6=v6))
        records.append(f"{name} A 127.0.0.1")
        if kind != "v4only":
            records.append(f"{name} AAAA ::1")
    return sites, Zone(ZONE, records)


def _serve(sites: list[SimSite], cert: Path, key: Path, conn: Any) -> None:
    server = SiteServer(sites, cert, key, log_size=10)
    server.serve_forever(lambda s: conn.send((s.http_port, s.https_port)))
    conn.send(resource.getrusage(resource.RUSAGE_SELF)[:2])


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def bench_web(n: int, concurrency: int, folder: Path) -> dict[str, Any]:
    """Probe ``n`` simulated sites; return the figures."""
    sites, zone = build(n)
    tls = make_tls_material([ZONE, f"*.{ZONE}"], folder / "tls")
    parent, child = mp.get_context("fork").Pipe()
    proc = mp.get_context("fork").Process(target=_serve,
                                          args=(sites, tls.cert_file, tls.key_file, child))
    proc.start()
    http_port, https_port = parent.recv()
    try:
        with NamedServer([zone], folder / "named") as named:
            cfg = WebProbeConfig(
                resolvers=(named.servers[0],), ns_port=named.port,
                port_map={80: http_port, 443: https_port},
                allowed_networks=("127.0.0.0/8", "::1/128"), ca_file=str(tls.ca_file),
                site_concurrency=concurrency)
            targets = [Site(f"site{i:04d}.{ZONE}") for i in range(n)]
            t0, c0 = time.perf_counter(), _cpu()
            results = asyncio.run(probe_websites(targets, cfg))
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
    finally:
        os.kill(proc.pid or 0, 15)
        server_cpu = sum(parent.recv()) if parent.poll(10) else float("nan")
        proc.join(10)
    expected = {"dual": "ok", "v4only": "no_aaaa", "differ": "content_mismatch",
                "halflinks": "links_v6_below_threshold"}
    wrong = [r.domain for i, r in enumerate(results) if r.reason.value != expected[kind_of(i)]]
    requests = sum(r.requests for r in results)
    return {"sites": n, "wall_s": round(wall, 2), "sites_per_s": round(n / wall, 1),
            "cpu_s": round(cpu, 2), "cpu_ms_per_site": round(cpu / n * 1000, 2),
            "requests": requests, "requests_per_s": round(requests / wall, 1),
            "server_cpu_s": round(server_cpu, 2), "concurrency": concurrency,
            "verdicts": dict(Counter(r.reason.value for r in results)),
            "unexpected_verdicts": wrong[:10], "unexpected_count": len(wrong)}


def bench_reach(n: int, method: Method, concurrency: int) -> dict[str, Any]:
    """Test ``n`` loopback targets; return the figures."""
    targets = []
    for i in range(n):
        if i % 6 == 5:
            targets.append(ReachTarget(f"gw{i}", "::1"))
        else:
            targets.append(ReachTarget(f"gw{i}", f"127.{1 + i // 65025}.{i // 255 % 255}."
                                                 f"{1 + i % 255}"))
    cfg = ReachConfig(method=method, concurrency=concurrency, tcp_port=9,
                      allowed_networks=("127.0.0.0/8", "::1/128"))
    t0, c0 = time.perf_counter(), _cpu()
    results = asyncio.run(probe_reachability(targets, cfg))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    rtts = sorted(r.rtt_ms for r in results if r.rtt_ms is not None)
    return {"targets": n, "method": results[0].method if results else method.value,
            "wall_s": round(wall, 2), "targets_per_s": round(n / wall, 1),
            "cpu_s": round(cpu, 3), "cpu_ms_per_target": round(cpu / n * 1000, 3),
            "echoes": sum(r.sent for r in results),
            "answered": sum(1 for r in results if r.ok),
            "rtt_ms_median": rtts[len(rtts) // 2] if rtts else None,
            "rtt_ms_p99": rtts[int(len(rtts) * 0.99)] if rtts else None,
            "concurrency": concurrency}


def main() -> None:
    """Run both benchmarks and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--site-concurrency", type=int, default=20)
    ap.add_argument("--targets", type=int, default=3000)
    ap.add_argument("--reach-concurrency", type=int, default=256)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    if NamedServer.binary() is None:
        sys.exit("named is not installed (apt-get install bind9)")
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-probes-") as tmp:
        out["web"] = bench_web(args.sites, args.site_concurrency, Path(tmp))
    root = os.geteuid() == 0
    for method in (Method.ICMP if root else Method.AUTO, Method.TCP):
        try:
            out[f"reach_{method.value}"] = bench_reach(args.targets, method,
                                                       args.reach_concurrency)
        except OSError as exc:
            out[f"reach_{method.value}"] = {"error": str(exc)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    w = out["web"]
    print(f"websites: {w['sites']} in {w['wall_s']} s = {w['sites_per_s']} sites/s; probe CPU "
          f"{w['cpu_s']} s ({w['cpu_ms_per_site']} ms/site), {w['requests']} HTTP requests "
          f"({w['requests_per_s']}/s); site server CPU {w['server_cpu_s']} s; verdicts "
          f"{w['verdicts']}; unexpected {w['unexpected_count']}")
    for key, r in out.items():
        if key.startswith("reach_") and "error" not in r:
            print(f"reachability ({r['method']}): {r['targets']} targets in {r['wall_s']} s = "
                  f"{r['targets_per_s']} targets/s; CPU {r['cpu_s']} s "
                  f"({r['cpu_ms_per_target']} ms/target, {r['echoes']} echoes); answered "
                  f"{r['answered']}; RTT median {r['rtt_ms_median']} ms, p99 {r['rtt_ms_p99']} ms")
        elif key.startswith("reach_"):
            print(f"{key}: {r['error']}")


if __name__ == "__main__":
    main()
