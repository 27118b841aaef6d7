"""A deterministic generator of a Ningxia-shaped inventory, from a few schools to the whole region.

The same ``(schools, seed)`` always gives the same files. The shape follows the plan: a backbone
core per city (Yinchuan's is the regional core), a metro aggregation node per county, and schools
whose size, vendor mix, Wi-Fi generation, firewall and uplinks vary the way a real province's do,
so that every KPI has schools that meet it and schools that do not.

Management addresses are left to ``netctl ipam``, which derives them from the address plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netctl import geo
from netctl.inventory.yamlio import dump_yaml, write_atomic
from netctl.platforms import Platform

# Relative number of schools per county (roughly their share of Ningxia's pupils).
_WEIGHTS: dict[str, int] = {
    "640104": 9,
    "640105": 6,
    "640106": 7,
    "640121": 5,
    "640122": 5,
    "640181": 5,
    "640202": 4,
    "640205": 3,
    "640221": 5,
    "640302": 6,
    "640303": 3,
    "640323": 3,
    "640324": 6,
    "640381": 4,
    "640402": 7,
    "640422": 8,
    "640423": 3,
    "640424": 2,
    "640425": 4,
    "640502": 5,
    "640521": 5,
    "640522": 8,
}

# Vendor of each city's campus networks (procurement is by city), then a minority vendor.
_VENDORS: dict[str, tuple[Platform, Platform]] = {
    "640100": (Platform.HUAWEI_VRP, Platform.HP_COMWARE),
    "640200": (Platform.HP_COMWARE, Platform.HUAWEI_VRP),
    "640300": (Platform.HUAWEI_VRP, Platform.RUIJIE_OS),
    "640400": (Platform.RUIJIE_OS, Platform.HUAWEI_VRP),
    "640500": (Platform.HP_COMWARE, Platform.CISCO_IOS),
}


@dataclass(frozen=True, slots=True)
class Kit:
    """The device models a vendor's school gets, and its interface naming."""

    gateway: str
    access: str
    firewall: str
    wlc: str
    ap6: str
    ap5: str
    up: str  # uplink interface of the gateway
    fw_in: str
    fw_out: str
    port: str  # format of a gateway downlink, {n}


KITS: dict[Platform, Kit] = {
    Platform.HUAWEI_VRP: Kit(
        "S6730-H24X6C",
        "S5735-L48T4X-A1",
        "USG6525E",
        "AirEngine9700-M",
        "AirEngine5761-11",
        "AP4050DN",
        "XGigabitEthernet0/0/1",
        "GigabitEthernet0/0/1",
        "GigabitEthernet0/0/2",
        "GigabitEthernet0/0/{n}",
    ),
    Platform.HP_COMWARE: Kit(
        "S6520X-30QC-EI",
        "S5130S-52S-EI",
        "F1000-AK180",
        "WX3510X",
        "WA6320",
        "WA5320",
        "Ten-GigabitEthernet1/0/25",
        "GigabitEthernet1/0/1",
        "GigabitEthernet1/0/2",
        "GigabitEthernet1/0/{n}",
    ),
    Platform.RUIJIE_OS: Kit(
        "RG-S5750C-28GT4XS-H",
        "RG-S2910-24GT4XS-E",
        "RG-WALL1600-Z3200",
        "RG-WS6008",
        "RG-AP820-L(V3)",
        "RG-AP720-L",
        "TenGigabitEthernet 0/25",
        "GigabitEthernet 0/1",
        "GigabitEthernet 0/2",
        "GigabitEthernet 0/{n}",
    ),
    Platform.CISCO_IOS: Kit(
        "C9300-24T",
        "C9200L-48T-4G",
        "USG6525E",
        "C9800-L-C",
        "C9120AXI-H",
        "AIR-AP2802I-H",
        "TenGigabitEthernet1/1/1",
        "GigabitEthernet0/0/1",
        "GigabitEthernet0/0/2",
        "GigabitEthernet1/0/{n}",
    ),
}

