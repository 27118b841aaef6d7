"""End to end: netctl pushes ``--feature ipv6`` to FRR routers and IPv6 really works.

A tiny inventory (a backbone router, a county metro router, one school gateway, all
``platform: frr``) is written to a temporary folder with a copy of the repository's address
plan; netctl's IPAM allocates every address. An :class:`FrrLab` gives the three routers network
namespaces joined by veth pairs named as the inventory names their interfaces, plus a client
namespace behind the school gateway. netctl's own push (render → diff → netmiko over SSH →
verify → save) configures the routers; then the client must take a SLAAC address in the
teaching /64 IPAM gave the school, from the router advertisements the push turned on, and ping
the backbone's loopback. A second push must find nothing to do.

Two adjustments to repository data are made in the temporary copies, both because of what FRR
is (``docs/templates.md``, "FRR"):

- the address plan's DHCPv6 modes become ``slaac``: FRR has no DHCPv6 server or relay, so
  ``templates/frr/ipv6.j2`` refuses a VLAN in a DHCPv6 mode, and IPAM's mode (from the plan)
  takes precedence over the policy's ``ipv6.modes``;
- for ``static`` routing, the templates' ``policy.yaml`` gets ``ipv6.routing_by_platform.frr``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import date
from ipaddress import IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path

import pytest
import yaml

from netctl.config.connect import Target
from netctl.config.push import PushOptions, PushResult, push
from netctl.inventory.index import Inventory, load_inventory
from netctl.ipam.addresses import device_addressing, site_addressing
from netctl.ipam.store import run_allocate
from netctl.secrets import Secrets
from netctl.testing.frrlab import FrrLab, lab_unavailable

pytestmark = pytest.mark.integration

ROUTERS = {"bb": "lab-bb1", "cty": "lab640104-metro1", "sch": "lab640104-0001-gw1"}
SCHOOL = "2401040001"
LINKS = [("bb", "cty"), ("cty", "sch"), ("sch", "cli")]


def ifname(prefix: str, link: int, node: str) -> str:
    """The name :class:`FrrLab` gives ``node``'s end of link number ``link``."""
    return f"{prefix}{link}{node}"[:15]


def teaching_vlan(plan_file: Path) -> int:
    """The VLAN id of the address plan's ``teaching`` role."""
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    vlan = next(r["vlan"] for r in plan["roles"] if r["role"] == "teaching")
    assert isinstance(vlan, int)
    return vlan


def write_lab_inventory(root: Path, repo_root: Path, prefix: str) -> int:
    """The three-router inventory and a SLAAC-only copy of the address plan; the teaching VLAN."""
    (root / "counties").mkdir(parents=True)
    plan = (repo_root / "inventory" / "address-plan.yaml").read_text(encoding="utf-8")
    # FRR serves no DHCPv6: every user VLAN of an FRR gateway must be SLAAC (or none).
    (root / "address-plan.yaml").write_text(
        re.sub(r"ipv6_mode: dhcpv6-[a-z]+", "ipv6_mode: slaac", plan), encoding="utf-8"
    )
    vlan = teaching_vlan(root / "address-plan.yaml")
    bb, cty, sch = ROUTERS["bb"], ROUTERS["cty"], ROUTERS["sch"]
    region = {
        "region": {"code": "640000", "name": "宁夏回族自治区"},
        "defaults": {"credentials": "default", "zone": "nxedu.example.cn"},
        "nodes": [
            {
                "id": "bb-640100",
                "kind": "backbone",
                "name": "银川市教育骨干网核心节点（实验）",
                "devices": [
                    {
                        "hostname": bb,
                        "role": "backbone",
                        "platform": "frr",
                        "interfaces": [{"name": ifname(prefix, 0, "bb"), "role": "downlink"}],
                    }
                ],
            }
        ],
    }
    county = {
        "county": "640104",
        "nodes": [
            {
                "id": "640104-metro",
                "kind": "metro",
                "name": "兴庆区教育城域网汇聚节点（实验）",
                "devices": [
                    {
                        "hostname": cty,
                        "role": "metro",
                        "platform": "frr",
                        "interfaces": [
                            {"name": ifname(prefix, 0, "cty"), "role": "uplink"},
                            {"name": ifname(prefix, 1, "cty"), "role": "downlink"},
                        ],
                    }
                ],
            }
        ],
        "schools": [
            {
                "code": SCHOOL,
                "name": "兴庆区实验小学",
                "category": "town",
                "stage": "primary",
                "devices": [
                    {
                        "hostname": sch,
                        "role": "gateway",
                        "platform": "frr",
                        "interfaces": [
                            {"name": ifname(prefix, 1, "sch"), "role": "uplink"},
                            {"name": ifname(prefix, 2, "sch"), "role": "user", "vlan": vlan},
                        ],
                    }
                ],
            }
        ],
        "links": [
            {
                "kind": "backbone",
                "mbps": 10000,
                "a": f"{cty}:{ifname(prefix, 0, 'cty')}",
                "b": f"{bb}:{ifname(prefix, 0, 'bb')}",
            },
            {
                "kind": "edu_private",
                "mbps": 1000,
                "a": f"{sch}:{ifname(prefix, 1, 'sch')}",
                "b": f"{cty}:{ifname(prefix, 1, 'cty')}",
            },
        ],
    }
    for path, data in ((root / "region.yaml", region), (root / "counties" / "640104.yaml", county)):
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return vlan


