"""The baseline cache: results by configuration content and rules, never stale."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from compliance_scenario import NOW, Scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.compliance.backups import Backup, backup_path, newest_backup
from netctl.compliance.baseline import RuleSet
from netctl.compliance.cache import CACHE_FILE, VERSION, BaselineCache
from netctl.compliance.devices import check_devices

CONFIGS = Path(__file__).resolve().parent / "configs"


def _statuses(
    sc: Scenario, backups: Path, rules: dict[str, RuleSet] | None = None
) -> dict[str, str]:
    devices = check_devices(sc.inv, backups, rules or sc.rules, NOW, timedelta(hours=24))
    return {d.hostname: d.status for d in devices if d.status != "no_backup"}


def test_cache_is_used_and_invalidated(scenario: Scenario, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    shutil.copytree(scenario.backups, backups)
    first = _statuses(scenario, backups)
    assert first["a-fw1"] == "fail" and first["a-gw1"] == "pass"
    cache_file = backups / CACHE_FILE
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    # 3 distinct configs (huawei good/bad, cisco good, comware good) → 4 results; 7 files,
    # named inside the backups folder; the good configs' findings (none) stored once
    assert len(data["results"]) == 4 and len(data["files"]) == 7
    assert all(not Path(name).is_absolute() for name in data["files"])
    assert sorted(data["results"].values()) == [0, 0, 0, 1] and data["findings"][0] == []
    # the cache answers for a known config: doctor one result and see it come back
    key = next(k for k, v in data["results"].items() if k.startswith("cisco_ios:"))
    assert data["findings"][data["results"][key]] == []  # only rules that do not pass
    data["findings"].append([["banner", "fail", [], [["missing", "缺少警示", "no banner"]]]])
    data["results"][key] = len(data["findings"]) - 1
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    doctored = check_devices(scenario.inv, backups, scenario.rules, NOW, timedelta(hours=24))
    b = next(d for d in doctored if d.hostname == "b-gw1")
    assert b.status == "fail"
    assert [(r.rule, r.status) for r in b.rules if r.status != "pass"] == [("banner", "fail")]
    assert b.rules[-1].missing[0].en == "no banner" and b.rules[-1].clause == "8.1.4.2 a)"
    # a new backup with other content is checked again, whatever the cache holds
    new = backup_path(backups, "b-gw1", NOW - timedelta(minutes=1))
    new.write_text(
        (CONFIGS / "cisco_ios_good.cfg").read_text(encoding="utf-8") + "!\n", encoding="utf-8"
    )
    assert _statuses(scenario, backups)["b-gw1"] == "pass"
    # a rule edit changes the fingerprint: nothing cached for that platform applies
    cisco = scenario.rules["cisco_ios"]
    edited = cisco.model_copy(update={"rules": cisco.rules[:-1]})
    assert _statuses(scenario, backups, {**scenario.rules, "cisco_ios": edited})["b-gw1"] == "pass"


def test_a_broken_cache_is_ignored(scenario: Scenario, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    shutil.copytree(scenario.backups, backups)
    (backups / CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert _statuses(scenario, backups)["a-gw1"] == "pass"
    data = json.loads((backups / CACHE_FILE).read_text(encoding="utf-8"))
    assert data["version"] == VERSION
    # a result that names findings the file does not hold: the whole cache is ignored
    first = _statuses(scenario, backups)
    for bad in (len(data["findings"]), -1, True, "0", None):
        doctored = {**data, "results": dict.fromkeys(data["results"], 0)}
        doctored["results"][next(iter(doctored["results"]))] = bad
        (backups / CACHE_FILE).write_text(json.dumps(doctored), encoding="utf-8")
        assert _statuses(scenario, backups) == first


def _settle(folder: Path, age_s: float = 3600) -> None:
    """Date a backup folder (and its files) ``age_s`` in the past, as last night's backups are."""
    when = time.time() - age_s
    for p in [*(Path(e.path) for e in os.scandir(folder)), folder]:
        os.utime(p, (when, when))