CATALOG: dict[str, dict[str, str]] = {
    "NE40E-X8A": {"platform": "huawei_vrp", "vendor": "Huawei", "description": "backbone router"},
    "CE6881-48S6CQ": {"platform": "huawei_vrp", "vendor": "Huawei", "description": "metro switch"},
    "S6730-H24X6C": {"platform": "huawei_vrp", "vendor": "Huawei"},
    "S5735-L48T4X-A1": {"platform": "huawei_vrp", "vendor": "Huawei"},
    "USG6525E": {"platform": "huawei_vrp", "vendor": "Huawei", "description": "firewall"},
    "AirEngine9700-M": {"platform": "huawei_vrp", "vendor": "Huawei", "description": "WLAN AC"},
    "AirEngine5761-11": {"platform": "huawei_vrp", "vendor": "Huawei", "wifi": "wifi6"},
    "AP4050DN": {"platform": "huawei_vrp", "vendor": "Huawei", "wifi": "wifi5"},
    "S6520X-30QC-EI": {"platform": "hp_comware", "vendor": "H3C"},
    "S5130S-52S-EI": {"platform": "hp_comware", "vendor": "H3C"},
    "F1000-AK180": {"platform": "hp_comware", "vendor": "H3C", "description": "firewall"},
    "WX3510X": {"platform": "hp_comware", "vendor": "H3C", "description": "WLAN AC"},
    "WA6320": {"platform": "hp_comware", "vendor": "H3C", "wifi": "wifi6"},
    "WA5320": {"platform": "hp_comware", "vendor": "H3C", "wifi": "wifi5"},
    "RG-S5750C-28GT4XS-H": {"platform": "ruijie_os", "vendor": "Ruijie"},
    "RG-S2910-24GT4XS-E": {"platform": "ruijie_os", "vendor": "Ruijie"},
    "RG-WALL1600-Z3200": {"platform": "ruijie_os", "vendor": "Ruijie", "description": "firewall"},
    "RG-WS6008": {"platform": "ruijie_os", "vendor": "Ruijie", "description": "WLAN AC"},
    "RG-AP820-L(V3)": {"platform": "ruijie_os", "vendor": "Ruijie", "wifi": "wifi6"},
    "RG-AP720-L": {"platform": "ruijie_os", "vendor": "Ruijie", "wifi": "wifi5"},
    "C9300-24T": {"platform": "cisco_ios", "vendor": "Cisco"},
    "C9200L-48T-4G": {"platform": "cisco_ios", "vendor": "Cisco"},
    "C9800-L-C": {"platform": "cisco_ios", "vendor": "Cisco", "description": "WLAN controller"},
    "C9120AXI-H": {"platform": "cisco_ios", "vendor": "Cisco", "wifi": "wifi6"},
    "AIR-AP2802I-H": {"platform": "cisco_ios", "vendor": "Cisco", "wifi": "wifi5"},
}

_PROVIDERS = ("中国电信", "中国移动", "中国联通")
_NUMERALS = "一二三四五六七八九十"
_VILLAGES = (
    "红星",
    "新庄",
    "马家",
    "李俊",
    "杨河",
    "东风",
    "沙沟",
    "南山",
    "黄渠",
    "张易",
    "兴隆",
    "柳泉",
    "古城",
    "三营",
    "高台",
    "石坝",
    "团结",
    "河滩",
    "金沙",
    "双井",
)


