"""Pages: decoding, extraction, "same content" over IPv6 and IPv4, links, robots.txt."""

from __future__ import annotations

import pytest

from netctl.probes.content import (
    Robots,
    canonical_url,
    compare_pages,
    decode_body,
    normalise,
    page_links,
    parse_page,
    same_site,
    similarity,
)

NEWS = [f"<li><a href='/news/{i}.htm'>第{i}条：宁夏教育厅召开全区教育数字化推进会</a></li>"
        for i in range(12)]


def school(title: str = "银川市第一中学", news: list[str] | None = None, extra: str = "",
           counter: int = 12345, date: str = "2024-05-01") -> str:
    items = "".join(news if news is not None else NEWS)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>"
            f"<script>var token='{counter * 7}';</script><style>p{{}}</style></head><body>"
            f"<h1>{title}</h1><p>学校坚持立德树人，推进教育数字化，建设智慧校园。</p>"
            f"<ul>{items}</ul><p>访问量：{counter} 更新日期：{date}</p>{extra}</body></html>")


def cmp(a: str | bytes, b: str | bytes, ta: str | None = "text/html; charset=utf-8",
        tb: str | None = "text/html; charset=utf-8") -> bool:
    ba = a.encode() if isinstance(a, str) else a
    bb = b.encode() if isinstance(b, str) else b
    return compare_pages(ba, ta, bb, tb).match


# -- decoding -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "ctype", "expected"), [
    ("学校".encode("gbk"), "text/html; charset=GB2312", "学校"),
    ("学校".encode("gb18030"), "text/html; charset=gbk", "学校"),
    (b"<meta charset=gbk>" + "学校".encode("gbk"), "text/html", "<meta charset=gbk>学校"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
     + "学".encode("gbk"), None, '<meta http-equiv="Content-Type" content="text/html; '
     'charset=gb2312">学'),
    ("\ufeff学校".encode(), None, "学校"),
    ("学校".encode(), None, "学校"),
    ("宁夏回族自治区学校".encode("gbk"), None, "宁夏回族自治区学校"),  # undeclared, not UTF-8
    (b"abc", "text/html; charset=x-unknown", "abc"),
])
def test_decode_body(body: bytes, ctype: str | None, expected: str) -> None:
    assert decode_body(body, ctype) == expected


# -- extraction -----------------------------------------------------------------------------------
def test_parse_page_skips_scripts_and_finds_links() -> None:
    p = parse_page(
        "<html><head><title> 首页 \n</title><base href='https://x.cn/sub/'>"
        "<meta http-equiv='Refresh' content='0; URL=/index.htm'></head>"
        "<body><script>document.write('<a href=/no>')</script><noscript>x</noscript>"
        "<a href='a.htm'>A</a><area href='/b.htm'><iframe src='/c.htm'></iframe>"
        "<frameset><frame src='/d.htm'></frameset><a>no href</a>text &amp; more</body></html>")
    assert p.title == "首页"
    assert p.links == ("a.htm", "/b.htm", "/c.htm", "/d.htm")
    assert p.base == "https://x.cn/sub/" and p.refresh == "/index.htm"
    assert "document.write" not in p.text and "text & more" in p.text


def test_parse_page_survives_broken_markup() -> None:
    p = parse_page("<title>t</title><a href='/x'>x</a><div <<< <![CDATA[ ]] <p>after")
    assert p.title == "t" and p.links == ("/x",)


def test_slow_meta_refresh_is_not_a_redirect() -> None:
    assert parse_page("<meta http-equiv=refresh content='60'>").refresh is None
    assert parse_page("<meta http-equiv=refresh content='600;url=/x'>").refresh is None
    assert parse_page("<meta http-equiv=refresh content='3;url=/x'>").refresh == "/x"


# -- comparing ------------------------------------------------------------------------------------
def test_normalise_folds_what_changes_between_fetches() -> None:
    assert normalise("访问量：１２３４５ Visits") == normalise("访问量：99 visits")


def test_similarity_bounds() -> None:
    assert similarity("", "") == 1.0
    assert similarity("abc", "abc") == 1.0
    assert similarity("abcdef", "") == 0.0
    assert 0.0 < similarity("宁夏教育厅欢迎您来访", "宁夏教育厅欢迎你来访") < 1.0


