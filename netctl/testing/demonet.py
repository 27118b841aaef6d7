"""The demo's emulated network: every device of an inventory on loopback, SSH and SNMP.

Each device with an emulated platform is one :class:`~netctl.testing.emulator.Device`: its
state serves the SSH CLI (:class:`~netctl.testing.emulator.EmulatedNetwork`, all on
``127.0.0.1``, one port per device) and the SNMP agent
(:class:`~netctl.testing.agent.AgentNetwork`, one UDP port per device, same address), so what a
push changes is what the next poll sees.

Where the network starts from (deterministic for a seed):

* every device: its hostname and the interfaces the inventory declares (with descriptions);
* gateways: the ``ipv6`` feature already configured at part of the schools (urban 80 %,
  town 65 %, rural 45 %: the others are what the engineer fixes);
* WLAN controllers: the ``wlan`` feature already configured on about half of them (an AP
  joins only when its controller holds its school's AP group).

Seeded faults (:class:`FaultPlan`, listed by :func:`plan_faults` and printed by the demo):

* **uplink down**: one gateway's uplink has no link (IF-MIB oper status down);
* **AP offline**: one AP is listed by its controller in the ``offline`` run state;
* **slow device**: one access switch answers SNMP after 0.8 s (its polls still succeed);
* **wrong SNMP credentials**: one access switch's agent has another SNMPv3 authentication
  key than the inventory's credential set (every poll gets a ``wrongDigest`` report);
* **a school without IPv6**: its gateway rejects every ``ipv6`` command (older firmware) so the
  push fails and is rolled back, and its website has no AAAA record.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from netctl.inventory.index import DeviceEntry, Inventory
from netctl.models.inventory import Role
from netctl.testing.agent import (
    AgentNetwork,
    AgentSpec,
    ApFacts,
    DeviceFacts,
    Faults,
    MibBuilder,
    V3Credentials,
)
from netctl.testing.emulator import PROFILES, EmulatedNetwork, HostSpec, Knobs

V6_SHARE = {"urban": 0.8, "town": 0.65, "rural": 0.45}
WLAN_SHARE = 0.5
SLOW_S = 0.8
WRONG_AUTH_KEY = "Not-The-Inventory-Key"


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """The faults seeded into the demo network (hostnames, interface, school code)."""

    uplink_down: tuple[str, str] | None = None
    ap_offline: str | None = None
    slow: str | None = None
    wrong_credentials: str | None = None
    no_ipv6_school: str | None = None
    no_ipv6_gateway: str | None = None

    def rows(self) -> list[tuple[str, str, str]]:
        """(fault, where, what it does) for the demo's table."""
        out = []
        if self.uplink_down:
            out.append(("uplink down", f"{self.uplink_down[0]} {self.uplink_down[1]}",
                        "IF-MIB ifOperStatus down(2)"))
        if self.ap_offline:
            out.append(("AP offline", self.ap_offline, "controller lists it offline"))
        if self.slow:
            out.append(("slow device", self.slow, f"answers SNMP after {SLOW_S} s"))
        if self.wrong_credentials:
            out.append(("wrong SNMP credentials", self.wrong_credentials,
                        "SNMPv3 auth key differs: wrongDigest reports"))
        if self.no_ipv6_school:
            out.append(("school without IPv6", f"{self.no_ipv6_school} "
                        f"({self.no_ipv6_gateway})",
                        "gateway rejects ipv6 commands; website IPv4-only"))
        return out


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


def emulated(inv: Inventory) -> list[DeviceEntry]:
    """The devices the demo emulates: every non-AP device of an emulated platform."""
    return sorted((d for d in inv.devices.values()
                   if d.role is not Role.AP and d.platform.value in PROFILES),
                  key=lambda d: d.hostname)


