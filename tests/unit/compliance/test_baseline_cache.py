"""The baseline cache: results by configuration content and rules, never stale."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from compliance_scenario import NOW, Scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.compliance.backups import backup_path
from netctl.compliance.baseline import RuleSet
from netctl.compliance.cache import CACHE_FILE
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
    # 3 distinct configs (huawei good/bad, cisco good, comware good) → 4 results; 7 files
    assert len(data["results"]) == 4 and len(data["files"]) == 7
    # the cache answers for a known config: doctor one result and see it come back
    key = next(k for k, v in data["results"].items() if k.startswith("cisco_ios:"))
    assert data["results"][key] == []  # only rules that do not pass are stored
    data["results"][key] = [["banner", "fail", [], [["missing", "缺少警示", "no banner"]]]]
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
    assert json.loads((backups / CACHE_FILE).read_text(encoding="utf-8"))["version"] == 3
