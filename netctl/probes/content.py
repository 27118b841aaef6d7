"""Pure functions over fetched pages: decoding, title/text/links, content comparison, robots.txt.

No I/O here: :mod:`netctl.probes.web` fetches, these functions judge. "The content over IPv6
matches the content over IPv4" is decided by :func:`compare_pages`; the rule and its thresholds
are documented in ``docs/probes.md``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

SHINGLE = 4
"""Length of the character shingles compared (works for Chinese text, which has no spaces)."""
MAX_COMPARE_CHARS = 200_000
"""Normalised text beyond this length is not compared (bounds the cost of a huge page)."""

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_LINK_ATTRS = {"a": "href", "area": "href", "frame": "src", "iframe": "src"}
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_REFRESH_URL = re.compile(r"""^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"']*)""",
                          re.IGNORECASE)
_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_GB_ALIASES = frozenset({"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn",
                         "csgb2312", "hz-gb-2312"})


# -- decoding -------------------------------------------------------------------------------------
def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header.

    Examples:
        >>> charset_of('text/html; charset="GBK"')
        'gbk'
        >>> charset_of("text/html") is None
        True
    """
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.lower()
    if name in _GB_ALIASES:
        return "gb18030"  # superset of GB2312 and GBK: what browsers do
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML body the way a browser would, closely enough for comparing pages.

    Order: BOM, the header's charset, a ``<meta charset>`` in the first 4 KiB, then UTF-8 if the
    bytes are valid UTF-8, else GB18030 (the usual legacy encoding of Chinese school sites).

    Examples:
        >>> decode_body("学校".encode("gbk"), "text/html; charset=gb2312")
        '学校'
        >>> decode_body(b'<meta charset="gbk">' + "学校".encode("gbk"))[-2:]
        '学校'
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace")
    declared = _codec(charset_of(content_type))
    if declared is None:
        m = _META_CHARSET.search(body[:4096])
        declared = _codec(m.group(1).decode("ascii", "replace")) if m else None
    if declared is not None:
        return body.decode(declared, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


# -- parsing --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    """What the probe needs from an HTML page."""

    title: str
    text: str
    links: tuple[str, ...]
    base: str | None = None
    refresh: str | None = None  # target of <meta http-equiv="refresh"> with a short delay


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.base: str | None = None
        self.refresh: str | None = None
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if tag == "title":
            self._in_title = True
            return
        attr = _LINK_ATTRS.get(tag)
        if attr is not None:
            for key, value in attrs:
                if key == attr and value:
                    self.links.append(value.strip())
            return
        if tag == "base" and self.base is None:
            self.base = next((v for k, v in attrs if k == "href" and v), None)
        elif tag == "meta" and self.refresh is None:
            values = {k: v or "" for k, v in attrs}
            if values.get("http-equiv", "").lower() == "refresh":
                self.refresh = _refresh_target(values.get("content", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP_TAGS and tag != "title":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title.append(data)
        else:
            self.text.append(data)


def _refresh_target(content: str, max_delay: float = 10.0) -> str | None:
    m = _REFRESH_URL.match(content)
    if not m or not m.group(2).strip():
        return None
    delay = float(m.group(1)) if m.group(1) else 0.0
    return m.group(2).strip() if delay <= max_delay else None


def parse_page(html: str) -> Page:
    """Title, visible text (not normalised), links in document order, ``<base>`` and refresh.

    Examples:
        >>> p = parse_page('<title>首页</title><script>x=1</script><a href="/a">A</a> text')
        >>> p.title, p.text, p.links
        ('首页', 'A text', ('/a',))
    """
    parser = _Extractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was parsed
        pass
    return Page(
        title=_WS.sub(" ", "".join(parser.title)).strip(),
        text=_WS.sub(" ", " ".join(parser.text)).strip(),
        links=tuple(parser.links),
        base=parser.base,
        refresh=parser.refresh,
    )


# -- comparing ------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Text as compared: NFKC, case-folded, digit runs → ``0``, whitespace collapsed.

    Digits are folded because dates, visitor counters and session ids change between two fetches
    a second apart; entities are already unescaped by the parser.

    Examples:
        >>> normalise("  Visitors: 12345\u3000 今天 2024-05-01 ")
        'visitors: 0 今天 0-0-0'
    """
    text = unicodedata.normalize("NFKC", unescape(text)).casefold()
    return _WS.sub(" ", _DIGITS.sub("0", text)).strip()


