"""Real servers on loopback for the SNMP collector tests, started once per session.

* ``snmpd`` (net-snmp, Debian) with a configuration of its own: v2c community ``public`` and the
  SNMPv3 authPriv user ``netctl`` (SHA/AES) created by ``createUser``;
* ``snmpsim`` serving ``tests/fixtures/snmp/data/*.snmprec`` (one device per community, or per
  context for SNMPv3);
* VictoriaMetrics (Debian ``victoria-metrics``), the InfluxDB v2 write target, which a test may
  stop and start again on the same port and data folder.

A missing binary skips the tests that need it, with the package to install.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "snmp"
V3 = {"user": "netctl", "auth": "authpass123", "priv": "privpass123"}
V3_DES = {"user": "netctl-des", "auth": "authpass456", "priv": "privpass456"}
"""A SHA/DES user, as the Ruijie baseline renders it (RGOS 11.4 offers DES privacy only)."""
V3_ENV = {"NETCTL_CRED_SNMPV3_LAB_USERNAME": V3["user"],
          "NETCTL_CRED_SNMPV3_LAB_AUTH_PROTOCOL": "SHA",
          "NETCTL_CRED_SNMPV3_LAB_AUTH_KEY": V3["auth"],
          "NETCTL_CRED_SNMPV3_LAB_PRIV_PROTOCOL": "AES",
          "NETCTL_CRED_SNMPV3_LAB_PRIV_KEY": V3["priv"]}


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A loopback port that is free right now."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need(binary: str, package: str) -> str:
    """The binary's path, or skip with the package to install."""
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} not found: apt-get install {package} (listed in .ci/apt-packages)")
    return path


