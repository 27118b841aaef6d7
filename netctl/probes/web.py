"""The website probe: is a school's website reachable over IPv6, by the national monitoring method?

China's national IPv6 development monitoring platform judges a website by: its domain resolves to
an IPv6 address (AAAA); the domain's authoritative name servers answer over IPv6; the homepage
answers over IPv6 (2xx after following redirects, over HTTP and HTTPS); the content over IPv6 is
the same as over IPv4; and most of the second-level links of the homepage (and optionally
third-level ones) answer over IPv6. :func:`probe_websites` applies those checks in that order and
returns one :class:`SiteResult` per website: a verdict, the first failing :class:`Reason` (and all
of them) and every measurement, including DNS, connect and first-byte times over IPv6 and IPv4.

It is polite: bounded concurrency per host, timeouts everywhere, a request budget and a time
budget per site, a User-Agent naming netctl, robots.txt (and its Crawl-delay) respected for the
link crawl. Everything that decides where packets go is configurable (resolvers, the authoritative
port, a port map, an address allow-list): tests run it against servers on loopback only.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

import dns.asyncresolver

from netctl.compliance.targets import WEBSITE_LINKS_V6_SHARE
from netctl.probes.content import (
    ContentComparison,
    Page,
    Robots,
    canonical_url,
    compare_parsed,
    decode_body,
    links_of,
    parse_page,
)
from netctl.probes.fetch import CONNECT_FAILURES, Fetch, Fetcher, NoAddressError
from netctl.probes.guard import AddressGuard
from netctl.probes.reasons import Reason
from netctl.probes.resolve import Lookup, NsCheck, NsChecker, lookup, make_resolver


def _version() -> str:
    try:
        return metadata.version("netctl")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


DEFAULT_USER_AGENT = (
    f"netctl-probe/{_version()} (IPv6 website monitor of the Ningxia education network; "
    "robots token: netctl)"
)
SCHEMES = ("https", "http")


@dataclass(frozen=True, slots=True)
class WebProbeConfig:
    """Every knob of the website probe; the defaults are the production values."""

    resolvers: tuple[str, ...] = ()
    """``address[:port]`` of recursive resolvers; empty: the system's (/etc/resolv.conf)."""
    ns_port: int = 53
    """Port the authoritative servers are asked on (tests: the local name server's port)."""
    port_map: Mapping[int, int] = field(default_factory=dict)
    """Connect to ``port_map[p]`` where a URL says port ``p`` (tests: {80: 18080, 443: 18443})."""
    allowed_networks: tuple[str, ...] | None = None
    """Only these networks are ever contacted (tests: loopback); None: any unicast address."""
    ca_file: str | None = None
    verify_tls: bool = True
    user_agent: str = DEFAULT_USER_AGENT
    robots_agent: str = "netctl"
    require_ns_v6: bool = True
    links_threshold: float = WEBSITE_LINKS_V6_SHARE
    max_links: int = 30
    third_level: bool = False
    links3_threshold: float = WEBSITE_LINKS_V6_SHARE
    max_links3: int = 30
    content_min_similarity: float = 0.8
    content_min_size_ratio: float = 0.5
    site_concurrency: int = 20
    per_host_concurrency: int = 2
    max_requests_per_site: int = 200
    site_timeout: float = 120.0
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    request_timeout: float = 20.0
    retries: int = 1
    """Transient failures (timeouts, resets, 502/503/504) are tried again this many times."""
    retry_delay: float = 1.0
    dns_timeout: float = 2.0
    dns_lifetime: float = 5.0
    max_body: int = 2 * 1024 * 1024
    link_body: int = 64 * 1024
    max_crawl_delay: float = 2.0
    meta_refresh_hops: int = 2


@dataclass(frozen=True, slots=True)
class Site:
    """A website to probe: its domain and the tags its results carry (city, county, school…)."""

    domain: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageFetch:
    """A homepage fetch over one family and scheme, without its body."""

    family: int
    scheme: str
    url: str
    ok: bool
    status: int | None
    final_url: str | None
    redirects: int
    error: str | None
    detail: str
    connect_ms: float | None
    ttfb_ms: float | None
    peer: str | None
    size: int

    @classmethod
    def of(cls, f: Fetch, scheme: str, redirects: int | None = None) -> PageFetch:
        """Summarise a :class:`Fetch`."""
        return cls(f.family, scheme, f.url, f.ok, f.status, f.final_url,
                   f.redirects if redirects is None else redirects, f.error, f.detail,
                   f.connect_ms, f.ttfb_ms, f.peer, len(f.body))


