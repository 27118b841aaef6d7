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


def test_a_new_banner_replaces_the_old_without_a_negation_of_its_text() -> None:
    """IOS's only ``no`` form is ``no banner login`` (Cisco IOS Configuration Fundamentals
    Command Reference, banner login; RGOS shares it): a remediation never types the old text
    after ``no``. On a real IOS 12.0 config (tests/fixtures/real), the baseline's banner simply
    replaces the device's multi-line one."""
    from pathlib import Path

    from netctl.config.diff import compute_diff
    from netctl.config.scope import load_scopes

    repo = Path(__file__).resolve().parents[3]
    running = (repo / "tests/fixtures/real/cisco_ios/c2950_access_ios12.0.cfg").read_text()
    scope = load_scopes(repo / "templates").for_feature("baseline")
    for platform in (Platform.CISCO_IOS, Platform.RUIJIE_OS):
        diff = compute_diff(platform, running, "banner login ^C Authorised use only ^C\n", scope)
        assert diff.remediation == ["banner login ^C Authorised use only ^C"], platform
    gone = parse(Platform.CISCO_IOS, "banner motd ^C\nhello\n^C\nhostname gw\n").config_to_get_to(
        parse(Platform.CISCO_IOS, "hostname gw\n"))
    assert [c.cisco_style_text() for c in gone.all_children()] == ["no banner motd"]
