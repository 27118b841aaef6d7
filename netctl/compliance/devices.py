"""The security baseline of each device: its newest backed-up configuration against its rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from netctl.compliance.backups import newest_backup
from netctl.compliance.baseline import RuleResult, RuleSet
from netctl.compliance.cache import CACHE_FILE, BaselineCache
from netctl.compliance.evidence import age_text
from netctl.compliance.fastcheck import check_config_fast
from netctl.compliance.model import Reason
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.models.inventory import Role

CHECK = check_config_fast
"""How a configuration is checked: the compiled rules (``baseline.check_config`` gives the same
results, slower; tests switch to it and compare)."""

DeviceStatus = Literal["pass", "partial", "fail", "no_backup", "stale", "no_rules"]


@dataclass(slots=True, unsafe_hash=True)  # a value, not frozen: see netctl.compliance.model
class DeviceBaseline:
    """One device's baseline: where its configuration came from, every rule, and the verdict.

    ``status`` is ``pass`` (every rule passes), ``fail`` (some rule fails), ``partial`` (no rule
    fails, some are partial), or why it could not be judged: ``no_backup``, ``stale`` (the newest
    backup is older than the window; its rules are still shown) or ``no_rules`` (no rule file for
    the platform). Only ``pass`` counts for the ``security_baseline`` KPI.
    """

    hostname: str
    platform: str
    role: str
    site: str
    school: str | None
    county: str | None
    city: str | None
    backup: Path | None
    backup_at: datetime | None
    status: DeviceStatus
    rules: tuple[RuleResult, ...] = ()
    reasons: tuple[Reason, ...] = ()
    confirmed_at: datetime | None = None

    @property
    def passed(self) -> bool:
        """True when the device counts as passing the baseline."""
        return self.status == "pass"


def in_baseline(entry: DeviceEntry) -> bool:
    """Devices the baseline covers: every managed device but APs (their WLC holds their config)."""
    return entry.role is not Role.AP


def check_device(
    entry: DeviceEntry,
    backups_dir: Path | None,
    rules: dict[str, RuleSet],
    now: datetime,
    window: timedelta,
    cache: BaselineCache | None = None,
    as_of: bool = False,
    texts: dict[str, str] | None = None,
) -> DeviceBaseline:
    """Judge one device (through ``cache`` when given).

    ``as_of``: ``now`` is a past instant: only backups taken by then count, and a confirmation
    (mtime) after it does not. ``texts``: filled with the backup's path as text (``str`` of the
    result's ``backup``, by hostname) where it is known without building it.
    """
    device = entry.device
    host = device.hostname
    platform = entry.platform.value
    school = entry.school
    base = (
        host,
        platform,
        device.role.value,
        school or entry.node or "",  # entry.site
        school,
        entry.county,
        entry.city,
    )
    ruleset = rules.get(platform)
    if ruleset is None:
        return DeviceBaseline(
            *base,
            None,
            None,
            "no_rules",
            (),
            (
                Reason(
                    "no_rules",
                    f"{host}: 平台 {entry.platform.value} 没有基线规则文件",
                    f"{host}: no baseline rules for platform {entry.platform.value}",
                ),
            ),
        )
    path: Path | None = None
    if backups_dir is None:
        pass
    elif cache is not None and not as_of:  # the usual case: on the path's text, one Path built
        found = cache.lookup(backups_dir, host, ruleset, CHECK)
        if found is not None:
            text, taken_at, st, results = found
            path = _path(text)
            if texts is not None:
                texts[host] = text
    else:
        backup = newest_backup(backups_dir, host, now if as_of else None)
        if backup is not None:
            path, taken_at = backup.path, backup.taken_at
            st = path.stat()  # once, for the cache and the confirmation time
            results = (
                cache.check(path, ruleset, CHECK, st)
                if cache is not None
                else tuple(CHECK(backup.read(), ruleset))
            )
    if path is None:
        return DeviceBaseline(
            *base,
            None,
            None,
            "no_backup",
            (),
            (
                Reason(
                    "no_backup", f"{host}: 没有运行配置备份", f"{host}: no running-config backup"
                ),
            ),
        )
    failed, partial = _verdicts(results)
    # Backup.confirmed_at: the later of the time in the name and the file's mtime
    confirmed = max(taken_at, _utc(st.st_mtime))
    if as_of and confirmed > now:
        confirmed = taken_at
    if now - confirmed > window:
        zh_age, en_age = age_text(now - confirmed)
        return DeviceBaseline(
            *base,
            path,
            taken_at,
            "stale",
            results,
            (
                Reason(
                    "stale",
                    f"{host}: 最新配置备份已 {zh_age} 未确认，不计入",
                    f"{host}: newest config backup last confirmed {en_age} ago; it does not count",
                ),
            ),
            confirmed,
        )
    if not failed and not partial:
        return DeviceBaseline(
            *base, path, taken_at, "pass", results, confirmed_at=confirmed
        )
    count, ids_zh, ids = _failing(results, failed, partial)
    reason = Reason(
        "baseline_failed",
        f"{host}: {count} 项基线不符合：{ids_zh}",
        f"{host}: {count} baseline rule(s) not met: {ids}",
    )
    return DeviceBaseline(
        *base,
        path,
        taken_at,
        "fail" if failed else "partial",
        results,
        (reason,),
        confirmed,
    )


_VERDICTS: dict[int, tuple[tuple[RuleResult, ...], list[RuleResult], list[RuleResult]]] = {}


def _verdicts(results: tuple[RuleResult, ...]) -> tuple[list[RuleResult], list[RuleResult]]:
    """The failed and the partial rules of a result tuple (devices share the cache's tuples:
    judged once per tuple, kept while the tuple is)."""
    found = _VERDICTS.get(id(results))
    if found is None or found[0] is not results:
        if len(_VERDICTS) > 100_000:
            _VERDICTS.clear()
        found = _VERDICTS[id(results)] = (
            results,
            [r for r in results if r.status == "fail"],
            [r for r in results if r.status == "partial"],
        )
    return found[1], found[2]


_FAILING: dict[int, tuple[tuple[RuleResult, ...], int, str, str]] = {}


def _failing(
    results: tuple[RuleResult, ...], failed: list[RuleResult], partial: list[RuleResult]
) -> tuple[int, str, str]:
    """How many rules do not pass, and their list in Chinese and English (once per result
    tuple, as :func:`_verdicts`)."""
    found = _FAILING.get(id(results))
    if found is None or found[0] is not results:
        if len(_FAILING) > 100_000:
            _FAILING.clear()
        bad = failed + partial
        found = _FAILING[id(results)] = (
            results,
            len(bad),
            "、".join(f"{r.title.zh}（{RULE_STATUS_ZH.get(r.status, r.status)}）" for r in bad),
            ", ".join(f"{r.rule}({r.status})" for r in bad),
        )
    return found[1], found[2], found[3]


@lru_cache(maxsize=65536)
def _path(text: str) -> Path:
    """``Path(text)``, once per text (a Path is immutable: each run's baselines may share it)."""
    return Path(text)


@lru_cache(maxsize=65536)
def _utc(timestamp: float) -> datetime:
    """``datetime.fromtimestamp(timestamp, tz=UTC)``, once per mtime (a file's mtime stays
    until it is touched: runs after the first find it again)."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


RULE_STATUS_ZH = {"pass": "符合", "partial": "部分符合", "fail": "不符合"}
"""Chinese words for a rule's status in Chinese text (no English codes in Chinese sentences)."""


def check_devices(
    inv: Inventory,
    backups_dir: Path | None,
    rules: dict[str, RuleSet],
    now: datetime,
    window: timedelta,
    devices: Iterable[DeviceEntry] | None = None,
    *,
    cache: bool = True,
    as_of: bool = False,
    texts: dict[str, str] | None = None,
) -> list[DeviceBaseline]:
    """Judge every device the baseline covers (or those given), in inventory order.

    With ``cache``, results are kept by configuration content in the backups folder
    (:mod:`netctl.compliance.cache`), so configurations seen before are not checked again.
    ``texts``: as :func:`check_device`'s.
    """
    chosen = inv.iter_devices() if devices is None else devices
    store = BaselineCache(backups_dir / CACHE_FILE if cache and backups_dir else None)
    # a path's text is its Path's text when the folder's is (a Path's text is normalised, but
    # for "."; hostnames are single names, checked by the inventory)
    if not isinstance(backups_dir, Path) or str(backups_dir) == ".":
        texts = None
    ap = Role.AP
    out = [
        check_device(d, backups_dir, rules, now, window, store, as_of, texts)
        for d in chosen
        if d.device.role is not ap  # in_baseline(d)
    ]
    store.save()
    return out
