"""The probes as schedules of ``netctl daemon``: the real daemon, its real InfluxDB sink writing
to VictoriaMetrics (Debian ``victoria-metrics``, InfluxDB v2 write API) and the state store.

Everything is on loopback: gateways are 127.0.0.1/::1/127.0.0.2, the SNMP polls that the daemon
also makes go to 127.0.0.x:161, and the website schedule asks a resolver on a closed loopback
port (its verdict is ``dns_error``: the wiring is what is tested here; verdicts are tested in
``test_probe_web.py``)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netctl.daemon import run_daemon
from netctl.probes.schedule import load_probe_settings
from netctl.settings import Settings
from netctl.state.store import StateStore
from netctl.testing.probelab import write_lab_inventory
from netctl.testing.websim import free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def _get(url: str, timeout: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URL
        data: bytes = resp.read()
        return data


@pytest.fixture(scope="module")
def victoria(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """VictoriaMetrics on a loopback port; yields its base URL."""
    binary = shutil.which("victoria-metrics")
    if binary is None:
        pytest.skip("victoria-metrics is not installed (.ci/apt-packages)")
    port = free_port(("127.0.0.1",))
    data = tmp_path_factory.mktemp("vm")
    log = (data / "vm.log").open("wb")
    proc = subprocess.Popen([binary, f"-httpListenAddr=127.0.0.1:{port}",
                             f"-storageDataPath={data}", "-retentionPeriod=1d",
                             "-search.latencyOffset=0s"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if _get(f"{url}/health").strip() == b"OK":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("victoria-metrics did not start: " + (data / "vm.log").read_text())
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_load_probe_settings_rejects_unknown_keys(tmp_path: Path) -> None:
    from netctl.exceptions import ConfigError

    (tmp_path / "probes.toml").write_text("[reach]\nintervall_s = 60\n")
    with pytest.raises(ConfigError, match=r"reach\.intervall_s"):
        load_probe_settings(tmp_path / "probes.toml")
    assert load_probe_settings(tmp_path / "absent.toml").reach.interval_s == 300


async def test_daemon_runs_the_probe_schedules(victoria: str, tmp_path: Path,
                                               state_url: str) -> None:
    """On SQLite and on PostgreSQL (``state_url``)."""
    inv = write_lab_inventory(tmp_path / "inventory")
    daemons = tmp_path / "collectors" / "daemons"
    daemons.mkdir(parents=True)
    (daemons / "snmp.toml").write_text(
        f'[snmp]\nprofiles = "{REPO / "collectors" / "snmp" / "profiles"}"\n'
        "timeout_s = 0.2\nretries = 0\ndeadline_s = 2\n"
        f'[influx]\nurl = "{victoria}"\nflush_interval_s = 0.5\nspool_dir = "spool"\n'
        "[state]\nflush_interval_s = 0.5\n")
    method = "icmp" if os.geteuid() == 0 else "tcp"
    dead_dns = free_port(("127.0.0.1",))
    (daemons / "probes.toml").write_text(
        "[reach]\ninterval_s = 10\nstart_jitter_s = 0\n"
        f'method = "{method}"\ncount = 2\ninterval = 0.05\ntimeout = 0.5\n'
        'allowed_networks = ["127.0.0.0/8", "::1/128"]\n'
        "[web]\ninterval_s = 60\nstart_jitter_s = 0\nsite_timeout = 10\n"
        f'resolvers = ["127.0.0.1:{dead_dns}"]\nallowed_networks = ["127.0.0.0/8", "::1/128"]\n')
    settings = Settings.from_env({"NETCTL_HOME": str(tmp_path),
                                  "NETCTL_INVENTORY": str(inv),
                                  "NETCTL_COLLECTORS": str(tmp_path / "collectors"),
                                  "NETCTL_STATE": state_url,
                                  "NETCTL_SECRETS": str(tmp_path / "secrets.yaml")})
    stop = asyncio.Event()
    daemon = asyncio.create_task(run_daemon(settings, config_path=daemons / "snmp.toml",
                                            stop=stop, snmp=False))
    wanted = {("gw-dual", "reach_v6_loss"), ("gw-dual", "reach_v4_loss"),
              ("gw-v4", "reach_v4_loss"), ("web:dual.test", "web_ipv6_supported"),
              ("web:v4only.test", "web_reason")}
    latest: dict[tuple[str, str], object] = {}
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline and not daemon.done():
            await asyncio.sleep(0.3)
            if state_url.startswith("sqlite") and not (tmp_path / "state.db").exists():
                continue
            with StateStore(settings.state_url) as store:
                latest = {(o.device, o.metric): o.value for o in store.latest()}
            if wanted <= set(latest):
                break
    finally:
        await asyncio.sleep(1.0)  # one more sink flush
        stop.set()
        await asyncio.wait_for(daemon, 30)
    assert wanted <= set(latest), sorted(latest)
    assert latest[("gw-dual", "reach_v6_loss")] == 0.0
    assert latest[("gw-dual", "reach_v4_loss")] == 0.0
    assert latest[("gw-v4", "reach_v4_loss")] == 0.0
    assert latest[("web:dual.test", "web_reason")] == "dns_error"
    assert ("sw-v4", "reach_v4_loss") not in latest  # only gateways by default

    _get(f"{victoria}/internal/force_flush")
    series: list[dict[str, Any]] = []
    for _ in range(50):
        body = _get(f"{victoria}/api/v1/export?match[]=" + urllib.parse.quote(
            '{__name__=~"probe_.*|netctl_collector_.*"}'))
        series = [json.loads(line) for line in body.splitlines() if line.strip()]
        names = {str(s["metric"]["__name__"]) for s in series}
        if {"probe_reach_loss", "probe_web_supported"} <= names:
            break
        await asyncio.sleep(0.2)
    labels: list[dict[str, str]] = [s["metric"] for s in series]
    v6 = next(m for m in labels
              if m["__name__"] == "probe_reach_loss" and m.get("family") == "ipv6")
    assert {"device": "gw-dual", "role": "gateway", "school": "6401040001", "county": "640104",
            "city": "640100"}.items() <= v6.items()
    assert any(m["__name__"] == "probe_web_supported" and m.get("domain") == "dual.test"
               for m in labels)
    assert any(m["__name__"] == "netctl_collector_polls_ok" and m.get("collector") == "probe-reach"
               for m in labels)
