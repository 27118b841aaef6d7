"""The HA election: an AP reported by both controllers of a pair is counted once."""

from __future__ import annotations

import pytest

from netctl.collectors.snmp.convert import ApReport
from netctl.collectors.snmp.wlan import ApElection


def rep(ap: str, controller: str, online: bool, role: str = "") -> ApReport:
    return ApReport(ap, controller, online, role, (), ())


PRIMARY = {"ap1": "ac1", "ap2": "ac1", "ap3": "ac1"}

# (case, reports in one batch, expected winning (ap, controller) pairs)
CASES = [
    ("only one controller knows it", [rep("ap1", "ac1", True)], {("ap1", "ac1")}),
    ("both online: the inventory controller", [rep("ap1", "ac2", True), rep("ap1", "ac1", True)],
     {("ap1", "ac1")}),
    ("standby reports it offline", [rep("ap1", "ac1", True), rep("ap1", "ac2", False)],
     {("ap1", "ac1")}),
    ("failover: only the partner has it online", [rep("ap1", "ac1", False),
                                                  rep("ap1", "ac2", True)], {("ap1", "ac2")}),
    ("offline everywhere: still counted once", [rep("ap1", "ac1", False),
                                                rep("ap1", "ac2", False)], {("ap1", "ac1")}),
    ("master beats the inventory controller", [rep("ap1", "ac1", True, "slave"),
                                               rep("ap1", "ac2", True, "master")],
     {("ap1", "ac2")}),
    ("unknown AP: smallest hostname", [rep("apX", "ac9", True), rep("apX", "ac10", True)],
     {("apX", "ac10")}),
    ("three APs, two controllers", [rep("ap1", "ac1", True), rep("ap1", "ac2", False),
                                    rep("ap2", "ac1", True), rep("ap2", "ac2", True),
                                    rep("ap3", "ac1", False), rep("ap3", "ac2", True)],
     {("ap1", "ac1"), ("ap2", "ac1"), ("ap3", "ac2")}),
]


@pytest.mark.parametrize(("reports", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_batch(reports: list[ApReport], expected: set[tuple[str, str]]) -> None:
    e = ApElection(ttl_s=600, primary_of=PRIMARY.get)
    assert {(r.ap, r.controller) for r in e.decide(reports, now=0.0)} == expected


def test_incremental_polls_never_count_twice() -> None:
    """The daemon polls each controller on its own schedule."""
    e = ApElection(ttl_s=600, primary_of=PRIMARY.get, polled=frozenset({"ac1", "ac2"}),
                   started_at=0.0)
    # ac2 happens to be polled first: it waits for ac1, the inventory controller
    assert e.decide([rep("ap1", "ac2", True)], now=1.0) == []
    assert [r.controller for r in e.decide([rep("ap1", "ac1", True)], now=2.0)] == ["ac1"]
    # next cycle: ac2 again, ac1 still fresh and online: ac2 stays silent
    assert e.decide([rep("ap1", "ac2", True)], now=301.0) == []
    # ac1 dies (no more reports); after the ttl its last report expires and ac2 takes over
    assert [r.controller for r in e.decide([rep("ap1", "ac2", True)], now=1000.0)] == ["ac2"]


def test_waiting_for_the_primary_is_bounded() -> None:
    e = ApElection(ttl_s=600, primary_of=PRIMARY.get, polled=frozenset({"ac1", "ac2"}),
                   started_at=0.0)
    assert e.decide([rep("ap1", "ac2", True)], now=10.0) == []
    assert [r.controller for r in e.decide([rep("ap1", "ac2", True)], now=700.0)] == ["ac2"]


def test_memory_is_bounded_by_the_ttl() -> None:
    e = ApElection(ttl_s=10)
    e.decide([rep(f"ap{i}", "ac1", True) for i in range(1000)], now=0.0)
    e.decide([rep("apZ", "ac1", True)], now=100.0)
    assert len(e._seen) == 1
