"""A push shared by worker processes (``netctl.config.pool``) against emulated devices: the same
outcome as one process, every device reported once, the run recorded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.config.connect import Target
from netctl.config.pool import push_in_processes
from netctl.config.push import PushOptions
from netctl.inventory.index import load_inventory
from netctl.inventory.parsecache import cache_folder, use_cache
from netctl.models.inventory import Role
from netctl.secrets import Secrets
from netctl.state import StateStore
from netctl.testing.emulator import EmulatedNetwork, HostSpec

pytestmark = pytest.mark.integration


def test_two_processes_push_every_device_once_and_record_once(
        allocated_dir: Path, tmp_path: Path, repo_root: Path) -> None:
    inv = load_inventory(allocated_dir)
    hosts = [d.hostname for d in inv.devices.values()
             if d.role is Role.GATEWAY and d.platform.value != "ruijie_os"][:12]
    assert len(hosts) == 12
    seen: list[tuple[str, str, int]] = []
    with EmulatedNetwork([HostSpec(h, inv.devices[h].platform.value) for h in hosts]) as net, \
            StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        opts = PushOptions(
            feature="ipv6", templates_dir=repo_root / "templates",
            backups_dir=tmp_path / "backups", commit=True, workers=6, timeout=30.0,
            targets={h: Target("127.0.0.1", net.ports[h], "admin", "admin") for h in hosts},
            user="tester")
        before = cache_folder()
        use_cache(tmp_path / "cache")  # the parent's inventory is loaded: only children fill it
        try:
            result = push_in_processes(
                inv, hosts, opts, Secrets(None, env={}), processes=2, store=store,
                on_progress=lambda h, s, done, total: seen.append((h, s, done)))
        finally:
            use_cache(before)
        # the children loaded the inventory through the caller's parse cache (NETCTL_CACHE)
        assert any((tmp_path / "cache").rglob("*")), "the worker processes parsed uncached"
        assert [o.hostname for o in result.outcomes] == hosts  # the caller's order
        assert {o.status for o in result.outcomes} == {"changed"}, [
            (o.hostname, o.error) for o in result.failed]
        assert sorted(h for h, _, _ in seen) == sorted(hosts)  # each device reported once
        assert [n for _, _, n in seen] == list(range(1, 13))
        records = store.pushes()
        assert len(records) == 1 and len(records[0].devices) == 12
        assert all("ipv6 address" in net[h].running_config for h in hosts)


def test_cli_push_with_processes(allocated_dir: Path, tmp_path: Path, repo_root: Path) -> None:
    """``netctl config push --processes 2`` as an engineer runs it: same summary, one record."""
    import json
    import os
    import subprocess
    import sys

    inv = load_inventory(allocated_dir)
    hosts = [d.hostname for d in inv.devices.values()
             if d.role is Role.GATEWAY and d.platform.value != "ruijie_os"][:6]
    with EmulatedNetwork([HostSpec(h, inv.devices[h].platform.value) for h in hosts]) as net:
        targets = tmp_path / "targets.yaml"
        targets.write_text("".join(f"{h}: 127.0.0.1:{net.ports[h]}\n" for h in hosts),
                           encoding="utf-8")
        env = dict(os.environ, NETCTL_INVENTORY=str(allocated_dir),
                   NETCTL_TEMPLATES=str(repo_root / "templates"),
                   NETCTL_STATE=str(tmp_path / "state.db"),
                   NETCTL_SECRETS=str(tmp_path / "none.yaml"),
                   NETCTL_CRED_DEFAULT_USERNAME="admin", NETCTL_CRED_DEFAULT_PASSWORD="admin")
        sel = [a for h in hosts for a in ("--host", h)]
        done = subprocess.run(
            [sys.executable, "-m", "netctl", "config", "push", *sel, "--feature", "ipv6",
             "--commit", "--processes", "2", "--targets", str(targets), "--format", "json"],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180, check=False)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert [d["hostname"] for d in report["devices"]] == hosts
        assert {d["status"] for d in report["devices"]} == {"changed"}
        assert all("ipv6 address" in net[h].running_config for h in hosts)
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        assert len(store.pushes()) == 1


def test_worker_processes_take_the_device_locks(
        allocated_dir: Path, tmp_path: Path, repo_root: Path) -> None:
    """A device locked by another engineer is refused in a child process too; the children's
    own locks are released."""
    from netctl.state.locks import DeviceLocks

    inv = load_inventory(allocated_dir)
    hosts = [d.hostname for d in inv.devices.values()
             if d.role is Role.GATEWAY and d.platform.value != "ruijie_os"][:4]
    with EmulatedNetwork([HostSpec(h, inv.devices[h].platform.value) for h in hosts]) as net, \
            StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        alice = DeviceLocks(store, user="alice")
        held = alice.acquire(f"device:{hosts[0]}", "push ipv6")
        opts = PushOptions(
            feature="ipv6", templates_dir=repo_root / "templates",
            backups_dir=tmp_path / "backups", commit=True, workers=4, timeout=30.0,
            targets={h: Target("127.0.0.1", net.ports[h], "admin", "admin") for h in hosts},
            user="bob")
        result = push_in_processes(inv, hosts, opts, Secrets(None, env={}), processes=2,
                                   store=store)
        by = {o.hostname: o for o in result.outcomes}
        assert by[hosts[0]].status == "failed"
        assert f"device:{hosts[0]} is locked by alice" in by[hosts[0]].error
        assert {by[h].status for h in hosts[1:]} == {"changed"}
        assert [lk.name for lk in alice.held()] == [held.name]  # only alice's is left
        assert net[hosts[0]].logins == 0