def _shingles(text: str) -> set[str]:
    compact = text.replace(" ", "")[:MAX_COMPARE_CHARS]
    if len(compact) < SHINGLE:
        return {compact} if compact else set()
    return {compact[i:i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the 4-character shingles of two normalised texts (1.0: identical).

    Examples:
        >>> similarity("宁夏教育厅欢迎您", "宁夏教育厅欢迎您")
        1.0
        >>> similarity("", "")
        1.0
        >>> similarity("abcdefgh", "zyxwvuts")
        0.0
    """
    sa, sb = _shingles(a), _shingles(b)
    if not sa and not sb:
        return 1.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


@dataclass(frozen=True, slots=True)
class ContentComparison:
    """The outcome of comparing the homepage over IPv6 with the one over IPv4."""

    match: bool
    similarity: float
    size_ratio: float
    title_match: bool
    title_v6: str
    title_v4: str
    detail: str


def compare_pages(
    body_v6: bytes, type_v6: str | None, body_v4: bytes, type_v4: str | None, *,
    min_similarity: float = 0.8, min_size_ratio: float = 0.5,
) -> ContentComparison:
    """Whether two fetches of a homepage show the same page.

    They match when all hold: the normalised titles are equal (when either page has one); the
    Dice similarity of the normalised visible text is at least ``min_similarity``; and the
    smaller body is at least ``min_size_ratio`` of the larger (a truncated or empty page fails).
    """
    return compare_parsed(
        parse_page(decode_body(body_v6, type_v6)), len(body_v6),
        parse_page(decode_body(body_v4, type_v4)), len(body_v4),
        min_similarity=min_similarity, min_size_ratio=min_size_ratio)


def compare_parsed(
    p6: Page, size_v6: int, p4: Page, size_v4: int, *, min_similarity: float = 0.8,
    min_size_ratio: float = 0.5,
) -> ContentComparison:
    """:func:`compare_pages` on pages already parsed (``size_*``: body bytes)."""
    if p6.title == p4.title and p6.text == p4.text and size_v6 == size_v4:
        return ContentComparison(True, 1.0, 1.0, True, p6.title, p4.title, "same title and text")
    t6, t4 = normalise(p6.title), normalise(p4.title)
    title_match = t6 == t4
    sim = similarity(normalise(p6.text), normalise(p4.text))
    big = max(size_v6, size_v4)
    ratio = min(size_v6, size_v4) / big if big else 1.0
    problems = []
    if not title_match:
        problems.append(f"titles differ ({p6.title[:40]!r} over IPv6, {p4.title[:40]!r} over IPv4)")
    if sim < min_similarity:
        problems.append(f"text similarity {sim:.2f} < {min_similarity:.2f}")
    if ratio < min_size_ratio:
        problems.append(f"size ratio {ratio:.2f} < {min_size_ratio:.2f} "
                        f"({size_v6} B over IPv6, {size_v4} B over IPv4)")
    return ContentComparison(
        match=not problems, similarity=round(sim, 4), size_ratio=round(ratio, 4),
        title_match=title_match, title_v6=p6.title, title_v4=p4.title,
        detail="; ".join(problems) or "same title and text",
    )


# -- links ----------------------------------------------------------------------------------------
def canonical_url(url: str) -> str | None:
    """An http(s) URL without fragment, with a lower-case host and no default port; else None.

    Examples:
        >>> canonical_url("HTTP://WWW.Example.CN:80/a/b?x=1#top")
        'http://www.example.cn/a/b?x=1'
        >>> canonical_url("javascript:void(0)") is None
        True
    """
    url, _ = urldefrag(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".").lower()
    if ":" in host:
        host = f"[{host}]"
    default = 80 if parts.scheme == "http" else 443
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def site_of(domain: str) -> str:
    """The name whose subdomains count as the same site: the domain without a leading ``www.``.

    Examples:
        >>> site_of("www.nx1.edu.cn")
        'nx1.edu.cn'
    """
    domain = domain.lower().rstrip(".")
    return domain[4:] if domain.startswith("www.") and domain.count(".") >= 2 else domain


def same_site(url: str, domain: str) -> bool:
    """Whether ``url`` belongs to the website ``domain`` (the name itself or a subdomain of it).

    Examples:
        >>> same_site("https://old.nx1.edu.cn/a", "www.nx1.edu.cn")
        True
        >>> same_site("https://www.gov.cn/", "nx1.edu.cn")
        False
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    base = site_of(domain)
    return host == base or host.endswith("." + base)


def page_links(html: str, page_url: str, domain: str, *, exclude: Iterable[str] = ()) -> list[str]:
    """Same-site http(s) links of a page, absolute, canonical, de-duplicated, in page order.

    ``exclude`` drops URLs already known (the homepage itself, links of an upper level).
    """
    page = parse_page(html)
    return links_of(page, page_url, domain, exclude=exclude)


def links_of(page: Page, page_url: str, domain: str, *, exclude: Iterable[str] = ()) -> list[str]:
    """Like :func:`page_links` on an already parsed page."""
    base = urljoin(page_url, page.base) if page.base else page_url
    seen = {c for c in (canonical_url(u) for u in exclude) if c}
    out: list[str] = []
    for href in page.links:
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        url = canonical_url(urljoin(base, href))
        if url is None or url in seen or not same_site(url, domain):
            continue
        seen.add(url)
        out.append(url)
    return out


# -- robots.txt -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Robots:
    """A parsed robots.txt (or the policy that stands for a missing or unreachable one)."""

    parser: RobotFileParser | None
    allow_all: bool = False
    disallow_all: bool = False

    @classmethod
    def from_response(cls, status: int | None, text: str) -> Robots:
        """RFC 9309: 2xx → parse; 4xx → no restriction; 5xx or unreachable → disallow all."""
        if status is None or status >= 500:
            return cls(None, disallow_all=True)
        if status >= 400 or not (200 <= status < 300):
            return cls(None, allow_all=True)
        rp = RobotFileParser()
        rp.parse(text.splitlines())
        return cls(rp)

    def allowed(self, agent: str, url: str) -> bool:
        """Whether ``agent`` may fetch ``url``."""
        if self.parser is None:
            return self.allow_all and not self.disallow_all
        return self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float:
        """The Crawl-delay for ``agent`` (0 when none)."""
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(agent)
        try:
            return max(0.0, float(delay)) if delay is not None else 0.0
        except (TypeError, ValueError):
            return 0.0
