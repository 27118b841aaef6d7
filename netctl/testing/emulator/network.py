"""A set of emulated devices on 127.0.0.1, started and stopped together.

Examples:
    Start, use and stop (the context manager stops even when the body raises)::

        specs = [HostSpec(f"sw{i}", "huawei_vrp") for i in range(50)]
        with EmulatedNetwork(specs) as net:
            conn = ConnectHandler(**net.netmiko_params("sw0"))
            ...
            assert net["sw0"].has_line("ipv6 enable", section="interface Vlanif10")
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from fakenos import FakeNOS  # type: ignore[import-untyped]

from netctl.platforms import Platform
from netctl.testing.emulator.device import Device, Knobs
from netctl.testing.emulator.server import EmulatorShell, EmulatorSshServer, silence_logs

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Inventory

NOS_PLUGIN = str(Path(__file__).with_name("nos_plugin.py"))
"""The fakenos NOS plugin file, loaded by path for every host."""

NETMIKO_EXTRAS: dict[str, dict[str, Any]] = {
    "hp_comware": {"global_cmd_verify": True},
}
"""Extra netmiko arguments per platform: ``hp_comware`` turns echo verification off by
default, which costs ~2 s per line with ``error_pattern`` and can return empty output."""


@dataclass
class HostSpec:
    """One emulated host. ``port=None`` picks a free port."""

    name: str
    platform: str
    port: int | None = None
    username: str = "admin"
    password: str = "admin"  # noqa: S105 - emulator default credentials
    initial_config: str = ""
    """Display-style text (``display current-configuration`` / ``show running-config``)."""
    enable_secret: str | None = None
    """Cisco/Ruijie: ``enable`` asks for this password; None enters privileged mode at once."""
    knobs: Knobs = field(default_factory=Knobs)
    outputs: Mapping[str, str] = field(default_factory=dict)
    """Extra canned command outputs, e.g. ``{"display ipv6 interface brief": "..."}``."""
    host_key: Any = None
    """The SSH host key (a ``paramiko.PKey``) the host presents; None: fakenos's default RSA key.
    Change it on a running network with :meth:`EmulatedNetwork.set_host_key`."""
    variant: str | None = None
    """A variant of the platform: ``vrp8`` (Huawei VRP V8, two-stage ``commit``)."""
    config_file: Path | None = None
    """Boot from this file (e.g. a public config of ``tests/fixtures/real``) instead of
    ``initial_config``: the device's running and startup configuration are its text."""

    def boot_config(self) -> str:
        """The configuration the device boots with."""
        if self.config_file is not None:
            return Path(self.config_file).read_text(encoding="utf-8")
        return self.initial_config


