"""Banners a device shows on one line do not swallow the lines after them (hier_config reads a
banner up to the next line holding its delimiter)."""

from __future__ import annotations

from netctl.config.hier import parse
from netctl.platforms import Platform


def test_one_line_banner_ends_on_its_line() -> None:
    # how IOS and RGOS display a short banner typed as one line
    running = ("banner login ^C Authorised access only ^C\n"
               "line vty 0 4\n exec-timeout 10 0\n transport input ssh\n!\n"
               "snmp-server view NMS-VIEW 1 include\n")
    for platform in (Platform.CISCO_IOS, Platform.RUIJIE_OS):
        tops = [c.text for c in parse(platform, running).children]
        assert tops == ["banner login ^C\n Authorised access only ^C", "line vty 0 4",
                        "snmp-server view NMS-VIEW 1 include"], platform


def test_single_character_delimiter_and_multi_line_banners_unchanged() -> None:
    tree = parse(Platform.CISCO_IOS, "banner motd #Keep out#\nhostname gw\n")
    assert [c.text for c in tree.children] == ["banner motd #\nKeep out#", "hostname gw"]
    multi = "banner login ^C\nline one\nline two\n^C\nhostname gw\n"
    assert [c.text for c in parse(Platform.CISCO_IOS, multi).children] == [
        "banner login ^C\nline one\nline two\n^C", "hostname gw"]
