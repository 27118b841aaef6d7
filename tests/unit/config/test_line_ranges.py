"""Line sections are changed under the device's own ranges (issue 11: `no line vty 0 15`).

A template renders one VTY section; a device shows its lines grouped its own way. The push must
change sub-commands under the device's sections, never create a range the device does not show
(the rollback would then have to remove it, which the OS refuses), and the rollback must only
negate/restore sub-commands. Device shapes are those of the public corpus (tests/fixtures/real/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.config.diff import compute_diff
from netctl.config.hier import parse
from netctl.config.lines import LineRanges, align_lines
from netctl.config.protect import PlatformProtection, load_protection
from netctl.config.rollback import rollback_lines
from netctl.config.scope import FeatureScope
from netctl.platforms import Platform

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
SCOPE = FeatureScope(replaces=["^idle-timeout ", "^exec-timeout ", "^protocol inbound ",
                               "^transport input "])


def _protection(platform: Platform) -> PlatformProtection:
    return load_protection(TEMPLATES).for_platform(platform)


def _headers(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith(" ")]


COMWARE_RUNNING = """\
#
line vty 0 15
 authentication-mode scheme
 user-role network-admin
#
line vty 16 63
 user-role network-operator
#
"""
COMWARE_INTENDED = "line vty 0 63\n authentication-mode scheme\n idle-timeout 10 0\n quit\n"
IOS_RUNNING = "line vty 0 4\n exec-timeout 30 0\n transport input all\nline vty 5 15\n login\n"
IOS_INTENDED = "line vty 0 15\n exec-timeout 10 0\n transport input ssh\n"


@pytest.mark.parametrize(("platform", "running", "intended", "sections"), [
    (Platform.HP_COMWARE, COMWARE_RUNNING, COMWARE_INTENDED, ["line vty 0 15", "line vty 16 63"]),
    (Platform.CISCO_IOS, IOS_RUNNING, IOS_INTENDED, ["line vty 0 4", "line vty 5 15"]),
    # RGOS shows all its VTYs as one group: the template's `0 4` settings go to `0 35`
    (Platform.RUIJIE_OS, "line vty 0 35\n login local\n",
     "line vty 0 4\n transport input ssh\n", ["line vty 0 35"]),
])
def test_sub_commands_go_under_the_devices_own_sections(
        platform: Platform, running: str, intended: str, sections: list[str]) -> None:
    guard = _protection(platform).for_device()
    d = compute_diff(platform, running, intended, SCOPE, guard)
    sent = [ln.strip() for ln in d.remediation]
    assert [ln for ln in d.remediation if not ln.startswith(" ")] == sections
    assert not any(ln.startswith(("no line", "undo line")) for ln in sent), sent
    # the push converges: after the lines are applied, nothing is left to do
    after = rollback_after(platform, running, d.remediation)
    assert not compute_diff(platform, after, intended, SCOPE, guard).changed
    # the rollback only negates/restores sub-commands under the same sections
    back = rollback_lines(platform, after, running, d.running_scoped, SCOPE, d.remediation,
                          intended)
    assert back, "the rollback must restore the sub-commands"
    assert set(_headers("\n".join(back))) <= set(sections), back


def rollback_after(platform: Platform, running: str, sent: list[str]) -> str:
    """The running config after ``sent``: the sub-commands replaced by key, as a device does."""
    tree = parse(platform, running)
    section = None
    for line in sent:
        text = line.strip()
        if text in ("quit", "exit"):
            continue
        if not line.startswith(" "):
            section = tree.add_child(text, return_if_present=True)
            continue
        assert section is not None
        for key in ("exec-timeout ", "idle-timeout ", "transport input ", "protocol inbound "):
            if text.startswith(key):
                for old in [c for c in section.children if c.text.startswith(key)]:
                    old.delete()
        section.add_child(text, return_if_present=True)
    return "\n".join(line for line in tree.dump_simple()) + "\n"


def test_ios_creates_the_part_of_the_range_the_device_does_not_show() -> None:
    """IOS/RGOS `line vty 5 15` creates those lines (and `no line vty 5 15` is accepted)."""
    guard = _protection(Platform.CISCO_IOS).for_device()
    d = compute_diff(Platform.CISCO_IOS, "line vty 0 4\n login\n", IOS_INTENDED, SCOPE, guard)
    assert _headers(d.text) == ["line vty 0 4", "line vty 5 15"]


def test_vrp_leaves_lines_the_device_does_not_show() -> None:
    """VRP needs `user-interface maximum-vty` before `user-interface vty 5 14`: not created."""
    guard = _protection(Platform.HUAWEI_VRP).for_device()
    running = "user-interface con 0\n authentication-mode password\nuser-interface vty 0 4\n"
    d = compute_diff(Platform.HUAWEI_VRP, running,
                     "user-interface vty 0 14\n protocol inbound ssh\n", SCOPE, guard)
    assert _headers(d.text) == ["user-interface vty 0 4"]


def test_a_section_the_device_shows_or_no_section_at_all_is_left_as_rendered() -> None:
    rule = _protection(Platform.CISCO_IOS).lines
    for running in ("line vty 0 15\n login\n", "interface Gi1\n shutdown\n"):
        want = parse(Platform.CISCO_IOS, IOS_INTENDED)
        align_lines(want, parse(Platform.CISCO_IOS, running), rule)
        assert [c.text for c in want.children] == ["line vty 0 15"]


def test_console_lines_are_not_vty_lines() -> None:
    rule = _protection(Platform.HP_COMWARE).lines
    want = parse(Platform.HP_COMWARE, COMWARE_INTENDED)
    align_lines(want, parse(Platform.HP_COMWARE, "line aux 0\n user-role network-admin\n"), rule)
    assert [c.text for c in want.children] == ["line vty 0 63"]


def test_a_header_pattern_without_the_range_groups_is_refused() -> None:
    with pytest.raises(ValueError, match="needs the groups"):
        LineRanges(header="^line vty (\\d+)")