def templates_for(routing: str, repo_root: Path, tmp_path: Path) -> Path:
    """The repository's templates, with FRR routed by ``routing`` (a copy when that differs)."""
    src = repo_root / "templates"
    policy = yaml.safe_load((src / "policy.yaml").read_text(encoding="utf-8"))
    p6 = policy["ipv6"]
    if (p6.get("routing_by_platform") or {}).get("frr", p6["routing"]) == routing:
        return src
    dst = tmp_path / "templates"
    shutil.copytree(src, dst)
    p6["routing_by_platform"] = {**(p6.get("routing_by_platform") or {}), "frr": routing}
    (dst / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    return dst


def run_push(inv: Inventory, lab: FrrLab, templates: Path, backups: Path) -> PushResult:
    hosts = {ROUTERS[n]: n for n in ("bb", "cty", "sch")}
    targets = {
        h: Target("127.0.0.1", lab.nodes[n].ssh_port, "root", key_file=lab.key_file)
        for h, n in hosts.items()
    }
    opts = PushOptions(
        feature="ipv6",
        templates_dir=templates,
        backups_dir=backups,
        commit=True,
        workers=3,
        timeout=30.0,
        targets=targets,
        user="test_ipv6_push",
    )
    return push(inv, list(hosts), opts, Secrets(None, env={}))


def wait_slaac(lab: FrrLab, ifn: str, net: IPv6Network, seconds: float) -> list[IPv6Interface]:
    """The client's global addresses inside ``net``, once it has one (or when time is up)."""
    deadline = time.monotonic() + seconds
    bounced = False
    while True:
        found = [IPv6Interface(a) for a in lab.global_ipv6("cli", ifn)]
        inside = [a for a in found if a.ip in net and a.network.prefixlen == 64]
        if inside or time.monotonic() > deadline:
            return inside
        if not bounced and time.monotonic() > deadline - seconds / 2:
            # the unsolicited RAs may have gone before the client listened: solicit one
            lab.run("cli", "ip", "link", "set", ifn, "down")
            lab.run("cli", "ip", "link", "set", ifn, "up")
            bounced = True
        time.sleep(0.25)


def wait_route(lab: FrrLab, router: str, dst: IPv6Address, seconds: float) -> bool:
    """Wait (bounded) until a router's FIB holds a route to ``dst``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = lab.run(router, "ip", "-6", "route", "get", str(dst), check=False)
        if out.returncode == 0 and "unreachable" not in out.stdout:
            return True
        time.sleep(1.0)
    return False


def ping(lab: FrrLab, dst: IPv6Address, attempts: int) -> bool:
    """One ping per attempt, bounded: routes, neighbours and DAD settle within seconds."""
    for _ in range(attempts):
        out = lab.run("cli", "ping", "-6", "-c", "1", "-W", "1", str(dst), check=False)
        if out.returncode == 0:
            return True
        time.sleep(0.5)
    return False


@pytest.mark.parametrize("routing", ["static", "ospfv3"])
def test_pushed_ipv6_gives_a_client_slaac_and_a_route_to_the_backbone(
    routing: str, tmp_path: Path, repo_root: Path
) -> None:
    why = lab_unavailable()
    if why:
        pytest.skip(f"FRR lab impossible here (needs network namespaces): {why}")
    prefix = f"v6{routing[0]}{os.getpid() % 10000}"
    root = tmp_path / "inventory"
    vlan = write_lab_inventory(root, repo_root, prefix)
    run_allocate(root, today=date.today())
    inv = load_inventory(root)
    teaching = next(v for v in site_addressing(inv, SCHOOL).vlans if v.vlan_id == vlan)
    assert teaching.prefix is not None and teaching.prefix.prefixlen == 64, teaching
    backbone = device_addressing(inv, ROUTERS["bb"]).loopback_ipv6
    assert backbone is not None, "IPAM gave the backbone router no IPv6 loopback"
    templates = templates_for(routing, repo_root, tmp_path)

    with FrrLab(["bb", "cty", "sch"], ["cli"], LINKS, tmp_path / "lab", prefix=prefix) as lab:
        assert lab.iface("sch", "cli") == ifname(prefix, 2, "sch")
        cli_if = lab.iface("cli", "sch")
        lab.run("cli", "sysctl", "-qw", f"net.ipv6.conf.{cli_if}.accept_ra=2")
        lab.run("cli", "sysctl", "-qw", f"net.ipv6.conf.{cli_if}.autoconf=1")

        first = run_push(inv, lab, templates, tmp_path / "backups")
        assert [(o.hostname, o.status) for o in first.outcomes] == [
            (h, "changed") for h in ROUTERS.values()
        ], [(o.hostname, o.status, o.error) for o in first.outcomes]
        running = lab.vtysh("sch", "show running-config")
        assert f"ipv6 nd prefix {teaching.prefix}" in running, running

        addrs = wait_slaac(lab, cli_if, teaching.prefix, 40.0)
        assert addrs, (
            f"no SLAAC address in {teaching.prefix} on the client: "
            f"{lab.run('cli', 'ip', '-6', 'addr').stdout}"
        )
        # OSPFv3 adjacencies take a while, more on a loaded machine: wait for the route first
        assert wait_route(lab, "sch", backbone, 120.0), lab.vtysh("sch", "show ipv6 route")
        attempts = 20
        assert ping(lab, backbone, attempts), (
            f"client {addrs[0].ip} cannot reach the backbone loopback {backbone}\n"
            + "\n".join(lab.vtysh(r, "show ipv6 route") for r in ("sch", "cty", "bb"))
        )

        second = run_push(inv, lab, templates, tmp_path / "backups")
        assert [(o.hostname, o.status) for o in second.outcomes] == [
            (h, "unchanged") for h in ROUTERS.values()
        ], [(o.hostname, o.status, o.remediation, o.error) for o in second.outcomes]
