"""A real InfluxDB 1.x (Debian's ``influxdb``) on a free loopback port, for the whole session,
loaded with the scenario of :mod:`scenario`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dash_scenario as scenario  # type: ignore[import-not-found,unused-ignore]
import httpx
import pytest

from netctl.dashboards.grafana import Influx
from netctl.inventory.index import Inventory, load_inventory

DB = "netctl"
CONF = """\
reporting-disabled = true
reporting-enabled = false
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{root}/meta"
  logging-enabled = false
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  index-version = "inmem"
[coordinator]
  query-timeout = "30s"
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a private ``influxd`` (stopped at the end of the session)."""
    binary = shutil.which("influxd")
    if binary is None:
        msg = "influxd not installed (Debian package influxdb, listed in .ci/apt-packages)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    root = tmp_path_factory.mktemp("influxdb")
    port = _free_port()
    conf = root / "influxdb.conf"
    conf.write_text(CONF.format(root=root, rpc=_free_port(), http=port))
    log = (root / "influxd.log").open("wb")
    proc = subprocess.Popen([binary, "-config", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        for _ in range(400):  # bounded in count and in time
            if proc.poll() is not None:
                pytest.fail(f"influxd exited: {(root / 'influxd.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/ping", timeout=1).status_code == 204:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("influxd did not answer /ping within 20 s")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@dataclass(frozen=True)
class Loaded:
    """The running database with the scenario in it."""

    url: str
    influx: Influx
    inventory: Inventory
    truth: scenario.Truth
    points: int


@pytest.fixture(scope="session")
def loaded(influxd: str, sample_dir: Path) -> Iterator[Loaded]:
    """InfluxDB with the scenario written through ``Point.line()`` over the v1 ``/write`` API."""
    inv = load_inventory(sample_dir)
    now_ms = int(time.time() // 60 * 60 * 1000)
    lines, truth = scenario.build(inv, now_ms)
    with httpx.Client(timeout=60) as c:
        r = c.post(f"{influxd}/query", data={"q": f"CREATE DATABASE {DB}"})
        assert r.status_code == 200, r.text
        batch = 20_000
        for i in range(0, len(lines), batch):
            r = c.post(f"{influxd}/write", params={"db": DB, "precision": "ms"},
                       content="\n".join(lines[i:i + batch]).encode())
            assert r.status_code == 204, r.text
    influx = Influx(influxd, DB)
    yield Loaded(influxd, influx, inv, truth, len(lines))
    influx.close()