def free_ports(count: int, address: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free TCP ports on ``address`` (held open together, then released)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((address, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def listening_ports() -> set[int] | None:
    """Local TCP ports in LISTEN state (from /proc/net/tcp), or None where unreadable."""
    try:
        text = Path("/proc/net/tcp").read_text()
    except OSError:
        return None
    ports: set[int] = set()
    for row in text.splitlines()[1:]:
        cols = row.split()
        if len(cols) > 3 and cols[3] == "0A":
            ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


class EmulatedNetwork:
    """Emulated SSH devices (fakenos hosts with the netctl server, shell and NOS plugins)."""

    def __init__(
        self,
        hosts: Iterable[HostSpec],
        *,
        address: str = "127.0.0.1",
        quiet: bool = True,
        start_timeout: float = 10.0,
    ) -> None:
        if not ip_address(address).is_loopback:
            msg = f"emulated devices bind loopback addresses only, not {address}"
            raise ValueError(msg)
        self.specs: list[HostSpec] = list(hosts)
        names = [s.name for s in self.specs]
        if len(set(names)) != len(names):
            msg = "host names must be unique"
            raise ValueError(msg)
        self.address = address
        self.quiet = quiet
        self.start_timeout = start_timeout
        self.devices: dict[str, Device] = {
            s.name: Device(
                s.name,
                s.platform,
                username=s.username,
                password=s.password,
                initial_config=s.boot_config(),
                enable_secret=s.enable_secret,
                knobs=s.knobs,
                outputs=s.outputs,
                variant=s.variant,
            )
            for s in self.specs
        }
        self.ports: dict[str, int] = {}
        self._fakenos: Any = None

    # ------------------------------------------------------------------------- lifecycle
    def start(self) -> Self:
        """Start every host; return once every port is listening (bounded by start_timeout)."""
        if self._fakenos is not None:
            return self
        if self.quiet:
            silence_logs()
        wanted = [s for s in self.specs if s.port is None]
        auto = iter(free_ports(len(wanted), self.address))
        self.ports = {s.name: s.port if s.port is not None else next(auto) for s in self.specs}
        inventory = {
            "hosts": {
                s.name: {
                    "username": s.username,
                    "password": s.password,
                    "port": self.ports[s.name],
                    "server": {
                        "plugin": "ParamikoSshServer",
                        "configuration": {"address": self.address, "timeout": 1},
                    },
                    "shell": {"plugin": "CMDShell", "configuration": {}},
                    "nos": {"plugin": NOS_PLUGIN},
                }
                for s in self.specs
            }
        }
        net = FakeNOS(inventory=inventory)
        net.servers_plugins["ParamikoSshServer"] = EmulatorSshServer
        net.shell_plugins["CMDShell"] = EmulatorShell
        keys = {s.name: s.host_key for s in self.specs}
        for name, host in net.hosts.items():
            host.nos_inventory["configuration"]["netctl_device"] = self.devices[name]
            host.nos_inventory["configuration"]["netctl_host_key"] = keys[name]
        self._fakenos = net
        try:
            for spec in self.specs:
                self._start_host(spec)
            self._wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_host(self, spec: HostSpec) -> None:
        host = self._fakenos.hosts[spec.name]
        for attempt in range(3):
            try:
                host.start()
                return
            except OSError:
                if spec.port is not None or attempt == 2:
                    raise
                # The auto-picked port was taken in the meantime: pick another.
                new = free_ports(1, self.address)[0]
                self._fakenos.allocated_ports.discard(host.port)
                self._fakenos.allocated_ports.add(new)
                host.port = self.ports[spec.name] = new

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        wanted = set(self.ports.values())
        while True:
            listening = listening_ports()
            if listening is None or wanted <= listening:
                return
            if time.monotonic() > deadline:
                missing = sorted(wanted - listening)
                msg = f"emulated hosts not listening after {self.start_timeout} s: {missing}"
                raise TimeoutError(msg)
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop every host, in parallel (bounded: about 2 s whatever the host count)."""
        net, self._fakenos = self._fakenos, None
        if net is None:
            return
        hosts = [h for h in net.hosts.values() if h.server is not None]
        if not hosts:
            return
        with ThreadPoolExecutor(max_workers=min(64, len(hosts))) as pool:
            list(pool.map(lambda h: h.stop(), hosts))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the hosts are started."""
        return self._fakenos is not None

    # ---------------------------------------------------------------------------- access
    def __getitem__(self, name: str) -> Device:
        return self.devices[name]

    def __iter__(self) -> Iterator[Device]:
        return iter(self.devices.values())

    def __len__(self) -> int:
        return len(self.devices)

    def set_host_key(self, name: str, key: Any) -> None:
        """Present ``key`` (a ``paramiko.PKey``; None: the default) from the next session on:
        an impostor, or a device whose key was regenerated."""
        for spec in self.specs:
            if spec.name == name:
                spec.host_key = key
        if self._fakenos is not None:
            server = self._fakenos.hosts[name].server
            if server is not None:
                server.set_host_key(key)

    def port(self, name: str) -> int:
        """The TCP port of host ``name`` (known after :meth:`start`)."""
        return self.ports[name]

    def netmiko_params(self, name: str, **extra: Any) -> dict[str, Any]:
        """``ConnectHandler(**params)`` arguments for host ``name``."""
        dev = self.devices[name]
        params: dict[str, Any] = {
            "device_type": dev.profile.netmiko or Platform(dev.platform).netmiko,
            "host": self.address,
            "port": self.ports[name],
            "username": dev.username,
            "password": dev.password,
            **NETMIKO_EXTRAS.get(dev.platform, {}),
        }
        if dev.enable_secret:
            params["secret"] = dev.enable_secret
        params.update(extra)
        return params

    def nornir_inventory(
        self, names: Iterable[str] | None = None, **netmiko_extra: Any
    ) -> Inventory:
        """A Nornir inventory of the hosts (platform = netmiko driver, extras from
        :data:`NETMIKO_EXTRAS` plus ``netmiko_extra``)."""
        from nornir.core.inventory import (
            ConnectionOptions,
            Defaults,
            Groups,
            Host,
            Hosts,
            Inventory,
        )

        hosts = Hosts()
        for name in names if names is not None else self.devices:
            params = self.netmiko_params(name, **netmiko_extra)
            extras = {
                k: v
                for k, v in params.items()
                if k not in ("device_type", "host", "port", "username", "password")
            }
            hosts[name] = Host(
                name=name,
                hostname=params["host"],
                port=params["port"],
                username=params["username"],
                password=params["password"],
                platform=params["device_type"],
                connection_options={"netmiko": ConnectionOptions(extras=extras)},
                data={"platform": self.devices[name].platform},
            )
        return Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())

    def nornir(
        self, names: Iterable[str] | None = None, *, workers: int = 50, **netmiko_extra: Any
    ) -> Nornir:
        """A Nornir object over the hosts with a threaded runner of ``workers`` (connection
        plugins such as nornir_netmiko's are registered, as ``InitNornir`` would)."""
        from nornir.core import Nornir
        from nornir.core.plugins.connections import ConnectionPluginRegister
        from nornir.plugins.runners import ThreadedRunner

        ConnectionPluginRegister.auto_register()
        return Nornir(
            inventory=self.nornir_inventory(names, **netmiko_extra),
            runner=ThreadedRunner(num_workers=workers),
        )
