"""The KPI engine's fast paths give exactly what the plain paths give (issue 17).

Each shortcut is switched back to its plain form here: SQLAlchemy ``Row`` objects instead of the
driver's tuples, every line scanned instead of the first-word index, every configuration checked
instead of the cache, each AP judged again for each KPI. The whole report must not change, on the
hand-built scenario (SQLite and PostgreSQL) and, for the baseline checker, on the public real
configurations of tests/fixtures/real.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
from compliance_scenario import CONFIGS, NOW, Scenario  # type: ignore[import-not-found,unused-ignore]
from sqlalchemy import select

from netctl.compliance import baseline, cache, devices, engine, evidence, wireless
from netctl.compliance.backups import newest_backup
from netctl.compliance.baseline import RuleSet, check_config
from netctl.compliance.context import Context
from netctl.compliance.engine import KpiReport, compute_kpis
from netctl.compliance.registry import AddressRegistry
from netctl.state import Observation, StateStore, schema

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"


def _report(scenario: Scenario) -> KpiReport:
    with StateStore(scenario.state_url) as store:
        return compute_kpis(scenario.inv, scenario.targets, store=store, rules=scenario.rules,
                            backups_dir=scenario.backups, now=NOW, year=2026)


def _facts(report: KpiReport) -> tuple[list[str], list[str], list[str]]:
    return ([repr(k) for k in report.kpis], [repr(s) for s in report.schools],
            [repr(d) for d in report.devices])


def _plain_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch every shortcut back to the plain way."""
    def rows(store: StateStore, q: Any) -> list[Any]:
        with store.read() as conn:
            return list(conn.execute(q))

    monkeypatch.setattr(evidence, "_fetch", rows)
    monkeypatch.setattr(evidence, "_one_scan", lambda store: False)
    monkeypatch.setattr(baseline, "FIRST_WORD_INDEX", False)

    def uncached(self: cache.BaselineCache, path: Path, ruleset: RuleSet, run: Any,
                 st: Any = None) -> tuple[Any, ...]:
        return tuple(run(path.read_text(encoding="utf-8", errors="replace"), ruleset))

    monkeypatch.setattr(cache.BaselineCache, "check", uncached)

    def listed(self: cache.BaselineCache, backups_dir: Path, hostname: str) -> Any:
        return newest_backup(backups_dir, hostname)

    monkeypatch.setattr(cache.BaselineCache, "newest", listed)

    def looked_up(self: cache.BaselineCache, backups_dir: Path, hostname: str,
                  ruleset: RuleSet, run: Any) -> Any:
        found = newest_backup(backups_dir, hostname)
        if found is None:
            return None
        return (str(found.path), found.taken_at, found.path.stat(),
                tuple(run(found.read(), ruleset)))

    monkeypatch.setattr(cache.BaselineCache, "lookup", looked_up)
    judge = wireless._ap_state

    def again(ctx: Any, ap: Any) -> Any:
        ctx.ap_states.clear()
        return judge(ctx, ap)

    monkeypatch.setattr(wireless, "_ap_state", again)

    def fresh_of(self: evidence.Evidence, devices: Any, metrics: Any) -> list[Any]:
        return [(d, i, r) for d in devices for m in metrics
                for i, r in self.interfaces(d, m).items()]

    monkeypatch.setattr(evidence.Evidence, "fresh_of", fresh_of)

    def hostnames(self: Context, site: str) -> list[str]:
        return [d.hostname for d in self.inv.devices_at(site)]

    monkeypatch.setattr(Context, "hostnames", hostnames)
    monkeypatch.setattr(wireless, "_mapped",
                        lambda ctx, code, aps: bool(aps) and all(a.device.room for a in aps))
    monkeypatch.setattr(devices, "_path", Path)
    monkeypatch.setattr(devices, "_utc", lambda t: datetime.fromtimestamp(t, tz=UTC))

    def failing(results: Any, failed: Any, partial: Any) -> tuple[int, str, str]:
        bad = failed + partial
        return (len(bad),
                "、".join(f"{r.title.zh}（{devices.RULE_STATUS_ZH.get(r.status, r.status)}）"
                         for r in bad),
                ", ".join(f"{r.rule}({r.status})" for r in bad))

    monkeypatch.setattr(devices, "_failing", failing)
    monkeypatch.setattr(engine, "_smart_texts", engine._smart_texts.__wrapped__)
    monkeypatch.setattr(AddressRegistry, "registered", _registered_plainly)
    monkeypatch.setattr(cache, "_parsed", lambda path: json.loads(path.read_bytes()))


