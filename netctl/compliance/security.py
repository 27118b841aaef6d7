"""The ``security_baseline`` KPI rule: a school's devices whose newest running configuration passes
every rule of its platform (the baselines themselves are :mod:`netctl.compliance.devices`)."""

from __future__ import annotations

from netctl.compliance.context import Context
from netctl.compliance.devices import DeviceBaseline
from netctl.compliance.model import Reason, SchoolResult
from netctl.inventory.index import SchoolEntry


def _baseline_line(ctx: Context, r: DeviceBaseline) -> str:
    """``host status backup=<file> @<taken> confirmed @<time> failing: rule, …`` (the facts)."""
    host = r.hostname
    if r.backup is None:
        return f"{host} {r.status}"
    text = ctx.backup_texts.get(host)
    stamp = ctx.ev.stamp
    taken, confirmed = r.backup_at, r.confirmed_at
    tail = ctx.failing.get(id(r.rules))  # devices share result tuples (the cache's findings)
    if tail is None:
        bad = [f"{x.rule}={x.status}" for x in r.rules if x.status != "pass"]
        tail = ctx.failing[id(r.rules)] = f" not passing: {', '.join(bad)}" if bad else ""
    return (
        f"{host} {r.status} backup={r.backup if text is None else text}"
        f"{'' if taken is None else f' @{stamp(taken)}'}"
        f"{'' if confirmed is None or confirmed == taken else f' confirmed @{stamp(confirmed)}'}"
        f"{tail}"
    )


def security_baseline(ctx: Context, s: SchoolEntry) -> SchoolResult:
    """Devices of the school whose newest running config passes every rule of its platform."""
    code = s.code
    get = ctx.baselines.get
    results = [r for host in ctx.hostnames(code) if (r := get(host)) is not None]
    if not results:
        return SchoolResult(
            code,
            "security_baseline",
            0,
            1,
            False,
            (
                Reason(
                    "no_devices", "清单中没有需检查基线的设备", "no devices to check in inventory"
                ),
            ),
        )
    passed = [r for r in results if r.passed]
    evidence = tuple(_baseline_line(ctx, r) for r in results)
    if len(passed) == len(results):
        return SchoolResult(
            code, "security_baseline", len(passed), len(results), True, (), evidence
        )
    reasons = [why for r in results if not r.passed for why in r.reasons]
    return SchoolResult(
        code, "security_baseline", len(passed), len(results), False, tuple(reasons), evidence
    )
