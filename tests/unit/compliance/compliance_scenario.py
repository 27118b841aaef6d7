"""A hand-built scenario for the KPI engine: six schools in three counties of two cities.

Used through the fixtures of conftest.py. Every school is built to exercise particular rules;
``test_kpis.py`` works out each value from the facts written here. Times are relative to
``NOW``; evidence goes into a real SQLite state store through
``StateStore.record_observations``; config backups are the fixture configs.

* A 2401040001 兴庆区 urban: everything fine (a fixed line and a 5G line share one firewall port);
  its firewall's config breaks the baseline and its WLC has no backup.
* B 2401040002 兴庆区 town: uplink down, no firewall, 300 Mbps, 2 of 3 APs online (one reported by
  both controllers of an HA pair), Wi-Fi 5 only, website without AAAA, an address in A's block.
* C 2401040003 兴庆区 rural: every observation is 26 h old.
* D 2401040004 兴庆区 rural: declared with no devices, classes or rooms.
* E 2401050001 西夏区 urban: fine, but its website's second-level links are 85 % IPv6 and its
  gateway's config backup is three days old.
* F 2404020001 原州区 rural: one uplink (up), no internet, no IPv6, no IPAM block.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from netctl.compliance.backups import backup_path
from netctl.compliance.baseline import RuleSet, load_rules
from netctl.compliance.targets import Targets, load_targets
from netctl.inventory.generate import CATALOG
from netctl.inventory.index import Inventory, load_inventory
from netctl.state import Observation, StateStore

REPO = Path(__file__).resolve().parents[3]
CONFIGS = Path(__file__).resolve().parent / "configs"
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
FRESH = NOW - timedelta(minutes=5)
OLD = NOW - timedelta(hours=26)


def _ap(host: str, model: str, ctrl: str | None, room: str | None = None) -> dict[str, Any]:
    ap: dict[str, Any] = {"hostname": host, "role": "ap", "model": model}
    if room:
        ap["room"] = room
    if ctrl:
        ap["controller"] = ctrl
    return ap


def scenario_files() -> dict[str, Any]:
    """The inventory files of the scenario."""
    region = {
        "region": {"code": "640000", "name": "宁夏回族自治区"},
        "defaults": {"aps_per_room": 1},
        "nodes": [
            {
                "id": "bb-640100",
                "kind": "backbone",
                "name": "银川市教育骨干网核心节点",
                "devices": [{"hostname": "nx-bb-yc1", "role": "backbone", "model": "NE40E-X8A"}],
            },
            {
                "id": "bb-640400",
                "kind": "backbone",
                "name": "固原市教育骨干网核心节点",
                "devices": [
                    {
                        "hostname": "nx-bb-gy1",
                        "role": "backbone",
                        "model": "NE40E-X8A",
                        "interfaces": [{"name": "GigabitEthernet0/1/0", "role": "downlink"}],
                    }
                ],
            },
        ],
    }
    xq = {
        "county": "640104",
        "nodes": [
            {
                "id": "640104-metro",
                "kind": "metro",
                "name": "兴庆区教育城域网汇聚节点",
                "devices": [
                    {
                        "hostname": "nx640104-metro1",
                        "role": "metro",
                        "model": "CE6881-48S6CQ",
                        "interfaces": [
                            {"name": f"GigabitEthernet0/0/{i}", "role": "downlink"}
                            for i in (1, 2, 3)
                        ],
                    },
                    {"hostname": "nx640104-ac1", "role": "wlc", "model": "AirEngine9700-M"},
                    {"hostname": "nx640104-ac2", "role": "wlc", "model": "AirEngine9700-M"},
                ],
            }
        ],
        "schools": [
            {
                "code": "2401040001",
                "name": "兴庆区第一小学",
                "category": "urban",
                "stage": "primary",
                "classes": 20,
                "teaching_rooms": 4,
                "digital_classrooms": 20,
                "website": "a.nxedu.example.cn",
                "prefixes": [
                    {"prefix": "10.1.0.0/22", "role": "block"},
                    {"prefix": "2001:db8:1::/48", "role": "block"},
                ],
                "domains": [{"name": "a.nxedu.example.cn", "kind": "website"}],
                "devices": [
                    {
                        "hostname": "a-gw1",
                        "role": "gateway",
                        "model": "S6730-H24X6C",
                        "interfaces": [
                            {"name": "XGigabitEthernet0/0/1", "role": "uplink"},
                            {"name": "GigabitEthernet0/0/48", "role": "downlink"},
                            {"name": "Vlanif10", "role": "user", "vlan": 10},
                        ],
                    },
                    {
                        "hostname": "a-fw1",
                        "role": "firewall",
                        "model": "USG6525E",
                        "interfaces": [
                            {"name": "GigabitEthernet0/0/1", "role": "downlink"},
                            {"name": "GigabitEthernet0/0/2", "role": "uplink"},
                        ],
                    },
                    {"hostname": "a-ac1", "role": "wlc", "model": "AirEngine9700-M"},
                    *[_ap(f"a-ap{i}", "AirEngine5761-11", "a-ac1", f"A10{i}") for i in range(1, 5)],
                ],
            },
            {
                "code": "2401040002",
                "name": "兴庆区第二小学",
                "category": "town",
                "stage": "primary",
                "classes": 10,
                "teaching_rooms": 3,
                "digital_classrooms": 7,
                "website": "b.nxedu.example.cn",
                "prefixes": [{"prefix": "10.1.8.0/22", "role": "block"}],
                "devices": [
                    {
                        "hostname": "b-gw1",
                        "role": "gateway",
                        "model": "C9300-24T",
                        "interfaces": [
                            {"name": "TenGigabitEthernet1/1/1", "role": "uplink"},
                            {"name": "GigabitEthernet1/0/47", "role": "uplink"},
                        ],
                    },
                    *[_ap(f"b-ap{i}", "AP4050DN", "nx640104-ac1") for i in range(1, 4)],
                ],
            },
            {
                "code": "2401040003",
                "name": "兴庆区红星村小学",
                "category": "rural",
                "stage": "primary",
                "classes": 6,
                "teaching_rooms": 2,
                "digital_classrooms": 6,
                "devices": [
                    {
                        "hostname": "c-gw1",
                        "role": "gateway",
                        "model": "RG-S5750C-28GT4XS-H",
                        "interfaces": [{"name": "TenGigabitEthernet 0/25", "role": "uplink"}],
                    },
                    {
                        "hostname": "c-fw1",
                        "role": "firewall",
                        "model": "RG-WALL1600-Z3200",
                        "interfaces": [
                            {"name": "GigabitEthernet 0/1", "role": "downlink"},
                            {"name": "GigabitEthernet 0/2", "role": "uplink"},
                        ],
                    },
                    _ap("c-ap1", "RG-AP720-L", "nx640104-ac1", "R1"),
                    _ap("c-ap2", "RG-AP720-L", "nx640104-ac1", "R2"),
                ],
            },
            {
                "code": "2401040004",
                "name": "兴庆区新庄村幼儿园",
                "category": "rural",
                "stage": "kindergarten",
            },
        ],
        "links": [
            {
                "kind": "edu_private",
                "a": "a-gw1:XGigabitEthernet0/0/1",
                "b": "nx640104-metro1:GigabitEthernet0/0/1",
                "mbps": 1000,
            },
            {"kind": "lan", "a": "a-gw1:GigabitEthernet0/0/48", "b": "a-fw1:GigabitEthernet0/0/1"},
            {
                "kind": "internet",
                "a": "a-fw1:GigabitEthernet0/0/2",
                "b": {"provider": "中国电信"},
                "mbps": 1000,
            },
            {
                "kind": "5g",
                "a": "a-fw1:GigabitEthernet0/0/2",
                "b": {"provider": "中国移动"},
                "mbps": 500,
            },
            {
                "kind": "edu_private",
                "a": "b-gw1:TenGigabitEthernet1/1/1",
                "b": "nx640104-metro1:GigabitEthernet0/0/2",
                "mbps": 1000,
            },
            {
                "kind": "internet",
                "a": "b-gw1:GigabitEthernet1/0/47",
                "b": {"provider": "中国联通"},
                "mbps": 300,
            },
            {
                "kind": "edu_private",
                "a": "c-gw1:TenGigabitEthernet 0/25",
                "b": "nx640104-metro1:GigabitEthernet0/0/3",
                "mbps": 300,
            },
            {
                "kind": "internet",
                "a": "c-fw1:GigabitEthernet 0/2",
                "b": {"provider": "中国电信"},
                "mbps": 200,
            },
        ],
    }
    xx = {
        "county": "640105",
        "nodes": [
            {
                "id": "640105-metro",
                "kind": "metro",
                "name": "西夏区教育城域网汇聚节点",
                "devices": [
                    {
                        "hostname": "nx640105-metro1",
                        "role": "metro",
                        "model": "CE6881-48S6CQ",
                        "interfaces": [{"name": "GigabitEthernet0/0/1", "role": "downlink"}],
                    }
                ],
            }
        ],
        "schools": [
            {
                "code": "2401050001",
                "name": "西夏区第一中学",
                "category": "urban",
                "stage": "junior",
                "classes": 12,
                "teaching_rooms": 2,
                "digital_classrooms": 12,
                "website": "e.nxedu.example.cn",
                "prefixes": [
                    {"prefix": "10.5.0.0/22", "role": "block"},
                    {"prefix": "2001:db8:5::/48", "role": "block"},
                ],
                "domains": [{"name": "e.nxedu.example.cn"}],
                "devices": [
                    {
                        "hostname": "e-gw1",
                        "role": "gateway",
                        "model": "S6730-H24X6C",
                        "interfaces": [
                            {"name": "XGigabitEthernet0/0/1", "role": "uplink"},
                            {"name": "GigabitEthernet0/0/48", "role": "downlink"},
                        ],
                    },
                    {
                        "hostname": "e-fw1",
                        "role": "firewall",
                        "model": "USG6525E",
                        "interfaces": [
                            {"name": "GigabitEthernet0/0/1", "role": "downlink"},
                            {"name": "GigabitEthernet0/0/2", "role": "uplink"},
                        ],
                    },
                    _ap("e-ap1", "AirEngine5761-11", "nx640104-ac1", "E1"),
                    _ap("e-ap2", "AirEngine5761-11", "nx640104-ac1", "E2"),
                ],
            },
        ],
        "links": [
            {
                "kind": "edu_private",
                "a": "e-gw1:XGigabitEthernet0/0/1",
                "b": "nx640105-metro1:GigabitEthernet0/0/1",
                "mbps": 1000,
            },
            {"kind": "lan", "a": "e-gw1:GigabitEthernet0/0/48", "b": "e-fw1:GigabitEthernet0/0/1"},
            {
                "kind": "internet",
                "a": "e-fw1:GigabitEthernet0/0/2",
                "b": {"provider": "中国电信"},
                "mbps": 2000,
            },
        ],
    }
    yz = {
        "county": "640402",
        "schools": [
            {
                "code": "2404020001",
                "name": "原州区杨河村小学",
                "category": "rural",
                "stage": "primary",
                "classes": 3,
                "teaching_rooms": 1,
                "digital_classrooms": 1,
                "devices": [
                    {
                        "hostname": "f-gw1",
                        "role": "gateway",
                        "model": "S6520X-30QC-EI",
                        "interfaces": [{"name": "Ten-GigabitEthernet1/0/25", "role": "uplink"}],
                    },
                    _ap("f-ap1", "WA5320", None, "F1"),
                ],
            },
        ],
        "links": [
            {
                "kind": "edu_private",
                "a": "f-gw1:Ten-GigabitEthernet1/0/25",
                "b": "nx-bb-gy1:GigabitEthernet0/1/0",
                "mbps": 500,
            },
        ],
    }
    return {
        "region.yaml": region,
        "catalog.yaml": {"models": CATALOG},
        "counties/640104.yaml": xq,
        "counties/640105.yaml": xx,
        "counties/640402.yaml": yz,
    }


def scenario_observations(now: datetime = NOW) -> list[Observation]:
    """What the collectors and probes saw (5 minutes before ``now``; C's 26 hours before)."""
    out: list[Observation] = []
    fresh, old = now - (NOW - FRESH), now - (NOW - OLD)

    def o(
        device: str,
        metric: str,
        value: float | str,
        interface: str = "",
        at: datetime | None = None,
        source: str = "snmp",
    ) -> None:
        out.append(Observation(device, metric, value, at or fresh, source, interface))

    # A: all fine
    for host in ("a-gw1", "a-fw1", "a-ac1"):
        o(host, "poll_ok", 1)
    o("a-gw1", "if_oper_status", 1, "XGigabitEthernet0/0/1")
    o("a-gw1", "if_speed_mbps", 10000, "XGigabitEthernet0/0/1")
    o("a-gw1", "ipv6_addresses", "2001:db8:1:ffff::2/127", "XGigabitEthernet0/0/1")
    o("a-gw1", "ipv6_addresses", "2001:db8:1:10::1/64 fe80::1/64", "Vlanif10")
    o("a-gw1", "ipv6_ra", 1, "Vlanif10")
    o("a-gw1", "ipv4_addresses", "10.1.0.1/24", "Vlanif10")
    o("a-gw1", "reach_v6_loss", 0.0, source="probe-reach")
    o("a-fw1", "if_oper_status", 1, "GigabitEthernet0/0/2")
    o("a-fw1", "if_speed_mbps", 1000, "GigabitEthernet0/0/2")
    for i in range(1, 5):
        o(f"a-ap{i}", "ap_state", "online", source="snmp:a-ac1")
        o(f"a-ap{i}", "ap_radio", "802.11ax", source="snmp:a-ac1")
    o("web:a.nxedu.example.cn", "web_ipv6_supported", 1, source="probe-web")
    o("web:a.nxedu.example.cn", "web_links_v6_share", 0.95, source="probe-web")
    # B: uplink down, 2 of 3 APs online, an HA pair reports b-ap1 twice
    for host in ("b-gw1", "nx640104-ac1", "nx640104-ac2"):
        o(host, "poll_ok", 1)
    o("b-gw1", "if_oper_status", 2, "TenGigabitEthernet1/1/1")
    o("b-gw1", "if_oper_status", 1, "GigabitEthernet1/0/47")
    o("b-gw1", "if_speed_mbps", 1000, "GigabitEthernet1/0/47")
    o("b-gw1", "ipv4_addresses", "10.1.8.1/24 10.1.0.5/24", "Vlan10")
    o("b-ap1", "ap_state", "online", at=fresh - timedelta(minutes=1), source="snmp:nx640104-ac1")
    o("b-ap1", "ap_state", "online", source="snmp:nx640104-ac2")
    o("b-ap2", "ap_state", "online", source="snmp:nx640104-ac1")
    o("b-ap3", "ap_state", "offline", source="snmp:nx640104-ac1")
    o("web:b.nxedu.example.cn", "web_ipv6_supported", 0, source="probe-web")
    o("web:b.nxedu.example.cn", "web_reason", "no_aaaa", source="probe-web")
    # C: every observation 26 h old
    for host in ("c-gw1", "c-fw1"):
        o(host, "poll_ok", 1, at=old)
    o("c-gw1", "if_oper_status", 1, "TenGigabitEthernet 0/25", at=old)
    o("c-gw1", "ipv4_addresses", "10.1.12.1/24", "VLAN 10", at=old)
    o("c-fw1", "if_oper_status", 1, "GigabitEthernet 0/2", at=old)
    o("c-fw1", "if_speed_mbps", 1000, "GigabitEthernet 0/2", at=old)
    for i in (1, 2):
        o(f"c-ap{i}", "ap_state", "online", at=old, source="snmp:nx640104-ac1")
    # E: fine, website links below the threshold
    for host in ("e-gw1", "e-fw1"):
        o(host, "poll_ok", 1)
    o("e-gw1", "if_oper_status", 1, "XGigabitEthernet0/0/1")
    o("e-gw1", "ipv6_addresses", "2001:db8:5:ffff::2/127", "XGigabitEthernet0/0/1")
    o("e-gw1", "ipv6_addresses", "2001:db8:5:20::1/64", "Vlanif20")
    o("e-gw1", "ipv6_ra", 1, "Vlanif20")
    o("e-gw1", "ipv4_addresses", "10.5.0.1/24", "Vlanif20")
    o("e-gw1", "reach_v6_loss", 0.0, source="probe-reach")
    o("e-fw1", "if_oper_status", 1, "GigabitEthernet0/0/2")
    o("e-fw1", "if_speed_mbps", 1000, "GigabitEthernet0/0/2")
    for i in (1, 2):
        o(f"e-ap{i}", "ap_state", "online", source="snmp:nx640104-ac1")
        o(f"e-ap{i}", "ap_radio", "802.11ax", source="snmp:nx640104-ac1")
    o("web:e.nxedu.example.cn", "web_ipv6_supported", 1, source="probe-web")
    o("web:e.nxedu.example.cn", "web_links_v6_share", 0.85, source="probe-web")
    # F: one uplink up, no IPv6
    o("f-gw1", "poll_ok", 1)
    o("f-gw1", "if_oper_status", 1, "Ten-GigabitEthernet1/0/25")
    o("f-gw1", "ipv4_addresses", "10.40.0.1/24", "Vlan-interface10")
    o("f-ap1", "ap_state", "online", source="snmp")
    return out


# hostname → (fixture config, age of the backup)
BACKUPS: dict[str, tuple[str, timedelta]] = {
    "a-gw1": ("huawei_vrp_good", timedelta(hours=3)),
    "a-fw1": ("huawei_vrp_bad", timedelta(hours=3)),
    "b-gw1": ("cisco_ios_good", timedelta(hours=5)),
    "e-gw1": ("huawei_vrp_good", timedelta(days=3)),
    "e-fw1": ("huawei_vrp_good", timedelta(hours=1)),
    "nx640105-metro1": ("huawei_vrp_good", timedelta(hours=2)),
    "f-gw1": ("hp_comware_good", timedelta(hours=4)),
}


@dataclass(frozen=True)
class Scenario:
    """The scenario's inventory, state store, backups folder and the repository's reports."""

    root: Path
    inv: Inventory
    state_url: str
    backups: Path
    targets: Targets
    rules: dict[str, RuleSet]


def write_scenario(root: Path, now: datetime = NOW, url: str | None = None) -> Scenario:
    """Write the inventory, record the observations and the backups under ``root``.

    The state store is a SQLite file under ``root`` unless ``url`` names another (PostgreSQL).
    """
    inv_dir = root / "inventory"
    for rel, data in scenario_files().items():
        path = inv_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    backups = root / "backups"
    for host, (fixture, age) in BACKUPS.items():
        path = backup_path(backups, host, now - age)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CONFIGS / f"{fixture}.cfg", path)
        stamp = (now - age).timestamp()  # written then, never confirmed since
        os.utime(path, (stamp, stamp))
    url = url or f"sqlite:///{root / 'state.db'}"
    with StateStore(url) as store:
        store.record_observations(scenario_observations(now))
    return Scenario(
        root,
        load_inventory(inv_dir),
        url,
        backups,
        load_targets(REPO / "reports" / "targets.yaml"),
        load_rules(REPO / "reports" / "rules"),
    )