@dataclass(frozen=True, slots=True)
class LinkCheck:
    """Links of one level checked over both families."""

    found: int = 0
    robots_disallowed: int = 0
    checked: int = 0
    ok_v4: int = 0
    ok_v6: int = 0
    dead: int = 0
    share: float | None = None
    failed_v6: tuple[str, ...] = ()  # "url: error", a sample

    @property
    def measured(self) -> bool:
        """True when a share could be computed."""
        return self.share is not None


@dataclass(frozen=True, slots=True)
class Timings:
    """DNS, TCP connect and first-byte times (ms) over IPv6 and IPv4 for one scheme."""

    scheme: str | None = None
    dns_ms_v6: float | None = None
    dns_ms_v4: float | None = None
    connect_ms_v6: float | None = None
    connect_ms_v4: float | None = None
    ttfb_ms_v6: float | None = None
    ttfb_ms_v4: float | None = None


@dataclass(frozen=True, slots=True)
class SiteResult:
    """The verdict on one website and everything measured to reach it."""

    domain: str
    tags: Mapping[str, str]
    supported: bool
    reason: Reason
    reasons: tuple[Reason, ...]
    detail: str
    observed_at: datetime
    duration_s: float
    aaaa: Lookup
    a: Lookup
    ns: NsCheck | None = None
    homepage: tuple[PageFetch, ...] = ()
    content: ContentComparison | None = None
    links: LinkCheck = field(default_factory=LinkCheck)
    links3: LinkCheck | None = None
    timings: Timings = field(default_factory=Timings)
    requests: int = 0
    budget_exhausted: bool = False

    @property
    def reason_zh(self) -> str:
        """The reason in Chinese."""
        return self.reason.zh

    @property
    def reason_en(self) -> str:
        """The reason in English."""
        return self.reason.en


class _Run:
    """Resources shared by the sites of one run: resolvers, zone checks, TLS context, guard."""

    def __init__(self, cfg: WebProbeConfig) -> None:
        self.cfg = cfg
        self.guard = AddressGuard.parse(cfg.allowed_networks)
        # Timed lookups of each site's own name bypass any cache; the rest is cached.
        self.timed = make_resolver(cfg.resolvers, timeout=cfg.dns_timeout,
                                   lifetime=cfg.dns_lifetime)
        self.cached = make_resolver(cfg.resolvers, timeout=cfg.dns_timeout,
                                    lifetime=cfg.dns_lifetime, cache=True)
        self.ns = NsChecker(self.cached, self.guard, cfg.ns_port, cfg.dns_timeout)
        self.ssl = make_ssl_context(cfg.ca_file, verify=cfg.verify_tls)


