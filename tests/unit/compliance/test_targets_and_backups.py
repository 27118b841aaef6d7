"""Targets as data (reports/targets.yaml) and the config-backup folder layout."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from compliance_scenario import REPO  # type: ignore[import-not-found,unused-ignore]

from netctl.compliance.backups import backup_path, default_backups_dir, newest_backup
from netctl.compliance.kpis import KPI_IDS, KPIS, PLAN_YEARS
from netctl.compliance.targets import load_targets, plan_targets
from netctl.exceptions import ConfigError


def _write(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _shipped() -> dict[str, object]:
    data = yaml.safe_load((REPO / "reports" / "targets.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_shipped_targets_end_at_the_plan() -> None:
    t = load_targets(REPO / "reports")
    assert set(t.kpis) == set(KPI_IDS)
    for kpi in KPI_IDS:
        assert t.end_target(kpi) == KPIS[kpi].plan_2027
        years = [t.target(kpi, y) for y in PLAN_YEARS]
        assert years == sorted(years)  # a trajectory never goes down
    assert t.target("ipv6_campus", 2026) == 0.8 and t.target("ipv6_campus", 2031) == 0.9
    assert t.freshness_hours == 24 and t.website_links_v6_share == 0.9


def test_plan_only_targets() -> None:
    t = plan_targets()
    assert t.target("smart_campus", 2023) == 0.85
    with pytest.raises(ConfigError, match="no target for 2022"):
        t.target("smart_campus", 2022)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["kpis"].pop("smart_campus"), "KPI 'smart_campus' has no targets"),
        (
            lambda d: d["kpis"].update(
                ipv6_campus={2023: 0.4, 2024: 0.5, 2025: 0.6, 2026: 0.7, 2027: 0.95}
            ),
            "ipv6_campus 2027: the plan sets 0.9, not 0.95",
        ),
        (
            lambda d: d["kpis"]["wireless_coverage"].update({2025: 0.5}),
            "wireless_coverage: the 2025 target 0.5 is below 2024's 0.78",
        ),
        (
            lambda d: d["kpis"]["egress_firewall"].update({2023: 70}),
            "egress_firewall 2023: 70 is not a fraction 0–1",
        ),
        (
            lambda d: d["kpis"]["egress_firewall"].pop(2024),
            "egress_firewall: needs exactly the years 2023–2027",
        ),
        (lambda d: d["kpis"].update(ipv6_websites={2027: 1}), "unknown KPI 'ipv6_websites'"),
        (lambda d: d.update(freshness=24), "freshness: Extra inputs are not permitted"),
    ],
)
def test_invalid_targets_are_refused(tmp_path: Path, change: object, message: str) -> None:
    data = _shipped()
    change(data)  # type: ignore[operator]
    with pytest.raises(ConfigError, match="invalid targets") as info:
        load_targets(_write(tmp_path, data))
    assert message in str(info.value)


def test_missing_targets_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no targets file"):
        load_targets(tmp_path)


def test_newest_backup_wins(tmp_path: Path) -> None:
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    for age in (48, 2, 24):
        p = backup_path(tmp_path, "gw1", now - timedelta(hours=age))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"! {age}\n", encoding="utf-8")
    undated = tmp_path / "gw1" / "running.cfg"  # no timestamp in the name: its mtime counts
    undated.write_text("! mtime\n", encoding="utf-8")
    old = (now - timedelta(days=5)).timestamp()
    os.utime(undated, (old, old))
    (tmp_path / "gw1" / "notes.txt").write_text("not a config", encoding="utf-8")
    b = newest_backup(tmp_path, "gw1")
    assert b is not None
    assert b.path.name == "20261128T000000Z.cfg" and b.read() == "! 2\n"
    assert b.taken_at == now - timedelta(hours=2)
    assert newest_backup(tmp_path, "gw2") is None


def test_backups_folder_defaults() -> None:
    home = Path("/srv/netctl")
    assert default_backups_dir("sqlite:////var/lib/netctl/state.db", home, {}) == Path(
        "/var/lib/netctl/backups"
    )
    assert default_backups_dir("sqlite:////x/state.db", home, {"NETCTL_BACKUPS": "/b"}) == Path(
        "/b"
    )
    assert default_backups_dir("postgresql://db/netctl", home, {}) == home / ".netctl/backups"