def test_same_page_with_counters_dates_and_tokens_matches() -> None:
    assert cmp(school(counter=12345, date="2024-05-01"), school(counter=12399, date="2024-05-02"))


def test_a_new_news_item_still_matches() -> None:
    changed = ["<li><a href='/news/new.htm'>最新：全区智慧校园建设现场会召开</a></li>", *NEWS[:-1]]
    assert cmp(school(), school(news=changed))


def test_same_page_in_two_encodings_matches() -> None:
    html = school().replace("charset='utf-8'", "")
    assert cmp(html.encode("gbk"), html.encode(), "text/html; charset=gbk", "text/html")


def test_default_server_page_over_ipv6_does_not_match() -> None:
    r = compare_pages(b"<html><title>Welcome to nginx!</title><body>It works</body></html>",
                      "text/html", school().encode(), "text/html")
    assert not r.match and not r.title_match and r.similarity < 0.2 and r.size_ratio < 0.5
    assert "titles differ" in r.detail


def test_same_title_other_content_does_not_match() -> None:
    other = school(news=[f"<li>维护公告 {i}：系统升级，请稍后访问。</li>" for i in range(12)])
    r = compare_pages(other.encode(), None, school().encode(), None)
    assert r.title_match and not r.match and "similarity" in r.detail


def test_truncated_page_does_not_match() -> None:
    full = school(extra="<div>" + "图片新闻" * 2000 + "</div>").encode()
    r = compare_pages(full[: len(full) // 4], None, full, None)
    assert not r.match


def test_empty_pages_match_each_other() -> None:
    assert cmp(b"", b"")


# -- links ----------------------------------------------------------------------------------------
def test_canonical_url() -> None:
    assert canonical_url("HTTPS://Www.X.CN:443/a?b=1#frag") == "https://www.x.cn/a?b=1"
    assert canonical_url("http://x.cn:8080") == "http://x.cn:8080/"
    assert canonical_url("http://[2001:DB8::1]/") == "http://[2001:db8::1]/"
    assert canonical_url("ftp://x.cn/") is None
    assert canonical_url("http://x.cn:99999/") is None


def test_same_site() -> None:
    assert same_site("http://www.nx1.edu.cn/a", "nx1.edu.cn")
    assert same_site("http://old.nx1.edu.cn/a", "www.nx1.edu.cn")
    assert not same_site("http://nx1.edu.cn.evil.cn/", "nx1.edu.cn")
    assert same_site("http://nx1.edu.cn/", "www.nx1.edu.cn")
    assert not same_site("http://edu.cn/", "www.nx1.edu.cn")  # the parent is another site


def test_page_links() -> None:
    html = ("<a href='/a.htm'>a</a><a href='/a.htm#x'>dup</a><a href='b.htm'>b</a>"
            "<a href='https://old.x.cn/c'>c</a><a href='https://www.gov.cn/'>out</a>"
            "<a href='javascript:void(0)'>js</a><a href='mailto:a@x.cn'>m</a><a href='#top'>t</a>"
            "<a href='/'>home</a>")
    links = page_links(html, "https://www.x.cn/index/", "www.x.cn",
                       exclude=["https://www.x.cn/"])
    assert links == ["https://www.x.cn/a.htm", "https://www.x.cn/index/b.htm",
                     "https://old.x.cn/c"]


# -- robots.txt -----------------------------------------------------------------------------------
def test_robots_rules() -> None:
    r = Robots.from_response(200, "User-agent: *\nDisallow: /private/\nCrawl-delay: 1.5\n"
                                  "User-agent: netctl\nDisallow: /slow/\n")
    assert r.allowed("netctl", "https://x.cn/private/a")  # its own group replaces '*'
    assert not r.allowed("netctl", "https://x.cn/slow/a")
    assert not r.allowed("otherbot", "https://x.cn/private/a")
    delayed = Robots.from_response(200, "User-agent: *\nDisallow: /x\nCrawl-delay: 2\n")
    assert delayed.crawl_delay("netctl") == 2.0  # whole seconds (urllib.robotparser)


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (500, False),
                                                 (None, False)])
def test_robots_without_a_file(status: int | None, allowed: bool) -> None:
    assert Robots.from_response(status, "").allowed("netctl", "https://x.cn/a") is allowed