def _registered_plainly(reg: AddressRegistry, school: str, device: str, addr: Any) -> bool:
    """``AddressRegistry.registered`` with ``in``, network by network."""
    return any(n.version == addr.version and addr in n for n in reg.blocks.get(school, ())) or any(
        n.version == addr.version and addr in n for n in reg.device_nets.get(device, ()))


def test_registered_compares_as_in_does(scenario: Scenario) -> None:
    """Registration judged on integers gives what ``addr in net`` gives: at every network's
    first and last address, just outside them, and for the other IP version."""
    reg = AddressRegistry(scenario.inv)
    # a device's recorded networks (IPAM's management, loopback and link prefixes)
    reg.device_nets.setdefault("a-gw1", []).extend(
        [ip_network("198.51.100.4/30"), ip_network("2001:db8:ffff::/127")])
    nets = [n for found in (*reg.blocks.values(), *reg.device_nets.values()) for n in found]
    probes = {ip_address("192.0.2.1"), ip_address("2001:db8::1")}
    for n in nets:
        first, last = int(n.network_address), int(n.broadcast_address)
        top = 2**32 - 1 if n.version == 4 else 2**128 - 1
        kind = type(n.network_address)
        probes |= {kind(v) for v in (first, last, first - 1, last + 1) if 0 <= v <= top}
    judged = 0
    for code in scenario.inv.schools:
        for host in [*(d.hostname for d in scenario.inv.devices_at(code)), "elsewhere"]:
            for addr in probes:
                fast = reg.registered(code, host, addr)
                assert fast == _registered_plainly(reg, code, host, addr), (code, host, addr)
                judged += fast
    assert len(nets) >= 7 and judged > 10  # blocks and recorded networks, some matched


