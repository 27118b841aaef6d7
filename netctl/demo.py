"""netctl's main job end to end, for real, on an emulated network that lives on loopback.

``netctl demo`` runs it in the order an engineer works, with the production code paths:

1. **inventory**: generate the sample region into a complete netctl home (``inventory/``,
   ``templates/``, ``collectors/``, ``reports/``, state store ``.netctl/state.db``), validate it;
2. **IPAM and zones**: allocate every address, write the DNS zones;
3. **start the network**: every device is an emulated device (SSH CLI and SNMP v3 agent,
   :mod:`netctl.testing.demonet`), the schools' websites and their authoritative DNS
   (:mod:`netctl.testing.schoolweb`), all on loopback, with seeded faults;
4. **baseline push** to the gateways (``netctl config push --feature baseline --commit``);
5. **poll and probe**: the SNMP collector (``collect snmp --once``), the website probe and the
   reachability probe write the state store (and InfluxDB with ``influx_url``);
6. **KPIs "before"**, stored as a snapshot;
7. **push** ``ipv6`` to the gateways of the schools that fail ``ipv6_campus`` and ``wlan`` to the
   controllers of the schools that fail ``wireless_coverage``;
8. **poll and probe again**, **KPIs "after"** (second snapshot);
9. the first county's **report** with both snapshots in its trend, and the **dashboards**.

Nothing is written into the state store but what the collector, the probes and the pushes
record; :mod:`netctl.testing.sample_evidence` is not used.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from netctl.compliance.engine import KpiReport, compute_kpis, save_snapshot
from netctl.compliance.runner import load_sources
from netctl.exceptions import ConfigError, NetctlError
from netctl.inventory.generate import write_inventory
from netctl.inventory.index import Inventory, load_inventory
from netctl.inventory.stats import InventoryStats, inventory_stats
from netctl.models.inventory import Role
from netctl.settings import Settings
from netctl.state import StateStore

if TYPE_CHECKING:
    from netctl.testing.demonet import DemoNetwork, FaultPlan
    from netctl.testing.schoolweb import SchoolWeb

REPO = Path(__file__).resolve().parent.parent
MARKER = ".netctl-demo-home"
DEMO_SECRETS = {  # the emulated devices' credentials: demo only, never real ones
    "NETCTL_CRED_DEFAULT_USERNAME": "admin",  # SSH login of every emulated device
    "NETCTL_CRED_DEFAULT_PASSWORD": "admin",
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Demo-Adm1n-Pass",
    "NETCTL_CRED_RADIUS_CAMPUS_PASSWORD": "Demo-Radius-Key1",
    "NETCTL_CRED_WLAN_STUDENT_PASSWORD": "Demo-Wlan-Student1",
    "NETCTL_CRED_WLAN_IOT_PASSWORD": "Demo-Wlan-Iot-1",
    "NETCTL_CRED_SNMPV3_DEFAULT_USERNAME": "nms",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_PROTOCOL": "SHA",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "Demo-AuthKey-1",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_PROTOCOL": "AES",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "Demo-PrivKey-1",
    # Ruijie devices name the set `snmpv3-rgos` (RGOS 11.4 documents DES privacy only; the
    # collectors poll DES users through pysnmp). The demo's SNMP agent speaks AES only, so in
    # the demo that set is the default one.
    "NETCTL_CRED_SNMPV3_RGOS_USERNAME": "nms",
    "NETCTL_CRED_SNMPV3_RGOS_AUTH_PROTOCOL": "SHA",
    "NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY": "Demo-AuthKey-1",
    "NETCTL_CRED_SNMPV3_RGOS_PRIV_PROTOCOL": "AES",
    "NETCTL_CRED_SNMPV3_RGOS_PRIV_KEY": "Demo-PrivKey-1",
}
MOVING = ("ipv6_campus", "wireless_coverage", "wifi6_urban", "website_ipv6", "edu_net_access")


@dataclass(frozen=True, slots=True)
class Round:
    """One poll-and-probe round: what was measured over sockets."""

    polls: int
    polls_failed: tuple[str, ...]
    observations: int
    websites: int
    websites_v6: int
    reach_targets: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Moved:
    """A KPI at region level before and after the push, and why it moved."""

    kpi: str
    before: float | None
    after: float | None
    why: str


@dataclass
class DemoResult:
    """What the demo produced, and where."""

    out: Path
    inventory: Inventory
    stats: InventoryStats
    kpis: KpiReport
    before: KpiReport
    state_url: str
    snapshot_rows: int
    report: Path | None
    seconds: float
    allocated: int = 0
    zones: int = 0
    pushed: tuple[tuple[str, str, str, str], ...] = ()  # (feature, hostname, platform, status)
    rounds: tuple[Round, ...] = ()
    moved: tuple[Moved, ...] = ()
    faults: tuple[tuple[str, str, str], ...] = ()
    dns_kind: str = ""
    dashboards: Path | None = None
    snmp_targets: Path | None = None
    ssh_targets: Path | None = None
    probe_command: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def prepare_home(out: Path) -> None:
    """Empty ``out`` (only a former demo home, or an empty folder) and copy the operator data."""
    earlier = (out / "state.db").is_file() and (out / "inventory").is_dir()  # the old demo's
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file() and not earlier:
        msg = (f"{out} exists and is not a netctl demo home (no {MARKER} in it): "
               "choose another --out or remove it")
        raise ConfigError(msg)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by `netctl demo`; deleted and rebuilt at each run\n")
    for folder in ("templates", "collectors", "reports"):
        shutil.copytree(REPO / folder, out / folder)


def _snmp_config(out: Path, influx_url: str | None) -> None:
    """The demo's collector config: InfluxDB only when a URL is given."""
    path = out / "collectors" / "daemons" / "snmp.toml"
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("[influx]")
    if influx_url:
        rest = rest.replace('url = "http://127.0.0.1:8086"', f'url = "{influx_url}"', 1)
    else:
        rest = rest.replace("enabled = true", "enabled = false", 1)
    path.write_text(head + sep + rest, encoding="utf-8")


