"""Spool, line protocol, state sink, targets and sharding (no sockets)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netctl.collectors.config import (
    CollectorConfig,
    SnmpSettings,
    TargetOverride,
    load_config,
    load_target_overrides,
)
from netctl.collectors.points import Point
from netctl.collectors.sinks.spool import Spool
from netctl.collectors.sinks.state import StateSink
from netctl.collectors.targets import Shard, build_targets, parse_address, shard_key
from netctl.exceptions import ConfigError
from netctl.inventory.index import load_inventory
from netctl.secrets import Secrets
from netctl.state.store import Observation, StateStore

REPO = Path(__file__).resolve().parents[3]
LAB = REPO / "tests" / "fixtures" / "snmp" / "inventory"


# -- spool ------------------------------------------------------------------------------------
def test_spool_round_trip_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10_000_000)
    spool.put(["m v=1i 1", "m v=2i 2"])
    spool.put(["m v=3i 3"])
    assert spool.points == 3
    files = spool.files()
    assert [Spool.read(f) for f in files] == [["m v=1i 1", "m v=2i 2"], ["m v=3i 3"]]
    Spool.done(files[0])
    reopened = Spool(tmp_path, max_bytes=10_000_000)  # a restart keeps data and numbering
    assert reopened.points == 1
    item = reopened.put(["m v=4i 4"])
    assert item is not None
    assert item.sequence == files[-1].sequence + 1


def test_spool_full_drops_oldest_with_a_warning(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    import os

    spool = Spool(tmp_path, max_bytes=3_000)
    noise = [os.urandom(200).hex() for _ in range(3)]  # incompressible: ~1.2 kB per batch
    with caplog.at_level(logging.WARNING):
        for i in range(5):
            spool.put([f"m,n={noise[0]} v={i}i {i}", f"m,n={noise[1]}{i} v={i}i {i}",
                       f"m,n={noise[2]} v={i}i {i}"])
    assert spool.size <= 3_000
    assert spool.dropped_points > 0
    assert "FULL" in caplog.text
    kept = [Spool.read(f)[0].rsplit(" ", 1)[1] for f in spool.files()]
    assert kept == sorted(kept)
    assert kept[-1] == "4"  # the newest is always kept


def test_spool_ignores_half_written_files(tmp_path: Path) -> None:
    (tmp_path / "000000000001-5.lp.tmp").write_bytes(b"partial")
    spool = Spool(tmp_path, max_bytes=1000)
    assert spool.points == 0
    assert not list(tmp_path.glob("*.tmp"))


# -- line protocol ----------------------------------------------------------------------------
@pytest.mark.parametrize(("tags", "fields", "expected"), [
    ((("device", "a,b=c d"),), {"v": 1}, r"m,device=a\,b\=c\ d v=1i 5"),
    ((("device", ""), ("role", "gw")), {"v": 1.0}, "m,role=gw v=1.0 5"),
    ((), {"s": 'say "hi" \\'}, 'm s="say \\"hi\\" \\\\" 5'),
    ((), {"b": True, "i": -3}, "m b=true,i=-3i 5"),
])
def test_line_protocol(tags: tuple[tuple[str, str], ...], fields: dict[str, object],
                       expected: str) -> None:
    assert Point("m", tags, fields, 5).line() == expected  # type: ignore[arg-type]


# -- state sink -------------------------------------------------------------------------------
def _obs(metric: str, value: float | str, iface: str = "") -> Observation:
    return Observation("gw1", metric, value, datetime(2027, 1, 1, tzinfo=UTC), "snmp", iface)


async def test_state_sink_writes_changes_and_refreshes(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    sink = StateSink(store, refresh_s=900)
    sink.add([_obs("if_oper_status", 1, "Gi0/1"), _obs("if_in_bps", 5e6, "Gi0/1")], now=0)
    assert await sink.flush() == 2
    sink.add([_obs("if_oper_status", 1, "Gi0/1"), _obs("if_in_bps", 6e6, "Gi0/1")], now=60)
    assert await sink.flush() == 0  # unchanged status, volatile rate: nothing written
    sink.add([_obs("if_oper_status", 2, "Gi0/1")], now=120)
    assert await sink.flush() == 1  # a link going down is written at once
    sink.add([_obs("if_oper_status", 2, "Gi0/1"), _obs("if_in_bps", 7e6, "Gi0/1")], now=1100)
    assert await sink.flush() == 2  # refresh period elapsed
    latest = {o.metric: o.value for o in store.latest(devices=["gw1"])}
    assert latest == {"if_oper_status": 2.0, "if_in_bps": 7e6}



def test_state_filter_closure_decides_as_wants() -> None:
    """``wanted_at`` (what the converter asks, once per value) decides exactly as ``wants``."""
    import random

    rng = random.Random(17)
    one, two = StateSink(None, refresh_s=900), StateSink(None, refresh_s=900)  # type: ignore[arg-type]
    now = 0.0
    for _ in range(5000):
        now += rng.choice((0.0, 30.0, 60.0, 400.0))
        key = (rng.choice(("gw1", "sw2")), rng.choice(("", "Gi0/1", "Gi0/2")),
               rng.choice(("if_oper_status", "if_in_bps", "if_speed_mbps", "sys_uptime")))
        value: float | str = rng.choice((1.0, 2.0, 1e6, "up"))
        assert two.wanted_at(now)(*key, value) == one.wants(*key, value, now=now)
    assert one._last == two._last


def test_state_filter_column_decides_as_calls_in_row_order() -> None:
    """``StateFilter.column`` (one metric over a table's rows, what the columnar converter
    asks) makes the decisions, and leaves the memory, that one call per row would, duplicate
    interface names and unknown values included."""
    import random

    rng = random.Random(23)
    one, two = StateSink(None, refresh_s=900), StateSink(None, refresh_s=900)  # type: ignore[arg-type]
    now = 0.0
    for _ in range(400):
        now += rng.choice((0.0, 30.0, 60.0, 400.0, 1000.0))
        metric = rng.choice(("if_oper_status", "if_in_bps", "if_speed_mbps"))
        n = rng.randrange(0, 8)
        ifaces = [rng.choice(("", "Gi0/1", "Gi0/2", "Gi0/3")) for _ in range(n)]
        values: list[float | str | None] = [rng.choice((None, None, 1.0, 2.0, "up"))
                                            for _ in range(n)]
        rows = sorted(rng.sample(range(n), rng.randrange(0, n + 1)))
        by_call = one.wanted_at(now)
        want = [r for r in rows
                if values[r] is not None and by_call("gw1", ifaces[r], metric, values[r])]
        assert two.wanted_at(now).column("gw1", metric, ifaces, values, rows) == want
        assert one._last == two._last

# -- config and targets -----------------------------------------------------------------------
def test_config_defaults_and_errors(tmp_path: Path) -> None:
    assert load_config(None) == CollectorConfig()
    assert load_config(tmp_path / "absent.toml") == CollectorConfig()
    bad = tmp_path / "snmp.toml"
    bad.write_text("[snmp]\ntimeot_s = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"snmp\.timeot_s"):
        load_config(bad)


def test_shipped_daemon_config_is_valid() -> None:
    cfg = load_config(REPO / "collectors" / "daemons" / "snmp.toml")
    assert cfg.snmp.backend == "lean"


def test_overrides_file(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text("lab-*: {address: 'udp://127.0.0.1:1161', community: lab}\n", encoding="utf-8")
    assert load_target_overrides(f)["lab-*"].address == "udp://127.0.0.1:1161"
    f.write_text("lab-1: {adress: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_target_overrides(f)


@pytest.mark.parametrize(("text", "expected"), [
    ("udp://127.0.0.1:1161", ("127.0.0.1", 1161)), ("127.0.0.2", ("127.0.0.2", 161)),
    ("udp6://[::1]:1161", ("::1", 1161)), ("[2001:db8::1]", ("2001:db8::1", 161)),
])
def test_parse_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text, 161) == expected


def test_parse_address_refuses_names() -> None:
    with pytest.raises(ConfigError, match="not an IP address"):
        parse_address("udp://switch.example:161", 161)


def test_build_targets_credentials_addresses_and_problems() -> None:
    inv = load_inventory(LAB)
    env = {"NETCTL_CRED_SNMP_LAB_COMMUNITY": "labcomm",
           "NETCTL_CRED_V3_USERNAME": "netctl", "NETCTL_CRED_V3_AUTH_PROTOCOL": "SHA",
           "NETCTL_CRED_V3_AUTH_KEY": "authpass123", "NETCTL_CRED_V3_PRIV_PROTOCOL": "AES",
           "NETCTL_CRED_V3_PRIV_KEY": "privpass123"}
    overrides = {"lab-0002-ac1": TargetOverride(credential="v3"),
                 "lab-0003-*": TargetOverride(address="udp://127.0.0.1:16161",
                                              community="public")}
    targets, problems = build_targets(
        inv.iter_devices(), settings=SnmpSettings(), secrets=Secrets(None, env=env),
        default_credential=inv.defaults.snmp, overrides=overrides)
    by = {t.hostname: t for t in targets}
    assert "lab-0001-ap001" not in by  # APs are seen through their controller
    assert (by["lab-0001-gw1"].host, by["lab-0001-gw1"].port) == ("2001:db8:ffff::1", 161)
    assert by["lab-0001-gw1"].community == b"labcomm"
    assert by["lab-0001-core1"].host == "192.0.2.3"  # no IPv6: falls back to IPv4
    assert by["lab-0002-ac1"].version == "3"
    assert by["lab-0002-ac1"].user is not None
    assert by["lab-0002-ac1"].user.priv_protocol == "AES"
    assert (by["lab-0003-dead"].host, by["lab-0003-dead"].port) == ("127.0.0.1", 16161)
    assert by["lab-0001-gw1"].tags.school == "2401040901"
    assert by["lab-0001-gw1"].tags.city == "640100"
    assert problems == []
    _, problems = build_targets(inv.iter_devices(), settings=SnmpSettings(),
                                secrets=Secrets(None, env={}), default_credential="nothing")
    assert problems
    assert all("credential set 'nothing' not found" in p for p in problems)


def test_shards_split_the_fleet_evenly_and_keep_ha_pairs_together(sample_dir: Path) -> None:
    inv = load_inventory(sample_dir)
    entries = list(inv.iter_devices())
    owners: Counter[int] = Counter()
    for e in entries:
        owning = [i for i in range(4) if Shard(i, 4).owns(shard_key(e))]
        assert len(owning) == 1
        owners[owning[0]] += 1
    assert min(owners.values()) > 0.2 * len(entries)
    lab = load_inventory(LAB)
    keys = {shard_key(e) for e in lab.iter_devices() if e.hostname in ("lab-0001-ac1",
                                                                          "lab-0001-ac2")}
    assert len(keys) == 1


def test_spool_disk_full_is_counted_not_silent(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """A real ENOSPC from the kernel: the batch's temporary file is a link to /dev/full."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    spool = Spool(tmp_path, max_bytes=10_000_000)
    spool.put(["m v=1i 1"])
    (tmp_path / "000000000002-2.lp.tmp").symlink_to("/dev/full")
    with caplog.at_level("ERROR"):
        assert spool.put(["m v=2i 2", "m v=3i 3"]) is None
    assert spool.dropped_points == 2 and spool.write_errors == 1
    assert "disk full" in caplog.text and "dropped 2 points" in caplog.text
    assert not list(tmp_path.glob("*.tmp"))  # no debris
    assert spool.put(["m v=4i 4"]) is not None  # the next batch goes in
    assert spool.points == 2


