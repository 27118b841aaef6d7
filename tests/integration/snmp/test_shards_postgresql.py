"""Collector shards on several machines, in small: four ``netctl collect snmp --once --shard i/4``
processes at once, each polling its part of the lab inventory (Debian's snmpd on loopback
answers every device) into ONE PostgreSQL state store (a real server, tests/conftest.py).

Every device must be polled exactly once (one ``poll_ok`` row in the history), by exactly one
shard, with no duplicate and no gap — the property docs/scale.md relies on.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, REPO, Agent  # type: ignore[import-not-found, unused-ignore]
from sqlalchemy import create_engine, text

from netctl.inventory.index import load_inventory
from netctl.testing.pgserver import PgServer

pytestmark = pytest.mark.integration

SHARDS = 4


def test_four_shards_poll_every_device_exactly_once_into_postgresql(
        lab_home: Path, snmpd: Agent, pg_server: PgServer) -> None:
    url = pg_server.new_database()
    cfg = lab_home / "collectors" / "daemons" / "snmp.toml"
    cfg.write_text("[snmp]\ntimeout_s = 1.0\nretries = 1\ndeadline_s = 20\n"
                   "[influx]\nenabled = false\n[state]\nflush_interval_s = 0.5\n",
                   encoding="utf-8")
    targets = lab_home / "targets.yaml"
    targets.write_text(f'"*": {{address: "{snmpd.address()}", community: public}}\n',
                       encoding="utf-8")
    env = dict(os.environ, NETCTL_HOME=str(lab_home), NETCTL_STATE=url,
               NETCTL_SECRETS=str(lab_home / "no-secrets.yaml"))
    procs = [subprocess.Popen([PYTHON, "-m", "netctl", "collect", "snmp", "--once",
                               "--shard", f"{i}/{SHARDS}", "--targets", str(targets),
                               "--format", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
             for i in range(SHARDS)]
    results = [p.communicate(timeout=120) for p in procs]
    outputs = [out.decode() for out, _ in results]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, (out + err).decode()

    # access points are polled through their controller (collectors: skip_roles), not directly
    declared = {h for h, e in load_inventory(lab_home / "inventory").devices.items()
                if e.role.value != "ap"}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "select device, count(*) from observations where metric = 'poll_ok' "
                "group by device")).all()
    finally:
        engine.dispose()
    counts: dict[str, int] = {str(device): int(n) for device, n in rows}
    assert set(counts) == declared  # no gap: every declared device was polled
    assert set(counts.values()) == {1}  # no duplicate: exactly once, by one shard
    per_shard = [{o["hostname"] for o in json.loads(out)["outcomes"]} for out in outputs]
    assert sum(len(hosts) for hosts in per_shard) == len(set().union(*per_shard))  # disjoint
    assert sum(1 for hosts in per_shard if hosts) >= 2, per_shard  # the work really was split