def plan_faults(inv: Inventory, seed: int) -> FaultPlan:
    """Pick the devices of the seeded faults (deterministic; None where none fits)."""
    devices = emulated(inv)
    gateways = [d for d in devices if d.role is Role.GATEWAY and d.school]
    access = [d for d in devices if d.role is Role.ACCESS]
    aps = sorted((d for d in inv.devices.values() if d.role is Role.AP and d.device.controller),
                 key=lambda d: d.hostname)
    up: tuple[str, str] | None = None
    for gw in gateways[1:]:
        ups = [i.name for i in gw.device.interfaces if i.role is not None
               and i.role.value == "uplink"]
        if ups:
            up = (gw.hostname, ups[0])
            break
    no6 = gateways[-1] if gateways else None
    rng = _rng(seed, "faults")
    return FaultPlan(
        uplink_down=up,
        ap_offline=rng.choice(aps).hostname if aps else None,
        slow=access[0].hostname if access else None,
        wrong_credentials=access[-1].hostname if len(access) > 1 else None,
        no_ipv6_school=no6.school if no6 else None,
        no_ipv6_gateway=no6.hostname if no6 else None,
    )


def has_ipv6_at_start(inv: Inventory, entry: DeviceEntry, seed: int, faults: FaultPlan) -> bool:
    """Whether a gateway starts with the ``ipv6`` feature configured."""
    if entry.role is not Role.GATEWAY or not entry.school or (
            entry.hostname == faults.no_ipv6_gateway):
        return False
    category = inv.schools[entry.school].school.category.value
    return _rng(seed, f"v6:{entry.hostname}").random() < V6_SHARE.get(category, 0.5)


def has_wlan_at_start(entry: DeviceEntry, seed: int) -> bool:
    """Whether a WLAN controller starts with the ``wlan`` feature configured."""
    return entry.role is Role.WLC and _rng(seed, f"wlan:{entry.hostname}").random() < WLAN_SHARE


_QUIT = re.compile(r"^\s*(quit|exit)\s*$")


def _as_display(text: str) -> str:
    """Rendered feature text as the device would display it: no ``quit``/``exit`` lines,
    secrets filled with demo values."""
    from netctl.config.placeholders import fill

    filled = fill(text, lambda _ref: "Demo-Lab-Secret1")
    return "\n".join(line for line in filled.splitlines() if not _QUIT.match(line))


def initial_config(inv: Inventory, entry: DeviceEntry, templates: Path, *, ipv6: bool,
                   wlan: bool) -> str:
    """The running configuration a device starts with."""
    from netctl.config.render import render_device
    from netctl.exceptions import RenderError

    platform = PROFILES[entry.platform.value]
    sep = "#" if entry.platform.value in ("huawei_vrp", "hp_comware") else "!"
    lines = [sep, f"{platform.hostname_cmd} {entry.hostname}", sep]
    for iface in entry.device.interfaces:
        lines.append(f"interface {iface.name}")
        if iface.description:
            lines.append(f" description {iface.description}")
        lines.append(sep)
    for feature, wanted in (("ipv6", ipv6), ("wlan", wlan)):
        if wanted:
            try:
                text = render_device(inv, entry.hostname, feature, templates_dir=templates)
            except RenderError:
                continue  # the templates refuse this device (unconfirmed syntax): start without
            lines.append(_as_display(text))
            lines.append(sep)
    return "\n".join(lines) + "\n"


def _aps_of(inv: Inventory, wlc: str) -> list[ApFacts]:
    out = []
    for d in sorted(inv.devices.values(), key=lambda d: d.hostname):
        if d.role is Role.AP and d.device.controller == wlc and d.school:
            out.append(ApFacts(d.hostname, d.school, d.device.model or "",
                               bool(d.wifi is not None and d.wifi.is_wifi6_or_newer)))
    return out


