"""Why a website is or is not judged IPv6-capable: stable English keys, Chinese and English text.

The key is what the state store keeps (``web_reason``) and what reports group by; the texts are
what county staff read. ``docs/probes.md`` lists them with the check that produces each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """The verdict of one website, in the order the checks are applied (first failure wins)."""

    OK = "ok"
    NXDOMAIN = "nxdomain"
    DNS_ERROR = "dns_error"
    NO_AAAA = "no_aaaa"
    AAAA_INVALID = "aaaa_invalid"
    NS_NO_IPV6 = "ns_no_ipv6"
    SITE_UNREACHABLE = "site_unreachable"
    V6_UNREACHABLE = "v6_unreachable"
    V6_HTTP_ERROR = "v6_http_error"
    V6_SCHEME_MISSING = "v6_scheme_missing"
    CONTENT_MISMATCH = "content_mismatch"
    LINKS_V6_BELOW_THRESHOLD = "links_v6_below_threshold"
    LINKS3_V6_BELOW_THRESHOLD = "links3_v6_below_threshold"
    PROBE_ERROR = "probe_error"

    @property
    def zh(self) -> str:
        """Chinese text for reports."""
        return REASON_TEXT[self].zh

    @property
    def en(self) -> str:
        """English text for reports."""
        return REASON_TEXT[self].en


@dataclass(frozen=True, slots=True)
class ReasonText:
    """The two texts of a reason."""

    zh: str
    en: str


REASON_TEXT: dict[Reason, ReasonText] = {
    Reason.OK: ReasonText("网站支持IPv6访问", "the website supports IPv6"),
    Reason.NXDOMAIN: ReasonText("域名不存在（NXDOMAIN）", "the domain does not exist (NXDOMAIN)"),
    Reason.DNS_ERROR: ReasonText(
        "域名解析失败（服务器错误或超时）", "name resolution failed (server failure or timeout)"
    ),
    Reason.NO_AAAA: ReasonText("域名没有IPv6地址（AAAA记录）", "the domain has no AAAA record"),
    Reason.AAAA_INVALID: ReasonText(
        "AAAA记录不是可用的IPv6单播地址", "no AAAA record is a usable IPv6 unicast address"
    ),
    Reason.NS_NO_IPV6: ReasonText(
        "域名的权威服务器不能通过IPv6应答",
        "no authoritative name server of the domain answers over IPv6",
    ),
    Reason.SITE_UNREACHABLE: ReasonText(
        "网站首页通过IPv4和IPv6均无法访问", "the homepage answers over neither IPv4 nor IPv6"
    ),
    Reason.V6_UNREACHABLE: ReasonText(
        "AAAA地址无法连接（IPv6地址不通）",
        "nothing answers at the AAAA address (no IPv6 connection)",
    ),
    Reason.V6_HTTP_ERROR: ReasonText(
        "通过IPv6访问首页返回错误", "the homepage returns an error over IPv6"
    ),
    Reason.V6_SCHEME_MISSING: ReasonText(
        "首页的HTTP或HTTPS只能通过IPv4访问",
        "HTTP or HTTPS of the homepage answers over IPv4 only",
    ),
    Reason.CONTENT_MISMATCH: ReasonText(
        "通过IPv6与IPv4访问的首页内容不一致",
        "the homepage over IPv6 differs from the one over IPv4",
    ),
    Reason.LINKS_V6_BELOW_THRESHOLD: ReasonText(
        "二级链接IPv6支持率低于要求", "too few second-level links answer over IPv6"
    ),
    Reason.LINKS3_V6_BELOW_THRESHOLD: ReasonText(
        "三级链接IPv6支持率低于要求", "too few third-level links answer over IPv6"
    ),
    Reason.PROBE_ERROR: ReasonText(
        "探测程序出错，无法判断", "the probe failed and could not judge the website"
    ),
}
