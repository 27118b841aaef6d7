"""SNMP agents for a county of an inventory, for snmpsim: what discovery and the collector see
on the sample network (tests, the benchmark, a try-out; never imported at run time).

Each device (APs aside) gets a ``.snmprec`` file: the system group (a sysDescr and sysObjectID of
its vendor), an ENTITY-MIB chassis with its catalogue model and a serial, IF-MIB rows for its
declared interfaces padded to ``ports`` (names and counters), and LLDP: its chassis id, local
ports, and one neighbour per declared link whose far end is a device. ``drift=True`` plants what
discovery must find: the models of two access switches swapped (or, when they are alike, the
first one answering as another model of its vendor), the first school gateway's first LAN link
unplugged, and an undeclared switch behind that gateway.

    python -m netctl.testing.discovery_lab --inventory inventory --county 640104 \\
        --out /tmp/lab --port 11161 [--drift]
    snmpsim-command-responder --data-dir=/tmp/lab/data --agent-udpv4-endpoint=127.0.0.1:11161
    netctl discover --county 640104 --targets /tmp/lab/targets.yaml
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from netctl.inventory.index import DeviceEntry, Inventory, load_inventory
from netctl.models.inventory import Role

SYS = {  # platform: (enterprise arc prefix, sysDescr with {model})
    "huawei_vrp": ("1.3.6.1.4.1.2011.2.23.628", "Huawei Versatile Routing Platform Software, "
                   "VRP (R) software, Version 5.170 ({model} V200R021C10SPC600)"),
    "hp_comware": ("1.3.6.1.4.1.25506.1.1206", "H3C Comware Platform Software, Software Version "
                   "7.1.070, Release 6615P01 ({model})"),
    "ruijie_os": ("1.3.6.1.4.1.4881.1.1.10.1.100", "Ruijie Full Gigabit Layer 3 Switch "
                  "({model}) By Ruijie Networks Co., Ltd (RGOS 11.4(1)B12P1)"),
    "cisco_ios": ("1.3.6.1.4.1.9.1.2134", "Cisco IOS Software, {model} Software, Version "
                  "15.2(4)E10, RELEASE SOFTWARE (fc2)"),
    "frr": ("1.3.6.1.4.1.8072.3.2.10", "Linux frr 6.1.0 #1 SMP x86_64 ({model})"),
}
PORT = {"huawei_vrp": "GigabitEthernet0/0/{}", "hp_comware": "GigabitEthernet1/0/{}",
        "ruijie_os": "GigabitEthernet 0/{}", "cisco_ios": "GigabitEthernet1/0/{}",
        "frr": "eth{}"}
UPLINK = {"huawei_vrp": "XGigabitEthernet0/0/1", "hp_comware": "Ten-GigabitEthernet1/0/49",
          "ruijie_os": "TenGigabitEthernet 0/25", "cisco_ios": "TenGigabitEthernet1/1/1",
          "frr": "eth0"}
IF, IFX = "1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.31.1.1.1"
ENT, LOC, REM = "1.3.6.1.2.1.47.1.1.1.1", "1.0.8802.1.1.2.1.3", "1.0.8802.1.1.2.1.4.1.1"


def _h(text: str, n: int) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=n).digest()


def mac_of(host: str) -> str:
    """A stable locally administered MAC for a hostname."""
    raw = bytearray(_h(host, 6))
    raw[0] = (raw[0] | 0x02) & 0xFE
    return ":".join(f"{b:02x}" for b in raw)


def serial_of(host: str) -> str:
    """A stable serial number for a hostname."""
    return "21" + _h(host, 9).hex().upper()[:18]


@dataclass
class Agent:
    """One simulated device."""

    entry: DeviceEntry | None
    name: str
    platform: str
    model: str
    ports: list[str]
    neighbours: list[tuple[str, str, str]] = field(default_factory=list)  # local, far host, port

    def records(self, agents: dict[str, Agent]) -> list[tuple[tuple[int, ...], str, str]]:
        """The device's snmprec records."""
        def oid(text: str, *more: int) -> tuple[int, ...]:
            return (*(int(a) for a in text.split(".")), *more)
        sys_oid, descr = SYS.get(self.platform, SYS["frr"])
        mac = mac_of(self.name).replace(":", "")
        out = [(oid("1.3.6.1.2.1.1.1.0"), "4", descr.format(model=self.model)),
               (oid("1.3.6.1.2.1.1.2.0"), "6", sys_oid),
               (oid("1.3.6.1.2.1.1.3.0"), "67", str(1_000_000 + _h(self.name, 2)[0])),
               (oid("1.3.6.1.2.1.1.5.0"), "4", self.name),
               (oid(ENT, 2, 1), "4", f"{self.model} chassis"), (oid(ENT, 5, 1), "2", "3"),
               (oid(ENT, 7, 1), "4", "Chassis"), (oid(ENT, 11, 1), "4", serial_of(self.name)),
               (oid(ENT, 13, 1), "4", self.model),
               (oid(LOC, 1, 0), "2", "4"), (oid(LOC, 2, 0), "4x", mac),
               (oid(LOC, 3, 0), "4", self.name)]
        for i, port in enumerate(self.ports, start=1):
            out += [(oid(IF, 2, i), "4", port), (oid(IF, 7, i), "2", "1"),
                    (oid(IF, 8, i), "2", "1" if i % 5 else "2"),
                    (oid(IF, 13, i), "65", "0"), (oid(IF, 14, i), "65", str(i % 7)),
                    (oid(IF, 19, i), "65", "0"), (oid(IF, 20, i), "65", "0"),
                    (oid(IFX, 1, i), "4", port), (oid(IFX, 6, i), "70", str(10**9 * i)),
                    (oid(IFX, 10, i), "70", str(5 * 10**8 * i)),
                    (oid(IFX, 15, i), "66", "10000" if "Ten" in port or "XG" in port else "1000"),
                    (oid(IFX, 18, i), "4", ""),
                    (oid(LOC, 7, 1, 2, i), "2", "5"), (oid(LOC, 7, 1, 3, i), "4", port)]
        for n, (local, far, far_port) in enumerate(self.neighbours, start=1):
            other = agents.get(far)
            idx = (0, self.ports.index(local) + 1, n)
            far_descr = SYS.get(other.platform if other else "huawei_vrp", SYS["frr"])[1]
            out += [(oid(REM, 4, *idx), "2", "4"),
                    (oid(REM, 5, *idx), "4x", mac_of(far).replace(":", "")),
                    (oid(REM, 6, *idx), "2", "5"), (oid(REM, 7, *idx), "4", far_port),
                    (oid(REM, 8, *idx), "4", far_port), (oid(REM, 9, *idx), "4", far),
                    (oid(REM, 10, *idx), "4",
                     far_descr.format(model=other.model if other else "S5735-L48T4X-A1"))]
        return sorted(out)