def _snmp_answers(port: int, community: str, oid: str = "1.3.6.1.2.1.1.5.0") -> bool:
    """One raw SNMPv2c GET on loopback (no dependency on the code under test)."""
    from netctl.collectors.snmp import ber

    msg = ber.encode_v2c(community.encode(),
                         ber.encode_pdu(ber.GET, 1, 0, 0, [ber.encode_oid(oid)]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(msg, ("127.0.0.1", port))
        try:
            s.recvfrom(65535)
        except TimeoutError:
            return False
    return True


def _wait_for(check: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    msg = f"{what} did not come up within {timeout:g} s"
    raise RuntimeError(msg)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Agent:
    """An SNMP agent on 127.0.0.1."""

    port: int

    def address(self) -> str:
        """As a target override address."""
        return f"udp://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """Debian's snmpd with v2c ``public`` and the v3 authPriv user ``netctl``."""
    binary = need("snmpd", "snmpd")
    folder = tmp_path_factory.mktemp("snmpd")
    (folder / "persist").mkdir()
    conf = folder / "snmpd.conf"
    conf.write_text(
        "rocommunity public 127.0.0.1\n"
        f'createUser {V3["user"]} SHA "{V3["auth"]}" AES "{V3["priv"]}"\n'
        f"rouser {V3['user']} priv\n"
        f'createUser {V3_DES["user"]} SHA "{V3_DES["auth"]}" DES "{V3_DES["priv"]}"\n'
        f"rouser {V3_DES['user']} priv\n"
        "sysName netctl-test-agent\nsysLocation loopback\nsysContact noc\n"
        "dontLogTCPWrappersConnects yes\n", encoding="utf-8")
    port = free_port()
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(folder / "persist"))
    log = (folder / "snmpd.log").open("wb")
    proc = subprocess.Popen([binary, "-f", "-Lo", "-C", "-c", str(conf), "-p",
                             str(folder / "snmpd.pid"), "-m", "", f"udp:127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for(lambda: proc.poll() is None and _snmp_answers(port, "public"), "snmpd", 15)
        yield Agent(port)
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="session")
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """snmpsim serving the vendor ``.snmprec`` files (community or v3 context = file name)."""
    binary = need("snmpsim-command-responder", "snmpsim (pip, test extra)")
    folder = tmp_path_factory.mktemp("snmpsim")
    data = folder / "data"
    shutil.copytree(FIXTURES / "data", data)
    port = free_port()
    env = dict(os.environ)
    if os.geteuid() == 0:  # it refuses to run as root unless told, and cannot drop to nobody
        env["SNMPSIM_ALLOW_ROOT"] = "true"  # here (the interpreter lives under /root)
    log = (folder / "snmpsim.log").open("wb")
    proc = subprocess.Popen(
        [binary, f"--data-dir={data}", f"--cache-dir={folder / 'cache'}",
         f"--agent-udpv4-endpoint=127.0.0.1:{port}", f"--v3-user={V3['user']}",
         f"--v3-auth-key={V3['auth']}", "--v3-auth-proto=SHA", f"--v3-priv-key={V3['priv']}",
         "--v3-priv-proto=AES", "--logging-method=null"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for(lambda: proc.poll() is None and _snmp_answers(port, "huawei-sw"), "snmpsim", 60)
        yield Agent(port)
    finally:
        _stop(proc)
        log.close()


class Victoria:
    """VictoriaMetrics on a loopback port; can be stopped and started on the same data."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port(socket.SOCK_STREAM)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def _get(self, path: str, timeout: float = 5.0) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as resp:  # noqa: S310
            data: bytes = resp.read()
            return data

    def healthy(self) -> bool:
        """GET /health answers OK."""
        try:
            return self._get("/health", 1.0).strip() == b"OK"
        except OSError:
            return False

    def start(self) -> None:
        """Start (again) on the same port and data folder."""
        log = (self.folder / "vm.log").open("ab")
        self.proc = subprocess.Popen(
            [self.binary, f"-httpListenAddr=127.0.0.1:{self.port}",
             f"-storageDataPath={self.folder / 'data'}", "-retentionPeriod=100y",
             "-search.latencyOffset=0s", "-loggerLevel=ERROR"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_for(self.healthy, "victoria-metrics", 30)

    def stop(self) -> None:
        """Stop (SIGTERM, then wait)."""
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
        _wait_for(lambda: not self.healthy(), "victoria-metrics shutdown", 15)

    def export(self, match: str) -> list[dict[str, Any]]:
        """Raw samples of the series matching ``match`` (after a forced flush)."""
        self._get("/internal/force_flush")
        body = self._get("/api/v1/export?" + urllib.parse.urlencode({"match[]": match}))
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def samples(self, match: str, since_ms: int = 0
                ) -> list[tuple[str, tuple[tuple[str, str], ...], int, float]]:
        """(metric, labels, timestamp ms, value) for every stored sample from ``since_ms`` on
        (duplicates kept)."""
        out = []
        for series in self.export(match):
            metric = dict(series["metric"])
            name = metric.pop("__name__")
            labels = tuple(sorted(metric.items()))
            for ts, value in zip(series["timestamps"], series["values"], strict=True):
                if ts >= since_ms:
                    out.append((name, labels, int(ts), float(value)))
        return sorted(out)

    def wait_samples(self, match: str, count: int, since_ms: int = 0, timeout: float = 20.0
                     ) -> list[tuple[str, tuple[tuple[str, str], ...], int, float]]:
        """Samples once at least ``count`` are searchable (data lands after a moment)."""
        deadline = time.monotonic() + timeout
        got = self.samples(match, since_ms)
        while len(got) < count and time.monotonic() < deadline:
            time.sleep(0.2)
            got = self.samples(match, since_ms)
        time.sleep(0.5)  # and let any extra (duplicate) sample show up too
        return self.samples(match, since_ms)


@pytest.fixture(scope="session")
def victoria(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Victoria]:
    """A running VictoriaMetrics."""
    binary = need("victoria-metrics", "victoria-metrics")
    vm = Victoria(binary, tmp_path_factory.mktemp("victoria"))
    vm.start()
    try:
        yield vm
    finally:
        if vm.proc is not None:
            _stop(vm.proc)


@pytest.fixture
def lab_home(tmp_path: Path) -> Path:
    """A NETCTL_HOME with the lab inventory, the shipped profiles, and probes disabled (so the
    daemon sends nothing beyond loopback)."""
    shutil.copytree(FIXTURES / "inventory", tmp_path / "inventory")
    daemons = tmp_path / "collectors" / "daemons"
    daemons.mkdir(parents=True)
    shutil.copytree(REPO / "collectors" / "snmp", tmp_path / "collectors" / "snmp")
    (daemons / "probes.toml").write_text("[web]\nenabled = false\n[reach]\nenabled = false\n",
                                         encoding="utf-8")
    return tmp_path


PYTHON = sys.executable
