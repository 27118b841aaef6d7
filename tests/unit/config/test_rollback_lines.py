"""The rollback undoes every line a push sent, in the feature's scope or not, and nothing else."""

from __future__ import annotations

from netctl.config.rollback import rollback_lines, touched
from netctl.config.scope import FeatureScope
from netctl.platforms import Platform

VRP = Platform.HUAWEI_VRP
SCOPE = FeatureScope(replaces=["^ntp-service unicast-server "])
BEFORE = ("sysname gw1\nstelnet server enable\nntp-service unicast-server 10.0.0.1\n"
          "interface Vlanif10\n description teachers\n ip address 10.1.1.1 255.255.255.0\n"
          "interface LoopBack9\n description spare\n")


def test_a_section_entered_is_restored_with_children_outside_the_scope() -> None:
    current = BEFORE.replace(" description teachers\n", " description teachers\n shutdown\n")
    sent = ["interface Vlanif10", " shutdown", " quit"]
    back = rollback_lines(VRP, current, BEFORE, "ntp-service unicast-server 10.0.0.1\n", SCOPE,
                          sent)
    assert back == ["interface Vlanif10", " undo shutdown", " quit"]


def test_a_removed_section_and_a_negated_global_come_back() -> None:
    current = (BEFORE.replace("stelnet server enable\n", "")
               .replace("interface LoopBack9\n description spare\n", ""))
    sent = ["undo stelnet server enable", "undo interface LoopBack9"]
    back = rollback_lines(VRP, current, BEFORE, "ntp-service unicast-server 10.0.0.1\n", SCOPE,
                          sent)
    assert "stelnet server enable" in back
    assert "interface LoopBack9" in back and " description spare" in back


def test_what_was_not_sent_is_left_alone() -> None:
    """A line that differs but that the push did not touch (another change) is not reverted."""
    current = BEFORE.replace("sysname gw1", "sysname gw1-renamed").replace(
        "10.0.0.1", "10.0.0.2")
    sent = ["undo ntp-service unicast-server 10.0.0.1", "ntp-service unicast-server 10.0.0.2"]
    back = rollback_lines(VRP, current, BEFORE, "ntp-service unicast-server 10.0.0.1\n", SCOPE,
                          sent, "ntp-service unicast-server 10.0.0.2\n")
    assert not any("sysname" in line for line in back)
    assert "ntp-service unicast-server 10.0.0.1" in back


def test_touched() -> None:
    sections, keywords = touched(["interface Gi0/1", " ipv6 enable", " quit", "#",
                                  "undo stelnet server enable", "no ip ssh version 1", "return"])
    assert sections == {"interface Gi0/1"}
    assert keywords == {"stelnet", "ip"}


def test_a_protected_line_two_sections_deep_comes_back() -> None:
    """s6730 (tests/fixtures/real/huawei_vrp/s6730_metro_mpls_v200r023.cfg): the baseline sets
    `password expire 90` in `aaa > local-aaa-user password policy administrator`; whatever the
    device did to the lines beside it, the rollback restores them at that depth."""
    before = ("aaa\n local-aaa-user password policy administrator\n"
              "  password history record number 0\n  password expire 0\n")
    current = "aaa\n local-aaa-user password policy administrator\n  password expire 90\n"
    sent = ["aaa", " local-aaa-user password policy administrator", "  password expire 90",
            "  quit", " quit"]
    back = rollback_lines(VRP, current, before, "", SCOPE, sent)
    assert back[:2] == ["aaa", " local-aaa-user password policy administrator"]
    assert {"  password history record number 0", "  password expire 0"} <= set(back)
    assert not any(line.strip().startswith("undo local-aaa-user") for line in back)
