"""FRR routers in network namespaces, reachable over SSH, for end-to-end tests of real IPv6.

A lab is a set of routers (each a network namespace running FRR's ``zebra``, ``staticd`` and
``ospf6d`` under its own pathspace) and hosts (plain namespaces), joined by veth pairs. Each
router gets its own ``sshd`` on 127.0.0.1, whose sessions are forced into ``vtysh -N <router>``,
so netmiko's ``cisco_ios`` driver (and so netctl's push) configures FRR exactly as it would a
router across the network. Authentication is by a key the lab generates: no system user, no
password is created on the machine.

Measured here: a lab of 3 routers and a host starts in about 1 s; a push through netmiko takes
about 0.7 s; stopping takes about 1 s. Everything the lab creates carries its prefix and is
removed by :meth:`FrrLab.stop` (also on errors, as a context manager).

Needs root, ``iproute2``, ``frr`` and ``openssh-server``; :func:`lab_unavailable` says why not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

FRR_BIN = Path("/usr/lib/frr")
SSHD = Path("/usr/sbin/sshd")
DAEMONS = ("zebra", "staticd", "ospf6d")


def lab_unavailable() -> str | None:
    """Why a lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for need in (FRR_BIN / "zebra", SSHD, Path("/usr/bin/vtysh")):
        if not need.exists():
            return f"{need} is missing (Debian packages frr, openssh-server)"
    if shutil.which("ip") is None:
        return "iproute2 is missing"
    probe = f"nctprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.decode().strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Node:
    """A router or host of the lab."""

    name: str
    router: bool
    ns: str
    ssh_port: int = 0
    interfaces: dict[str, str] = field(default_factory=dict)  # peer name -> interface name


