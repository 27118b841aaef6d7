"""One round of a probe over the inventory: targets in, observations and points out.

This is the integration point for the CLI (``netctl probe web|reach --once``) and the collector
daemon (one schedule per probe): :func:`run_web_probe` and :func:`run_reach_probe` pick their
targets from the inventory with the usual filters, probe them, write the latest values to the
state store (metric names of ``docs/observations.md``) and hand InfluxDB points (measurements
``probe_web``, ``probe_reach`` and ``netctl_collector``) to a sink when one is given.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from netctl.collectors.points import FieldValue, Point
from netctl.inventory.filters import DeviceFilter
from netctl.inventory.index import Inventory
from netctl.models.inventory import Role
from netctl.probes.reach import ReachConfig, ReachResult, ReachTarget, probe_reachability
from netctl.probes.web import Site as WebSite
from netctl.probes.web import SiteResult, WebProbeConfig, probe_websites
from netctl.state.store import Observation, StateStore

WEB_SOURCE = "probe-web"
REACH_SOURCE = "probe-reach"


class PointSink(Protocol):
    """Where points go (the collector's InfluxDB sink, with its spool)."""

    def write(self, points: Sequence[Point]) -> object:
        """Accept a batch of points."""
        ...


# -- targets --------------------------------------------------------------------------------------
def website_sites(inv: Inventory, flt: DeviceFilter | None = None) -> list[WebSite]:
    """The websites of the schools selected by ``flt`` (county, city, school criteria).

    A school's website is ``School.website`` plus its domains of kind ``website``; each is probed
    once even when several schools name it.
    """
    flt = flt or DeviceFilter()
    out: dict[str, WebSite] = {}
    for entry in inv.schools.values():
        if flt.counties and entry.county not in flt.counties:
            continue
        if flt.cities and entry.city not in flt.cities:
            continue
        if flt.schools and entry.code not in flt.schools:
            continue
        school = entry.school
        names = [school.website] if school.website else []
        names += [d.name for d in school.domains if d.kind == "website"]
        for name in names:
            domain = name.lower().rstrip(".")
            out.setdefault(domain, WebSite(domain, {
                "city": entry.city, "county": entry.county, "school": entry.code,
                "device": f"web:{domain}", "role": "website",
            }))
    return list(out.values())


def gateway_targets(inv: Inventory, flt: DeviceFilter | None = None
                    ) -> tuple[list[ReachTarget], list[str]]:
    """Management addresses (IPv6 and IPv4) of the devices selected by ``flt``; gateways unless
    the filter names roles. Also returns the hostnames that have no management address."""
    flt = flt or DeviceFilter()
    roles = flt.roles or (Role.GATEWAY,)
    targets: list[ReachTarget] = []
    missing: list[str] = []
    for d in inv.devices.values():
        if d.role not in roles or not flt.matches(d):
            continue
        tags = {"city": d.city or "", "county": d.county or "", "school": d.site,
                "device": d.hostname, "role": d.role.value}
        addrs = [a for a in (d.device.mgmt_ipv6, d.device.mgmt_ipv4) if a is not None]
        if not addrs:
            missing.append(d.hostname)
        targets += [ReachTarget(d.hostname, str(a), tags) for a in addrs]
    return targets, missing


# -- observations (state store) -------------------------------------------------------------------
def web_observations(results: Iterable[SiteResult]) -> list[Observation]:
    """``web_ipv6_supported``, ``web_reason``, ``web_links_v6_share`` per website."""
    out: list[Observation] = []
    for r in results:
        device = f"web:{r.domain}"
        out += [
            Observation(device, "web_ipv6_supported", 1 if r.supported else 0, r.observed_at,
                        WEB_SOURCE),
            Observation(device, "web_reason", r.reason.value, r.observed_at, WEB_SOURCE),
            Observation(device, "web_links_v6_share", r.links.share, r.observed_at, WEB_SOURCE),
        ]
    return out


def reach_observations(results: Iterable[ReachResult]) -> list[Observation]:
    """``reach_v6_loss``/``reach_v4_loss`` and ``reach_v6_rtt_ms``/``reach_v4_rtt_ms`` per device.

    Targets the guard refused (nothing measured) write nothing; a target with no reply writes
    loss 1 and an empty RTT, so an old RTT does not linger as the latest value.
    """
    out: list[Observation] = []
    for r in results:
        if r.loss is None:
            continue
        fam = f"v{r.family}"
        out += [
            Observation(r.target.name, f"reach_{fam}_loss", r.loss, r.observed_at, REACH_SOURCE),
            Observation(r.target.name, f"reach_{fam}_rtt_ms", r.rtt_ms, r.observed_at,
                        REACH_SOURCE),
        ]
    return out


# -- points (InfluxDB) ----------------------------------------------------------------------------
_TAGS = ("city", "county", "school", "device", "role")


def _tags(tags: Mapping[str, str], **extra: str) -> tuple[tuple[str, str], ...]:
    return (*((k, str(tags.get(k, ""))) for k in _TAGS), *extra.items())


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def web_points(results: Iterable[SiteResult]) -> list[Point]:
    """One ``probe_web`` point per website."""
    out: list[Point] = []
    for r in results:
        t = r.timings
        fields: dict[str, FieldValue] = {"supported": int(r.supported), "reason": r.reason.value}
        optional: dict[str, float | None] = {
            "links_v6_share": r.links.share, "dns_ms_v6": t.dns_ms_v6,
            "connect_ms_v6": t.connect_ms_v6, "ttfb_ms_v6": t.ttfb_ms_v6,
            "dns_ms_v4": t.dns_ms_v4, "connect_ms_v4": t.connect_ms_v4, "ttfb_ms_v4": t.ttfb_ms_v4,
            "content_similarity": r.content.similarity if r.content else None,
            "links3_v6_share": r.links3.share if r.links3 else None,
        }
        fields.update({k: float(v) for k, v in optional.items() if v is not None})
        fields["links_checked"] = r.links.checked
        fields["duration_s"] = float(r.duration_s)
        tags = {**r.tags, "device": r.tags.get("device", f"web:{r.domain}")}
        out.append(Point("probe_web", _tags(tags, domain=r.domain), fields,
                         _ms(r.observed_at)))
    return out


def reach_points(results: Iterable[ReachResult]) -> list[Point]:
    """One ``probe_reach`` point per target (tag ``family``: ``ipv6`` / ``ipv4``)."""
    out: list[Point] = []
    for r in results:
        if r.loss is None:
            continue
        fields: dict[str, FieldValue] = {"loss": float(r.loss), "ok": int(r.ok),
                                         "sent": r.sent, "received": r.received}
        for key, value in (("rtt_ms", r.rtt_ms), ("rtt_min_ms", r.rtt_min_ms),
                           ("rtt_max_ms", r.rtt_max_ms)):
            if value is not None:
                fields[key] = float(value)
        tags = {**r.target.tags, "device": r.target.tags.get("device", r.target.name)}
        out.append(Point("probe_reach", _tags(tags, family=f"ipv{r.family}"), fields,
                         _ms(r.observed_at)))
    return out


def collector_point(collector: str, polls_ok: int, polls_failed: int, duration_s: float,
                    at: datetime, shard: str = "") -> Point:
    """The probe's own health as a ``netctl_collector`` point."""
    return Point("netctl_collector", (("collector", collector), ("shard", shard)),
                 {"polls_ok": polls_ok, "polls_failed": polls_failed,
                  "duration_s": round(duration_s, 3)}, _ms(at))


# -- runs -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WebRun:
    """What one round of the website probe did."""

    results: list[SiteResult]
    started_at: datetime
    duration_s: float
    observations: int = 0
    points: list[Point] = field(default_factory=list)

    @property
    def supported(self) -> int:
        """Websites judged IPv6-capable."""
        return sum(1 for r in self.results if r.supported)


@dataclass(frozen=True, slots=True)
class ReachRun:
    """What one round of the reachability probe did."""

    results: list[ReachResult]
    started_at: datetime
    duration_s: float
    missing: list[str] = field(default_factory=list)
    observations: int = 0
    points: list[Point] = field(default_factory=list)


async def run_web_probe(
    sites: Sequence[WebSite], cfg: WebProbeConfig | None = None, *,
    store: StateStore | None = None, sink: PointSink | None = None, shard: str = "",
) -> WebRun:
    """Probe ``sites`` once; record to the store and the sink when given.

    The daemon's ``probe-web`` schedule calls this with :func:`website_sites` of its inventory.
    """
    started, t0 = datetime.now(UTC), time.perf_counter()
    results = await probe_websites(sites, cfg)
    duration = time.perf_counter() - t0
    n_obs = store.record_observations(web_observations(results)) if store is not None else 0
    failed = sum(1 for r in results if r.reason.value == "probe_error")
    points = [*web_points(results),
              collector_point(WEB_SOURCE, len(results) - failed, failed, duration, started, shard)]
    if sink is not None:
        sink.write(points)
    return WebRun(results, started, round(duration, 3), n_obs, points)


async def run_reach_probe(
    targets: Sequence[ReachTarget], cfg: ReachConfig | None = None, *,
    store: StateStore | None = None, sink: PointSink | None = None, shard: str = "",
    missing: Sequence[str] = (),
) -> ReachRun:
    """Test ``targets`` once; record to the store and the sink when given.

    The daemon's ``probe-reach`` schedule calls this with :func:`gateway_targets`.
    """
    started, t0 = datetime.now(UTC), time.perf_counter()
    results = await probe_reachability(targets, cfg)
    duration = time.perf_counter() - t0
    n_obs = store.record_observations(reach_observations(results)) if store is not None else 0
    refused = sum(1 for r in results if r.loss is None)
    points = [*reach_points(results),
              collector_point(REACH_SOURCE, len(results) - refused, refused, duration, started,
                              shard)]
    if sink is not None:
        sink.write(points)
    return ReachRun(results, started, round(duration, 3), list(missing), n_obs, points)
