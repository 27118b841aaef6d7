"""``netctl demo --influx-url``: the demo's collector and probes also write a real InfluxDB v2
write endpoint (VictoriaMetrics here), not only the state store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from netctl.demo import run_demo


def test_demo_writes_influx(victoria: Any, tmp_path: Path) -> None:
    since = int(time.time() * 1000) - 1000
    result = run_demo(tmp_path / "home", schools=22, influx_url=victoria.url)
    assert result.rounds and not set(result.rounds[0].polls_failed) - {
        where for fault, where, _ in result.faults if fault == "wrong SNMP credentials"}
    system = victoria.wait_samples('{__name__="snmp_system_poll_ok"}', 10, since_ms=since)
    web = victoria.wait_samples('{__name__="probe_web_supported"}', 5, since_ms=since)
    reach = victoria.wait_samples('{__name__="probe_reach_loss"}', 5, since_ms=since)
    assert len({dict(labels)["device"] for _n, labels, _t, _v in system}) >= 10
    assert {dict(labels)["domain"] for _n, labels, _t, _v in web}
    assert reach