def build(inv: Inventory, county: str, *, ports: int = 28, drift: bool = False
          ) -> dict[str, Agent]:
    """The agents of a county's devices (and the backbone devices its links reach)."""
    agents: dict[str, Agent] = {}

    def agent(e: DeviceEntry) -> Agent:
        if e.hostname not in agents:
            names = [i.name for i in e.device.interfaces]
            agents[e.hostname] = Agent(e, e.hostname, e.platform.value,
                                       e.device.model or "unknown", names)
        return agents[e.hostname]

    def port_of(a: Agent, name: str | None) -> str:
        name = name or UPLINK.get(a.platform, "uplink0")
        if name not in a.ports:
            a.ports.append(name)
        return name

    for e in inv.iter_devices():
        if e.county == county and e.role is not Role.AP:
            agent(e)
    local = set(agents)
    unplugged = None
    for le in inv.links:
        end_a, end_b = le.link.a, le.link.b
        if end_a.device is None or end_b.device is None:
            continue
        ea, eb = inv.devices[end_a.device], inv.devices[end_b.device]
        if ea.hostname not in local and eb.hostname not in local:
            continue
        if Role.AP in (ea.role, eb.role):
            continue
        x, y = agent(ea), agent(eb)
        px, py = port_of(x, end_a.interface), port_of(y, end_b.interface)
        if drift and unplugged is None and le.link.kind.value == "lan" and ea.role is Role.GATEWAY:
            unplugged = (x.name, y.name)
            continue
        x.neighbours.append((px, y.name, py))
        y.neighbours.append((py, x.name, px))
    if drift:
        access = [a for a in agents.values() if a.entry and a.entry.role is Role.ACCESS]
        if len(access) >= 2 and access[0].model != access[1].model:
            access[0].model, access[1].model = access[1].model, access[0].model
        elif access:  # all alike: the first answers as another model of its vendor
            other = sorted(m for m, spec in inv.catalog.models.items()
                           if spec.platform.value == access[0].platform
                           and m != access[0].model and not spec.wifi and not spec.description)
            if other:
                access[0].model = other[0]
        gateway = next((a for a in agents.values() if a.entry and a.entry.role is Role.GATEWAY),
                       None)
        if gateway is not None:
            stray = gateway.name.rsplit("-", 1)[0] + "-sw99"
            agents[stray] = Agent(None, stray, gateway.platform, "S5735-L48T4X-A1",
                                  [PORT.get(gateway.platform, "eth{}").format(1)])
            near = port_of(gateway, PORT.get(gateway.platform, "eth{}").format(44))
            gateway.neighbours.append((near, stray, agents[stray].ports[0]))
    for a in agents.values():
        pattern = PORT.get(a.platform, "eth{}")
        i = 1
        while len(a.ports) < ports:
            name = pattern.format(i)
            if name not in a.ports:
                a.ports.append(name)
            i += 1
    return agents


def write(agents: dict[str, Agent], out: Path, address: str) -> Path:
    """Write ``out/data/<host>.snmprec`` for every agent and ``out/targets.yaml`` (communities
    = file names) for those the inventory declares; return the targets file."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, a in sorted(agents.items()):
        body = "".join(f"{'.'.join(map(str, o))}|{t}|{v}\n" for o, t, v in a.records(agents))
        (data / f"{name}.snmprec").write_text(body, encoding="utf-8")
        if a.entry is not None:
            lines.append(f'"{name}": {{address: "{address}", community: "{name}"}}')
    targets = out / "targets.yaml"
    targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return targets


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--inventory", type=Path, default=Path("inventory"))
    p.add_argument("--county", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--port", type=int, default=11161)
    p.add_argument("--ports", type=int, default=28, help="interfaces per device (at least)")
    p.add_argument("--drift", action="store_true", help="plant drift for discovery to find")
    args = p.parse_args(argv)
    agents = build(load_inventory(args.inventory), args.county, ports=args.ports,
                   drift=args.drift)
    targets = write(agents, args.out, f"udp://127.0.0.1:{args.port}")
    print(f"{len(agents)} agents in {args.out / 'data'}; targets: {targets}")  # noqa: T201


if __name__ == "__main__":
    main()