def test_fast_paths_give_the_same_report(scenario: Scenario,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _facts(_report(scenario))
    again = _facts(_report(scenario))  # warm: the cache of results by content is used
    with monkeypatch.context() as m:
        _plain_paths(m)
        plain = _facts(_report(scenario))
    assert fast == plain
    assert again == plain
    assert len(plain[0]) > 100 and len(plain[2]) > 10  # the scenario is not empty


def test_fast_paths_give_the_same_report_from_settled_folders(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backup folders' newest files remembered by the folders' mtimes (folders last changed
    an hour ago, as after a nightly backup; the files' own mtimes, the confirmations, kept)."""
    when = time.time() - 3600
    for folder in scenario.backups.iterdir():
        if folder.is_dir():
            os.utime(folder, (when, when))
    (scenario.backups / cache.CACHE_FILE).unlink(missing_ok=True)
    listed = _facts(_report(scenario))  # remembers the folders
    folders = json.loads((scenario.backups / cache.CACHE_FILE).read_text("utf-8"))["folders"]
    assert len(folders) >= 7  # every device with a backup
    remembered = _facts(_report(scenario))
    with monkeypatch.context() as m:
        _plain_paths(m)
        plain = _facts(_report(scenario))
    assert listed == plain
    assert remembered == plain


def test_backup_texts_are_the_paths_text(scenario: Scenario) -> None:
    """The evidence lines take each backup's path as text from the lookup (no Path formatted):
    it is the text of the result's Path, for every device with a backup, cold and warm."""
    for _run in ("cold", "warm"):
        texts: dict[str, str] = {}
        found = devices.check_devices(scenario.inv, scenario.backups, scenario.rules, NOW,
                                      timedelta(hours=48), texts=texts)
        with_backup = {d.hostname: str(d.backup) for d in found if d.backup is not None}
        assert texts == with_backup and len(texts) >= 7


def test_fresh_of_is_interfaces_device_by_device(scenario: Scenario) -> None:
    """``Evidence.fresh_of`` (one call for a school's devices) gives what ``interfaces`` gives
    device by device and metric by metric, in that order; stale readings left out."""
    with StateStore(scenario.state_url) as store:
        ev = evidence.Evidence.from_store(store, scenario.inv, NOW, timedelta(hours=24))
    hosts = [*scenario.inv.devices, "no-such-device"]
    metrics = ("ipv4_addresses", "ipv6_addresses", "if_oper_status", "poll_ok")
    expected = [(h, i, r) for h in hosts for m in metrics
                for i, r in ev.interfaces(h, m).items()]
    assert ev.fresh_of(hosts, metrics) == expected
    assert ev.fresh_of(list(reversed(hosts)), metrics[::-1]) == [
        (h, i, r) for h in reversed(hosts) for m in metrics[::-1]
        for i, r in ev.interfaces(h, m).items()]
    every = [r for h in hosts for m in metrics if (r := ev.get(h, m)) is not None]
    assert len(expected) > 10 and any(not ev.is_fresh(r) for r in every)  # some were stale


_Row = tuple[str, str, str, float | None, str | None, datetime, str]


def test_evidence_readers_agree_with_a_dict_per_key() -> None:
    """Every reader of the evidence (``get``, ``fresh``, ``interfaces``, ``fresh_of``,
    ``last_seen``) gives what a dict of readings by interface per (device, metric) gives, in
    the same order, device-wide readings and interfaces in either order, from rows and from
    observations, stale ones left out where they must be."""
    t0 = NOW - timedelta(hours=30)  # stale in a 24-hour window
    t1 = NOW - timedelta(hours=1)
    rows: list[_Row] = [  # (device, interface, metric, number, text, observed_at, source)
        ("d1", "", "poll_ok", 1.0, None, t1, "snmp"),
        ("d2", "", "ipv6_ra", 1.0, None, t1, "snmp"),  # no interface first, then interfaces
        ("d6", "", "ipv6_ra", 1.0, None, t0, "snmp"),  # the same, the first one stale
        ("d6", "Vlanif10", "ipv6_ra", 1.0, None, t1, "snmp"),
        ("d2", "Vlanif10", "ipv6_ra", 1.0, None, t1, "snmp"),
        ("d2", "Vlanif20", "ipv6_ra", 0.0, None, t1, "snmp"),
        ("d3", "Gi0/1", "ipv4_addresses", None, "10.0.0.1/24", t1, "snmp"),  # interface first
        ("d3", "", "ipv4_addresses", None, "192.0.2.1/32", t1, "snmp"),
        ("d4", "", "ap_state", None, "offline", t0, "snmp:wlc1"),  # replaced by a newer row
        ("d4", "", "ap_state", None, "online", t1, "snmp:wlc2"),
        ("d5", "", "reach_v6_loss", 0.0, None, t0, "probe"),
    ]
    reference: dict[tuple[str, str], dict[str, evidence.Reading]] = {}
    for device, interface, metric, num, text, at, source in rows:
        value = num if text is None else text
        reference.setdefault((device, metric), {})[interface] = evidence.Reading(value, at,
                                                                                 source)
    window = timedelta(hours=24)
    from_rows = evidence.Evidence(NOW, window)
    from_rows._add_rows(rows)
    observed = evidence.Evidence(NOW, window, [
        Observation(d, m, n if t is None else t, at, s, i) for d, i, m, n, t, at, s in rows])
    cutoff = NOW - window
    for ev in (from_rows, observed):
        keys = [*reference, ("d1", "ap_state"), ("nobody", "poll_ok")]
        for device, metric in keys:
            slot = reference.get((device, metric), {})
            for interface in ["", "Vlanif10", "Vlanif20", "Gi0/1", "other"]:
                want = slot.get(interface)
                assert ev.get(device, metric, interface) == want
                assert ev.fresh(device, metric, interface) == (
                    want if want is not None and want.at >= cutoff else None)
            fresh = {i: r for i, r in slot.items() if r.at >= cutoff}
            assert list(ev.interfaces(device, metric).items()) == list(fresh.items())
            assert ev.fresh_of([device], (metric,)) == [(device, i, r) for i, r in fresh.items()]
        assert ev.get("d4", "ap_state") == evidence.Reading("online", t1, "snmp:wlc2")
        assert ev.last_seen("d3") == t1 and ev.last_seen("d5") == t0
        assert ev.last_seen("d2") == t1 and ev.last_seen("nobody") is None


def test_one_scan_reads_what_the_chunked_queries_read(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the latest values are read in one scan (the endpoints named in one JSON
    text): the same readings as the chunked queries, endpoint metrics of the endpoints only."""
    url = f"sqlite:///{tmp_path / 'state.db'}"  # the scenario's readings, copied into SQLite
    with StateStore(scenario.state_url) as store, store.read() as conn:
        # PostgreSQL keeps the chunked queries
        assert evidence._one_scan(store) is scenario.state_url.startswith("sqlite")
        t = schema.latest
        kept = [Observation(r.device, r.metric, r.value_text if r.value_text is not None
                            else r.value_num, r.observed_at, r.source, r.interface)
                for r in conn.execute(select(t))]
    endpoints = evidence._endpoint_devices(scenario.inv)
    outside = next(h for h in scenario.inv.devices if h not in endpoints)
    extra = [Observation(outside, "if_oper_status", 1.0, NOW, "snmp", "Gi0/9"),  # not read
             Observation("a-gw1", "if_speed_mbps", 10.0, NOW, "snmp", "Gi0/9"),
             Observation("名字", "poll_ok", 1.0, NOW, "snmp")]  # any text, as JSON names it
    with StateStore(url) as store:
        store.record_observations([*kept, *extra])
        assert evidence._one_scan(store)
        one = evidence.Evidence.from_store(store, scenario.inv, NOW, timedelta(hours=24))
        monkeypatch.setattr(evidence, "_one_scan", lambda store: False)
        chunked = evidence.Evidence.from_store(store, scenario.inv, NOW, timedelta(hours=24))
    assert one._data == chunked._data and len(one._data) > 20
    assert one.get(outside, "if_oper_status", "Gi0/9") is None
    assert one.get("a-gw1", "if_speed_mbps", "Gi0/9") is not None
    assert one.get("名字", "poll_ok") is not None
    assert any(m == "if_oper_status" for _d, m in one._data)


def test_parsed_cache_file_is_reused_until_it_changes(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run after the first in a process reads the cache file it wrote (or read) without
    parsing it again, and parses it again as soon as anyone changes it."""
    backups = tmp_path / "backups"
    shutil.copytree(scenario.backups, backups)
    (backups / cache.CACHE_FILE).unlink(missing_ok=True)
    parsed: list[int] = []
    real = json.loads

    def counting(raw: Any) -> Any:
        parsed.append(1)
        return real(raw)

    def statuses() -> dict[str, str]:
        found = devices.check_devices(scenario.inv, backups, scenario.rules, NOW,
                                      timedelta(hours=24))
        return {d.hostname: d.status for d in found}

    first = statuses()  # cold: checks and writes the cache, remembering what it wrote
    path = backups / cache.CACHE_FILE
    assert cache._PARSED[str(path)][1] == real(path.read_bytes())  # what JSON gives back
    monkeypatch.setattr(json, "loads", counting)  # the module cache.py reads it from
    assert statuses() == first and parsed == []
    cache._PARSED.clear()
    assert statuses() == first and len(parsed) == 1  # read once, then remembered
    assert statuses() == first and len(parsed) == 1
    # another writer's result for the same file, written in place: parsed again, and used
    data = real(path.read_bytes())
    key = next(k for k in data["results"] if k.startswith("cisco_ios:"))
    data["findings"].append([["banner", "fail", [], [["missing", "缺少警示", "no banner"]]]])
    data["results"][key] = len(data["findings"]) - 1
    path.write_text(json.dumps(data), encoding="utf-8")
    assert statuses()["b-gw1"] == "fail" and len(parsed) == 2
    # replaced by a rename (as every writer does): parsed again
    tmp = backups / "other.json"
    tmp.write_text(json.dumps({**data, "results": {}}), encoding="utf-8")
    tmp.replace(path)
    assert statuses() == first and len(parsed) == 3


def _configs() -> list[tuple[str, Path]]:
    found = [(p.parent.name, p) for p in sorted(REAL.glob("*/*.cfg"))]
    found += [(p.stem.rsplit("_", 1)[0], p) for p in sorted(CONFIGS.glob("*.cfg"))]
    return found


@pytest.mark.parametrize(("platform", "path"), _configs(), ids=lambda v: getattr(v, "name", v))
def test_first_word_index_matches_a_full_scan(scenario: Scenario, platform: str, path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ruleset = scenario.rules[platform]
    text = path.read_text(encoding="utf-8", errors="replace")
    indexed = check_config(text, ruleset)
    monkeypatch.setattr(baseline, "FIRST_WORD_INDEX", False)
    assert check_config(text, ruleset) == indexed
