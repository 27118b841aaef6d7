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


def test_a_push_lets_go_of_the_ipam_records_after_rendering(allocated_dir: Path,
                                                            tmp_path: Path) -> None:
    """The records (~10 MB at 600 schools) are only needed to render: a push parses them, renders
    every device, and drops them before its sessions; what renders afterwards is unchanged (they
    are parsed again). No device is reached: the target port is closed, so each connect fails."""
    import socket

    from netctl.config.connect import Target
    from netctl.config.push import PushOptions, push
    from netctl.config.render import render_device
    from netctl.ipam.merge import load_inventory
    from netctl.models.inventory import Role
    from netctl.secrets import Secrets

    repo = Path(__file__).resolve().parents[3]
    inv = load_inventory(allocated_dir)
    names = [h for h, e in inv.devices.items() if e.device.role is Role.GATEWAY][:2]
    assert names
    before = {h: render_device(inv, h, "ipv6", templates_dir=repo / "templates") for h in names}
    assert inv.ipam is not None and inv.ipam.cache  # rendering filled the derived indexes
    with socket.socket() as s:  # a port nothing listens on (bound, never listening)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        opts = PushOptions(feature="ipv6", templates_dir=repo / "templates",
                           backups_dir=tmp_path / "backups", timeout=3.0,
                           targets={h: Target("127.0.0.1", port, "admin", "x") for h in names},
                           known_hosts=tmp_path / "known_hosts")
        result = push(inv, names, opts, Secrets(None, env={}))
    assert [o.status for o in result.outcomes] == ["failed"] * len(names)
    assert all(o.error.startswith("connect:") for o in result.outcomes)
    assert inv.ipam._allocations is None and inv.ipam._raw is None
    assert not inv.ipam.cache
    assert {h: render_device(inv, h, "ipv6", templates_dir=repo / "templates")
            for h in names} == before


def test_the_connection_helper_loads_no_render_stack() -> None:
    """``netctl.config.connect`` (sessions, prompts, host keys), ``steps`` (its clock) and the
    platform names are all the benchmark's bare Nornir peer borrows from netctl
    (``benchmarks/bench_push.py``): importing them must not load the render stack or the state
    store's engine (before, it carried ~30 MB of them into the peer's peak memory, which made
    netctl's ratio look better than it was). The lazy exports of ``netctl.config`` still work."""
    import subprocess
    import sys

    code = ("import sys, netctl.config.connect, netctl.config.steps, netctl.platforms; "
            "heavy = ('pydantic', 'jinja2', 'sqlalchemy', 'hier_config', "
            "'netctl.models.inventory'); "
            "print([m for m in heavy if m in sys.modules]); "
            "from netctl.config import render_device, Policy; "
            "print(render_device.__module__, Policy.__module__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "netctl.config.render netctl.config.policy"]
