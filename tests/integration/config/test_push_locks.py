"""Two pushes to the same emulated device at once: the second is refused for that device,
naming who holds it and since when; other devices of the second push go ahead."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netctl.config.connect import Target
from netctl.config.guard import Guard
from netctl.config.push import PushOptions, PushResult, push
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role
from netctl.secrets import Secrets
from netctl.state import StateStore
from netctl.state.locks import DeviceLocks
from netctl.testing.emulator import EmulatedNetwork, HostSpec

pytestmark = pytest.mark.integration

SECRETS = {
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Adm1n-Pa55w0rd",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "AuthKey-12345",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "PrivKey-67890",
    "NETCTL_CRED_RADIUS_CAMPUS_PASSWORD": "Rad1us-Key-2",
}


@pytest.fixture(scope="module")
def inv(sample_dir: Path) -> Inventory:
    return load_inventory(sample_dir)


@pytest.fixture
def net(inv: Inventory) -> Iterator[EmulatedNetwork]:
    names = [d.hostname for d in inv.devices.values()
             if d.role is Role.GATEWAY and d.platform.value == "huawei_vrp"][:2]
    with EmulatedNetwork([HostSpec(h, "huawei_vrp") for h in names]) as network:
        yield network


def _options(net: EmulatedNetwork, tmp_path: Path, repo_root: Path, user: str,
             hosts: list[str]) -> PushOptions:
    return PushOptions(
        feature="baseline", templates_dir=repo_root / "templates",
        backups_dir=tmp_path / "backups", commit=True, timeout=20.0,
        targets={h: Target("127.0.0.1", net.ports[h], "admin", "admin") for h in hosts},
        user=user, known_hosts=tmp_path / "known_hosts",
        guard=Guard(allow_protected=True))  # the baseline changes management access


def test_second_push_to_the_same_device_is_refused(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    shared, other = list(net.devices)
    net[shared].knobs.delay = 0.5  # alice's push is slow on the shared device
    net[shared].knobs.delay_match = r"^(undo )?telnet"
    url = f"sqlite:///{tmp_path / 'state.db'}"
    results: dict[str, PushResult] = {}

    def alice() -> None:
        with StateStore(url) as store:
            opts = _options(net, tmp_path, repo_root, "alice", [shared])
            results["alice"] = push(inv, [shared], opts, Secrets(None, env=SECRETS),
                                    store=store)

    t = threading.Thread(target=alice)
    t.start()
    with StateStore(url) as store:
        locks = DeviceLocks(store)
        deadline = time.monotonic() + 20
        while not locks.held() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [lk.name for lk in locks.held()] == [f"device:{shared}"]
        opts = _options(net, tmp_path, repo_root, "bob", [shared, other])
        bob = push(inv, [shared, other], opts, Secrets(None, env=SECRETS), store=store)
    t.join(60)
    assert net[shared].logins == 1  # alice's only: bob never logged in to the locked device
    by = {o.hostname: o for o in bob.outcomes}
    assert by[shared].status == "failed"
    assert f"device:{shared} is locked by alice on" in by[shared].error
    assert "since 20" in by[shared].error and "push baseline" in by[shared].error
    assert by[other].status == "changed", by[other].error
    assert [o.status for o in results["alice"].outcomes] == ["changed"]
    with StateStore(url) as store:
        assert DeviceLocks(store).held() == []  # both released
        records = store.pushes()
    assert {r.user for r in records} == {"alice", "bob"}
