"""The JSON contracts of ``netctl compliance kpis`` and ``netctl compliance baseline``.

Documented in README ("Compliance JSON"); other tools consume them, so keys only ever get added.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netctl.compliance.baseline import RuleResult
from netctl.compliance.devices import DeviceBaseline
from netctl.compliance.engine import KpiReport
from netctl.compliance.model import Reason


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def reason_json(r: Reason) -> dict[str, str]:
    """A reason: ``{"code", "zh", "en"}``."""
    return {"code": r.code, "zh": r.zh, "en": r.en}


def kpis_json(report: KpiReport, *, evidence: bool = False) -> dict[str, Any]:
    """``{"generated_at", "year", "kpis": [...], "schools": [...]}``; ratios are fractions,
    bandwidth is Mbps; ``evidence`` adds each school result's evidence lines."""
    schools = []
    for r in report.schools:
        item: dict[str, Any] = {
            "school_code": r.school_code,
            "kpi": r.kpi,
            "met": r.met,
            "reasons": [reason_json(x) for x in r.reasons],
        }
        if evidence:
            item["evidence"] = list(r.evidence)
        schools.append(item)
    return {
        "generated_at": _iso(report.generated_at),
        "year": report.year,
        "kpis": [
            {
                "kpi": k.kpi,
                "scope_level": k.scope_level,
                "scope_code": k.scope_code,
                "scope_name": k.scope_name,
                "numerator": k.numerator,
                "denominator": k.denominator,
                "value": k.value,
                "target": k.target,
                "met": k.met,
            }
            for k in report.kpis
        ],
        "schools": schools,
    }


def rule_json(r: RuleResult) -> dict[str, Any]:
    """One rule's result on one device."""
    return {
        "rule": r.rule,
        "clause": r.clause,
        "title": {"zh": r.title.zh, "en": r.title.en},
        "status": r.status,
        "offending": [
            {"line": o.line, "text": o.text, "why": reason_json(o.why)} for o in r.offending
        ],
        "missing": [reason_json(m) for m in r.missing],
    }


def baseline_json(
    devices: Sequence[DeviceBaseline],
    generated_at: datetime,
    backups_dir: Path | None,
    freshness_hours: float,
) -> dict[str, Any]:
    """``{"generated_at", "backups_dir", "freshness_hours", "summary", "devices": [...]}``."""
    counts = Counter(d.status for d in devices)
    return {
        "generated_at": _iso(generated_at),
        "backups_dir": str(backups_dir) if backups_dir is not None else None,
        "freshness_hours": freshness_hours,
        "summary": {
            "devices": len(devices),
            **{
                s: counts.get(s, 0)
                for s in ("pass", "partial", "fail", "stale", "no_backup", "no_rules")
            },
        },
        "devices": [
            {
                "hostname": d.hostname,
                "platform": d.platform,
                "role": d.role,
                "site": d.site,
                "school_code": d.school,
                "county": d.county,
                "backup": str(d.backup) if d.backup else None,
                "backup_at": _iso(d.backup_at) if d.backup_at else None,
                "confirmed_at": _iso(d.confirmed_at) if d.confirmed_at else None,
                "status": d.status,
                "reasons": [reason_json(r) for r in d.reasons],
                "rules": [rule_json(r) for r in d.rules],
            }
            for d in devices
        ],
    }
