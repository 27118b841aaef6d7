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
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from compliance_scenario import CONFIGS, NOW, Scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.compliance import baseline, cache, devices, evidence, wireless
from netctl.compliance.backups import newest_backup
from netctl.compliance.baseline import RuleSet, check_config
from netctl.compliance.engine import KpiReport, compute_kpis
from netctl.state import StateStore

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
