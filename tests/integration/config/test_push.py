"""``netctl config push`` against stateful SSH emulators of the four vendor platforms.

Each test pushes real rendered templates through netmiko to emulated devices that keep state
(``netctl.testing.emulator``) and checks what the devices hold afterwards.
"""

from __future__ import annotations

import gc
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
from netctl.testing.emulator import EmulatedNetwork, HostSpec

pytestmark = pytest.mark.integration

SECRETS = {
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Adm1n-Pa55w0rd",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "AuthKey-12345",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "PrivKey-67890",
    "NETCTL_CRED_RADIUS_CAMPUS_PASSWORD": "Rad1us-Key-2",
    "NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY": "AuthRgos-1",
    "NETCTL_CRED_SNMPV3_RGOS_PRIV_KEY": "PrivRgos-1",
}
PLATFORMS = ("huawei_vrp", "hp_comware", "ruijie_os", "cisco_ios")
INITIAL = {  # lines outside the baseline's scope: a push must leave them alone
    "huawei_vrp": "interface Vlanif10\n description teachers\n ip address 10.1.1.1 255.255.255.0\n",
    "hp_comware": "interface Vlan-interface10\n description teachers\n",
    "ruijie_os": "interface VLAN 10\n description teachers\n",
    "cisco_ios": "interface Vlan10\n description teachers\n",
}


@pytest.fixture(scope="module")
def inv(sample_dir: Path) -> Inventory:
    return load_inventory(sample_dir)


@pytest.fixture(scope="module")
def gateways(inv: Inventory) -> dict[str, str]:
    """One gateway hostname per platform."""
    out: dict[str, str] = {}
    for d in inv.devices.values():
        if d.role is Role.GATEWAY:
            out.setdefault(d.platform.value, d.hostname)
    assert set(out) == set(PLATFORMS)
    return out


@pytest.fixture
def net(gateways: dict[str, str]) -> Iterator[EmulatedNetwork]:
    specs = [HostSpec(h, p, initial_config=INITIAL[p]) for p, h in gateways.items()]
    with EmulatedNetwork(specs) as network:
        yield network


def options(
    net: EmulatedNetwork,
    tmp_path: Path,
    repo_root: Path,
    *,
    commit: bool,
    timeout: float = 20.0,
    hosts: list[str] | None = None,
) -> PushOptions:
    names = hosts or list(net.devices)
    return PushOptions(
        feature="baseline",
        templates_dir=repo_root / "templates",
        backups_dir=tmp_path / "backups",
        commit=commit,
        timeout=timeout,
        targets={h: Target("127.0.0.1", net.ports[h], "admin", "admin") for h in names},
        user="tester",
        guard=Guard(allow_protected=True),  # the baseline changes management access
    )


def run(
    inv: Inventory, net: EmulatedNetwork, opts: PushOptions, store: StateStore | None = None
) -> PushResult:
    return push(inv, list(opts.targets), opts, Secrets(None, env=SECRETS), store=store)


def test_dry_run_then_push_then_idempotent(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    before = {h: net[h].running_config for h in net.devices}
    dry = run(inv, net, options(net, tmp_path, repo_root, commit=False))
    assert {o.status for o in dry.outcomes} == {"would_change"}
    assert all(net[h].running_config == before[h] for h in net.devices)
    assert all("<secret:" in o.remediation or "<prompt:" in o.remediation for o in dry.outcomes)

    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        done = run(inv, net, options(net, tmp_path, repo_root, commit=True), store)
        assert [o.status for o in done.outcomes] == ["changed"] * 4, [
            o.error for o in done.outcomes
        ]
        for o in done.outcomes:  # every step of the workflow timed, in order, and accounted
            assert [s for s in o.steps if s != "other"] == [
                "connect", "read", "backup", "diff", "send", "verify", "save", "disconnect"]
            assert sum(w for w, _ in o.steps.values()) >= o.seconds * 0.95
            assert all(w >= 0 and c >= 0 for w, c in o.steps.values())
        again = run(inv, net, options(net, tmp_path, repo_root, commit=True), store)
        assert [o.status for o in again.outcomes] == ["unchanged"] * 4, [
            (o.hostname, o.remediation) for o in again.outcomes
        ]
        records = store.pushes()
    assert [r.result for r in records] == ["ok", "ok"]
    assert records[1].user == "tester" and not records[1].dry_run
    assert {d.status for d in records[1].devices} == {"changed"}

    for platform, host in zip(PLATFORMS, net.devices, strict=False):
        del platform
        running = net[host].running_config
        assert "teachers" in running, "a line outside the feature's scope was touched"
        assert net[host].startup_config == running, "the push did not save"
    huawei = net[next(h for h in net.devices if net[h].platform == "huawei_vrp")]
    assert huawei.has_line("undo telnet server enable")
    assert huawei.has_line("idle-timeout 10 0", section="user-interface vty 0 4")


def test_secrets_never_reach_backups_records_or_output(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        result = run(inv, net, options(net, tmp_path, repo_root, commit=True), store)
        assert result.ok
        stored = repr(store.pushes())
    backups = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "backups").rglob("*.cfg"))
    assert backups
    for secret in SECRETS.values():
        assert secret not in backups
        assert secret not in stored
        assert all(secret not in o.remediation + o.error for o in result.outcomes)
    ruijie = next(h for h in net.devices if net[h].platform == "ruijie_os")
    # the keys reached the device (this emulated RGOS shows SNMP keys as typed); the admin
    # password is stored irreversibly (`username … secret 0 …` becomes `secret 5 …`)
    assert SECRETS["NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY"] in net[ruijie].running_config
    assert SECRETS["NETCTL_CRED_CAMPUS_ADMIN_PASSWORD"] not in net[ruijie].running_config
    assert "<masked>" in backups


