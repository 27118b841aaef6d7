"""Every panel query and every alert query of the generated bundle, run against a real InfluxDB
holding what netctl's collectors write, with Grafana's macros expanded as Grafana does.

Each panel has an expectation below (the test fails for a panel without one); each checks the
series it must return, not only that the query ran.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import dash_scenario as scenario  # type: ignore[import-not-found,unused-ignore]
import pytest
import yaml
from conftest import Loaded  # type: ignore[import-not-found,unused-ignore]

from netctl.dashboards.build import BuildResult, build
from netctl.dashboards.grafana import (
    ALL,
    Selection,
    Series,
    TimeRange,
    expand,
    firing,
    rule_state,
    run_panel,
)
from netctl.dashboards.kpis import KPI_LIST

pytestmark = pytest.mark.integration

Results = dict[str, list[Series]]
Check = Callable[[Results, scenario.Truth], None]
ALL_VARS = {"city": Selection(ALL), "county": Selection(ALL), "school": Selection(ALL)}
MIN = 60_000


@pytest.fixture(scope="module")
def written(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(tmp_path_factory.mktemp("grafana"), "en", inventory=loaded.inventory)


@pytest.fixture(scope="module")
def panels(written: BuildResult) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """key → (dashboard model read back from disk, panel)."""
    out = {}
    for b in written.bundle.dashboards:
        model = json.loads((written.out / "dashboards" / b.filename).read_text())
        by_id = {p["id"]: p for p in model["panels"]}
        for info in b.panels:
            out[info.key] = (model, by_id[info.id])
    return out


def run(loaded: Loaded, model: Mapping[str, Any], panel: Mapping[str, Any],
        variables: Mapping[str, Selection] = ALL_VARS) -> Results:
    span = str(model["time"]["from"]).removeprefix("now-")
    return run_panel(panel, loaded.influx.query, variables,
                     TimeRange.last(span, loaded.truth.now_ms))


# -- helpers ---------------------------------------------------------------------------------------
def one(res: Results, ref: str = "A", col: str | None = None) -> Any:
    assert len(res[ref]) == 1, res[ref]
    return res[ref][0].last(col)


def by_tag(res: Results, tag: str, ref: str = "A", col: str | None = None) -> dict[str, Any]:
    return {s.tags.get(tag, ""): s.last(col) for s in res[ref]}


def rows(res: Results, ref: str, *keys: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """Table-format answer: one row per series (tags + its columns' last row)."""
    out = {}
    for s in res[ref]:
        row = dict(zip(s.columns, s.values[-1], strict=True))
        out[tuple(s.tags.get(k, "") for k in keys)] = row
    return out


def county_of(truth: scenario.Truth, school: str) -> str:
    return str(truth.schools[school][1])


def uplinks_per_county(truth: scenario.Truth) -> Counter[str]:
    return Counter(county_of(truth, s) for s in truth.uplinks.values())


# -- expectations per panel ---------------------------------------------------------------------
def _noc_worst(res: Results, t: scenario.Truth) -> None:
    down = {k[1]: r["down_polls"] for k, r in rows(res, "A", "county", "school").items()}
    assert down == {t.school_a: 41, t.school_b: 3}  # C is shut: not an outage
    loss = {k[1]: r["loss"] for k, r in rows(res, "B", "county", "school").items()}
    assert max(loss, key=lambda s: loss[s]) == t.v6_broken_school
    assert {s for s, v in loss.items() if v} == {t.v6_broken_school}
    peak = rows(res, "C", "county", "school")
    assert {k[1] for k in peak} == set(t.uplinks.values())


def _last_seen(res: Results, t: scenario.Truth) -> None:
    seen = {(s.tags["collector"], s.tags.get("shard", "")): s.values[-1][0] for s in res["A"]}
    assert seen[("snmp", "0/2")] == t.now_ms
    assert seen[("snmp", "1/2")] == t.now_ms - 31 * MIN
    assert set(seen) == {("snmp", "0/2"), ("snmp", "1/2"), ("probe-reach", ""),
                         ("probe-web", "")}


def _traffic(res: Results, t: scenario.Truth) -> None:
    got = {(s.tags["device"], s.tags["ifname"]) for s in res["A"]}
    assert got == set(t.uplinks)
    healthy = next(k for k in t.traffic if t.uplinks[k] not in (t.school_a, t.school_b))
    s = next(s for s in res["A"] if (s.tags["device"], s.tags["ifname"]) == healthy)
    ins = [v for v in s.column("in") if v is not None]
    assert ins and all(v == pytest.approx(t.traffic[healthy][0]) for v in ins)
    assert all(v == pytest.approx(t.traffic[healthy][1]) for v in s.column("out") if v)


def _utilisation(res: Results, t: scenario.Truth) -> None:
    assert {(s.tags["device"], s.tags["ifname"]) for s in res["A"]} == set(t.uplinks)
    assert all(0 <= v <= 1 for s in res["A"] for v in s.column(s.columns[1]) if v is not None)


def _errors(res: Results, t: scenario.Truth) -> None:
    per = {s.tags["school"]: [v for v in s.column("in") if v is not None] for s in res["A"]}
    assert per[t.errors_school] and all(v == 5 for v in per[t.errors_school])
    assert all(v == 0 for school, vals in per.items() if school != t.errors_school
               for v in vals)


def _uplink_table(res: Results, t: scenario.Truth) -> None:
    r = rows(res, "A", "device", "ifname")
    assert set(r) == set(t.uplinks)
    down = {(k[0], k[1]) for k, v in r.items() if v["oper"] != 1}
    assert t.uplink_a in down and t.uplink_b in down
    assert {t.uplinks[k] for k in down} == {t.school_a, t.school_b, t.school_c}
    assert all(v["speed"] in (1000, 10000) for v in r.values())


def _county_traffic(res: Results, t: scenario.Truth) -> None:
    counties = {s.tags["county"]: s for s in res["A"]}
    assert set(counties) == {county_of(t, s) for s in t.uplinks.values()}
    at = t.now_ms - 60 * MIN
    expected = sum(t.traffic[k][0] for k in t.traffic if county_of(t, t.uplinks[k]) == "640104")
    row = next(v for v in counties["640104"].values if v[0] == at)
    assert row[counties["640104"].columns.index("in")] == pytest.approx(expected)


def _county_table(res: Results, t: scenario.Truth) -> None:
    total = {k[0]: r["uplinks"] for k, r in rows(res, "A", "county").items()}
    assert total == dict(uplinks_per_county(t))
    assert {k[0]: r["down"] for k, r in rows(res, "B", "county").items()} == {"640104": 2}
    assert set(rows(res, "C", "county")) == {(c,) for c in total}


def _ipv6_county(res: Results, t: scenario.Truth) -> None:
    v6 = {k[0]: r["ipv6_schools"] for k, r in rows(res, "A", "county").items()}
    assert v6 == dict(Counter(county_of(t, s) for s in t.v6_schools))
    total = {k[0]: r["schools"] for k, r in rows(res, "B", "county").items()}
    assert total == dict(Counter(c for _, c in t.schools.values()))


def _addresses(res: Results, t: scenario.Truth) -> None:
    r = rows(res, "A", "device", "address")
    assert {d for d, _ in r} == t.v6_devices
    assert not [a for _, a in r if a.startswith("fe80") or "." in a]


def _web_table(res: Results, t: scenario.Truth) -> None:
    r = rows(res, "A", "domain")
    assert {k[0]: bool(v["supported"]) for k, v in r.items()} == {
        d: ok for d, (_, ok) in t.websites.items()}


def _reach_loss(res: Results, t: scenario.Truth) -> None:
    fam = {s.tags["family"]: [v for v in s.column(s.columns[1]) if v is not None]
           for s in res["A"]}
    assert set(fam) == {"ipv4", "ipv6"}
    assert all(v == 0 for v in fam["ipv4"])
    assert fam["ipv6"][-1] == pytest.approx(1 / 44) and fam["ipv6"][0] == 0


def _reach_rtt(res: Results, _t: scenario.Truth) -> None:
    assert by_tag(res, "family") == {"ipv6": 5.0, "ipv4": 4.0}


def _reach_table(res: Results, t: scenario.Truth) -> None:
    r = rows(res, "A", "school")
    assert {k[0] for k, v in r.items() if v["loss"] == 1} == {t.v6_broken_school}
    assert len(r) == 44


def _online(t: scenario.Truth) -> tuple[int, int, int]:
    off = t.offline_aps()
    online = [ap for ap in t.aps if ap not in off]
    wifi6 = [ap for ap in online if t.aps[ap][3] == "802.11ax"]
    return len(t.aps), len(online), len(wifi6)


def _school_aps(res: Results, t: scenario.Truth) -> None:
    a = rows(res, "A", "county", "school")
    per = Counter(s for s, *_ in t.aps.values())
    assert {k[1]: r["total"] for k, r in a.items()} == dict(per)
    assert a[(county_of(t, t.ap_school), t.ap_school)]["online"] == 0
    b = {k[1]: r["wifi6_online"] for k, r in rows(res, "B", "county", "school").items()}
    six = Counter(s for ap, (s, _c, _w, radio) in t.aps.items()
                  if radio == "802.11ax" and s != t.ap_school)
    assert b == dict(six)
    c = {k[1]: r["clients"] for k, r in rows(res, "C", "county", "school").items()}
    assert c[t.ap_school] == 0


def _controllers(res: Results, t: scenario.Truth) -> None:
    r = rows(res, "A", "controller")
    assert {k[0]: v["total"] for k, v in r.items()} == dict(
        Counter(c for _s, _co, c, _r in t.aps.values()))


def _online_ts(res: Results, t: scenario.Truth) -> None:
    c = {s.tags["county"]: s for s in res["A"]}
    assert set(c) == {co for _s, co, _c, _r in t.aps.values()}
    county = county_of(t, t.ap_school)
    in_county = [ap for ap, v in t.aps.items() if v[1] == county]
    off = t.offline_aps()
    vals = [v for v in c[county].column(c[county].columns[1]) if v is not None]
    assert max(vals) == len(in_county) and vals[-1] == len(in_county) - len(off)


def _kpi(kpi: str) -> Check:
    def check(res: Results, t: scenario.Truth) -> None:
        got = by_tag(res, "scope_code")
        assert set(got) == {c for _, c in t.schools.values()}
        for county, value in got.items():
            assert value == pytest.approx(t.kpi_value[(kpi, county)])
        target = one(res, "B")
        assert target == pytest.approx(800.0 if kpi == "internet_bandwidth_avg" else 0.8)
    return check


def _eq(value: Any, ref: str = "A", col: str | None = None) -> Check:
    def check(res: Results, t: scenario.Truth) -> None:
        expected = value(t) if callable(value) else value
        assert one(res, ref, col) == pytest.approx(expected)
    return check


def _tagged(tag: str, expected: Callable[[scenario.Truth], dict[str, Any]],
            nonzero: bool = False) -> Check:
    def check(res: Results, t: scenario.Truth) -> None:
        got = by_tag(res, tag)
        if nonzero:
            got = {k: v for k, v in got.items() if v}
        assert got == expected(t)
    return check


def _collectors(res: Results, _t: scenario.Truth) -> None:
    who = {(s.tags["collector"], s.tags.get("shard", "")) for s in res["A"]}
    assert who == {("snmp", "0/2"), ("snmp", "1/2"), ("probe-reach", ""), ("probe-web", "")}


def _failed(res: Results, _t: scenario.Truth) -> None:
    total = {(s.tags["collector"], s.tags.get("shard", "")): sum(
        v for v in s.column(s.columns[1]) if v) for s in res["A"]}
    assert {k for k, v in total.items() if v} == {("snmp", "0/2")}


def _backlog(res: Results, _t: scenario.Truth) -> None:
    queue = {s.tags.get("shard", ""): max((v for v in s.column("queue") if v is not None),
                                         default=None)
             for s in res["A"] if s.tags["collector"] == "snmp"}
    assert queue == {"0/2": 0, "1/2": 3}


def _county_util(res: Results, t: scenario.Truth) -> None:
    assert {s.tags["county"] for s in res["A"]} == set(uplinks_per_county(t))


def _aps(res: Results, t: scenario.Truth) -> None:
    total, online, _ = _online(t)
    assert (one(res, "A", "online"), one(res, "A", "total")) == (online, total)


def _clients_ts(res: Results, t: scenario.Truth) -> None:
    assert {s.tags["school"] for s in res["A"]} == {s for s, *_ in t.aps.values()}


def _region(res: Results, _t: scenario.Truth) -> None:
    got = by_tag(res, "kpi")
    assert len(got) == 11 and set(got.values()) == {0.6}
    assert "internet_bandwidth_avg" not in got


EXPECT: dict[str, Check] = {
    "noc.devices_down": _eq(2),
    "noc.uplinks_down": _eq(2),
    "noc.metro_down": _eq(1),
    "noc.aps_offline": _eq(lambda t: len(t.offline_aps())),
    "noc.devices_down_city": _tagged("city", lambda t: {"640400": 1, "640500": 1}, True),
    "noc.devices_down_county": _tagged(
        "county", lambda t: {t.metro_m_county: 1, t.switch_d_county: 1}, True),
    "noc.uplinks_down_city": _tagged("city", lambda t: {"640100": 2}),
    "noc.uplinks_down_county": _tagged("county", lambda t: {"640104": 2}),
    "noc.worst_schools": _noc_worst,
    "noc.collector_failed": _failed,
    "noc.collector_duration": _collectors,
    "noc.collector_backlog": _backlog,
    "noc.collector_last_seen": _last_seen,
    "uplinks.traffic": _traffic,
    "uplinks.utilisation": _utilisation,
    "uplinks.errors": _errors,
    "uplinks.table": _uplink_table,
    "uplinks.county_traffic": _county_traffic,
    "uplinks.county_utilisation": _county_util,
    "uplinks.county_table": _county_table,
    "ipv6.schools_share": _eq(lambda t: len(t.v6_schools) / 44, "C"),
    "ipv6.schools_v6": _eq(lambda t: len(t.v6_schools)),
    "ipv6.devices_v6": _eq(lambda t: len(t.v6_devices)),
    "ipv6.web_share": _eq(lambda t: sum(ok for _, ok in t.websites.values()) / len(t.websites)),
    "ipv6.county_table": _ipv6_county,
    "ipv6.addresses": _addresses,
    "ipv6.web_table": _web_table,
    "ipv6.reach_loss": _reach_loss,
    "ipv6.reach_rtt": _reach_rtt,
    "ipv6.reach_table": _reach_table,
    "wifi.online_share": _eq(lambda t: _online(t)[1] / _online(t)[0], "C"),
    "wifi.aps": _aps,
    "wifi.wifi6_share": _eq(lambda t: _online(t)[2] / _online(t)[1], "C"),
    "wifi.clients": _eq(lambda t: sum(c for ap, c in t.ap_clients.items()
                                      if ap not in t.offline_aps())),
    "wifi.radio_pie": _tagged("radio", lambda t: dict(Counter(
        t.aps[ap][3] for ap in t.aps if ap not in t.offline_aps()))),
    "wifi.school_table": _school_aps,
    "wifi.controller_table": _controllers,
    "wifi.online_ts": _online_ts,
    "wifi.clients_ts": _clients_ts,
    "plan.region": _region,
    **{f"plan.{k.id}": _kpi(k.id) for k in KPI_LIST},
}


def test_every_panel_has_an_expectation(panels: dict[str, Any]) -> None:
    assert set(panels) == set(EXPECT)


@pytest.mark.parametrize("key", sorted(EXPECT))
def test_panel_returns_its_series(key: str, loaded: Loaded,
                                  panels: dict[str, tuple[dict[str, Any], dict[str, Any]]]
                                  ) -> None:
    model, panel = panels[key]
    res = run(loaded, model, panel)
    assert all(res.values()), f"{key}: a query returned no series: {res}"
    EXPECT[key](res, loaded.truth)


def test_county_selection_narrows_every_panel(
        loaded: Loaded, panels: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """city = 640100, county = 640104 (multi-value regex form): only that county's series."""
    sel = {"city": Selection(["640100"]), "county": Selection(["640104"]),
           "school": Selection(ALL)}
    in_county = {s for s, (_c, co) in loaded.truth.schools.items() if co == "640104"}
    in_county.add("640104-metro")  # the county node's site
    seen = 0
    for key, (model, panel) in panels.items():
        if key.startswith("plan.") or "collector" in key:
            continue
        for ref, series in run(loaded, model, panel, sel).items():
            for s in series:
                assert s.tags.get("county", "640104") == "640104", (key, ref, s.tags)
                assert s.tags.get("school", next(iter(in_county))) in in_county, (key, s.tags)
                seen += 1
    assert seen > 50
    model, panel = panels["noc.uplinks_down_county"]
    assert by_tag(run(loaded, model, panel, sel), "county") == {"640104": 2}
    model, panel = panels["plan.ipv6_campus"]
    assert set(by_tag(run(loaded, model, panel, sel), "scope_code")) == {"640104"}


def test_two_schools_selected(loaded: Loaded,
                              panels: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    t = loaded.truth
    sel = {**ALL_VARS, "school": Selection([t.school_a, t.school_b])}
    model, panel = panels["uplinks.traffic"]
    assert "/^(" in expand(panel["targets"][0]["query"], sel, TimeRange(0, 1), 60000)
    got = {s.tags["school"] for s in run(loaded, model, panel, sel)["A"]}
    assert got == {t.school_a, t.school_b}


def test_variables_chain(loaded: Loaded, written: BuildResult) -> None:
    """city → county → school: each variable's query narrowed by the ones above it."""
    model = json.loads((written.out / "dashboards" / "netctl-uplinks.json").read_text())
    var = {v["name"]: v for v in model["templating"]["list"]}
    assert [o["value"] for o in var["city"]["options"]][1:] == [
        "640100", "640200", "640300", "640400", "640500"]
    tr = TimeRange.last("6h", loaded.truth.now_ms)
    counties = loaded.influx.query(expand(var["county"]["query"],
                                          {"city": Selection(["640400"])}, tr, MIN))
    assert {v[1] for v in counties[0].values} == {
        c for _, c in loaded.truth.schools.values() if c.startswith("6404")}
    schools = loaded.influx.query(expand(var["school"]["query"], {
        "city": Selection(ALL), "county": Selection(["640104", "640105"])}, tr, MIN))
    assert {v[1] for v in schools[0].values} == {
        s for s, (_c, co) in loaded.truth.schools.items() if co in ("640104", "640105")}


# -- alert rules -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rules(written: BuildResult) -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load((written.out / "provisioning/alerting/netctl.yaml").read_text())
    return {r["uid"]: r for g in doc["groups"] for r in g["rules"]}


def test_uplink_down_fires_for_exactly_school_a(loaded: Loaded,
                                                rules: dict[str, dict[str, Any]]) -> None:
    t, rule = loaded.truth, rules["netctl-uplink-down"]
    fired = firing(rule, loaded.influx.query, t.now_ms)
    assert len(fired) == 1
    labels = dict(next(iter(fired)))
    assert (labels["school"], labels["device"], labels["ifname"]) == (t.school_a, *t.uplink_a)
    assert labels["county"] == "640104" and labels["city"] == "640100"
    # school B is down too, but for 2 minutes only: pending, not firing
    now = rule_state(rule, loaded.influx.query, t.now_ms)
    assert {dict(k)["school"] for k, v in now.items() if v} == {t.school_a, t.school_b}


def test_county_node_unreachable_fires_for_exactly_m(loaded: Loaded,
                                                     rules: dict[str, dict[str, Any]]) -> None:
    t = loaded.truth
    fired = firing(rules["netctl-county-node-unreachable"], loaded.influx.query, t.now_ms)
    assert [dict(f) for f in fired] == [{"city": "640400", "county": t.metro_m_county,
                                         "device": t.metro_m}]
    earlier = firing(rules["netctl-county-node-unreachable"], loaded.influx.query,
                     t.now_ms - 25 * MIN)
    assert earlier == set()


def test_collector_stopped_fires_for_exactly_the_stopped_shard(
        loaded: Loaded, rules: dict[str, dict[str, Any]]) -> None:
    t = loaded.truth
    got: dict[str, list[dict[str, str]]] = defaultdict(list)
    for uid, rule in rules.items():
        if uid.startswith("netctl-collector-stopped-"):
            got[uid] = [dict(f) for f in firing(rule, loaded.influx.query, t.now_ms)]
    assert got == {"netctl-collector-stopped-snmp": [{"collector": "snmp", "shard": "1/2"}],
                   "netctl-collector-stopped-probe-reach": [],
                   "netctl-collector-stopped-probe-web": []}
    # 20 minutes after it stopped, within its 10-minute window plus pending: not yet
    before = firing(rules["netctl-collector-stopped-snmp"], loaded.influx.query,
                    t.now_ms - 25 * MIN)
    assert before == set()


def test_written_through_collector_serialisation(loaded: Loaded) -> None:
    """The data came from ``Point.line()`` with the collectors' tags, and all of it landed."""
    got = loaded.influx.query('SELECT count("poll_ok") FROM "snmp_system"')
    assert got[0].values[0][1] == len(loaded.truth.polled) * (scenario.SPAN_MIN + 1)
    keys = loaded.influx.query('SHOW TAG KEYS FROM "snmp_interface"')
    assert {v[0] for v in keys[0].values} == {"city", "county", "device", "role", "school",
                                              "ifname", "ifalias", "ifrole"}
    assert loaded.points > 50_000