@contextlib.contextmanager
def _demo_env() -> Iterator[None]:
    """The demo credentials in the environment (the collector and push read it), restored."""
    saved = {k: os.environ.get(k) for k in DEMO_SECRETS}
    os.environ.update(DEMO_SECRETS)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_demo(out: Path, schools: int = 66, seed: int = 2027, *,
             influx_url: str | None = None, keep_running: bool = False,
             on_ready: object = None, lang: str = "zh") -> DemoResult:
    """Run the whole pipeline in ``out`` (see the module docstring)."""
    start = time.perf_counter()
    timings: dict[str, float] = {}
    mark = [start]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 2)
        mark[0] = now

    out = out.resolve()
    prepare_home(out)
    _snmp_config(out, influx_url)
    inv_dir = out / "inventory"
    write_inventory(inv_dir, schools, seed, force=True)
    now = datetime.now(UTC)
    allocated, zones = _addresses(inv_dir, out, now)
    inv = load_inventory(inv_dir)
    stats = inventory_stats(inv)
    settings = Settings.from_env(env={"NETCTL_HOME": str(out)})
    state_dir = out / ".netctl"
    state_dir.mkdir(exist_ok=True)
    backups = state_dir / "backups"
    lap("inventory + IPAM")
    from netctl.testing.agent import V3Credentials
    from netctl.testing.demonet import DemoNetwork
    from netctl.testing.schoolweb import SchoolWeb

    v3 = V3Credentials("nms", "SHA", DEMO_SECRETS["NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY"], "AES",
                       DEMO_SECRETS["NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY"])
    with _demo_env(), DemoNetwork(inv, out / "templates", seed, v3=v3) as net, \
            SchoolWeb(inv, state_dir / "lab", seed, net.faults.no_ipv6_school) as web:
        snmp_targets, ssh_targets = net.write_targets(out)
        lap("start network")
        targets, rules = load_sources(out / "reports")
        pushed: list[tuple[str, str, str, str]] = []
        with StateStore(settings.state_url) as store:
            gateways = sorted(d.hostname for d in inv.devices.values()
                              if d.role is Role.GATEWAY and d.hostname in net.ssh_targets())
            pushed += _push(inv, net, "baseline", gateways, backups, store, out)
        lap("baseline push")
        first = _poll_and_probe(settings, snmp_targets, net, web, inv)
        lap("poll + probe")
        with StateStore(settings.state_url) as store:
            before = compute_kpis(inv, targets, store=store, rules=rules, backups_dir=backups,
                                  now=datetime.now(UTC))
            save_snapshot(store, before)
            v6_hosts, wlan_hosts = _needing(inv, before, net)
            pushed += _push(inv, net, "ipv6", v6_hosts, backups, store, out)
            pushed += _push(inv, net, "wlan", wlan_hosts, backups, store, out)
        lap("KPIs before + push")
        time.sleep(1.0)  # let the counters advance: the second poll has rates
        second = _poll_and_probe(settings, snmp_targets, net, web, inv)
        lap("poll + probe again")
        from netctl.report import ReportFormat, history, render

        with StateStore(settings.state_url) as store:
            after = compute_kpis(inv, targets, store=store, rules=rules, backups_dir=backups,
                                 now=datetime.now(UTC))
            rows = save_snapshot(store, after)
            county = min(s.county for s in inv.schools.values())
            html = render(after.for_county(inv, county), inv, targets, out / "reports",
                          ReportFormat.html, out / f"report-{county}.html",
                          trend=history(store, "county", county))
        dashboards = _dashboards(out, inv, influx_url, lang)
        lap("KPIs after + report + dashboards")
        result = DemoResult(
            out, inv, stats, after, before, settings.state_url, rows, html,
            time.perf_counter() - start, allocated, zones, tuple(pushed), (first, second),
            tuple(_moved(before, after, pushed, net.faults)), tuple(net.faults.rows()),
            web.dns_kind, dashboards, snmp_targets, ssh_targets, web.probe_command(str(out)),
            timings)
        if keep_running and callable(on_ready):
            on_ready(result)
    return result