def make_ssl_context(ca_file: str | None, *, verify: bool = True) -> ssl.SSLContext:
    """A client TLS context: system CAs (or ``ca_file``), hostname checks unless ``verify`` is
    off. One context serves a whole run (loading CAs is the expensive part)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def probe_websites(
    sites: Iterable[Site], cfg: WebProbeConfig | None = None,
    on_result: Callable[[SiteResult], None] | None = None,
) -> list[SiteResult]:
    """Probe every site (at most ``cfg.site_concurrency`` at once); results in input order."""
    cfg = cfg or WebProbeConfig()
    run = _Run(cfg)
    unique = list({s.domain.lower().rstrip("."): s for s in sites}.values())
    sem = asyncio.Semaphore(max(1, cfg.site_concurrency))

    async def one(site: Site) -> SiteResult:
        async with sem:
            result = await _probe_guarded(run, site)
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(s) for s in unique)))


async def probe_website(site: Site | str, cfg: WebProbeConfig | None = None) -> SiteResult:
    """Probe one website."""
    site = Site(site) if isinstance(site, str) else site
    return (await probe_websites([site], cfg))[0]


async def _probe_guarded(run: _Run, site: Site) -> SiteResult:
    start = time.perf_counter()
    at = datetime.now(UTC)
    hard_limit = run.cfg.site_timeout + run.cfg.request_timeout * (2 + run.cfg.meta_refresh_hops)
    try:
        async with asyncio.timeout(hard_limit):
            return await _SiteProbe(run, site, at, start).run()
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"[:300]
        if isinstance(exc, TimeoutError):
            detail = f"the site probe ran over its hard limit of {hard_limit:.0f} s"
        return SiteResult(
            domain=site.domain, tags=dict(site.tags), supported=False, reason=Reason.PROBE_ERROR,
            reasons=(Reason.PROBE_ERROR,), detail=detail, observed_at=at,
            duration_s=round(time.perf_counter() - start, 3),
            aaaa=Lookup("AAAA", error="not measured"), a=Lookup("A", error="not measured"),
        )


class _SiteProbe:
    def __init__(self, run: _Run, site: Site, at: datetime, start: float) -> None:
        self.run_ = run
        self.cfg = run.cfg
        self.site = site
        self.domain = site.domain.lower().rstrip(".")
        self.at = at
        self.start = start
        self.deadline = time.monotonic() + self.cfg.site_timeout
        self.addr_cache: dict[tuple[str, int], tuple[str, ...]] = {}
        self.lookup_errors: dict[tuple[str, int], str] = {}
        self.robots: dict[tuple[str, str], Robots] = {}
        self.budget_exhausted = False
        self._parsed: dict[int, tuple[Fetch, Page]] = {}
        self.fetcher = Fetcher(
            resolve=self.resolve, guard=run.guard, ssl_context=run.ssl,
            user_agent=self.cfg.user_agent, port_map=self.cfg.port_map,
            per_host=self.cfg.per_host_concurrency, max_requests=self.cfg.max_requests_per_site,
            connect_timeout=self.cfg.connect_timeout, read_timeout=self.cfg.read_timeout,
            request_timeout=self.cfg.request_timeout, retries=self.cfg.retries,
            retry_delay=self.cfg.retry_delay,
        )

    async def resolve(self, host: str, family: int) -> tuple[str, ...]:
        host = host.lower().rstrip(".").strip("[]")
        try:
            literal = ip_address(host)
        except ValueError:
            pass
        else:
            return (str(literal),) if literal.version == family else ()
        key = (host, family)
        if key not in self.addr_cache:
            rr = "AAAA" if family == 6 else "A"
            found = await lookup(self.run_.cached, host, rr)
            self.addr_cache[key] = found.addresses
            if found.error not in (None, "nodata", "nxdomain"):
                self.lookup_errors[key] = f"{host}: {rr} lookup failed ({found.error})"
        if not self.addr_cache[key] and key in self.lookup_errors:
            raise NoAddressError(self.lookup_errors[key])
        return self.addr_cache[key]

    def parsed(self, fetch: Fetch) -> Page:
        """The page of a fetch, parsed once (several checks read the same homepage)."""
        page = self._parsed.get(id(fetch))
        if page is None or page[0] is not fetch:
            page = (fetch, parse_page(decode_body(fetch.body, fetch.content_type)))
            self._parsed[id(fetch)] = page
        return page[1]

    async def run(self) -> SiteResult:
        try:
            return await self._run()
        finally:
            await self.fetcher.aclose()

    async def _run(self) -> SiteResult:
        cfg = self.cfg
        aaaa, a = await asyncio.gather(lookup(self.run_.timed, self.domain, "AAAA"),
                                       lookup(self.run_.timed, self.domain, "A"))
        self.addr_cache[(self.domain, 6)] = aaaa.addresses
        self.addr_cache[(self.domain, 4)] = a.addresses
        ns_task = asyncio.ensure_future(self.run_.ns.check(self.domain)) \
            if cfg.require_ns_v6 and aaaa.ok else None
        usable_v6 = [x for x in aaaa.addresses if self.run_.guard.invalid(x) is None]
        families = ([6] if usable_v6 else []) + ([4] if a.ok else [])
        pages = await self._homepages(families)
        ns = await ns_task if ns_task is not None else None

        reasons: list[Reason] = []
        details: list[str] = []
        if aaaa.error == "nxdomain" and a.error == "nxdomain":
            reasons.append(Reason.NXDOMAIN)
            details.append(f"{self.domain} does not exist")
        elif not aaaa.ok and aaaa.error not in ("nodata", "nxdomain"):
            reasons.append(Reason.DNS_ERROR)
            details.append(f"AAAA lookup: {aaaa.error}")
        elif not aaaa.ok:
            reasons.append(Reason.NO_AAAA)
            details.append(f"{self.domain} has no AAAA record"
                           + (f" (A: {', '.join(a.addresses)})" if a.ok else ""))
        elif not usable_v6:
            reasons.append(Reason.AAAA_INVALID)
            details.append("; ".join(f"{x}: {self.run_.guard.invalid(x)}" for x in aaaa.addresses))
        if ns is not None and ns.answering_v6 == 0:
            if ns.servers:
                reasons.append(Reason.NS_NO_IPV6)
                names = ", ".join(f"{s.name} ({s.error})" for s in ns.servers)
                details.append(f"zone {ns.zone}: no server answers over IPv6: {names}")
            else:  # the zone or its NS records could not be looked up: not judged
                reasons.append(Reason.DNS_ERROR)
                details.append(f"name servers not checked: {ns.error}")

        ok = {fam: {p.scheme for p in pages if p.fetch.family == fam and p.fetch.ok}
              for fam in (6, 4)}
        v6_pages = [p for p in pages if p.fetch.family == 6]
        if usable_v6:
            if not ok[6] and not ok[4]:
                reasons.append(Reason.SITE_UNREACHABLE)
                details.append("homepage: " + _describe(pages))
            elif not ok[6]:
                connect_failed = all(p.fetch.error in CONNECT_FAILURES for p in v6_pages)
                reasons.append(Reason.V6_UNREACHABLE if connect_failed else Reason.V6_HTTP_ERROR)
                details.append("homepage over IPv6: " + _describe(v6_pages))
            elif ok[4] - ok[6]:
                reasons.append(Reason.V6_SCHEME_MISSING)
                missing = sorted(ok[4] - ok[6])
                details.append(f"{'/'.join(missing).upper()} answers over IPv4 only: "
                               + _describe([p for p in v6_pages if p.scheme in missing]))

        content = None
        both = [s for s in SCHEMES if s in ok[6] and s in ok[4]]
        if both:
            p6, p4 = (_page(pages, fam, both[0]) for fam in (6, 4))
            ref = self.parsed(p4)
            # Byte-identical pages (the usual case) need no second parse.
            content = compare_parsed(ref if p6.body == p4.body else self.parsed(p6),
                                     len(p6.body), ref, len(p4.body),
                                     min_similarity=cfg.content_min_similarity,
                                     min_size_ratio=cfg.content_min_size_ratio)
            if not content.match:
                reasons.append(Reason.CONTENT_MISMATCH)
                details.append(f"{both[0]}: {content.detail}")

        links, links3 = LinkCheck(), None
        if ok[6]:
            links, links3 = await self._crawl(pages, ok)
            if links.share is not None and links.share < cfg.links_threshold:
                reasons.append(Reason.LINKS_V6_BELOW_THRESHOLD)
                details.append(f"{links.ok_v6}/{links.checked - links.dead} second-level links "
                               f"answer over IPv6 ({links.share:.0%} < {cfg.links_threshold:.0%})")
            if links3 is not None and links3.share is not None \
                    and links3.share < cfg.links3_threshold:
                reasons.append(Reason.LINKS3_V6_BELOW_THRESHOLD)
                details.append(f"third-level links over IPv6: {links3.share:.0%} < "
                               f"{cfg.links3_threshold:.0%}")

        if ok[6] and links.share is None:  # not a failure: nothing to measure (see docs)
            details.append(f"no second-level link checked ({links.found} found, "
                           f"{links.robots_disallowed} disallowed by robots.txt, "
                           f"{links.dead} dead over IPv4)")
        reason = reasons[0] if reasons else Reason.OK
        return SiteResult(
            domain=self.domain, tags=dict(self.site.tags), supported=not reasons, reason=reason,
            reasons=tuple(reasons) or (Reason.OK,),
            detail="; ".join(details) or "AAAA, name servers, homepage, content and links "
                                         "all pass over IPv6",
            observed_at=self.at, duration_s=round(time.perf_counter() - self.start, 3),
            aaaa=aaaa, a=a, ns=ns,
            homepage=tuple(p.summary for p in pages),
            content=content, links=links, links3=links3,
            timings=_timings(pages, aaaa, a), requests=self.fetcher.requests,
            budget_exhausted=self.budget_exhausted or self.fetcher.budget_left <= 0,
        )

    # -- homepage -------------------------------------------------------------------------------
    async def _homepages(self, families: Sequence[int]) -> list[_Home]:
        jobs = [(fam, scheme) for fam in families for scheme in SCHEMES]
        got = await asyncio.gather(*(self._homepage(fam, s) for fam, s in jobs))
        return list(got)

    async def _homepage(self, family: int, scheme: str) -> _Home:
        url = f"{scheme}://{self.domain}/"
        first = await self.fetcher.get(url, family, max_body=self.cfg.max_body)
        last, hops = first, first.redirects
        for _ in range(self.cfg.meta_refresh_hops):
            if not last.ok or not last.final_url:
                break
            refresh = self.parsed(last).refresh
            target = canonical_url(urljoin(last.final_url, refresh)) if refresh else None
            if target is None or target == canonical_url(last.final_url):
                break
            last = await self.fetcher.get(target, family, max_body=self.cfg.max_body)
            hops += 1 + last.redirects
        # Timings are those of the first request: the homepage's own connection.
        merged = replace(last, url=url, connect_ms=first.connect_ms, ttfb_ms=first.ttfb_ms,
                         peer=first.peer or last.peer)
        return _Home(merged, scheme, PageFetch.of(merged, scheme, hops))

    # -- links ----------------------------------------------------------------------------------
    async def _crawl(self, pages: Sequence[_Home],
                     ok: Mapping[int, set[str]]) -> tuple[LinkCheck, LinkCheck | None]:
        has_v4 = bool(ok[4])
        ref_fam = 4 if has_v4 else 6
        scheme = next(s for s in SCHEMES if s in ok[ref_fam])
        home = _page(pages, ref_fam, scheme)
        base = home.final_url or home.url
        page = self.parsed(home)
        known = {canonical_url(p.fetch.final_url or p.fetch.url) or "" for p in pages} | {
            f"{s}://{self.domain}/" for s in SCHEMES}
        candidates = links_of(page, base, self.domain, exclude=known)
        level2, fetched = await self._check_links(candidates, self.cfg.max_links, has_v4,
                                                  keep_pages=self.cfg.third_level)
        if not self.cfg.third_level:
            return level2, None
        known |= set(candidates)
        more: list[str] = []
        for f in fetched:
            if not f.ok or not f.final_url or "html" not in (f.content_type or "html"):
                continue
            sub = self.parsed(f)
            for url in links_of(sub, f.final_url, self.domain, exclude=known):
                known.add(url)
                more.append(url)
        level3, _ = await self._check_links(more, self.cfg.max_links3, has_v4,
                                            keep_pages=False)
        return level2, level3

    async def _check_links(self, candidates: Sequence[str], limit: int, has_v4: bool, *,
                           keep_pages: bool) -> tuple[LinkCheck, list[Fetch]]:
        """Fetch each allowed link over both families; the reference family's pages are read
        whole when ``keep_pages`` (their links are the next level), else only a little (enough
        to keep the connection reusable)."""
        allowed: list[str] = []
        disallowed = 0
        for url in candidates:
            if len(allowed) >= limit:
                break
            robots = await self._robots(url)
            if robots.allowed(self.cfg.robots_agent, url):
                allowed.append(url)
            else:
                disallowed += 1
        fams = (6, 4) if has_v4 else (6,)
        ref_fam = fams[-1]
        big = self.cfg.max_body if keep_pages else self.cfg.link_body

        def body(fam: int) -> int:
            return big if fam == ref_fam else self.cfg.link_body

        tasks = {(url, fam): asyncio.ensure_future(self.fetcher.get(url, fam, max_body=body(fam)))
                 for url in allowed for fam in fams}
        if not tasks:
            return LinkCheck(found=len(candidates), robots_disallowed=disallowed), []
        remaining = max(0.1, self.deadline - time.monotonic())
        done, pending = await asyncio.wait(tasks.values(), timeout=remaining)
        for t in pending:
            t.cancel()
        if pending:
            self.budget_exhausted = True
            await asyncio.gather(*pending, return_exceptions=True)
        results = {k: t.result() for k, t in tasks.items() if t in done}
        checked = ok4 = ok6 = dead = 0
        failed: list[str] = []
        for url in allowed:
            r6, r4 = results.get((url, 6)), results.get((url, 4)) if has_v4 else None
            if r6 is None or r6.error == "budget" or (has_v4 and (
                    r4 is None or r4.error == "budget")):
                self.budget_exhausted = True
                continue
            checked += 1
            if has_v4 and r4 is not None and not r4.ok:
                dead += 1  # broken over IPv4 too: a dead link, not an IPv6 failure
                continue
            ok4 += 1 if has_v4 else 0
            if r6.ok:
                ok6 += 1
            elif len(failed) < 10:
                failed.append(f"{url}: {r6.error or r6.status}")
        denominator = checked - dead
        share = round(ok6 / denominator, 4) if denominator > 0 else None
        ref = [r for (_, fam), r in results.items() if fam == ref_fam]
        return LinkCheck(found=len(candidates), robots_disallowed=disallowed, checked=checked,
                         ok_v4=ok4, ok_v6=ok6, dead=dead, share=share,
                         failed_v6=tuple(failed)), ref

    async def _robots(self, url: str) -> Robots:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        robots = self.robots.get(key)
        if robots is None:
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            robots = Robots.from_response(None, "")
            for fam in (4, 6):
                f = await self.fetcher.get(robots_url, fam, max_body=512 * 1024)
                if f.status is not None:
                    robots = Robots.from_response(
                        f.status, decode_body(f.body, f.content_type) if f.ok else "")
                    break
            delay = min(robots.crawl_delay(self.cfg.robots_agent), self.cfg.max_crawl_delay)
            if delay > 0 and parts.hostname:
                self.fetcher.limiter.delays[parts.hostname] = delay
            self.robots[key] = robots
        return robots


@dataclass(frozen=True, slots=True)
class _Home:
    fetch: Fetch
    scheme: str
    summary: PageFetch


def _page(pages: Sequence[_Home], family: int, scheme: str) -> Fetch:
    return next(p.fetch for p in pages if p.fetch.family == family and p.scheme == scheme)


def _describe(pages: Sequence[_Home]) -> str:
    parts = []
    for p in pages:
        f = p.fetch
        what = f"{f.status}" if f.status is not None else f"{f.error} ({f.detail})"
        parts.append(f"{p.scheme} {what}")
    return ", ".join(parts) or "not fetched"


def _timings(pages: Sequence[_Home], aaaa: Lookup, a: Lookup) -> Timings:
    by = {(p.fetch.family, p.scheme): p.fetch for p in pages}
    scheme = next((s for s in SCHEMES if all(
        (f := by.get((fam, s))) is not None and f.connect_ms is not None for fam in (6, 4))),
        None)
    if scheme is None:
        scheme = next((s for s in SCHEMES if any(
            (f := by.get((fam, s))) is not None and f.connect_ms is not None for fam in (6, 4))),
            None)

    def get(fam: int, attr: str) -> float | None:
        f = by.get((fam, scheme)) if scheme else None
        value = getattr(f, attr) if f is not None else None
        return value if isinstance(value, float) else None

    return Timings(scheme, aaaa.ms if aaaa.ok else None, a.ms if a.ok else None,
                   get(6, "connect_ms"), get(4, "connect_ms"), get(6, "ttfb_ms"),
                   get(4, "ttfb_ms"))


def resolver_for(cfg: WebProbeConfig) -> dns.asyncresolver.Resolver:
    """The (uncached) resolver a configuration uses: for callers that need one lookup."""
    return make_resolver(cfg.resolvers, timeout=cfg.dns_timeout, lifetime=cfg.dns_lifetime)
