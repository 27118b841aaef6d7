"""A failed push undoes every line it sent, including a line outside the feature's scope.

Issue 13: an interface name carrying ``\\nundo stelnet server enable`` was pushed, and the scoped
rollback left SSH disabled while reporting "rolled back". The inventory now refuses such a name
(tests/unit/security), but the rollback must not rely on it: here the injected line is forced
into the remediation (a global line and an interface line, both outside the baseline's scope), a
later line is rejected by the emulated device, and the rollback must undo both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import netctl.config.push as push_module
from netctl.config.connect import Target
from netctl.config.diff import Diff, compute_diff
from netctl.config.guard import Guard
from netctl.config.push import PushOptions, push
from netctl.inventory.index import Inventory, load_inventory
from netctl.models.inventory import Role
from netctl.secrets import Secrets
from netctl.testing.emulator import EmulatedNetwork, HostSpec

pytestmark = pytest.mark.integration

SECRETS = {
    "NETCTL_CRED_CAMPUS_ADMIN_PASSWORD": "Adm1n-Pa55w0rd",
    "NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY": "AuthKey-12345",
    "NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY": "PrivKey-67890",
}
INITIAL = ("lldp enable\n"
           "interface Vlanif10\n description teachers\n ip address 10.1.1.1 255.255.255.0\n")
# outside the baseline's scope (templates/scopes.yaml): a scoped rollback would leave both
INJECTED = ["interface Vlanif10", " shutdown", " quit", "undo lldp enable"]


@pytest.fixture(scope="module")
def inv(sample_dir: Path) -> Inventory:
    return load_inventory(sample_dir)


@pytest.fixture
def huawei(inv: Inventory) -> Iterator[tuple[str, EmulatedNetwork]]:
    host = next(d.hostname for d in inv.devices.values()
                if d.role is Role.GATEWAY and d.platform.value == "huawei_vrp")
    with EmulatedNetwork([HostSpec(host, "huawei_vrp", initial_config=INITIAL)]) as net:
        yield host, net


def test_rollback_undoes_a_line_outside_the_scope(
    inv: Inventory, huawei: tuple[str, EmulatedNetwork], tmp_path: Path, repo_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, net = huawei
    real = compute_diff

    def with_injection(*args: Any, **kwargs: Any) -> Diff:
        diff = real(*args, **kwargs)
        if not diff.changed:
            return diff
        # the injected lines go first (as an interface name would have put them), then the
        # feature's own lines, of which the device rejects one
        return replace(diff, remediation=INJECTED + diff.remediation)

    monkeypatch.setattr(push_module, "compute_diff", with_injection)
    net[host].knobs.unsupported.append(r"^info-center loghost")
    before = net[host].running_config
    assert net[host].has_line("lldp enable")
    opts = PushOptions(feature="baseline", templates_dir=repo_root / "templates",
                       backups_dir=tmp_path / "backups", commit=True, timeout=20.0,
                       targets={host: Target("127.0.0.1", net.ports[host], "admin", "admin")},
                       user="tester", guard=Guard(allow_protected=True))
    result = push(inv, [host], opts, Secrets(None, env=SECRETS))
    outcome = result.outcomes[0]
    assert outcome.status == "rolled_back", outcome.error
    assert "undo lldp enable" in outcome.remediation  # it was sent ...
    assert net[host].has_line("lldp enable"), net[host].running_config  # ... and undone
    assert not net[host].has_line("shutdown", section="interface Vlanif10")
    after = {line.strip() for line in net[host].running_config.splitlines() if line.strip("# ")}
    was = {line.strip() for line in before.splitlines() if line.strip("# ")}
    assert was <= after
    assert after - was <= {"telnet server enable"}  # a default the push had negated, now shown