def county_counts(total: int) -> dict[str, int]:
    """Split ``total`` schools over the 22 counties by weight, every county at least one.

    Examples:
        >>> sum(county_counts(3000).values())
        3000
        >>> min(county_counts(22).values())
        1
    """
    if total < len(_WEIGHTS):
        msg = f"the sample needs at least {len(_WEIGHTS)} schools (one per county), got {total}"
        raise ValueError(msg)
    weight_sum = sum(_WEIGHTS.values())
    counts = {c: max(1, total * w // weight_sum) for c, w in _WEIGHTS.items()}
    order = sorted(_WEIGHTS, key=lambda c: -_WEIGHTS[c])
    i = 0
    while sum(counts.values()) != total:
        c = order[i % len(order)]
        if sum(counts.values()) < total:
            counts[c] += 1
        elif counts[c] > 1:
            counts[c] -= 1
        i += 1
    return counts


def generate(schools: int = 44, seed: int = 2027) -> dict[str, Any]:
    """Build the inventory as plain data: ``{"region.yaml": ..., "counties/640104.yaml": ...}``."""
    rng = random.Random(seed)
    files: dict[str, Any] = {"catalog.yaml": {"models": CATALOG}}
    backbone_nodes: list[dict[str, Any]] = []
    region_links: list[dict[str, Any]] = []
    core = {}
    for city in geo.CITIES.values():
        short = city.name_en.lower()[:2]
        host = f"nx-bb-{short}1"
        core[city.code] = host
        backbone_nodes.append(
            {
                "id": f"bb-{city.code}",
                "kind": "backbone",
                "name": f"{city.name}教育骨干网核心节点",
                "devices": [
                    {
                        "hostname": host,
                        "role": "backbone",
                        "model": "NE40E-X8A",
                        "interfaces": [
                            {"name": f"GigabitEthernet0/{s}/{p}", "role": "downlink"}
                            for s in (1, 2)
                            for p in range(12)
                        ]
                        + [{"name": "GigabitEthernet0/3/0", "role": "uplink"}],
                    }
                ],
            }
        )
        if city.code != "640100":
            region_links.append(
                {
                    "kind": "backbone",
                    "a": f"{host}:GigabitEthernet0/3/0",
                    "b": f"{core['640100']}:GigabitEthernet0/2/{len(region_links)}",
                    "mbps": 10000,
                }
            )
    files["region.yaml"] = {
        "region": {"code": geo.REGION_CODE, "name": geo.REGION_NAME},
        "defaults": {
            "aps_per_room": 1,
            "credentials": "default",
            "snmp": "snmpv3-default",
            "zone": "nxedu.example.cn",
        },
        "nodes": backbone_nodes,
        "links": region_links,
    }
    port_of_core: dict[str, int] = dict.fromkeys(geo.CITIES, 0)
    for county, n in county_counts(schools).items():
        files[f"counties/{county}.yaml"] = _county(rng, county, n, core, port_of_core)
    for rel, data in files.items():
        if rel.startswith("counties/"):
            _snmp_sets(data)
    return files


SNMP_BY_PLATFORM = {"ruijie_os": "snmpv3-rgos"}
"""SNMP credential set per platform where the default (SHA/AES) user cannot exist: RGOS 11.4
offers DES privacy only, so its devices are polled with a DES user (templates/policy.yaml
renders it from the same set)."""


def _snmp_sets(county: dict[str, Any]) -> None:
    """Name the SNMP credential set on the devices whose platform needs its own (not APs: the
    controller configures them)."""
    groups = [*county.get("nodes", []), *county.get("schools", [])]
    for group in groups:
        for dev in group.get("devices", []):
            info = CATALOG.get(dev.get("model", ""), {})
            cred = SNMP_BY_PLATFORM.get(info.get("platform", ""))
            if cred and dev.get("role") != "ap":
                dev["snmp"] = cred


def _county(
    rng: random.Random, county: str, n: int, core: dict[str, str], port_of_core: dict[str, int]
) -> dict[str, Any]:
    div = geo.COUNTIES[county]
    metro = f"nx{county}-metro1"
    metro_wlc = f"nx{county}-ac1"
    major, minor = _VENDORS[div.city_code]
    metro_ifaces = [{"name": "XGigabitEthernet0/0/1", "role": "uplink"}] + [
        {"name": f"GigabitEthernet0/0/{p}", "role": "downlink"} for p in range(1, n + 1)
    ]
    cport = port_of_core[div.city_code]
    port_of_core[div.city_code] += 1
    county_links: list[dict[str, Any]] = [
        {
            "kind": "backbone",
            "a": f"{metro}:XGigabitEthernet0/0/1",
            "b": f"{core[div.city_code]}:GigabitEthernet0/1/{cport % 12}"
            if cport < 12
            else f"{core[div.city_code]}:GigabitEthernet0/2/{cport % 12}",
            "mbps": 10000,
        }
    ]
    kit_m = KITS[major]
    nodes = [
        {
            "id": f"{county}-metro",
            "kind": "metro",
            "name": f"{div.name}教育城域网汇聚节点",
            "devices": [
                {
                    "hostname": metro,
                    "role": "metro",
                    "model": "CE6881-48S6CQ",
                    "interfaces": metro_ifaces,
                },
                {"hostname": metro_wlc, "role": "wlc", "model": kit_m.wlc},
            ],
        }
    ]
    schools = []
    for i in range(1, n + 1):
        platform = major if rng.random() < 0.8 else minor
        school, links = _school(rng, county, i, platform, metro, metro_wlc, kit_m)
        schools.append(school)
        county_links.extend(links)
    return {
        "county": county,
        "name": div.name,
        "nodes": nodes,
        "schools": schools,
        "links": county_links,
    }


def _school(
    rng: random.Random,
    county: str,
    i: int,
    platform: Platform,
    metro: str,
    metro_wlc: str,
    metro_kit: Kit,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    div = geo.COUNTIES[county]
    kit = KITS[platform]
    r = rng.random()
    category = "urban" if r < 0.15 else "town" if r < 0.4 else "rural"
    if category == "urban":
        rooms = rng.randint(12, 32)
        stage = rng.choice(["primary", "primary", "junior", "senior", "complete_secondary"])
    elif category == "town":
        rooms = rng.randint(6, 14)
        stage = rng.choice(["primary", "primary", "junior", "nine_year"])
    else:
        rooms = rng.randint(2, 6)
        stage = rng.choice(["primary", "primary", "primary", "nine_year", "kindergarten"])
    classes = max(1, rooms - rng.randint(0, 2))
    digital = classes if rng.random() < 0.6 else rng.randint(0, classes)
    code = f"2{county[1:]}{i:04d}"
    prefix = f"nx{county}-{i:04d}"
    name = _school_name(rng, div.name, category, stage, i)
    gw, fw, wlc = f"{prefix}-gw1", f"{prefix}-fw1", f"{prefix}-ac1"
    has_fw = rng.random() < 0.88
    own_wlc = category != "rural"
    gw_ifaces = [{"name": kit.up, "role": "uplink", "description": f"to {metro}"}]
    devices: list[dict[str, Any]] = [
        {"hostname": gw, "role": "gateway", "model": kit.gateway, "interfaces": gw_ifaces},
    ]
    links: list[dict[str, Any]] = [
        {
            "kind": "edu_private",
            "a": f"{gw}:{kit.up}",
            "b": f"{metro}:GigabitEthernet0/0/{i}",
            "mbps": 1000
            if category != "rural" or rng.random() < 0.5
            else rng.choice([100, 300, 500]),
        }
    ]
    port = 1
    internet_side = f"{gw}:{kit.port.format(n=47)}"
    if has_fw:
        devices.append(
            {
                "hostname": fw,
                "role": "firewall",
                "model": kit.firewall,
                "interfaces": [
                    {"name": kit.fw_in, "role": "downlink"},
                    {"name": kit.fw_out, "role": "uplink"},
                ],
            }
        )
        links.append(
            {"kind": "lan", "a": f"{gw}:{kit.port.format(n=48)}", "b": f"{fw}:{kit.fw_in}"}
        )
        gw_ifaces.append(
            {"name": kit.port.format(n=48), "role": "downlink", "description": f"to {fw}"}
        )
        internet_side = f"{fw}:{kit.fw_out}"
    else:
        gw_ifaces.append(
            {"name": kit.port.format(n=47), "role": "uplink", "description": "internet"}
        )
    if rng.random() < 0.93:
        links.append(
            {
                "kind": "internet",
                "a": internet_side,
                "b": {"provider": rng.choice(_PROVIDERS)},
                "mbps": rng.choice([200, 500, 1000, 1000, 1000, 2000])
                if category != "rural"
                else rng.choice([100, 200, 300, 500, 1000]),
            }
        )
    if category != "rural" and rng.random() < 0.35:
        links.append(
            {
                "kind": "5g",
                "a": internet_side,
                "b": {"provider": "中国移动"},
                "mbps": rng.choice([300, 500, 1000]),
            }
        )
    for a in range(1, rooms // 14 + 2):
        acc = f"{prefix}-sw{a}"
        devices.append({"hostname": acc, "role": "access", "model": kit.access})
        gw_ifaces.append(
            {"name": kit.port.format(n=port), "role": "downlink", "description": f"to {acc}"}
        )
        links.append({"kind": "lan", "a": f"{gw}:{kit.port.format(n=port)}", "b": acc})
        port += 1
    controller = wlc if own_wlc else metro_wlc
    if own_wlc:
        devices.append({"hostname": wlc, "role": "wlc", "model": kit.wlc})
    ap_kit = kit if own_wlc else metro_kit
    coverage = {"urban": 0.95, "town": 0.85, "rural": 0.7}[category]
    full = rng.random() < coverage
    wifi6_share = {"urban": 0.85, "town": 0.6, "rural": 0.25}[category]
    all6 = rng.random() < wifi6_share
    n_aps = rooms if full else rng.randint(0, max(0, rooms - 1))
    for a in range(1, n_aps + 1):
        model = ap_kit.ap6 if all6 or rng.random() < 0.3 else ap_kit.ap5
        building = "A" if a <= 12 else "B" if a <= 24 else "C"
        devices.append(
            {
                "hostname": f"{prefix}-ap{a:03d}",
                "role": "ap",
                "model": model,
                "building": building,
                "room": f"{building}{100 + a}",
                "controller": controller,
            }
        )
    school: dict[str, Any] = {
        "code": code,
        "name": name,
        "category": category,
        "stage": stage,
        "classes": classes,
        "teaching_rooms": rooms,
        "digital_classrooms": digital,
    }
    if rng.random() < 0.85:
        school["website"] = f"{div.name_en.lower()}{i:04d}.nxedu.example.cn"
    school["devices"] = devices
    return school, links


def _school_name(rng: random.Random, county: str, category: str, stage: str, i: int) -> str:
    kind = {
        "primary": "小学",
        "junior": "中学",
        "senior": "高级中学",
        "complete_secondary": "中学",
        "nine_year": "九年制学校",
        "kindergarten": "幼儿园",
    }.get(stage, "学校")
    if category == "rural":
        village = _VILLAGES[rng.randrange(len(_VILLAGES))]
        return f"{county}{village}村{kind}"
    return f"{county}第{_chinese_number(i)}{kind}"


def _chinese_number(n: int) -> str:
    """Chinese numeral for 1–999.

    Examples:
        >>> _chinese_number(1), _chinese_number(12), _chinese_number(20), _chinese_number(105)
        ('一', '十二', '二十', '一百零五')
    """
    digits = "零" + _NUMERALS[:9]
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = f"{digits[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += digits[ones]
    return out


def write_inventory(out: Path, schools: int = 44, seed: int = 2027, *, force: bool = False) -> int:
    """Write a generated inventory to ``out``; refuse to overwrite one unless ``force``.

    Returns the number of files written.
    """
    if (out / "region.yaml").exists() and not force:
        msg = f"{out} already holds an inventory: pass --force to overwrite it"
        raise FileExistsError(msg)
    files = generate(schools, seed)
    for rel, data in files.items():
        write_atomic(out / rel, dump_yaml(data))
    return len(files)
