"""``netctl config diff | push | history | rollback`` as an engineer runs them (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from netctl.inventory.index import load_inventory
from netctl.models.inventory import Role
from netctl.testing.emulator import EmulatedNetwork, HostSpec

pytestmark = pytest.mark.integration


@pytest.fixture
def lab(sample_dir: Path, tmp_path: Path) -> Iterator[tuple[EmulatedNetwork, list[str], Path]]:
    inv = load_inventory(sample_dir)
    hosts = []
    for platform in ("huawei_vrp", "cisco_ios"):
        hosts.append(next(d.hostname for d in inv.devices.values()
                          if d.role is Role.GATEWAY and d.platform.value == platform))
    with EmulatedNetwork([HostSpec(h, inv.devices[h].platform.value) for h in hosts]) as net:
        targets = tmp_path / "targets.yaml"
        targets.write_text("".join(f"{h}: 127.0.0.1:{net.ports[h]}\n" for h in hosts),
                           encoding="utf-8")
        yield net, hosts, targets


def netctl(sample_dir: Path, tmp_path: Path, repo_root: Path, *args: str
           ) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ, NETCTL_INVENTORY=str(sample_dir), NETCTL_TEMPLATES=str(repo_root / "templates"),
        NETCTL_STATE=str(tmp_path / "state.db"), NETCTL_SECRETS=str(tmp_path / "none.yaml"),
        NETCTL_CRED_DEFAULT_USERNAME="admin", NETCTL_CRED_DEFAULT_PASSWORD="admin",
        NETCTL_CRED_CAMPUS_ADMIN_PASSWORD="Adm1n-Pa55w0rd",
        NETCTL_CRED_SNMPV3_DEFAULT_AUTH_KEY="AuthKey-12345",
        NETCTL_CRED_SNMPV3_DEFAULT_PRIV_KEY="PrivKey-67890",
        NETCTL_CRED_RADIUS_CAMPUS_PASSWORD="Rad1us-Key-24680",
        NETCTL_CRED_SNMPV3_RGOS_AUTH_KEY="AuthRgos-12345",
        NETCTL_CRED_SNMPV3_RGOS_PRIV_KEY="PrivRgos-67890",
    )
    return subprocess.run([sys.executable, "-m", "netctl", *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=180, check=False)


def test_diff_push_history_rollback(lab: tuple[EmulatedNetwork, list[str], Path],
                                    sample_dir: Path, tmp_path: Path, repo_root: Path) -> None:
    net, hosts, targets = lab
    sel = [a for h in hosts for a in ("--host", h)]

    def run(*a: str) -> subprocess.CompletedProcess[str]:
        return netctl(sample_dir, tmp_path, repo_root, *a)

    refused = run("config", "diff", *sel, "--feature", "baseline", "--targets", str(targets))
    assert refused.returncode == 1, refused.stderr  # the baseline changes management access
    assert "summary: refused 2" in refused.stdout
    assert "touches protected configuration" in refused.stderr
    dry = run("config", "diff", *sel, "--feature", "baseline", "--targets", str(targets),
              "--allow-protected")
    assert dry.returncode == 0, dry.stderr
    assert "undo telnet server enable" in dry.stdout
    assert "summary: would_change 2" in dry.stdout
    assert "Adm1n-Pa55w0rd" not in dry.stdout + dry.stderr

    done = run("config", "push", *sel, "--feature", "baseline", "--commit", "--targets",
               str(targets), "--format", "json", "--allow-protected")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [d["status"] for d in report["devices"]] == ["changed", "changed"]
    assert {"connect", "send", "verify", "save"} <= set(report["devices"][0]["steps"])
    huawei = hosts[0]
    assert net[huawei].has_line("ntp-service unicast-server 10.64.0.1")

    hist = run("config", "history", "--format", "json")  # pushes that sent: not the dry runs
    pushes = json.loads(hist.stdout)
    assert [r["dry_run"] for r in pushes] == [False]
    assert "(overrides: allow-protected)" in pushes[0]["summary"]
    started = datetime.fromisoformat(pushes[0]["started"])  # JSON: UTC
    assert started.utcoffset() == timedelta(0)
    table = run("config", "history").stdout  # people: Beijing time
    assert "Beijing time" in table
    assert f"{started.astimezone(timezone(timedelta(hours=8))):%Y-%m-%d %H:%M}" in table
    hist = run("config", "history", "--all", "--format", "json")
    records = json.loads(hist.stdout)
    assert [r["kind"] for r in records] == ["push", "dry run", "dry run"]
    assert records[2]["summary"].startswith("refused 2")
    backups = json.loads(run("config", "history", huawei, "--format", "json").stdout)
    assert len(backups) == 2  # before and after the push (a dry run stores no new copy)

    # the baseline push added 12 lines to this device (RADIUS pair template included): its
    # rollback removes them, more than the default blast-radius guard lets through
    back = run("config", "rollback", huawei, "--commit", "--targets", str(targets),
               "--allow-removals", "20")
    # the SNMPv3 user the push created: its encrypted keys, as the device displays them
    # (%#%#…%#%#), are neither printed nor stored in the state store
    # (the rollback keeps protected lines and lists them: masked)
    assert ("kept (protected): snmp-agent usm-user v3 netctl authentication-mode sha <masked>"
            in back.stdout), back.stdout
    assert "%#%#" not in back.stdout + back.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "state.db") as db:
        stored = " ".join(str(r) for r in db.execute("SELECT diff, error FROM push_devices"))
    assert "%#%#" not in stored and "Rad1us-Key-24680" not in stored
    assert "Rad1us-Key-24680" not in back.stdout + back.stderr
    backup_text = "".join(p.read_text() for p in (tmp_path / ".netctl" / "backups").rglob("*.cfg"))
    assert "%#%#" not in backup_text and "Adm1n-Pa55w0rd" not in backup_text
    assert "Rad1us-Key-24680" not in backup_text and "%^%#" not in backup_text
    assert back.returncode == 0, back.stdout + back.stderr
    assert "changed 1" in back.stdout
    assert not net[huawei].has_line("ntp-service unicast-server 10.64.0.1")
    # back to the device as it was before the push, except protected lines, which a rollback
    # never removes: the user the push created stays (and is listed as kept)
    assert "local-user netops" in net[huawei].running_config
    assert "kept (protected)" in back.stdout, back.stdout


def test_a_failed_device_gives_exit_1_and_its_reason(
        lab: tuple[EmulatedNetwork, list[str], Path], sample_dir: Path, tmp_path: Path,
        repo_root: Path) -> None:
    net, hosts, targets = lab
    net[hosts[1]].knobs.refuse_login = True
    r = netctl(sample_dir, tmp_path, repo_root, "config", "push", "--host", hosts[0], "--host",
               hosts[1], "--feature", "baseline", "--commit", "--targets", str(targets),
               "--allow-protected")
    assert r.returncode == 1
    assert f"{hosts[1]}: failed: connect:" in r.stderr
    assert "changed 1" in r.stdout and "failed 1" in r.stdout


def test_strict_host_keys_from_the_command_line(lab: tuple[EmulatedNetwork, list[str], Path],
                                                sample_dir: Path, tmp_path: Path,
                                                repo_root: Path) -> None:
    """``--strict-host-keys`` refuses unknown keys before login; a TOFU run records them in
    ``known_hosts`` beside the state store, after which strict mode connects."""
    net, hosts, targets = lab
    sel = [a for h in hosts for a in ("--host", h)]
    strict = netctl(sample_dir, tmp_path, repo_root, "config", "diff", *sel, "--feature",
                    "baseline", "--targets", str(targets), "--strict-host-keys",
                    "--allow-protected")
    assert strict.returncode == 1
    assert strict.stderr.count("unknown host key") == 2, strict.stderr
    assert all(net[h].logins == 0 and net[h].failed_logins == 0 for h in hosts)
    tofu = netctl(sample_dir, tmp_path, repo_root, "config", "diff", *sel, "--feature",
                  "baseline", "--targets", str(targets), "--allow-protected")
    assert tofu.returncode == 0, tofu.stderr
    assert len((tmp_path / "known_hosts").read_text().splitlines()) == 2
    again = netctl(sample_dir, tmp_path, repo_root, "config", "diff", *sel, "--feature",
                   "baseline", "--targets", str(targets), "--strict-host-keys",
                   "--allow-protected")
    assert again.returncode == 0, again.stderr
    listed = netctl(sample_dir, tmp_path, repo_root, "ssh", "keys", "list", "--format", "json")
    assert listed.returncode == 0 and all(h in listed.stdout for h in hosts)