def _addresses(inv_dir: Path, out: Path, now: datetime) -> tuple[int, int]:
    """Allocate with the repository's address plan and write the zones; (records, zones)."""
    from shutil import copyfile

    from netctl.dns.zone import write_zones
    from netctl.ipam.store import run_allocate

    plan = REPO / "inventory" / "address-plan.yaml"
    if not plan.is_file():
        return 0, 0
    copyfile(plan, inv_dir / "address-plan.yaml")
    result = run_allocate(inv_dir, today=now.date())
    zones = write_zones(load_inventory(inv_dir), out / "dns", today=now.date())
    return len(result.changed) + result.unchanged, len(zones)


def _push(inv: Inventory, net: DemoNetwork, feature: str, hosts: list[str], backups: Path,
          store: StateStore, out: Path) -> list[tuple[str, str, str, str]]:
    """``netctl config push --feature F --commit`` to ``hosts`` over SSH."""
    from netctl.config.connect import Target
    from netctl.config.guard import Guard
    from netctl.config.push import PushOptions, push
    from netctl.secrets import Secrets

    if not hosts:
        return []
    ports = net.ssh_targets()
    options = PushOptions(
        feature=feature, templates_dir=out / "templates", backups_dir=backups, commit=True,
        targets={h: Target("127.0.0.1", ports[h], "admin", "admin") for h in hosts},
        user="netctl-demo", workers=16,
        # the baseline changes management access by design: the engineer's override
        guard=Guard(allow_protected=feature == "baseline"))
    result = push(inv, hosts, options, Secrets(None, env=DEMO_SECRETS), store=store)
    return [(feature, o.hostname, o.platform.value, o.status) for o in result.outcomes]


def _needing(inv: Inventory, before: KpiReport, net: DemoNetwork) -> tuple[list[str], list[str]]:
    """Gateways of the schools failing ``ipv6_campus``; controllers of the APs of the schools
    failing ``wireless_coverage`` (what an engineer reads off the "before" report)."""
    ssh = net.ssh_targets()
    v6: set[str] = set()
    wlan: set[str] = set()
    for r in before.schools:
        if r.met:
            continue
        devices = inv.devices_at(r.school_code)
        if r.kpi == "ipv6_campus":
            v6 |= {d.hostname for d in devices if d.role is Role.GATEWAY and d.hostname in ssh}
        elif r.kpi == "wireless_coverage":
            wlan |= {d.device.controller for d in devices if d.role is Role.AP
                     and d.device.controller and d.device.controller in ssh}
    return sorted(v6), sorted(wlan)