def test_spool_on_a_full_tmpfs(tmp_path: Path) -> None:
    """A 64 KiB tmpfs mounted in a user namespace (``unshare -rm``; skipped where unprivileged
    user namespaces are off): batches that do not fit are counted in ``spool_dropped``."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = (
        "import os, random, sys\n"
        "from pathlib import Path\n"
        "from netctl.collectors.sinks.spool import Spool\n"
        "s = Spool(Path(sys.argv[1]), max_bytes=10_000_000)\n"
        "rnd = random.Random(1)\n"
        "ok = sum(s.put([f'm,x={rnd.getrandbits(64):x} v={i}i {i}' for i in range(200)])"
        " is not None for _ in range(40))\n"
        "debris = len(list(Path(sys.argv[1]).glob('*.tmp')))\n"
        "print(ok, s.dropped_points, s.write_errors, debris)\n")
    cmd = ["unshare", "-rm", "sh", "-c",
           f'mount -t tmpfs -o size=64k none "{mnt}" && exec "$0" -c "$1" "{mnt}"',
           sys.executable, script]
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("unprivileged user namespaces are not available")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False,
                         env={**__import__("os").environ})
    assert out.returncode == 0, out.stderr
    ok, dropped, errors, debris = map(int, out.stdout.split())
    assert 0 < ok < 40 and errors == 40 - ok
    assert dropped == 200 * errors
    assert debris == 0
