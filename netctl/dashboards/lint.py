"""Checks of generated dashboards and provisioning files against Grafana's models.

``build`` refuses to write a bundle with problems; the tests run these checks on every generated
dashboard and feed them broken ones to prove each check bites.

Examples:
    >>> variables_used('SELECT 1 WHERE "a" =~ /^$county$/ AND $timeFilter AND ${school:regex}')
    ['county', 'timeFilter', 'school']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from netctl.dashboards.panels import SCHEMA_VERSION, BuiltDashboard
from netctl.dashboards.query import DATASOURCE_TYPE, DATASOURCE_UID, EXPR_UID

# Grafana's variable syntax: $name, [[name]], ${name}, ${name:format}, ${name.path}
VARIABLE_RE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")
BUILTINS = frozenset({
    "timeFilter", "__interval", "__interval_ms", "interval", "__range", "__range_s",
    "__range_ms", "__from", "__to", "__url_time_range", "__field", "__value", "__data",
    "__series", "__all", "__dashboard", "__org", "__user", "__rate_interval", "__timezone",
})
ALERT_BUILTINS = frozenset({"timeFilter", "__interval", "__interval_ms", "interval"})
UNITS_NEEDED = frozenset({"timeseries", "stat", "bargauge", "table", "gauge", "piechart"})
STATES = frozenset({"OK", "NoData", "Alerting", "Error", "KeepLast"})
DURATION_RE = re.compile(r"^(\d+[smhd])+$|^0$")
UID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
ALIAS_TAG_RE = re.compile(r"\$tag_(\w+)")


def variables_used(text: str) -> list[str]:
    """Names of the template variables a text refers to, in order."""
    out = []
    for m in VARIABLE_RE.finditer(text):
        name = m.group(1) or m.group(2) or m.group(4)
        if name:
            out.append(name)
    return out


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if k != "alias":  # alias patterns ($tag_x, $col) are not variables
                yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def lint_dashboard(model: Mapping[str, Any], datasource_uids: Iterable[str]) -> list[str]:
    """Problems of one dashboard JSON model (empty when none)."""
    uid = str(model.get("uid", "?"))
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(f"{uid}: {msg}")

    known_ds = {*datasource_uids, EXPR_UID}
    if model.get("schemaVersion") != SCHEMA_VERSION:
        bad(f"schemaVersion {model.get('schemaVersion')!r}, expected {SCHEMA_VERSION}")
    if not UID_RE.match(uid):
        bad("uid must be 1-40 characters of letters, digits, - and _")
    if not model.get("title"):
        bad("no title")
    templating = model.get("templating", {}).get("list", [])
    defined = {v.get("name") for v in templating}
    for v in templating:
        ds = v.get("datasource")
        if v.get("type") == "query" and (not ds or ds.get("uid") not in known_ds):
            bad(f"variable {v.get('name')}: datasource {ds!r} is not provisioned")
        for used in variables_used(str(v.get("query", ""))):
            if used not in defined and used not in BUILTINS:
                bad(f"variable {v.get('name')} uses undefined variable ${used}")
    panels = model.get("panels", [])
    ids: dict[int, str] = {}
    boxes: list[tuple[int, int, int, int, str]] = []
    for p in panels:
        title = str(p.get("title", "?"))
        pid = p.get("id")
        if not isinstance(pid, int):
            bad(f"panel {title!r} has no integer id")
        elif pid in ids:
            bad(f"panel id {pid} used by {ids[pid]!r} and {title!r}")
        else:
            ids[pid] = title
        g = p.get("gridPos") or {}
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if not all(isinstance(n, int) for n in (x, y, w, h)):
            bad(f"panel {title!r}: gridPos incomplete {g}")
            continue
        assert isinstance(x, int) and isinstance(y, int)  # noqa: S101 - checked above
        assert isinstance(w, int) and isinstance(h, int)  # noqa: S101
        if x < 0 or y < 0 or w < 1 or h < 1 or x + w > 24:
            bad(f"panel {title!r}: gridPos {g} outside the 24-column grid")
        for ox, oy, ow, oh, other in boxes:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                bad(f"panel {title!r} overlaps {other!r}")
        boxes.append((x, y, w, h, title))
        if p.get("type") == "row":
            continue
        problems.extend(f"{uid}: panel {title!r}: {m}" for m in _lint_panel(p, known_ds))
        for text in _strings({k: v for k, v in p.items() if k != "targets"}):
            for used in variables_used(text):
                if used not in defined and used not in BUILTINS:
                    bad(f"panel {title!r} uses undefined variable ${used}")
        for t in p.get("targets", []):
            if (t.get("datasource") or {}).get("uid") == EXPR_UID:
                continue  # $A in an expression names a query, not a variable
            for text in _strings(t):
                for used in variables_used(text):
                    if used not in defined and used not in BUILTINS:
                        bad(f"panel {title!r} target {t.get('refId')} uses undefined "
                            f"variable ${used}")
    return problems


def _lint_panel(p: Mapping[str, Any], known_ds: set[str]) -> list[str]:
    out: list[str] = []
    ds = p.get("datasource") or {}
    if ds.get("uid") not in known_ds:
        out.append(f"datasource {ds!r} is not provisioned")
    targets = p.get("targets") or []
    if not targets:
        out.append("no query")
    refs = [t.get("refId") for t in targets]
    if len(set(refs)) != len(refs):
        out.append(f"duplicate refIds {refs}")
    for t in targets:
        tds = t.get("datasource") or ds
        if tds.get("uid") not in known_ds:
            out.append(f"target {t.get('refId')}: datasource {tds!r} is not provisioned")
        if tds.get("uid") == EXPR_UID:
            for ref in re.findall(r"\$(\w+)", str(t.get("expression", ""))):
                if ref not in refs:
                    out.append(f"expression {t.get('refId')} refers to missing query ${ref}")
            continue
        if tds.get("type") != DATASOURCE_TYPE or not t.get("rawQuery") or not t.get("query"):
            out.append(f"target {t.get('refId')}: not a raw InfluxQL query")
            continue
        alias = str(t.get("alias", ""))
        groups = " ".join(re.split(r"GROUP BY", str(t["query"]), flags=re.IGNORECASE)[1:])
        for tag in ALIAS_TAG_RE.findall(alias):
            if f'"{tag}"' not in groups:
                out.append(f"target {t.get('refId')}: alias uses $tag_{tag}, not grouped by it")
    unit = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
    if p.get("type") in UNITS_NEEDED and not unit:
        out.append("no unit")
    return out


def lint_provisioning(datasources: Mapping[str, Any], providers: Mapping[str, Any],
                      alerting: Mapping[str, Any]) -> list[str]:
    """Problems of the three provisioning files (shape of Grafana's file provisioning)."""
    out: list[str] = []
    for name, doc in (("datasources", datasources), ("dashboards", providers),
                      ("alerting", alerting)):
        if doc.get("apiVersion") != 1:
            out.append(f"{name}: apiVersion must be 1")
    uids = set()
    for ds in datasources.get("datasources", []):
        for key in ("name", "type", "uid", "url", "access"):
            if not ds.get(key):
                out.append(f"datasource {ds.get('name')}: missing {key}")
        if ds.get("access") not in ("proxy", "direct"):
            out.append(f"datasource {ds.get('name')}: access must be proxy or direct")
        uids.add(ds.get("uid"))
    if DATASOURCE_UID not in uids:
        out.append(f"datasources: {DATASOURCE_UID} is not provisioned")
    for pr in providers.get("providers", []):
        if pr.get("type") != "file" or not str(pr.get("options", {}).get("path", "")).startswith(
                "/"):
            out.append(f"dashboard provider {pr.get('name')}: needs type file and an absolute "
                       "options.path")
    for g in alerting.get("groups", []):
        for key in ("orgId", "name", "folder", "interval"):
            if not g.get(key):
                out.append(f"alert group {g.get('name')}: missing {key}")
        if not DURATION_RE.match(str(g.get("interval", ""))):
            out.append(f"alert group {g.get('name')}: interval {g.get('interval')!r}")
        for r in g.get("rules", []):
            out.extend(f"alert {r.get('uid')}: {m}" for m in _lint_rule(r, uids))
    return out


def _lint_rule(r: Mapping[str, Any], uids: set[str]) -> list[str]:
    out: list[str] = []
    if not UID_RE.match(str(r.get("uid", ""))):
        out.append("uid must be 1-40 characters of letters, digits, - and _")
    for key in ("title", "condition", "data"):
        if not r.get(key):
            out.append(f"missing {key}")
    refs = [d.get("refId") for d in r.get("data", [])]
    if r.get("condition") not in refs:
        out.append(f"condition {r.get('condition')!r} is not one of {refs}")
    for d in r.get("data", []):
        model = d.get("model") or {}
        if d.get("datasourceUid") not in {*uids, EXPR_UID}:
            out.append(f"{d.get('refId')}: datasource {d.get('datasourceUid')!r} unknown")
        if model.get("refId") != d.get("refId"):
            out.append(f"{d.get('refId')}: model refId differs")
        rtr = d.get("relativeTimeRange") or {}
        if d.get("datasourceUid") != EXPR_UID and not rtr.get("from"):
            out.append(f"{d.get('refId')}: no relativeTimeRange")
        if d.get("datasourceUid") == EXPR_UID:
            if model.get("expression") not in refs:
                out.append(f"{d.get('refId')}: expression {model.get('expression')!r} unknown")
        else:
            for used in variables_used(str(model.get("query", ""))):
                if used not in ALERT_BUILTINS:
                    out.append(f"{d.get('refId')}: ${used} has no value in alerting")
    if not DURATION_RE.match(str(r.get("for", ""))):
        out.append(f"for {r.get('for')!r} is not a duration")
    for key in ("noDataState", "execErrState"):
        if r.get(key) not in STATES:
            out.append(f"{key} {r.get(key)!r}")
    return out


def lint_bundle(dashboards: Sequence[BuiltDashboard], datasources: Mapping[str, Any],
                providers: Mapping[str, Any], alerting: Mapping[str, Any]) -> list[str]:
    """Problems of everything ``build`` writes."""
    uids = [str(d.get("uid")) for d in datasources.get("datasources", [])]
    problems = lint_provisioning(datasources, providers, alerting)
    seen: set[str] = set()
    for d in dashboards:
        if d.uid in seen:
            problems.append(f"{d.uid}: duplicate dashboard uid")
        seen.add(d.uid)
        problems.extend(lint_dashboard(d.model, uids))
    return problems
