"""The real daemon as a subprocess (SIGHUP reloads the inventory, SIGTERM flushes and exits 0)
and ``netctl collect snmp --once`` end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import PYTHON, REPO, Agent, Victoria  # type: ignore[import-not-found, unused-ignore]
from typer.testing import CliRunner

from netctl.state.store import StateStore
from netctl.testing.pgserver import PgServer

pytestmark = pytest.mark.integration


def _config(home: Path, vm: Victoria | None, *, deadline: float = 3.0) -> Path:
    influx = (f'url = "{vm.url}"\nflush_interval_s = 0.5\nspool_dir = "spool"\n'
              if vm is not None else "enabled = false\n")
    cfg = home / "collectors" / "daemons" / "snmp.toml"
    cfg.write_text(f"[snmp]\ntimeout_s = 0.5\nretries = 0\ndeadline_s = {deadline}\n"
                   f"[influx]\n{influx}[state]\nflush_interval_s = 0.5\n"
                   "[health]\ninterval_s = 1\n", encoding="utf-8")
    return cfg


def _targets(home: Path, agent: Agent) -> Path:
    """Every lab device (and any added later) answered by the test snmpd on loopback."""
    path = home / "targets.yaml"
    path.write_text(f'"lab-*": {{address: "{agent.address()}", community: public}}\n',
                    encoding="utf-8")
    return path


def _poll_ok(state: Path | str) -> dict[str, float]:
    """poll_ok per device, read without migrating (the daemon owns the schema); ``state``: a
    SQLite file or a database URL."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(state, Path) and not state.exists():
        return {}
    url = f"sqlite:///{state}" if isinstance(state, Path) else state
    try:
        with StateStore(url, migrate=False) as store:
            return {o.device: float(o.value) for o in store.latest(metric="poll_ok")
                    if isinstance(o.value, float)}
    except SQLAlchemyError:  # the daemon is still creating its tables
        return {}


def _wait(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def _start_daemon(home: Path, state: str, targets: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """``netctl daemon`` as the service runs it, its output in ``log_path``; ``state``: a SQLite
    file or a database URL."""
    env = dict(os.environ, NETCTL_HOME=str(home), NETCTL_STATE=state,
               NETCTL_SECRETS=str(home / "no-secrets.yaml"))
    with log_path.open("wb") as log:
        return subprocess.Popen([PYTHON, "-m", "netctl", "daemon", "--targets", str(targets)],
                                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def test_daemon_reloads_on_sighup_and_flushes_on_sigterm(lab_home: Path, snmpd: Agent,
                                                         victoria: Victoria) -> None:
    _config(lab_home, victoria)
    targets = _targets(lab_home, snmpd)
    state = lab_home / "state.db"
    log_path = lab_home / "daemon.log"
    spool = lab_home / "spool"  # a corrupt batch and crash debris must not stop the writes
    spool.mkdir(exist_ok=True)
    (spool / "000000000001-3.lp.gz").write_bytes(b"corrupt")
    (spool / "000000000002-3.lp.tmp").write_bytes(b"half")
    proc = _start_daemon(lab_home, str(state), targets, log_path)
    try:
        assert _wait(lambda: _poll_ok(state).get("lab-0001-core1") == 1.0, 30), (
            log_path.read_text())
        assert "lab-0004-new" not in _poll_ok(state)
        county = lab_home / "inventory" / "counties" / "640104.yaml"
        county.write_text(county.read_text(encoding="utf-8") + (
            "- code: '2401040904'\n  name: 兴庆区新建学校\n  category: urban\n"
            "  stage: primary\n  devices:\n"
            "  - {hostname: lab-0004-new, role: gateway, model: S5735-L48T4X-A1}\n"),
            encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        assert _wait(lambda: _poll_ok(state).get("lab-0004-new") == 1.0, 20), (
            log_path.read_text())
        time.sleep(1.5)  # a health report
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log_path.read_text(encoding="utf-8")
    assert "reloaded:" in text
    assert "stopped" in text
    assert not any((lab_home / "spool").glob("*.lp.gz"))  # everything reached the server
    assert not any((lab_home / "spool").glob("*.tmp"))
    assert [p.name for p in (lab_home / "spool" / "quarantine").iterdir()] == [
        "000000000001-3.lp.gz"]
    assert "is unreadable" in text and "replay goes on" in text
    samples = victoria.wait_samples('{__name__="snmp_system_poll_ok", device="lab-0004-new"}', 1)
    assert samples
    assert samples[0][3] == 1.0
    health = victoria.wait_samples('{__name__="netctl_collector_polls_ok", collector="snmp"}', 1)
    assert health


def test_collect_snmp_once_cli(lab_home: Path, snmpd: Agent) -> None:
    """One ``--once`` run: the live devices are polled and stored, a dead one makes exit 1."""
    from netctl.cli import app

    _config(lab_home, None, deadline=2.0)
    targets = lab_home / "targets.yaml"
    targets.write_text(f'"lab-0001-*": {{address: "{snmpd.address()}", community: public}}\n'
                       '"lab-0003-dead": {address: "udp://127.0.0.1:9", community: public}\n',
                       encoding="utf-8")
    env = {"NETCTL_STATE": str(lab_home / "state.db"),
           "NETCTL_SECRETS": str(lab_home / "no-secrets.yaml")}
    result = CliRunner().invoke(app, [
        "--home", str(lab_home), "collect", "snmp", "--once", "--targets", str(targets),
        "--host", "lab-0001-core1", "--host", "lab-0001-sw1", "--host", "lab-0003-dead",
        "--format", "json"], env=env)
    assert result.exit_code == 1, result.output
    assert '"profile": "if_mib"' in result.stdout
    assert "lab-0003-dead" in result.stdout
    polled = _poll_ok(lab_home / "state.db")
    assert polled == {"lab-0001-core1": 1.0, "lab-0001-sw1": 1.0, "lab-0003-dead": 0.0}


def test_daemon_on_postgresql(lab_home: Path, snmpd: Agent, pg_server: PgServer) -> None:
    """The daemon with its state store on PostgreSQL (a region on several machines): it
    migrates the empty database, polls, stores every device and stops cleanly on SIGTERM."""
    _config(lab_home, None)
    targets = _targets(lab_home, snmpd)
    url = pg_server.new_database()
    log_path = lab_home / "daemon.log"
    proc = _start_daemon(lab_home, url, targets, log_path)
    try:
        assert _wait(lambda: _poll_ok(url).get("lab-0001-core1") == 1.0, 30), (
            log_path.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    polled = _poll_ok(url)
    assert polled and set(polled.values()) == {1.0}, polled
    with StateStore(url, migrate=False) as store:
        assert store.version() >= 1
        assert {o.metric for o in store.latest(devices=["lab-0001-core1"])} >= {
            "poll_ok", "sys_uptime"}, "the system profile's values were not stored"