def _poll_and_probe(settings: Settings, snmp_targets: Path, net: DemoNetwork, web: SchoolWeb,
                    inv: Inventory) -> Round:
    """One round: ``collect snmp --once``, ``probe web --once``, ``probe reach --once``."""
    from netctl.collectors.daemon import make_sinks, plan, run_once
    from netctl.collectors.points import Point, lines
    from netctl.collectors.sinks.influx import InfluxSink
    from netctl.probes.reach import ReachConfig, ReachTarget
    from netctl.probes.run import gateway_targets, run_reach_probe, run_web_probe, website_sites

    t0 = time.perf_counter()
    summary = asyncio.run(run_once(settings, targets_file=snmp_targets))
    sites = website_sites(inv)
    reach, _missing = gateway_targets(inv)
    # In the lab a device's management addresses are loopback ones: its own 127.64.x.y, and
    # ::1 (the only IPv6 loopback address) for every device.
    lab = [ReachTarget(t.name, "::1" if ":" in t.address else net.lab_address(t.name), t.tags)
           for t in reach if t.name in net.ssh_targets()]

    class _Lines:
        """The probes hand points to ``write``; the InfluxDB sink queues lines."""

        def __init__(self, sink: InfluxSink) -> None:
            self.sink = sink

        def write(self, points: Sequence[Point]) -> None:
            self.sink.add(lines(points))

    async def probes() -> tuple[int, int]:
        p = plan(settings, targets_file=snmp_targets)
        influx, _state = make_sinks(settings, p.config, state=False)
        sink = _Lines(influx) if influx is not None else None
        try:
            with StateStore(settings.state_url) as store:
                w = await run_web_probe(sites, web.probe_config(), store=store, sink=sink)
                await run_reach_probe(lab, ReachConfig(count=1, timeout=0.5,
                                                       allowed_networks=("127.0.0.0/8",
                                                                         "::1/128")),
                                      store=store, sink=sink)
        finally:
            if influx is not None:
                await influx.close()
        return len(w.results), w.supported

    n_sites, n_v6 = asyncio.run(probes())
    return Round(len(summary.outcomes), tuple(summary.failed_hosts), summary.observations,
                 n_sites, n_v6, len(lab), round(time.perf_counter() - t0, 2))


def _region(report: KpiReport) -> dict[str, float | None]:
    return {k.kpi: k.value for k in report.kpis if k.scope_level == "region"}


def _push_summary(pushed: list[tuple[str, str, str, str]], feature: str) -> str:
    """``26 changed, 9 refused by the templates, 1 rolled back``."""
    from collections import Counter

    c = Counter(s for f, _h, _p, s in pushed if f == feature)
    words = {"changed": "changed", "unchanged": "already configured",
             "failed": "refused or failed (docs/templates.md: unconfirmed syntax)",
             "rolled_back": "rolled back"}
    return ", ".join(f"{n} {words.get(s, s)}" for s, n in sorted(c.items())) or "none"


def _moved(before: KpiReport, after: KpiReport, pushed: list[tuple[str, str, str, str]],
           faults: FaultPlan) -> list[Moved]:
    b, a = _region(before), _region(after)
    why = {
        "ipv6_campus": "ipv6 pushed to the gateways of the schools that failed it ("
                       + _push_summary(pushed, "ipv6") + "): their addresses and RAs are in "
                       "the next IP-MIB poll",
        "wireless_coverage": "wlan pushed to the controllers of the schools that failed it ("
                             + _push_summary(pushed, "wlan") + "): their APs joined",
        "wifi6_urban": "the Wi-Fi 6 APs of the newly configured AP groups are online",
        "website_ipv6": "a push does not change a website (IPv4-only sites stay so)",
        "edu_net_access": "the seeded uplink fault "
                          f"({faults.uplink_down[0] if faults.uplink_down else '-'}) is not "
                          "fixed by a push",
    }
    return [Moved(kpi, b.get(kpi), a.get(kpi), why.get(kpi, "")) for kpi in MOVING
            if kpi in b or kpi in a]


def _dashboards(out: Path, inv: Inventory, influx_url: str | None, lang: str) -> Path | None:
    from netctl.dashboards.build import build

    folder = out / "dashboards"
    try:
        build(folder, "en" if lang == "en" else "zh", inventory=inv)
    except NetctlError:
        return None
    del influx_url
    return folder
