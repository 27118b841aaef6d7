"""A cache of baseline results by configuration content, so unchanged configs are not re-checked.

Backups are written daily, but a device's configuration rarely changes: the cache keys each
result by the SHA-256 of the configuration text and a fingerprint of its platform's rules (a rule
edit invalidates that platform's results), and remembers which file (path, size, mtime) had
which content, so a known file is not even read again. It is a JSON file (never pickle: the
folder may be shared), ``.netctl-baseline-cache.json`` in the backups folder by default;
entries of configurations no device uses any more are dropped when it is saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from netctl.compliance.baseline import Offending, RuleResult, RuleSet
from netctl.compliance.model import Reason

CACHE_FILE = ".netctl-baseline-cache.json"
VERSION = 3  # bump when the checker changes what it reports
Check = Callable[[str, RuleSet], Iterable[RuleResult]]


def fingerprint(ruleset: RuleSet) -> str:
    """A short hash of a platform's rules."""
    return hashlib.sha256(ruleset.model_dump_json().encode()).hexdigest()[:16]


def _dump(results: tuple[RuleResult, ...]) -> list[Any]:
    """Only the rules that do not pass (the others are the rule set's, passing)."""
    return [
        [r.rule, r.status,
         [[o.line, o.text, o.why.code, o.why.zh, o.why.en] for o in r.offending],
         [[m.code, m.zh, m.en] for m in r.missing]]
        for r in results if r.status != "pass"
    ]  # fmt: skip


def _load(items: list[Any], ruleset: RuleSet) -> tuple[RuleResult, ...]:
    bad = {item[0]: item for item in items}
    out = []
    for rule in ruleset.rules:
        item = bad.get(rule.id)
        if item is None:
            out.append(RuleResult(rule.id, rule.clause, rule.title, "pass"))
            continue
        _id, status, off, miss = item
        out.append(
            RuleResult(
                rule.id,
                rule.clause,
                rule.title,
                status,
                tuple(Offending(line, text, Reason(c, z, e)) for line, text, c, z, e in off),
                tuple(Reason(c, z, e) for c, z, e in miss),
            )
        )
    return tuple(out)


class BaselineCache:
    """Rule results by (rules fingerprint, content hash); file stat → content hash."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._results: dict[str, list[Any]] = {}
        self._files: dict[str, list[Any]] = {}
        self._used: set[str] = set()
        self._seen_files: set[str] = set()
        self._loaded: dict[str, tuple[RuleResult, ...]] = {}
        self._keys: dict[int, str] = {}
        self._by_findings: dict[tuple[str, str], tuple[RuleResult, ...]] = {}
        self._dirty = False
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == VERSION:
                    self._results = dict(data["results"])
                    self._files = dict(data["files"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._results, self._files = {}, {}

    def _rules_key(self, ruleset: RuleSet) -> str:
        """``<platform>:<fingerprint>`` of a rule set (computed once per run)."""
        found = self._keys.get(id(ruleset))
        if found is None:
            found = self._keys[id(ruleset)] = f"{ruleset.platform.value}:{fingerprint(ruleset)}"
        return found

    def check(self, path: Path, ruleset: RuleSet, run: Check,
              st: os.stat_result | None = None) -> tuple[RuleResult, ...]:
        """The results for the config at ``path``: cached, or ``run(text, ruleset)``.
        ``st``: the file's stat, when the caller has it already."""
        rules_key = self._rules_key(ruleset)
        if st is None:
            st = path.stat()
        name = str(path)
        self._seen_files.add(name)
        known = self._files.get(name)
        digest: str | None = None
        if known is not None and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            digest = str(known[2])
        text: str | None = None
        if digest is None:
            with open(name, "rb") as f:  # noqa: PTH123 - bytes: hashed as stored, then decoded
                raw = f.read()
            digest = hashlib.sha256(raw).hexdigest()
            # as Path.read_text would give it (its universal newlines change no line: the
            # checker splits on "\r\n" and "\r" too)
            text = raw.decode("utf-8", errors="replace")
            self._files[name] = [st.st_size, st.st_mtime_ns, digest]
            self._dirty = True
        key = f"{rules_key}:{digest}"
        self._used.add(key)
        loaded = self._loaded.get(key)
        if loaded is not None:
            return loaded
        cached = self._results.get(key)
        if cached is not None:
            # Configurations differ (hostnames, addresses) but their findings mostly do not:
            # results are shared by (rules, findings), not rebuilt per device.
            same = (rules_key, repr(cached))
            loaded = self._by_findings.get(same)
            if loaded is None:
                loaded = self._by_findings[same] = _load(cached, ruleset)
            self._loaded[key] = loaded
            return loaded
        if text is None:
            text = path.read_text(encoding="utf-8", errors="replace")
        results = tuple(run(text, ruleset))
        self._results[key] = _dump(results)
        self._loaded[key] = results
        self._dirty = True
        return results

    def save(self) -> None:
        """Write the cache (atomically) if anything changed; keep only what this run used."""
        if self.path is None or not self._dirty:
            return
        data = {
            "version": VERSION,
            "results": {k: v for k, v in self._results.items() if k in self._used},
            "files": {k: v for k, v in self._files.items() if k in self._seen_files},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:  # dumps: the C encoder, not dump's
                f.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            Path(tmp).replace(self.path)
        except OSError:
            return  # a cache that cannot be written only costs time next run
