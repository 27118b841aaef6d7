"""SSH host keys: trust on first use with an audit line, a changed key refused before login,
strict mode, ``netctl ssh keys list|accept|forget``, against the emulator presenting keys.

The refusal is checked on both sides: the push reports the device failed with both
fingerprints, and the emulated device saw no authentication attempt (no password was sent).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import paramiko  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner

from netctl.cli import build_app
from netctl.config.connect import Target
from netctl.config.guard import Guard
from netctl.config.hostkeys import KnownHosts, fingerprint, host_id
from netctl.config.push import PushOptions, PushResult, push
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role
from netctl.secrets import Secrets
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


@pytest.fixture(scope="module")
def two(inv: Inventory) -> list[tuple[str, str]]:
    """Two Huawei gateways (hostname, platform)."""
    names = [d.hostname for d in inv.devices.values()
             if d.role is Role.GATEWAY and d.platform.value == "huawei_vrp"][:2]
    assert len(names) == 2
    return [(n, "huawei_vrp") for n in names]


@pytest.fixture
def net(two: list[tuple[str, str]]) -> Iterator[EmulatedNetwork]:
    with EmulatedNetwork([HostSpec(h, p) for h, p in two]) as network:
        yield network


def _options(net: EmulatedNetwork, tmp_path: Path, repo_root: Path, *, strict: bool = False,
             commit: bool = True) -> PushOptions:
    return PushOptions(
        feature="baseline", templates_dir=repo_root / "templates",
        backups_dir=tmp_path / "backups", commit=commit, timeout=20.0,
        targets={h: Target("127.0.0.1", net.ports[h], "admin", "admin") for h in net.devices},
        user="tester", known_hosts=tmp_path / "known_hosts", strict_host_keys=strict,
        guard=Guard(allow_protected=True))  # the baseline changes management access


def _run(inv: Inventory, opts: PushOptions) -> PushResult:
    return push(inv, list(opts.targets), opts, Secrets(None, env=SECRETS))


def test_first_connect_records_key_with_audit_line(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    result = _run(inv, _options(net, tmp_path, repo_root, commit=False))
    assert {o.status for o in result.outcomes} == {"would_change"}, result.outcomes
    known = KnownHosts(tmp_path / "known_hosts")
    entries = known.entries()
    assert sorted(e.host for e in entries) == sorted(
        host_id("127.0.0.1", p) for p in net.ports.values())
    assert {e.comment for e in entries} == set(net.devices)
    audit = known.audit_path.read_text().splitlines()
    assert len(audit) == 2
    assert all("event=tofu" in line and "SHA256:" in line and "user=tester" in line
               for line in audit)
    # OpenSSH's own parser reads the file (netctl writes the standard format)
    hk = paramiko.HostKeys(str(tmp_path / "known_hosts"))
    assert len(hk) == 2
    # a second run: same keys, no new audit line
    _run(inv, _options(net, tmp_path, repo_root, commit=False))
    assert len(known.audit_path.read_text().splitlines()) == 2


def test_changed_key_refused_before_login_for_that_device_only(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    first, second = list(net.devices)
    _run(inv, _options(net, tmp_path, repo_root, commit=False))
    before = net[first].running_config
    logins = (net[first].logins, net[first].failed_logins)
    impostor = paramiko.RSAKey.generate(2048)
    net.set_host_key(first, impostor)

    result = _run(inv, _options(net, tmp_path, repo_root))
    by = {o.hostname: o for o in result.outcomes}
    assert by[first].status == "failed"
    assert "HOST KEY CHANGED" in by[first].error
    assert fingerprint(impostor) in by[first].error
    assert (f"netctl ssh keys accept '{host_id('127.0.0.1', net.ports[first])}' "
            f"--fingerprint {fingerprint(impostor)}") in by[first].error
    assert by[second].status == "changed", by[second].error  # the other device is pushed
    # nothing sent, not even the password: the impostor saw no authentication attempt
    assert (net[first].logins, net[first].failed_logins) == logins
    assert net[first].running_config == before
    audit = KnownHosts(tmp_path / "known_hosts").audit_path.read_text()
    assert "event=refused-changed" in audit and fingerprint(impostor) in audit


def test_strict_mode_refuses_unknown_keys(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    result = _run(inv, _options(net, tmp_path, repo_root, strict=True, commit=False))
    assert {o.status for o in result.outcomes} == {"failed"}
    assert all("unknown host key" in o.error and "strict" in o.error for o in result.outcomes)
    assert all(net[h].logins == 0 and net[h].failed_logins == 0 for h in net.devices)
    assert not (tmp_path / "known_hosts").exists() or not KnownHosts(
        tmp_path / "known_hosts").entries()


def test_cli_list_accept_forget(
    inv: Inventory, net: EmulatedNetwork, tmp_path: Path, repo_root: Path
) -> None:
    first = next(iter(net.devices))
    hid = host_id("127.0.0.1", net.ports[first])
    env = {**os.environ, "NETCTL_KNOWN_HOSTS": str(tmp_path / "known_hosts"),
           "NETCTL_USER": "alice"}
    runner = CliRunner()
    app = build_app("ssh")

    # strict: unknown refused; accept with the wrong fingerprint records nothing
    bad = runner.invoke(app, ["ssh", "keys", "accept", hid, "--fingerprint", "SHA256:nope"],
                        env=env)
    assert bad.exit_code == 1, bad.output
    assert "not the SHA256:nope" in bad.output
    # without a fingerprint: shows the presented one, records nothing
    shown = runner.invoke(app, ["ssh", "keys", "accept", hid], env=env)
    assert shown.exit_code == 1 and "SHA256:" in shown.output
    from netctl.testing.emulator.server import host_key

    good = fingerprint(host_key())
    ok = runner.invoke(app, ["ssh", "keys", "accept", hid, "--fingerprint", good], env=env)
    assert ok.exit_code == 0, ok.output
    listed = runner.invoke(app, ["ssh", "keys", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0 and good in listed.output and hid in listed.output

    # strict push now works for the accepted host
    opts = _options(net, tmp_path, repo_root, strict=True, commit=False)
    result = _run(inv, opts)
    assert {o.hostname: o.status for o in result.outcomes}[first] == "would_change"

    gone = runner.invoke(app, ["ssh", "keys", "forget", hid], env=env)
    assert gone.exit_code == 0, gone.output
    assert not KnownHosts(tmp_path / "known_hosts").lookup(hid)
    missing = runner.invoke(app, ["ssh", "keys", "forget", hid], env=env)
    assert missing.exit_code == 1
    audit = KnownHosts(tmp_path / "known_hosts").audit_path.read_text()
    assert "user=alice event=accept" in audit and "user=alice event=forget" in audit
