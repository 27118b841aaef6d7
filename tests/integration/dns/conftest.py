"""A real DNS server for the zone tests: BIND ``named`` on 127.0.0.1 and a free high port,
serving the zones ``netctl dns zone`` wrote for the allocated sample region. Started once per
session in the foreground (``-g``) with a configuration of its own, stopped at the end.

A missing binary skips the tests with the package to install (CI installs it: .ci/apt-packages).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import pytest

from netctl.dns.zone import write_zones
from netctl.inventory.index import load_inventory
from netctl.ipam.store import run_allocate

REPO = Path(__file__).resolve().parents[3]
TODAY = date(2026, 11, 28)


def need(binary: str, package: str) -> str:
    """The binary's path, or skip with the package to install."""
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/bin")
    if path is None:
        pytest.skip(f"{binary} not found: apt-get install {package} (listed in .ci/apt-packages)")
    return path


def free_port() -> int:
    """A loopback port free for both UDP and TCP right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    msg = "no free loopback port"
    raise RuntimeError(msg)


@dataclass
class Named:
    """The running server and what it serves."""

    port: int
    inventory: Path
    zones: Path
    process: subprocess.Popen[bytes]
    log: Path

    def query(self, name: str, rdtype: str, timeout: float = 2.0) -> dns.message.Message:
        """One UDP query to the server."""
        return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=self.port,
                             timeout=timeout)

    def answers(self, name: str, rdtype: str) -> list[str]:
        """The answer's records as text (empty for NXDOMAIN / no data)."""
        response = self.query(name, rdtype)
        return sorted(rd.to_text() for rrset in response.answer
                      if rrset.rdtype == dns.rdatatype.from_text(rdtype) for rd in rrset)

    def serial(self, zone: str) -> int:
        """The SOA serial the server has loaded."""
        response = self.query(zone, "SOA")
        return int(response.answer[0][0].serial)

    def reload(self) -> None:
        """Reload the zones (SIGHUP)."""
        self.process.send_signal(signal.SIGHUP)


def config(base: Path, zones: Path, port: int) -> Path:
    conf = base / "named.conf"
    conf.write_text(
        "options {\n"
        f'    directory "{zones}";\n'
        f"    listen-on port {port} {{ 127.0.0.1; }};\n"
        "    listen-on-v6 { none; };\n"
        f'    pid-file "{base}/named.pid";\n'
        f'    session-keyfile "{base}/session.key";\n'
        f'    managed-keys-directory "{base}";\n'
        "    recursion no;\n"
        "    allow-query { 127.0.0.1; };\n"
        "    dnssec-validation no;\n"
        "    notify no;\n"
        "};\n"
        "controls { };\n"
        f'include "{zones}/named.conf.zones";\n',
        encoding="utf-8",
    )
    return conf




@pytest.fixture(scope="session")
def named(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Iterator[Named]:
    """BIND serving the sample region's zones on loopback."""
    binary = need("named", "bind9")
    base = tmp_path_factory.mktemp("named")
    inventory = base / "inventory"
    shutil.copytree(sample_dir, inventory)
    shutil.copy(REPO / "inventory" / "address-plan.yaml", inventory / "address-plan.yaml")
    run_allocate(inventory, today=TODAY)
    zones = base / "zones"
    # as `netctl dns zone` does: the devices' addresses taken from the records as numbers
    write_zones(load_inventory(inventory, apply_ipam=False), zones, today=TODAY)
    port = free_port()
    conf = config(base, zones, port)
    checkconf = shutil.which("named-checkconf")
    if checkconf:
        subprocess.run([checkconf, str(conf)], check=True, timeout=30)
    log = base / "named.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([binary, "-g", "-4", "-n", "1", "-c", str(conf)],
                                stdout=out, stderr=subprocess.STDOUT)
    server = Named(port, inventory, zones, proc, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"named exited with {proc.returncode}:\n"
                            + log.read_text(errors="replace")[-3000:])
            try:
                if server.answers("nxedu.example.cn", "SOA"):
                    break
            except (OSError, dns.exception.Timeout):
                pass
            if time.monotonic() > deadline:
                pytest.fail("named did not answer within 30 s:\n"
                            + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def checkzone() -> str:
    """The path of named-checkzone (Debian bind9-utils), or skip."""
    return need("named-checkzone", "bind9-utils")
