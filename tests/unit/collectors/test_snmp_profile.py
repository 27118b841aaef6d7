"""Profiles: the shipped YAML files load, mistakes are errors, matching, contract sync."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from netctl.collectors import contract
from netctl.collectors.snmp.profile import Profile, load_profiles, match_profiles
from netctl.exceptions import ConfigError

REPO = Path(__file__).resolve().parents[3]
PROFILES = REPO / "collectors" / "snmp" / "profiles"


@pytest.fixture(scope="module")
def shipped() -> dict[str, Profile]:
    return load_profiles(PROFILES)


def test_every_shipped_profile_loads(shipped: dict[str, Profile]) -> None:
    assert set(shipped) == {"system", "if_mib", "ip_mib", "ipv6_ra", "entity", "huawei_wlan",
                            "h3c_wlan", "ruijie_wlan"}
    assert shipped["system"].heartbeat


def test_unconfirmed_oids_are_flagged_and_explained(shipped: dict[str, Profile]) -> None:
    for name, profile in shipped.items():
        text = (PROFILES / f"{name}.yaml").read_text(encoding="utf-8")
        unconfirmed = [c for t in profile.tables.values() for c in t.columns.values()
                       if not c.confirmed]
        if unconfirmed:
            assert "NOT confirmed" in text, name
        assert profile.source, f"{name}: say where the OIDs come from"


@pytest.mark.parametrize(("platform", "role", "sysoid", "expected"), [
    ("huawei_vrp", "access", None, {"system", "if_mib", "ip_mib", "ipv6_ra", "entity"}),
    ("huawei_vrp", "wlc", None, {"system", "if_mib", "ip_mib", "ipv6_ra", "entity", "huawei_wlan"}),
    ("hp_comware", "wlc", None, {"system", "if_mib", "ip_mib", "ipv6_ra", "entity", "h3c_wlan"}),
    ("ruijie_os", "wlc", None, {"system", "if_mib", "ip_mib", "ipv6_ra", "entity", "ruijie_wlan"}),
    ("cisco_ios", "wlc", "1.3.6.1.4.1.2011.2.240.17",
     {"system", "if_mib", "ip_mib", "ipv6_ra", "entity", "huawei_wlan"}),
    ("cisco_ios", "wlc", "1.3.6.1.4.1.9.1.2860",
     {"system", "if_mib", "ip_mib", "ipv6_ra", "entity"}),
])
def test_matching(shipped: dict[str, Profile], platform: str, role: str, sysoid: str | None,
                  expected: set[str]) -> None:
    assert {p.name for p in match_profiles(shipped, platform, role, sysoid)} == expected


def _write(tmp_path: Path, data: dict[str, object], name: str = "x") -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return folder


BASE: dict[str, object] = {
    "name": "x", "measurement": "snmp_interface", "interval_s": 60,
    "tables": {"if": {"columns": {"ifName": {"oid": "1.3.6.1.2.1.31.1.1.1.1", "type": "str"}}}},
    "rows": "if", "tags": {"ifname": "ifName"}, "fields": {},
}


@pytest.mark.parametrize(("change", "message"), [
    ({"measurement": "snmp_ifaces"}, "not in docs/observations.md"),
    ({"fields": {"inbps": {"const": 1}}}, "field(s) inbps"),
    ({"tags": {"port": "ifName"}}, "tag(s) port"),
    ({"state": {"if_status": "ifname"}}, "state metric 'if_status'"),
    ({"state": {"if_oper_status": "nothing"}}, "not a tag, field or value"),
    ({"rows": "iftable"}, "no table named"),
    ({"tags": {"ifname": "ifNmae"}}, "unknown column 'ifNmae'"),
    ({"tags": {"ifname": {"column": "ifName", "const": 1}}}, "exactly one source"),
    ({"interval_s": 1}, "greater than or equal to 5"),
    ({"tables": {"if": {"columns": {"ifName": {"oid": "1.3.six", "type": "str"}}}}},
     "should match pattern"),
    ({"scalars": {"up": {"oid": "1.3.6.1.2.1.1.3"}}}, "ends in .0"),
    ({"colour": "blue"}, "Extra inputs are not permitted"),
    ({"converter": "wlan_ap", "measurement": "wlan_ap", "tags": {}}, "needs an 'election'"),
])
def test_mistakes_are_errors_with_file_and_field(tmp_path: Path, change: dict[str, object],
                                                 message: str) -> None:
    folder = _write(tmp_path, {**BASE, **change})
    with pytest.raises(ConfigError) as err:
        load_profiles(folder)
    assert message in str(err.value)
    assert "x.yaml" in str(err.value)


def test_name_must_match_file(tmp_path: Path) -> None:
    folder = _write(tmp_path, BASE, name="other")
    with pytest.raises(ConfigError, match="differs from the file name"):
        load_profiles(folder)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no SNMP profile folder"):
        load_profiles(tmp_path / "nowhere")


def _doc_tables() -> tuple[dict[str, tuple[set[str], set[str]]], set[str]]:
    text = (REPO / "docs" / "observations.md").read_text(encoding="utf-8")
    state_part, influx_part = text.split("## InfluxDB measurements")
    metrics: set[str] = set()
    for line in state_part.splitlines():
        if line.startswith("| `"):
            metrics |= set(re.findall(r"`([a-z0-9_]+)`", line.split("|")[1]))
    measurements: dict[str, tuple[set[str], set[str]]] = {}
    for line in influx_part.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and cells[1].startswith("`"):
            name = cells[1].strip("`")
            tags = set(re.findall(r"`([a-z_]+)`", cells[2]))
            fields = set(re.findall(r"`([a-z_0-9]+)`", cells[3]))
            measurements[name] = (tags, fields)
    return measurements, metrics


def test_contract_module_matches_docs_observations() -> None:
    """contract.py and docs/observations.md say the same thing for what collectors write."""
    measurements, metrics = _doc_tables()
    for name, (tags, fields) in contract.MEASUREMENTS.items():
        assert name in measurements, f"{name} missing from docs/observations.md"
        doc_tags, doc_fields = measurements[name]
        assert set(tags) <= doc_tags | {"collector", "shard"}, name
        assert fields == frozenset(doc_fields), name
    snmp_metrics = set(contract.STATE_METRICS)
    assert snmp_metrics <= metrics, snmp_metrics - metrics
