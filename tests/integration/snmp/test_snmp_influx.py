"""InfluxDB v2 writes to a real server (VictoriaMetrics), read back point for point; an outage in
the middle of a run loses nothing and duplicates nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, V3_ENV, Agent, Victoria  # type: ignore[import-not-found, unused-ignore]

from netctl.collectors.config import CollectorConfig, InfluxSettings, SnmpSettings, TargetOverride
from netctl.collectors.daemon import SnmpCollector, ap_infos
from netctl.collectors.sinks.influx import InfluxSink
from netctl.collectors.snmp.profile import load_profiles
from netctl.collectors.targets import build_targets
from netctl.inventory.index import load_inventory
from netctl.secrets import Secrets

pytestmark = pytest.mark.integration

PROFILES = load_profiles(REPO / "collectors" / "snmp" / "profiles")
INVENTORY = load_inventory(FIXTURES / "inventory")
Sample = tuple[str, tuple[tuple[str, str], ...], int, float]


def expected_samples(lines: list[str]) -> list[Sample]:
    """What VictoriaMetrics should hold for these lines: one sample per numeric field, named
    ``<measurement>_<field>``, labels = tags (empty tags are left out by the writer)."""
    out: list[Sample] = []
    for line in lines:
        head, fields, ts = re.split(r"(?<!\\) ", line)
        parts = re.split(r"(?<!\\),", head)
        tags = tuple(sorted(tuple(p.replace("\\ ", " ").replace("\\,", ",").replace("\\=", "=")
                                  .split("=", 1)) for p in parts[1:]))
        for field in re.split(r"(?<!\\),", fields):
            key, value = field.split("=", 1)
            if value.startswith('"'):
                continue
            number = float(value[:-1]) if value.endswith("i") else float(value)
            out.append((f"{parts[0]}_{key}", tags, int(ts), number))
    return sorted(out)


def make(sim: Agent, vm: Victoria, spool: Path, **influx: float | str) -> tuple[
        SnmpCollector, InfluxSink, list[str]]:
    overrides = {
        "lab-0001-sw1": TargetOverride(address=sim.address(), community="huawei-sw"),
        "lab-0001-ac1": TargetOverride(address=sim.address(), community="huawei-ac1"),
        "lab-0001-ac2": TargetOverride(address=sim.address(), community="huawei-ac2"),
    }
    targets, _ = build_targets([e for e in INVENTORY.iter_devices() if e.hostname in overrides],
                               settings=SnmpSettings(), secrets=Secrets(None, env=dict(V3_ENV)),
                               default_credential="snmp-lab", overrides=overrides)
    settings = InfluxSettings.model_validate({"url": vm.url, "backoff_s": 0.05,
                                              "backoff_max_s": 0.2, **influx})
    sink = InfluxSink(settings, spool, token=None)
    produced: list[str] = []
    add = sink.add

    def record(lines: Iterable[str]) -> None:
        batch = list(lines)
        produced.extend(batch)
        add(batch)

    sink.add = record  # type: ignore[method-assign]
    cfg = CollectorConfig(snmp=SnmpSettings(timeout_s=3, deadline_s=20, concurrency=8),
                          influx=settings)
    return SnmpCollector(cfg, PROFILES, targets, aps=ap_infos(INVENTORY), influx=sink), sink, \
        produced


async def test_points_read_back_point_for_point(snmpsim: Agent, victoria: Victoria,
                                                tmp_path: Path) -> None:
    c, sink, produced = make(snmpsim, victoria, tmp_path / "spool")
    summary = await c.run_once()
    await sink.close()
    c.transport.close()
    assert not summary.failed_hosts
    match = '{__name__=~"(snmp_.*|wlan_ap_.*)", device=~"lab-0001-(sw1|ac1|ac2|ap00.)"}'
    expected = expected_samples(produced)
    assert len(expected) > 100
    stored = victoria.wait_samples(match, len(expected), since_ms=min(e[2] for e in expected))
    assert stored == expected
    assert sink.points_written == len(produced)
    assert sink.spool.points == 0


async def test_outage_spools_then_replays_nothing_lost_nothing_twice(
        snmpsim: Agent, victoria: Victoria, tmp_path: Path) -> None:
    """Poll, stop the server, keep polling (batches go to the disk spool), start it again,
    poll once more: every point of every round is stored exactly once."""
    c, sink, produced = make(snmpsim, victoria, tmp_path / "spool")
    heartbeat = c.profiles["system"]
    interfaces = c.profiles["if_mib"]

    async def round_() -> None:
        for rt in c.runtimes.values():
            for profile in (heartbeat, interfaces):
                _o, points, observations, _r = await c.poll(rt, profile)
                c.emit(points, observations)
        await sink.flush()

    await round_()
    written_before = sink.points_written
    assert written_before == len(produced)
    victoria.stop()
    try:
        await round_()
        await round_()
        assert sink.spool.points == len(produced) - written_before  # all of it, on disk
        assert sink.points_written == written_before
    finally:
        victoria.start()
    await round_()  # the server is back: the spool is replayed first, then this round
    await sink.close()
    c.transport.close()
    assert sink.spool.points == 0
    assert not list((tmp_path / "spool").iterdir())
    assert sink.points_written == len(produced)
    match = '{__name__=~"snmp_(system|interface)_.*", device=~"lab-0001-(sw1|ac1|ac2)"}'
    expected = expected_samples(produced)
    since = min(e[2] for e in expected)
    stored = victoria.wait_samples(match, len(expected), since_ms=since)
    assert len(stored) == len(expected)  # no duplicate (VictoriaMetrics keeps duplicates)
    assert stored == expected
