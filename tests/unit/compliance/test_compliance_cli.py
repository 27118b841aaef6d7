"""``netctl compliance kpis`` and ``netctl compliance baseline`` through Typer's CliRunner.

The scenario is written relative to the real clock, since the commands judge freshness against
the time they run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from compliance_scenario import REPO, Scenario, write_scenario  # type: ignore[import-not-found,unused-ignore]
from typer.testing import CliRunner

from netctl.cli import app
from netctl.compliance.kpis import KPI_IDS
from netctl.exceptions import ConfigError
from netctl.inventory.filters import FilterError
from netctl.state import StateStore

B = "2401040002"
ENV = {"NETCTL_REPORTS": str(REPO / "reports"), "COLUMNS": "250"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return write_scenario(tmp_path_factory.mktemp("live"), datetime.now(UTC))


def run(sc: Scenario, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["--inventory", str(sc.root / "inventory"), "--state", str(sc.root / "state.db"), *args],
        env=ENV,
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_kpis_json_contract(live: Scenario) -> None:
    code, out = run(
        live,
        "compliance",
        "kpis",
        "--format",
        "json",
        "--backups",
        str(live.backups),
        "--year",
        "2026",
    )
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["generated_at", "year", "kpis", "schools"]
    assert data["year"] == 2026 and data["generated_at"].endswith("Z")
    item_keys = [
        "kpi",
        "scope_level",
        "scope_code",
        "scope_name",
        "numerator",
        "denominator",
        "value",
        "target",
        "met",
    ]
    assert all(list(k) == item_keys for k in data["kpis"])
    assert {k["scope_level"] for k in data["kpis"]} == {"school", "county", "city", "region"}
    region = {k["kpi"]: k for k in data["kpis"] if k["scope_level"] == "region"}
    assert list(region) == list(KPI_IDS)
    assert region["internet_bandwidth_avg"]["value"] == pytest.approx(2300 / 6)  # Mbps
    assert region["edu_net_access"]["value"] == 0.5  # a fraction
    assert region["website_ipv6"] == {
        "kpi": "website_ipv6",
        "scope_level": "region",
        "scope_code": "640000",
        "scope_name": "宁夏回族自治区",
        "numerator": 1.0,
        "denominator": 3.0,
        "value": pytest.approx(1 / 3),
        "target": 0.8,
        "met": False,
    }
    assert all(list(s) == ["school_code", "kpi", "met", "reasons"] for s in data["schools"])
    edu_b = next(
        s for s in data["schools"] if s["school_code"] == B and s["kpi"] == "edu_net_access"
    )
    assert edu_b == {
        "school_code": B,
        "kpi": "edu_net_access",
        "met": False,
        "reasons": [
            {
                "code": "uplink_down",
                "zh": "上行链路 b-gw1:TenGigabitEthernet1/1/1 最近一次轮询为 down",
                "en": "uplink b-gw1:TenGigabitEthernet1/1/1 was down in the latest poll",
            }
        ],
    }


def test_kpis_json_evidence_and_county(live: Scenario) -> None:
    code, out = run(
        live, "compliance", "kpis", "--county", "640104", "--format", "json", "--evidence"
    )
    assert code == 0
    data = json.loads(out)
    assert {k["scope_code"] for k in data["kpis"] if k["scope_level"] != "school"} == {"640104"}
    a_edu = next(
        s
        for s in data["schools"]
        if s["school_code"] == "2401040001" and s["kpi"] == "edu_net_access"
    )
    assert a_edu["met"] is True
    assert a_edu["evidence"][0].startswith("a-gw1:XGigabitEthernet0/0/1 if_oper_status=up @")


def test_kpis_table_in_chinese_and_english(live: Scenario) -> None:
    code, out = run(live, "compliance", "kpis", "--county", "640104")
    assert code == 0
    assert "教育专网接入率" in out and "兴庆区" in out and "未达标" in out
    assert "最近一次轮询为 down" in out
    code, out = run(live, "compliance", "kpis", "--city", "640100", "--lang", "en")
    assert code == 0
    assert "education network access" in out and "not met" in out
    assert "school results fall short" in out


def test_snapshot_keeps_the_trend(live: Scenario) -> None:
    for _ in range(2):
        code, out = run(live, "compliance", "kpis", "--county", "640105", "--snapshot")
        assert code == 0 and "KPI snapshot: " in out
    with StateStore(live.state_url) as store:
        history = store.kpi_history("edu_net_access", "county", "640105")
        schools = store.kpi_history("edu_net_access", "school", "2401050001")
    assert len(history) == 2 and len(schools) == 2
    assert history[0][0] < history[1][0]
    assert history[-1][1].value == 1.0 and history[-1][1].met is True


def test_baseline_json_contract_and_exit_code(live: Scenario) -> None:
    code, out = run(
        live,
        "compliance",
        "baseline",
        "--county",
        "640104",
        "--format",
        "json",
        "--backups",
        str(live.backups),
    )
    assert code == 1  # some device does not pass
    data = json.loads(out)
    assert list(data) == ["generated_at", "backups_dir", "freshness_hours", "summary", "devices"]
    # A's 3, B's 1, C's 2 and the metro node's 3 (APs have no config of their own)
    assert data["summary"] == {
        "devices": 9,
        "pass": 2,
        "partial": 0,
        "fail": 1,
        "stale": 0,
        "no_backup": 6,
        "no_rules": 0,
    }
    fw = next(d for d in data["devices"] if d["hostname"] == "a-fw1")
    assert list(fw) == [
        "hostname",
        "platform",
        "role",
        "site",
        "school_code",
        "county",
        "backup",
        "backup_at",
        "confirmed_at",
        "status",
        "reasons",
        "rules",
    ]
    assert fw["status"] == "fail" and fw["platform"] == "huawei_vrp"
    telnet = next(r for r in fw["rules"] if r["rule"] == "no_telnet")
    assert telnet["clause"] == "8.1.4.4 b)" and telnet["status"] == "fail"
    assert [(o["line"], o["text"]) for o in telnet["offending"]] == [
        (7, "telnet server enable"),
        (32, "protocol inbound all"),
    ]
    code, _ = run(live, "compliance", "baseline", "--host", "b-gw1", "--backups", str(live.backups))
    assert code == 0  # the one device passes


def test_baseline_table(live: Scenario) -> None:
    code, out = run(live, "compliance", "baseline", "--host", "a-*", "--backups", str(live.backups))
    assert code == 1
    assert "a-fw1" in out and "no_telnet fail [8.1.4.4 b)]" in out and "L7: telnet server" in out


def test_errors_are_config_errors_with_a_clear_message(live: Scenario, tmp_path: Path) -> None:
    """``main`` maps ConfigError and FilterError to exit code 3 (README, exit codes)."""
    inv = ["--inventory", str(live.root / "inventory")]
    cases = [
        (
            [*inv, "compliance", "kpis", "--county", "640104", "--city", "640100"],
            ENV,
            ConfigError,
            "give --county or --city, not both",
        ),
        (
            [*inv, "compliance", "kpis", "--county", "640199"],
            ENV,
            FilterError,
            "unknown county code '640199'",
        ),
        (
            [*inv, "compliance", "kpis"],
            {"NETCTL_REPORTS": str(tmp_path)},
            ConfigError,
            "no targets file",
        ),
        (
            [*inv, "report", "--county", "640104"],
            {"NETCTL_REPORTS": str(tmp_path)},
            ConfigError,
            "no targets file",
        ),
    ]
    for args, env, error, message in cases:
        result = CliRunner().invoke(app, args, env=env)
        assert isinstance(result.exception, error), args
        assert message in str(result.exception)


def test_kpis_as_influx_line_protocol(live: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "kpi.lp"
    code, _ = run(
        live,
        "compliance",
        "kpis",
        "--county",
        "640105",
        "--format",
        "json",
        "--line-protocol",
        str(out),
    )
    assert code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12 + 12  # the county's KPIs and its one school's
    county = next(x for x in lines if x.startswith("kpi,kpi=edu_net_access,scope_level=county"))
    head, fields, stamp = county.split(" ")
    assert (
        head == "kpi,kpi=edu_net_access,scope_level=county,scope_code=640105,city=640100,"
        "county=640105"
    )
    assert dict(f.split("=") for f in fields.split(",")) == {
        "target": "0.98",
        "numerator": "1.0",
        "denominator": "1.0",
        "value": "1.0",
        "met": "1i",
    }
    assert stamp.isdigit()
    school = next(x for x in lines if "scope_level=school" in x and "kpi=website_ipv6" in x)
    assert ",school=2401050001 " in school and "met=0i" in school