class FrrLab:
    """Build, run and tear down a small FRR topology.

    Examples of use (needs root)::

        with FrrLab(["bb", "cty", "sch"], ["cli"], [("bb", "cty"), ("cty", "sch"),
                     ("sch", "cli")], workdir) as lab:
            lab.nodes["sch"].ssh_port, lab.key_file   # for netmiko / Nornir
            lab.run("cli", "ip", "-6", "addr")
    """

    def __init__(
        self,
        routers: list[str],
        hosts: list[str],
        links: list[tuple[str, str]],
        workdir: Path,
        prefix: str | None = None,
    ) -> None:
        self.prefix = prefix or f"n{os.getpid() % 100000}"
        self.workdir = workdir
        self.nodes: dict[str, Node] = {}
        for name in routers:
            self.nodes[name] = Node(name, True, f"{self.prefix}-{name}")
        for name in hosts:
            self.nodes[name] = Node(name, False, f"{self.prefix}-{name}")
        self.links = links
        self.key_file = workdir / "lab_key"
        self._sshd_pids: list[int] = []
        self._started = False

    # -- naming ------------------------------------------------------------------------------
    def pathspace(self, router: str) -> str:
        """FRR's ``-N`` pathspace of a router (unique on the machine)."""
        return f"{self.prefix}{router}"

    def iface(self, node: str, peer: str) -> str:
        """The interface of ``node`` towards ``peer``."""
        return self.nodes[node].interfaces[peer]

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> FrrLab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 20.0) -> None:
        """Create namespaces and links, start FRR and sshd; wait until every sshd listens."""
        self._started = True
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for node in self.nodes.values():
            _ip("netns", "add", node.ns)
            self.run(node.name, "ip", "link", "set", "lo", "up")
            if node.router:
                self.run(node.name, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
        for i, (a, b) in enumerate(self.links):
            ia, ib = f"{self.prefix}{i}{a}"[:15], f"{self.prefix}{i}{b}"[:15]
            _ip("link", "add", ia, "type", "veth", "peer", "name", ib)
            _ip("link", "set", ia, "netns", self.nodes[a].ns)
            _ip("link", "set", ib, "netns", self.nodes[b].ns)
            self.nodes[a].interfaces[b] = ia
            self.nodes[b].interfaces[a] = ib
        for node in self.nodes.values():
            for ifname in node.interfaces.values():
                self.run(node.name, "ip", "link", "set", ifname, "up")
        _keygen(self.key_file)
        _keygen(self.workdir / "host_key")
        (self.workdir / "authorized_keys").write_text(
            self.key_file.with_suffix(".pub").read_text(encoding="utf-8"), encoding="utf-8"
        )
        for node in self.nodes.values():
            if node.router:
                self._start_frr(node)
                self._start_sshd(node)
        deadline = time.monotonic() + timeout
        for node in self.nodes.values():
            if node.router:
                _wait_listen(node.ssh_port, deadline)

    def _start_frr(self, node: Node) -> None:
        space = self.pathspace(node.name)
        etc, run = Path("/etc/frr") / space, Path("/var/run/frr") / space
        for d in (etc, run):
            d.mkdir(parents=True, exist_ok=True)
            shutil.chown(d, "frr", "frr")
        (etc / "vtysh.conf").write_text("service integrated-vtysh-config\n", encoding="utf-8")
        conf = etc / "frr.conf"
        conf.write_text(f"hostname {node.name}\nfrr defaults traditional\n", encoding="utf-8")
        for f in (etc / "vtysh.conf", conf):
            shutil.chown(f, "frr", "frr")
        for daemon in DAEMONS:
            self.run(
                node.name,
                str(FRR_BIN / daemon),
                "-N",
                space,
                "-d",
                "-F",
                "traditional",
                "-f",
                str(conf),
            )

    def _start_sshd(self, node: Node) -> None:
        node.ssh_port = _free_port()
        conf = self.workdir / f"sshd_{node.name}.conf"
        conf.write_text(
            "\n".join(
                [
                    f"Port {node.ssh_port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.workdir / 'host_key'}",
                    f"PidFile {self.workdir / f'sshd_{node.name}.pid'}",
                    f"AuthorizedKeysFile {self.workdir / 'authorized_keys'}",
                    "StrictModes no",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    f"ForceCommand /usr/bin/vtysh -N {self.pathspace(node.name)}",
                    "PrintMotd no",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        Path("/run/sshd").mkdir(exist_ok=True)
        subprocess.run(
            [str(SSHD), "-f", str(conf), "-E", str(conf.with_suffix(".log"))],
            check=True,
            timeout=10,
        )
        pid_file = self.workdir / f"sshd_{node.name}.pid"
        for _ in range(100):
            if pid_file.exists() and pid_file.read_text(encoding="utf-8").strip():
                self._sshd_pids.append(int(pid_file.read_text(encoding="utf-8")))
                break
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop every daemon and remove every namespace and folder the lab made."""
        if not self._started:
            return
        for pid in self._sshd_pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        self._sshd_pids.clear()
        for node in self.nodes.values():
            if not node.router:
                continue
            run = Path("/var/run/frr") / self.pathspace(node.name)
            for pid_file in run.glob("*.pid") if run.is_dir() else []:
                with contextlib.suppress(ValueError, ProcessLookupError, OSError):
                    os.kill(int(pid_file.read_text(encoding="utf-8").strip()), signal.SIGTERM)
        time.sleep(0.3)
        for node in self.nodes.values():
            subprocess.run(["ip", "netns", "del", node.ns], capture_output=True, check=False)
            if node.router:
                for base in ("/etc/frr", "/var/run/frr"):
                    shutil.rmtree(Path(base) / self.pathspace(node.name), ignore_errors=True)
        self._started = False

    # -- use -----------------------------------------------------------------------------
    def run(
        self, node: str, *cmd: str, check: bool = True, timeout: float = 20.0
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside a node's namespace."""
        return subprocess.run(
            ["ip", "netns", "exec", self.nodes[node].ns, *cmd],
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def vtysh(self, router: str, *commands: str) -> str:
        """Run vtysh commands on a router directly (for assertions, not for pushing)."""
        args = [arg for c in commands for arg in ("-c", c)]
        out = subprocess.run(
            ["vtysh", "-N", self.pathspace(router), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        )
        return out.stdout

    def global_ipv6(self, node: str, ifname: str) -> list[str]:
        """Global IPv6 addresses (``addr/len``) on an interface of a node."""
        out = self.run(node, "ip", "-6", "-o", "addr", "show", "dev", ifname, "scope", "global")
        return [line.split()[3] for line in out.stdout.splitlines() if len(line.split()) > 3]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _keygen(path: Path) -> None:
    if path.exists():
        return
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=20,
    )


def _wait_listen(port: int, deadline: float) -> None:
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            msg = f"sshd on 127.0.0.1:{port} did not start"
            raise TimeoutError(msg)
        time.sleep(0.05)
