"""What a push keeps to the end of a run: the outcomes' lines shared between devices, and the
long-lived objects frozen for the cyclic collector only while sessions run (and while IPAM
allocates: ``netctl.gctools``)."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from netctl.config.diff import Diff, Refused
from netctl.config.push import _sharing
from netctl.gctools import long_lived_frozen
from netctl.platforms import Platform


def _diff(lines: list[str]) -> Diff:
    return Diff(Platform.HUAWEI_VRP, remediation=lines, running_scoped="", intended="",
                removed=tuple(f"interface X > {x}" for x in lines[:2]),
                refused=(Refused("snmp-agent", "management: polled by netctl"),),
                protected=("user-interface vty 0 4",),
                sections=(("".join(["interface ", "Vlanif10"]), 1, 0),))


def test_shared_lines_are_equal_and_one_string() -> None:
    shared: dict[str, str] = {}
    # a line built at run time, as a remediation's are (not a constant the compiler shares)
    a = _sharing(_diff(["ipv6", " ".join(["ipv6", "enable"])]), shared)
    b = _sharing(_diff(["ipv6", " ".join(["ipv6", "enable"])]), shared)
    assert a == _diff(["ipv6", "ipv6 enable"]) and b == a
    assert a.remediation[1] is b.remediation[1]
    assert a.refused[0].line is b.refused[0].line
    assert a.sections[0][0] is b.sections[0][0]
    assert _sharing(a, None) is a  # no table: unchanged


def test_freeze_is_nested_and_always_thawed() -> None:
    gc.unfreeze()  # whatever an earlier test froze: this one starts from nothing frozen
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with long_lived_frozen():
            started.set()
            release.wait(10)

    t = threading.Thread(target=other)
    with long_lived_frozen():
        assert gc.get_freeze_count() > 0
        t.start()
        assert started.wait(10)
    assert gc.get_freeze_count() > 0  # the other push still runs
    release.set()
    t.join(10)
    assert gc.get_freeze_count() == 0
    try:
        with long_lived_frozen():
            raise RuntimeError("a push that fails")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def test_what_the_caller_froze_stays_frozen() -> None:
    """The CLI freezes the inventory it loads for the whole command: a push leaves it so."""
    gc.freeze()
    try:
        with long_lived_frozen():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_ipam_allocation_leaves_nothing_frozen(allocated_copy: Path) -> None:
    """``ipam allocate`` keeps the region out of the collector's walks while it runs, and gives
    it back after: a library caller (the demo, a test) does not keep it frozen for ever."""
    from datetime import date

    from netctl.ipam.store import run_allocate

    gc.unfreeze()
    run_allocate(allocated_copy, today=date(2026, 12, 6), dry_run=True)
    assert gc.get_freeze_count() == 0