def test_rejected_line_rolls_back_and_saves_nothing(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    host = next(h for h in net.devices if net[h].platform == "hp_comware")
    net[host].knobs.unsupported.append(r"^info-center loghost")
    before_running, before_startup = net[host].running_config, net[host].startup_config
    result = run(inv, net, options(net, tmp_path, repo_root, commit=True))
    outcome = next(o for o in result.outcomes if o.hostname == host)
    assert outcome.status == "rolled_back", outcome.error
    assert "rejected 'info-center loghost" in outcome.error
    # back to the state before the push; the one line that differs is the default the push had
    # negated ("undo telnet server enable"), which the device now displays explicitly
    after = [line.strip() for line in net[host].running_config.splitlines() if line.strip("# ")]
    before = [line.strip() for line in before_running.splitlines() if line.strip("# ")]
    assert set(after) - set(before) == {"telnet server enable"}
    assert set(before) <= set(after)
    assert net[host].startup_config == before_startup
    others = [o for o in result.outcomes if o.hostname != host]
    assert {o.status for o in others} == {"changed"}
    assert not result.ok


def test_a_slow_device_times_out_alone(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    slow = next(h for h in net.devices if net[h].platform == "cisco_ios")
    net[slow].knobs.delay = 8.0
    net[slow].knobs.delay_match = r"^ntp server"
    start = time.monotonic()
    result = run(inv, net, options(net, tmp_path, repo_root, commit=True, timeout=3.0))
    took = time.monotonic() - start
    by_host = {o.hostname: o for o in result.outcomes}
    assert by_host[slow].failed, by_host[slow]
    assert "ntp server" not in net[slow].startup_config
    assert all(o.status == "changed" for h, o in by_host.items() if h != slow)
    assert took < 60


def test_refused_login_fails_alone(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    locked = next(h for h in net.devices if net[h].platform == "huawei_vrp")
    net[locked].knobs.refuse_login = True
    result = run(inv, net, options(net, tmp_path, repo_root, commit=True))
    by_host = {o.hostname: o for o in result.outcomes}
    assert by_host[locked].status == "failed"
    assert by_host[locked].error.startswith("connect:")
    assert sum(o.status == "changed" for o in result.outcomes) == 3


def test_fifty_devices_in_parallel(inv: Inventory, tmp_path: Path, repo_root: Path) -> None:
    hosts = [
        d.hostname for d in inv.devices.values() if d.role in (Role.GATEWAY, Role.ACCESS, Role.WLC)
    ][:50]
    assert len(hosts) == 50
    specs = [HostSpec(h, inv.devices[h].platform.value) for h in hosts]
    gc.unfreeze()  # whatever an earlier test froze: the push must leave nothing frozen
    with EmulatedNetwork(specs) as net:
        opts = options(net, tmp_path, repo_root, commit=True, hosts=hosts)
        start = time.monotonic()
        result = run(inv, net, opts)
        took = time.monotonic() - start
        assert [o.status for o in result.outcomes].count("changed") == 50, [
            (o.hostname, o.error) for o in result.failed
        ]
        assert all(
            net[h].has_line("ntp-service unicast-server 10.64.0.1")
            or net[h].has_line("ntp server 10.64.0.1")
            for h in hosts
        )
        # kept to the end of the run: one string per distinct line across the outcomes, each
        # outcome's lines still its own remediation; nothing left frozen for the collector
        seen: dict[str, str] = {}
        for o in result.outcomes:
            assert o.diff is not None and o.diff.text == o.remediation
            assert all(seen.setdefault(line, line) is line for line in o.diff.remediation)
        assert len(seen) < sum(len(o.diff.remediation) for o in result.outcomes if o.diff)
        assert gc.get_freeze_count() == 0
    print(f"50 devices pushed in {took:.1f} s")
    assert took < 90
