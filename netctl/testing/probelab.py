"""The probes' test lab: simulated school websites, their DNS zones, and network namespaces.

Used by ``tests/integration/probes`` (and handy to try the probes by hand); the probes never
import it. The servers themselves are in :mod:`netctl.testing.websim`.

Every address used is loopback (127.0.0.0/8, ::1) or lives in a network namespace these helpers
create (and delete): nothing is ever sent off the machine. The website probe runs with an
allow-list (``ALLOWED``) so that even a wrong DNS answer cannot make it connect elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netctl.testing.websim import SimPage, SimSite, Zone

V4 = "127.0.0.1"
V6 = "::1"
NOWHERE_NET = "2001:db8:6e0::/64"  # routed into a namespace the tests create; nobody answers
NOWHERE_ROOT_END = "2001:db8:6e0::1"
NOWHERE_NS_END = "2001:db8:6e0::2"
NOWHERE_AAAA = "2001:db8:6e0::99"
BLOCKED_AAAA = "2001:db8:ffff::1"  # outside the allow-list: the probe must refuse it
ALLOWED = ("127.0.0.0/8", "::1/128", NOWHERE_NET)


def page(title: str, body: str, links: list[str] | tuple[str, ...] = ()) -> SimPage:
    """A school-like homepage: a title, some Chinese text, a list of links."""
    anchors = "".join(f'<li><a href="{u}">链接 {i}</a></li>' for i, u in enumerate(links))
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title><script>var t = {len(body)};</script></head><body>"
        f"<h1>{title}</h1><p>{body}</p><p>访问量 1234 次，更新于 2024-05-01</p>"
        f"<ul>{anchors}</ul></body></html>"
    )
    return SimPage(html)


SCHOOL_TEXT = (
    "银川市第一中学创建于1950年，是宁夏回族自治区首批重点中学。学校坚持立德树人，"
    "推进教育数字化，建设智慧校园，校园网已全面支持IPv6。"
)
DEFAULT_V6_PAGE = SimPage(
    "<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1>"
    "<p>If you see this page, the nginx web server is successfully installed.</p></body></html>"
)


def _ns(v6: bool = True) -> list[str]:
    return ["@ NS ns1", f"ns1 A {V4}", *([f"ns1 AAAA {V6}"] if v6 else [])]


def _dual(name: str = "@") -> list[str]:
    return [f"{name} A {V4}", f"{name} AAAA {V6}"]


def lab_sites() -> list[SimSite]:
    """Every simulated website, by the case it stands for."""
    news = [f"/news/{i}.htm" for i in range(1, 4)]
    return [
        # Dual-stack, redirected to https://www.…, robots.txt hides /private/, a third level.
        SimSite("dual.test", {"/": SimPage(location="https://www.dual.test/")}),
        SimSite("www.dual.test", {
            "/": page("银川一中", SCHOOL_TEXT, [*news, "/private/grades.htm",
                                               "https://www.gov.cn/", "mailto:office@dual.test",
                                               "#top"]),
            **{u: page(f"新闻 {u}", "新闻正文", [f"{u[:-4]}/detail.htm"]) for u in news},
            **{f"{u[:-4]}/detail.htm": page("详情", "详情正文") for u in news},
            "/private/grades.htm": page("成绩", "不公开"),
            "/robots.txt": SimPage("User-agent: *\nDisallow: /private/\n",
                                   content_type="text/plain"),
        }),
        SimSite("v4only.test", {"/": page("只有IPv4的学校", SCHOOL_TEXT)}),
        SimSite("nowhere.test", {"/": page("AAAA指向空地址", SCHOOL_TEXT)}),
        SimSite("blocked.test", {"/": page("AAAA在允许范围外", SCHOOL_TEXT)}),
        SimSite("mapped.test", {"/": page("AAAA为IPv4映射地址", SCHOOL_TEXT)}),
        SimSite("differ.test", {"/": page("内容不同的学校", SCHOOL_TEXT, ["/a.htm"]),
                                "/a.htm": page("a", "a")},
                pages_v6={"/": DEFAULT_V6_PAGE}),
        SimSite("half.test", {
            "/": page("一半链接只有IPv4", SCHOOL_TEXT,
                      [*(f"/a{i}.htm" for i in range(4)),
                       *(f"http://old.half.test/b{i}.htm" for i in range(4)), "/gone.htm"]),
            **{f"/a{i}.htm": page(f"a{i}", "双栈页面") for i in range(4)},
        }),
        SimSite("old.half.test", {f"/b{i}.htm": page(f"b{i}", "旧站页面") for i in range(4)}),
        SimSite("nsv4.test", {"/": page("权威服务器只有IPv4", SCHOOL_TEXT)}),
        SimSite("tlsv4.test", {"/": page("HTTPS只有IPv4", SCHOOL_TEXT)}, tls_v6=False),
        SimSite("err6.test", {"/": page("IPv6返回错误", SCHOOL_TEXT)},
                pages_v6={"/": SimPage("<title>503</title>busy", status=503)}),
        SimSite("meta.test", {
            "/": SimPage('<html><head><meta http-equiv="refresh" content="0; url=/index/main.htm">'
                         "</head><body></body></html>"),
            "/index/main.htm": page("跳转后的首页", SCHOOL_TEXT, ["/index/a.htm"]),
            "/index/a.htm": page("a", "内容"),
        }),
    ]


def lab_zones() -> list[Zone]:
    """The zones named serves: one per site (its own NS records) and the parent ``test``."""
    return [
        Zone("test", [*_ns(), "ns A 127.0.0.1"]),
        Zone("dual.test", [*_ns(), *_dual(), *_dual("www")]),
        Zone("v4only.test", [*_ns(), f"@ A {V4}"]),
        Zone("nowhere.test", [*_ns(), f"@ A {V4}", f"@ AAAA {NOWHERE_AAAA}"]),
        Zone("blocked.test", [*_ns(), f"@ A {V4}", f"@ AAAA {BLOCKED_AAAA}"]),
        Zone("mapped.test", [*_ns(), f"@ A {V4}", "@ AAAA ::ffff:127.0.0.1"]),
        Zone("differ.test", [*_ns(), *_dual()]),
        Zone("half.test", [*_ns(), *_dual(), f"old A {V4}"]),
        Zone("nsv4.test", [*_ns(v6=False), *_dual()]),
        Zone("tlsv4.test", [*_ns(), *_dual()]),
        Zone("err6.test", [*_ns(), *_dual()]),
        Zone("meta.test", [*_ns(), *_dual()]),
    ]


def tls_names() -> list[str]:
    """Names the test certificate covers."""
    return sorted({s.host for s in lab_sites()})


# -- network namespaces ---------------------------------------------------------------------------
def netns_unavailable() -> str | None:
    """Why network namespaces cannot be used here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 ('ip') is not installed"
    probe = f"nxp{os.getpid()}chk"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def ip(*args: str) -> None:
    """Run ``ip ARGS`` and fail loudly."""
    r = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        msg = f"ip {' '.join(args)}: {r.stderr.strip()}"
        raise RuntimeError(msg)


