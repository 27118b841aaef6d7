"""Spool faults against a real InfluxDB-protocol server (VictoriaMetrics): corrupt spool files are
quarantined while writes continue; nothing readable is lost."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import pytest
from conftest import Victoria  # type: ignore[import-not-found, unused-ignore]

from netctl.collectors.config import InfluxSettings
from netctl.collectors.sinks.influx import InfluxSink

pytestmark = pytest.mark.integration


def _lines(tag: str, start: int, n: int, ts: int) -> list[str]:
    return [f"spooltest,run={tag},i={start + i} v={start + i}i {ts + i}" for i in range(n)]


async def test_corrupt_spool_files_quarantined_while_writes_continue(
        victoria: Victoria, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    tag = f"q{time.time_ns()}"
    ts = int(time.time() * 1000) - 60_000
    good1, good4 = _lines(tag, 0, 5, ts), _lines(tag, 100, 5, ts + 100)
    (spool / "000000000001-5.lp.gz").write_bytes(gzip.compress(("\n".join(good1) + "\n")
                                                               .encode()))
    (spool / "000000000002-7.lp.gz").write_bytes(b"not gzip at all")
    (spool / "000000000003-9.lp.gz").write_bytes(gzip.compress(os.urandom(5000))[:400])  # cut
    (spool / "000000000004-5.lp.gz").write_bytes(gzip.compress(("\n".join(good4) + "\n")
                                                               .encode()))
    (spool / "000000000005-3.lp.tmp").write_bytes(b"half")  # debris of a crash / full disk
    (spool / "000000000006-2.lp.gz").write_bytes(gzip.compress(b"\xff\xfe bad utf-8\n"))

    settings = InfluxSettings.model_validate({"url": victoria.url, "backoff_s": 0.05,
                                              "backoff_max_s": 0.2})
    sink = InfluxSink(settings, spool, token=None)
    assert not list(spool.glob("*.tmp"))  # debris removed at start
    fresh = _lines(tag, 200, 5, ts + 200)
    sink.add(fresh)
    await sink.flush()  # the spool is not empty: fresh joins it, the replay goes through all
    await sink.close()

    assert sink.spool.quarantined == 3
    assert sorted(p.name for p in (spool / "quarantine").iterdir()) == [
        "000000000002-7.lp.gz", "000000000003-9.lp.gz", "000000000006-2.lp.gz"]
    assert sink.spool.points == 0 and not list(spool.glob("*.lp.gz"))
    assert sink.points_written == 15
    stored = victoria.wait_samples(f'{{__name__="spooltest_v", run="{tag}"}}', 15)
    assert sorted(int(s[3]) for s in stored) == sorted(
        int(line.split("=")[-1].split("i")[0]) for line in good1 + good4 + fresh)