@dataclass
class DemoNetwork:
    """The emulated devices of an inventory, started together (SSH and SNMP faces)."""

    inv: Inventory
    templates: Path
    seed: int = 2027
    v3: V3Credentials | None = None
    community: bytes | None = None
    ssh_roles: frozenset[Role] = frozenset(Role)
    faults: FaultPlan = field(default_factory=FaultPlan)
    ssh: EmulatedNetwork | None = None
    agents: AgentNetwork | None = None
    started_with: dict[str, tuple[bool, bool]] = field(default_factory=dict)

    def start(self) -> DemoNetwork:
        """Build every device's initial state and start the SSH and SNMP servers."""
        from netctl.testing.emulator import Device

        self.faults = plan_faults(self.inv, self.seed)
        f = self.faults
        specs: list[HostSpec] = []
        agent_specs: list[AgentSpec] = []
        devices: dict[str, Device] = {}
        for entry in emulated(self.inv):
            v6 = has_ipv6_at_start(self.inv, entry, self.seed, f)
            wl = has_wlan_at_start(entry, self.seed)
            self.started_with[entry.hostname] = (v6, wl)
            config = initial_config(self.inv, entry, self.templates, ipv6=v6, wlan=wl)
            knobs = Knobs(unsupported=[r"^ipv6\b", r"^undo ipv6\b"]
                          if entry.hostname == f.no_ipv6_gateway else [])
            spec = HostSpec(entry.hostname, entry.platform.value, initial_config=config,
                            knobs=knobs)
            if entry.role in self.ssh_roles:
                specs.append(spec)
            else:
                devices[entry.hostname] = Device(entry.hostname, entry.platform.value,
                                                 initial_config=config, knobs=knobs)
        self.ssh = EmulatedNetwork(specs).start()
        devices.update(self.ssh.devices)
        try:
            for entry in emulated(self.inv):
                agent_specs.append(self._agent_spec(entry, devices[entry.hostname]))
            self.agents = AgentNetwork(agent_specs).start()
        except BaseException:
            self.stop()
            raise
        return self

    def _agent_spec(self, entry: DeviceEntry, device: object) -> AgentSpec:
        from netctl.testing.emulator import Device

        assert isinstance(device, Device)  # noqa: S101
        f = self.faults
        faults = Faults()
        if f.uplink_down and f.uplink_down[0] == entry.hostname:
            faults.down_interfaces.add(f.uplink_down[1])
        if entry.hostname == f.slow:
            faults.delay_s = SLOW_S
        aps = _aps_of(self.inv, entry.hostname) if entry.role is Role.WLC else []
        if f.ap_offline and any(a.hostname == f.ap_offline for a in aps):
            faults.offline_aps.add(f.ap_offline)
        facts = DeviceFacts(entry.hostname, entry.platform.value, entry.role.value,
                            model=entry.device.model or "",
                            interfaces=[(i.name, i.description or "")
                                        for i in entry.device.interfaces],
                            aps=aps, faults=faults)
        v3 = self.v3
        if v3 is not None and entry.hostname == f.wrong_credentials:
            v3 = V3Credentials(v3.user, v3.auth_protocol, WRONG_AUTH_KEY, v3.priv_protocol,
                               v3.priv_password)
        return AgentSpec(entry.hostname, MibBuilder(device, facts), community=self.community,
                         v3=v3)

    def stop(self) -> None:
        """Stop both faces."""
        if self.agents is not None:
            self.agents.stop()
            self.agents = None
        if self.ssh is not None:
            self.ssh.stop()
            self.ssh = None

    def __enter__(self) -> DemoNetwork:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- files an engineer (and the demo) points netctl at
    def lab_address(self, hostname: str) -> str:
        """The device's own IPv4 loopback address (``127.64.x.y``; Linux answers on all of
        127.0.0.0/8): where the reachability probe pings it."""
        names = sorted(self.started_with)
        i = names.index(hostname)
        return f"127.64.{i // 254}.{i % 254 + 1}"

    def snmp_targets(self) -> dict[str, dict[str, str]]:
        """``--targets`` overrides: hostname → {address: udp://127.0.0.1:PORT}."""
        assert self.agents is not None  # noqa: S101
        return {name: {"address": self.agents.target_url(name)} for name in self.agents.ports}

    def ssh_targets(self) -> Mapping[str, int]:
        """hostname → SSH port on 127.0.0.1."""
        assert self.ssh is not None  # noqa: S101
        return dict(self.ssh.ports)

    def write_targets(self, folder: Path) -> tuple[Path, Path]:
        """``snmp-targets.yaml`` (for ``collect snmp --targets``) and ``ssh-targets.yaml``
        (``hostname: 127.0.0.1:PORT``, for ``config diff/push --targets``)."""
        import yaml

        folder.mkdir(parents=True, exist_ok=True)
        snmp = folder / "snmp-targets.yaml"
        ssh = folder / "ssh-targets.yaml"
        for path, data in ((snmp, self.snmp_targets()),
                           (ssh, {h: f"127.0.0.1:{p}" for h, p in self.ssh_targets().items()})):
            tmp = path.with_suffix(".tmp")
            tmp.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
            tmp.replace(path)
        return snmp, ssh