def _listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every folder the cache lists (not those :func:`_reference` lists)."""
    listed: list[str] = []
    real = os.listdir

    def spy(path: str) -> list[str]:
        if not _QUIET:
            listed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(os, "listdir", spy)
    return listed


_QUIET: list[bool] = []


def _reference(backups: Path, host: str) -> Backup | None:
    """``newest_backup``: what the index must agree with (its listing not recorded)."""
    _QUIET.append(True)
    try:
        return newest_backup(backups, host)
    finally:
        _QUIET.pop()


def test_folder_index_lists_only_changed_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backups = tmp_path / "backups"
    for host in ("gw1", "gw2"):
        for hours in (30, 2):
            path = backup_path(backups, host, NOW - timedelta(hours=hours))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"sysname {host}\n", encoding="utf-8")
        _settle(backups / host)

    def newest(host: str) -> Backup | None:
        c = BaselineCache(backups / CACHE_FILE)
        found = c.newest(backups, host)
        c.save()
        return found

    listed = _listings(monkeypatch)
    first = newest("gw1")
    assert first == _reference(backups, "gw1") and first is not None
    assert first.taken_at == NOW - timedelta(hours=2) and listed == ["gw1"]
    assert newest("gw1") == first and listed == ["gw1"]  # remembered: one stat, no listing
    # a new backup changes the folder's mtime: listed again, the new file found
    new = backup_path(backups, "gw1", NOW - timedelta(minutes=5))
    new.write_text("sysname gw1\n", encoding="utf-8")
    found = newest("gw1")
    assert found is not None and found.path == new and listed == ["gw1", "gw1"]
    # …and, changed less than SETTLED_NS ago, not remembered yet: listed every time
    assert newest("gw1") == found and listed == ["gw1"] * 3
    data = json.loads((backups / CACHE_FILE).read_text(encoding="utf-8"))
    assert "gw1" not in data["folders"]
    _settle(backups / "gw1")
    assert newest("gw1") == newest("gw1") == _reference(backups, "gw1")
    assert listed == ["gw1"] * 4
    # a removed newest backup: the folder changed, the one before it is the newest again
    new.unlink()
    _settle(backups / "gw1", 1800)
    found = newest("gw1")
    assert found is not None and found.taken_at == NOW - timedelta(hours=2)
    # a remembered mtime that does not match (a doctored or foreign cache) is not trusted
    data = json.loads((backups / CACHE_FILE).read_text(encoding="utf-8"))
    data["folders"]["gw2"] = [1, "20991231T000000Z.cfg"]
    (backups / CACHE_FILE).write_text(json.dumps(data), encoding="utf-8")
    assert newest("gw2") == _reference(backups, "gw2")
    # …nor one that names a file outside the folder, even with the folder's own mtime
    outside = backup_path(backups, "gw9", NOW)
    outside.parent.mkdir()
    outside.write_text("sysname other\n", encoding="utf-8")
    data = json.loads((backups / CACHE_FILE).read_text(encoding="utf-8"))
    data["folders"]["gw2"] = [(backups / "gw2").stat().st_mtime_ns, f"../gw9/{outside.name}"]
    (backups / CACHE_FILE).write_text(json.dumps(data), encoding="utf-8")
    assert newest("gw2") == _reference(backups, "gw2")
    # a folder gone: no backup, whatever the index says
    shutil.rmtree(backups / "gw2")
    assert newest("gw2") is None and newest("gw3") is None


def test_folder_index_skips_folders_with_files_dated_by_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup named without a time is dated by its mtime, which can change without the folder
    changing: such folders are listed every run."""
    backups = tmp_path / "backups"
    stamped = backup_path(backups, "gw1", NOW - timedelta(hours=30))
    stamped.parent.mkdir(parents=True)
    stamped.write_text("sysname gw1\n", encoding="utf-8")
    (backups / "gw1" / "manual.cfg").write_text("sysname gw1\n", encoding="utf-8")
    _settle(backups / "gw1")
    listed = _listings(monkeypatch)
    for _ in range(2):
        c = BaselineCache(backups / CACHE_FILE)
        assert c.newest(backups, "gw1") == _reference(backups, "gw1")
        c.save()
    assert listed == ["gw1", "gw1"]
    # touching the undated file makes it the newest, though the folder did not change
    later = (NOW + timedelta(hours=1)).timestamp()
    os.utime(backups / "gw1" / "manual.cfg", (later, later))
    found = BaselineCache(backups / CACHE_FILE).newest(backups, "gw1")
    assert found is not None and found.path.name == "manual.cfg"
