"""The generated dashboards against Grafana's dashboard JSON model, the provisioning files'
shape, the observation contract, the plan's KPIs, and the self-checks' own teeth."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.models import dashboard as dm
from typer.testing import CliRunner

from netctl.cli import app
from netctl.dashboards.build import Bundle, Influx, build, datasource, make_bundle
from netctl.dashboards.grafana import (
    ALL,
    Selection,
    TimeRange,
    expand,
    format_value,
    panel_interval,
    parse_duration,
)
from netctl.dashboards.kpis import KPIS
from netctl.dashboards.lint import lint_bundle, lint_dashboard, lint_provisioning
from netctl.inventory.index import load_inventory

REPO = Path(__file__).resolve().parents[3]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Path]:
    out = {}
    for lang in ("zh", "en"):
        d = tmp_path_factory.mktemp(f"grafana-{lang}")
        build(d, lang, inventory=load_inventory(sample_dir))
        out[lang] = d
    return out


def models(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((folder / "dashboards").glob("*.json"))]


def provisioning(folder: Path, name: str) -> dict[str, Any]:
    data = yaml.safe_load((folder / "provisioning" / name / "netctl.yaml").read_text())
    assert isinstance(data, dict)
    return data


# -- the dashboard JSON model -------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dashboards_follow_the_json_model(written: dict[str, Path], lang: str) -> None:
    ds_uids = {d["uid"] for d in provisioning(written[lang], "datasources")["datasources"]}
    found = models(written[lang])
    assert {m["uid"] for m in found} == {"netctl-noc", "netctl-uplinks", "netctl-ipv6",
                                         "netctl-wireless", "netctl-plan"}
    for m in found:
        assert m["schemaVersion"] == 41
        ids = [p["id"] for p in m["panels"]]
        assert len(ids) == len(set(ids)), m["uid"]
        cells: set[tuple[int, int]] = set()
        for p in m["panels"]:
            g = p["gridPos"]
            assert g["x"] >= 0 and g["w"] >= 1 and g["x"] + g["w"] <= 24, (m["uid"], p["title"])
            mine = {(x, y) for x in range(g["x"], g["x"] + g["w"])
                    for y in range(g["y"], g["y"] + g["h"])}
            assert not mine & cells, f"{m['uid']}: {p['title']} overlaps"
            cells |= mine
            if p["type"] == "row":
                continue
            assert p["fieldConfig"]["defaults"].get("unit"), (m["uid"], p["title"])
            for t in p["targets"]:
                uid = (t.get("datasource") or p["datasource"])["uid"]
                assert uid in ds_uids | {"__expr__"}, (m["uid"], p["title"])
        defined = {v["name"] for v in m["templating"]["list"]}
        text = json.dumps(m["panels"], ensure_ascii=False) + json.dumps(m["templating"])
        used = set(re.findall(r"\$(?:\{)?(city|county|school|[a-z_]+)\b", text))
        grafana_own = {"timeFilter", "__interval", "__interval_ms", "__all", "__field",
                       "__value", "__url_time_range", "tag_county", "tag_city", "tag_school",
                       "tag_ifname", "tag_collector", "tag_shard", "tag_family", "tag_radio",
                       "tag_kpi", "tag_scope_code", "col"}
        assert used - grafana_own <= defined, (m["uid"], used - grafana_own - defined)
        # the SDK's model (generated from Grafana's schema) reads it back unchanged
        again = json.loads(json.dumps(dm.Dashboard.from_json(m).to_json(), default=_enc))
        assert again["uid"] == m["uid"] and len(again["panels"]) == len(m["panels"])
        assert [p.get("gridPos") for p in again["panels"]] == [p["gridPos"] for p in m["panels"]]


def _enc(obj: Any) -> Any:
    return obj.to_json()


def test_chinese_by_default_english_on_request(written: dict[str, Path]) -> None:
    zh = [p["title"] for m in models(written["zh"]) for p in m["panels"]]
    en = [p["title"] for m in models(written["en"]) for p in m["panels"]]
    assert all(CJK.search(t) for t in zh)
    assert not [t for t in en if CJK.search(t)]


def test_units_and_plan_thresholds(written: dict[str, Path]) -> None:
    by_uid = {m["uid"]: m for m in models(written["en"])}
    units = {p["fieldConfig"]["defaults"]["unit"] for m in by_uid.values()
             for p in m["panels"] if p["type"] != "row"}
    assert {"bps", "percentunit", "ms", "Mbits"} <= units
    ipv6 = {p["title"]: p for p in by_uid["netctl-ipv6"]["panels"]}
    steps = ipv6["Schools whose gateway has IPv6"]["fieldConfig"]["defaults"]["thresholds"]
    assert steps["steps"][-1] == {"value": KPIS["ipv6_campus"].target, "color": "green"}
    web = ipv6["Websites reachable over IPv6"]["fieldConfig"]["defaults"]["thresholds"]
    assert web["steps"][-1]["value"] == KPIS["website_ipv6"].target
    plan = [p for p in by_uid["netctl-plan"]["panels"] if p.get("description") in KPIS]
    assert len(plan) == len(KPIS)
    for p in plan:
        last = p["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]
        assert last["value"] == KPIS[p["description"]].target


def test_county_panels_link_to_the_school_view(written: dict[str, Path]) -> None:
    text = json.dumps(models(written["en"]))
    links = re.findall(r'"url": "(/d/netctl-uplinks/[^"]+)"', text)
    assert len(links) >= 8
    assert all("var-county=${__" in u and "${__url_time_range}" in u for u in links)


def test_school_names_from_the_inventory(written: dict[str, Path], sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    code, entry = next(iter(inv.schools.items()))
    text = (written["zh"] / "dashboards" / "netctl-uplinks.json").read_text()
    assert f"{entry.school.name} {code}" in text


# -- provisioning ------------------------------------------------------------------------------
def test_provisioning_shape(written: dict[str, Path]) -> None:
    ds = provisioning(written["zh"], "datasources")
    assert ds["apiVersion"] == 1
    (entry,) = ds["datasources"]
    assert entry["uid"] == "netctl-influxdb" and entry["type"] == "influxdb"
    assert entry["jsonData"]["version"] == "InfluxQL" and entry["jsonData"]["dbName"]
    prov = provisioning(written["zh"], "dashboards")
    (p,) = prov["providers"]
    assert p["type"] == "file" and p["options"]["path"].startswith("/")
    rules = provisioning(written["zh"], "alerting")
    (group,) = rules["groups"]
    assert group["folder"] == "netctl" and group["interval"] == "1m"
    uids = {r["uid"] for r in group["rules"]}
    assert {"netctl-uplink-down", "netctl-county-node-unreachable",
            "netctl-collector-stopped-snmp"} <= uids
    for r in group["rules"]:
        assert [d["refId"] for d in r["data"]] == ["A", "B", "C"] and r["condition"] == "C"
        assert r["data"][0]["datasourceUid"] == "netctl-influxdb"
        assert r["data"][0]["relativeTimeRange"]["from"] > 0
        assert "$city" not in r["data"][0]["model"]["query"]
    down = next(r for r in group["rules"] if r["uid"] == "netctl-uplink-down")
    assert down["for"] == "5m"
    assert lint_provisioning(ds, prov, rules) == []


@pytest.mark.parametrize("generation", ["1", "2", "3"])
def test_datasource_per_influxdb_generation(generation: str) -> None:
    (entry,) = datasource(Influx("http://influx:8086", "netctl", generation))["datasources"]  # type: ignore[arg-type]
    assert entry["jsonData"]["version"] == "InfluxQL"
    if generation == "1":
        assert entry["secureJsonData"] == {"password": "$NETCTL_INFLUX_PASSWORD"}
    else:
        assert entry["jsonData"]["httpHeaderName1"] == "Authorization"
        assert entry["secureJsonData"]["httpHeaderValue1"] == "Token $NETCTL_INFLUX_TOKEN"


# -- the self-checks bite --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return make_bundle("en")


def test_generated_bundle_passes_its_checks(bundle: Bundle) -> None:
    assert lint_bundle(bundle.dashboards, bundle.datasources, bundle.providers,
                       bundle.alerting) == []


def _broken(bundle: Bundle, change: Any) -> list[str]:
    model = copy.deepcopy(bundle.dashboards[1].model)  # uplinks
    change(model)
    return lint_dashboard(model, ["netctl-influxdb"])


@pytest.mark.parametrize(("what", "change", "message"), [
    ("schema", lambda m: m.update(schemaVersion=16), "schemaVersion"),
    ("same id", lambda m: m["panels"][2].update(id=m["panels"][1]["id"]), "panel id"),
    ("too wide", lambda m: m["panels"][1]["gridPos"].update(x=20, w=12), "24-column"),
    ("overlap", lambda m: m["panels"][2].update(gridPos=dict(m["panels"][1]["gridPos"])),
     "overlaps"),
    ("datasource", lambda m: m["panels"][1].update(datasource={"type": "influxdb",
                                                               "uid": "nope"}),
     "not provisioned"),
    ("variable", lambda m: m["panels"][1]["targets"][0].update(
        query=m["panels"][1]["targets"][0]["query"] + ' AND "x" =~ /$region/'),
     "undefined variable $region"),
    ("unit", lambda m: m["panels"][1]["fieldConfig"]["defaults"].pop("unit"), "no unit"),
    ("alias", lambda m: m["panels"][1]["targets"][0].update(alias="$tag_domain"),
     "not grouped by it"),
])
def test_each_check_bites(bundle: Bundle, what: str, change: Any, message: str) -> None:
    problems = _broken(bundle, change)
    assert any(message in p for p in problems), (what, problems)


def test_alert_checks_bite(bundle: Bundle) -> None:
    rules = copy.deepcopy(bundle.alerting)
    rule = rules["groups"][0]["rules"][0]
    rule["condition"] = "D"
    rule["data"][0]["model"]["query"] += ' AND "county" =~ /^$county$/'
    rule["for"] = "five minutes"
    problems = lint_provisioning(bundle.datasources, bundle.providers, rules)
    assert any("condition 'D'" in p for p in problems)
    assert any("$county has no value in alerting" in p for p in problems)
    assert any("not a duration" in p for p in problems)


# -- the observation contract and the plan --------------------------------------------------------
def _contract() -> dict[str, set[str]]:
    """measurement → its tags and fields, from docs/observations.md."""
    text = (REPO / "docs" / "observations.md").read_text()
    section = text.split("## InfluxDB measurements", 1)[1]
    common = {"city", "county", "school", "device", "role", "ifrole"}
    out: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            names = set(re.findall(r"`([a-z0-9_]+)`", cells[1] + " " + cells[2]))
            out[cells[0].strip("`")] = names | common
    return out


def test_queries_use_only_names_of_the_contract(bundle: Bundle) -> None:
    contract = _contract()
    assert {"snmp_system", "snmp_interface", "wlan_ap", "probe_reach", "probe_web",
            "netctl_collector", "kpi", "snmp_ip_address"} <= set(contract)
    queries = [t["query"] for d in bundle.dashboards for p in d.model["panels"]
               for t in p.get("targets", []) if "query" in t]
    queries += [d["model"]["query"] for g in bundle.alerting["groups"] for r in g["rules"]
                for d in r["data"] if "query" in d["model"]]
    queries += [v["query"] for d in bundle.dashboards for v in d.model["templating"]["list"]
                if v["type"] == "query"]
    checked = 0
    for q in queries:
        (meas,) = set(re.findall(r'FROM "([a-z_]+)"', q))
        own = set(re.findall(r'AS "(\w+)"', q)) | {"last", "n", "o", "c"}
        names = set(re.findall(r'"(\w+)"', q)) - {meas}
        unknown = names - contract[meas] - own
        assert not unknown, (meas, unknown, q)
        checked += 1
    assert checked > 60


def test_kpis_match_targets_md() -> None:
    targets = REPO.parent / "shared" / "plan" / "TARGETS.md"
    if not targets.is_file():
        targets = Path("/work/shared/plan/TARGETS.md")
    if not targets.is_file():
        pytest.skip("TARGETS.md not beside the repository")
    ids = re.findall(r"^\| `([a-z0-9_]+)` \|", targets.read_text(), re.MULTILINE)
    assert ids == list(KPIS)


def test_kpis_match_the_compliance_engine() -> None:
    engine = pytest.importorskip("netctl.compliance.kpis")
    for kid, k in KPIS.items():
        assert engine.KPIS[kid].plan_2027 == k.target
        assert (engine.KPIS[kid].unit == "mbps") == (k.unit == "Mbits")


# -- Grafana's expansion ---------------------------------------------------------------------------
@pytest.mark.parametrize(("sel", "text"), [
    (Selection(ALL), ".*"),
    (Selection(["640104"]), "(640104)"),
    (Selection(["640104", "640105"]), "(640104|640105)"),
    (Selection("2401040001"), "2401040001"),  # a single number is left as is
    (Selection(["web.a", "b/c"]), r"(web\.a|b\/c)"),
    (Selection(ALL, all_value=None, options=["a", "b"]), "(a|b)"),
])
def test_variable_formats(sel: Selection, text: str) -> None:
    assert format_value(sel) == text


def test_intervals() -> None:
    six_h, min_1 = parse_duration("6h"), parse_duration("1m")
    assert panel_interval(six_h, 960, min_1) == min_1
    assert panel_interval(parse_duration("7d"), 960, min_1) == parse_duration("10m")
    assert panel_interval(parse_duration("365d"), 960, parse_duration("1d")) == parse_duration(
        "1d")
    q = expand("GROUP BY time($__interval) LIMIT $__interval_ms", {}, TimeRange(0, 1), 600000)
    assert q == "GROUP BY time(10m) LIMIT 600000"


# -- CLI -----------------------------------------------------------------------------------------
def test_cli_build(tmp_path: Path, sample_dir: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["--inventory", str(sample_dir), "dashboards", "build", "--out",
                              str(tmp_path / "zh")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "zh" / "dashboards").glob("*.json"))) == 5
    res = runner.invoke(app, ["dashboards", "build", "--lang", "en", "--out",
                              str(tmp_path / "en"), "--influx-url", "http://10.0.0.5:8086",
                              "--influx-version", "3", "--no-inventory"])
    assert res.exit_code == 0, res.output
    ds = yaml.safe_load((tmp_path / "en/provisioning/datasources/netctl.yaml").read_text())
    assert ds["datasources"][0]["url"] == "http://10.0.0.5:8086"
    res = runner.invoke(app, ["dashboards", "build", "--lang", "fr", "--out", str(tmp_path)])
    assert res.exit_code != 0