@dataclass(frozen=True)
class NsPair:
    """Two namespaces joined by a veth pair: ``prober`` and ``target``."""

    prober: str
    target: str


@contextmanager
def nowhere_route() -> Iterator[str]:
    """Route :data:`NOWHERE_NET` from this namespace into a new, empty namespace.

    A connection to :data:`NOWHERE_AAAA` goes into the namespace, where no host owns the
    address: it times out, as a stale AAAA record does, and never leaves the machine.
    """
    ns = f"nxw{os.getpid()}"
    root_if, ns_if = f"{ns}a", f"{ns}b"
    ip("netns", "add", ns)
    try:
        ip("link", "add", root_if, "type", "veth", "peer", "name", ns_if, "netns", ns)
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-6", "addr", "add", f"{NOWHERE_ROOT_END}/64", "dev", root_if, "nodad")
        ip("-n", ns, "-6", "addr", "add", f"{NOWHERE_NS_END}/64", "dev", ns_if, "nodad")
        ip("link", "set", root_if, "up")
        ip("-n", ns, "link", "set", ns_if, "up")
        route = subprocess.run(["ip", "-6", "route", "get", NOWHERE_AAAA], capture_output=True,
                               text=True, check=True).stdout
        if f"dev {root_if}" not in route:
            msg = f"{NOWHERE_AAAA} is not routed into {ns}: {route.strip()}"
            raise RuntimeError(msg)
        yield ns
    finally:
        subprocess.run(["ip", "link", "del", root_if], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


@contextmanager
def namespace_pair() -> Iterator[NsPair]:
    """A prober namespace and a target namespace joined by a veth, nothing else.

    prober: 198.18.60.1/24, 2001:db8:6a::1/64; target: 198.18.60.2/24, 2001:db8:6a::2/64.
    Neither has a default route, so any other address is unreachable from the prober.
    """
    base = f"nxr{os.getpid()}"
    pair = NsPair(f"{base}p", f"{base}t")
    ip("netns", "add", pair.prober)
    try:
        ip("netns", "add", pair.target)
        ip("-n", pair.prober, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
           "netns", pair.target)
        for ns, dev, v4, v6 in ((pair.prober, "veth0", "198.18.60.1/24", "2001:db8:6a::1/64"),
                                (pair.target, "veth1", "198.18.60.2/24", "2001:db8:6a::2/64")):
            ip("-n", ns, "link", "set", "lo", "up")
            # No duplicate address detection, link-local included: neighbours resolve at once.
            subprocess.run(["ip", "netns", "exec", ns, "sh", "-c",
                            f"echo 0 > /proc/sys/net/ipv6/conf/{dev}/accept_dad"], check=True)
            ip("-n", ns, "addr", "add", v4, "dev", dev)
            ip("-n", ns, "-6", "addr", "add", v6, "dev", dev, "nodad")
            ip("-n", ns, "link", "set", dev, "up")
        _wait_link(pair.prober, ("198.18.60.2", "2001:db8:6a::2"))
        yield pair
    finally:
        for ns in (pair.prober, pair.target):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def write_lab_inventory(root: Path) -> Path:
    """A two-school inventory whose websites and gateways are the lab's (loopback only)."""
    (root / "counties").mkdir(parents=True, exist_ok=True)
    (root / "region.yaml").write_text("region:\n  code: '640000'\n")
    (root / "catalog.yaml").write_text(
        "models:\n  S6730-H24X6C:\n    platform: huawei_vrp\n    vendor: Huawei\n")
    (root / "counties" / "640104.yaml").write_text(
        "county: '640104'\n"
        "schools:\n"
        "- code: '6401040001'\n  name: 双栈学校\n  category: urban\n  stage: primary\n"
        "  website: dual.test\n"
        "  devices:\n  - hostname: gw-dual\n    role: gateway\n    model: S6730-H24X6C\n"
        "    mgmt_ipv4: 127.0.0.1\n    mgmt_ipv6: '::1'\n"
        "- code: '6401040002'\n  name: 只有IPv4的学校\n  category: rural\n  stage: primary\n"
        "  website: v4only.test\n"
        "  devices:\n  - hostname: gw-v4\n    role: gateway\n    model: S6730-H24X6C\n"
        "    mgmt_ipv4: 127.0.0.2\n"
        "  - hostname: sw-v4\n    role: access\n    model: S6730-H24X6C\n"
        "    mgmt_ipv4: 127.0.0.3\n"
        "- code: '6401040003'\n  name: 没有网关地址的学校\n  category: rural\n  stage: primary\n"
        "  devices:\n  - hostname: gw-none\n    role: gateway\n    model: S6730-H24X6C\n"
    )
    return root


def _wait_link(ns: str, addrs: tuple[str, ...]) -> None:
    """Wait (at most ~5 s) until a fresh veth carries traffic both ways: for about a second
    after it comes up, IPv6 neighbour discovery answers late."""
    ping = shutil.which("ping")
    if ping is None:
        time.sleep(1.5)
        return
    for addr in addrs:
        for _ in range(5):
            r = subprocess.run(["ip", "netns", "exec", ns, ping, "-c1", "-W1", addr],
                               capture_output=True, check=False)
            if r.returncode == 0:
                break
