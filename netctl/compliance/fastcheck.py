"""The baseline rules of a platform compiled once into one pass over a configuration (issue 17).

:func:`netctl.compliance.baseline.check_config` is the reference: it parses a configuration into
:class:`~netctl.compliance.baseline.Config` (every line a named tuple, every section's end) and
then runs each check on its own, looking its scopes and candidate lines up again each time.
:class:`CompiledRules` gives exactly the same results (``tests/unit/compliance/test_fastcheck.py``
compares both over every real and sample configuration) with less work per configuration:

* one loop over the lines keeps only their text, number and indentation, and indexes only the
  lines whose first word some check of the platform looks for;
* a section's end is found only for the headers a check looks in, and each section pattern's
  headers are found once per configuration, not once per check;
* a check that finds what it wants costs a few comparisons; reasons, masked lines and result
  tuples are built only for what does not pass (a passing rule's result is built once per
  platform).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from netctl.compliance.baseline import (
    Check,
    Line,
    Offending,
    RuleResult,
    RuleSet,
    Status,
    _banner_delimiter,
    _missing,
    _missing_value,
    _offending,
    _value,
    _why,
    line_keys,
)
from netctl.compliance.model import Reason

SHARE_VIEWS = True
"""Share results between configurations that agree on every line the rules read (benchmarks
switch it off to measure the worst case: every configuration different there)."""

_REQUIRE, _FORBID, _VALUE = 0, 1, 2
_KINDS = {"require": _REQUIRE, "forbid": _FORBID, "value": _VALUE}
_COMMENT = ("#", "!")
_Search = Callable[[str], "re.Match[str] | None"]


class _Plan(NamedTuple):
    """One check, ready to run."""

    kind: int
    search: _Search
    lead: str | None  # the one first word of the pattern, when there is exactly one
    leads: tuple[str, ...] | None  # every first word it allows (None: any line)
    section: int  # index of its section pattern, -1 for the whole configuration
    default_ok: bool  # value kind: the default complies (a missing line is fine)
    check: Check


class _Lines:
    """A configuration as :class:`CompiledRules` reads it (parallel lists, no tuple per line)."""

    __slots__ = ("breaks", "by_lead", "indents", "numbers", "texts")

    def __init__(self, text: str, words: frozenset[str], keys: dict[str, tuple[str, ...]],
                 seen: dict[str, tuple[str, int, tuple[str, ...]]] | None = None) -> None:
        """``keys``: a first word's index keys; ``seen``: a kept line's text, indentation and
        index keys by the line as written (configurations of a region share most of their
        lines; never a banner's line), both filled as lines are met."""
        texts: list[str] = []
        numbers: list[int] = []
        indents: list[int] = []
        breaks: list[int] = []
        by_lead: dict[str, list[int]] = {w: [] for w in words}
        known = keys.get
        memo = {} if seen is None else seen
        met = memo.get
        banners = "banner" in text.lower()  # else no line can open a multi-line banner
        delim: str | None = None
        n = 0
        for number, raw in enumerate(text.splitlines(), 1):
            if delim is None:
                hit = met(raw)
                if hit is not None:  # a line met before: as it was then
                    stripped, indent, found = hit
                    texts.append(stripped)
                    numbers.append(number)
                    indents.append(indent)
                    for key in found:
                        by_lead[key].append(n)
                    n += 1
                    continue
            stripped = raw.strip()
            if delim is not None:  # inside a multi-line banner: part of the banner line
                if delim in stripped:
                    delim = None
                continue
            if not stripped or stripped[0] in "#!":
                if raw.startswith(_COMMENT):
                    breaks.append(n)
                continue
            indent = len(raw) - len(raw.lstrip(" "))
            texts.append(stripped)
            numbers.append(number)
            indents.append(indent)
            word = stripped.split(None, 1)[0]
            lead = known(word)
            if lead is None:  # the words it is indexed under that some check looks for
                lead = keys[word] = tuple(k for k in line_keys(word) if k in words)
                if len(keys) > 100_000:  # bounded whatever the configurations hold
                    keys.clear()
            for key in lead:
                by_lead[key].append(n)
            if banners and stripped[:6].lower() == "banner":
                delim = _banner_delimiter(stripped)
            elif len(memo) < 50_000:  # bounded; a banner's first line is never remembered
                memo[raw] = (stripped, indent, lead)
            n += 1
        self.texts, self.numbers, self.indents = texts, numbers, indents
        self.breaks, self.by_lead = breaks, by_lead

    def end(self, header: int) -> int:
        """Index past the last line of the section that ``header`` opens: the next line
        indented no deeper, or the next separator in the first column."""
        stop = len(self.texts)
        for b in self.breaks:
            if b > header:
                stop = b
                break
        indent = self.indents[header]
        indents = self.indents
        for i in range(header + 1, stop):
            if indents[i] <= indent:
                return i
        return stop

    def candidates(self, leads: tuple[str, ...] | None) -> Sequence[int]:
        """Indexes of the lines whose first word is one of ``leads`` (None: every line)."""
        if leads is None:
            return range(len(self.texts))
        if len(leads) == 1:
            return self.by_lead[leads[0]]
        by_lead = self.by_lead  # a line may be under two of the words (line_keys): once
        return sorted({i for w in leads for i in by_lead[w]})

    def line(self, i: int) -> Line:
        return Line(self.numbers[i], self.indents[i], self.texts[i])


class CompiledRules:
    """A platform's rule set compiled for :meth:`check` (same results as ``check_config``)."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        section_ids: dict[str, int] = {}
        self._sections: list[tuple[_Search, tuple[str, ...] | None]] = []
        words: set[str] = set()
        self._rules: list[tuple[str, str, RuleResult, tuple[_Plan, ...]]] = []
        for rule in ruleset.rules:
            plans: list[_Plan] = []
            for c in rule.checks:
                section = -1
                if c.section is not None and c.section_regex is not None:
                    section = section_ids.get(c.section, -1)
                    if section < 0:
                        section = section_ids[c.section] = len(self._sections)
                        self._sections.append((c.section_regex.search, c.section_leads))
                        words.update(c.section_leads or ())
                words.update(c.leads or ())
                leads = c.leads
                plans.append(
                    _Plan(
                        _KINDS[c.kind],
                        c.regex.search,
                        leads[0] if leads is not None and len(leads) == 1 else None,
                        leads,
                        section,
                        c.kind == "value" and c.default is not None and c.in_range(c.default),
                        c,
                    )
                )
            passed = RuleResult(rule.id, rule.clause, rule.title, "pass", (), ())
            self._rules.append((rule.id, rule.clause, passed, tuple(plans)))
        self._titles = {rule.id: rule.title for rule in ruleset.rules}
        self._words = frozenset(words)
        self._keys: dict[str, tuple[str, ...]] = {}  # a line's first word → its index keys
        self._seen: dict[str, tuple[str, int, tuple[str, ...]]] = {}  # a line → _Lines' facts
        self._section_words = tuple(sorted({w for _s, leads in self._sections
                                            for w in leads or ()}))
        # The results depend only on the lines whose first word a check or section looks for
        # (their numbers and texts) and where the sections they open end, when no check reads
        # every line: configurations that agree there share their results (_view).
        self._memo: dict[tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...]],
                         list[RuleResult]] | None = (
            {} if all(p.leads is not None for _i, _c, _p, plans in self._rules for p in plans)
            and all(leads is not None for _s, leads in self._sections) else None
        )

    @property
    def views(self) -> int:
        """How many different views of configurations this process has checked."""
        return len(self._memo or ())

    def _view(self, cfg: _Lines) -> tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...]]:
        """What the checks read of a configuration: the numbers and texts of the lines with a
        first word they look for, and for each possible section header where its section ends
        (the number of the line that ends it; 0: the end of the configuration)."""
        by_lead, numbers, texts = cfg.by_lead, cfg.numbers, cfg.texts
        seen = sorted({i for found in by_lead.values() for i in found})
        whole = len(texts)
        ends = []
        for word in self._section_words:
            for h in by_lead[word]:
                end = cfg.end(h)
                ends.append(numbers[end] if end < whole else 0)
        return tuple([numbers[i] for i in seen]), tuple([texts[i] for i in seen]), tuple(ends)

    def check(self, text: str) -> list[RuleResult]:
        """Every rule of the platform on one configuration."""
        cfg = _Lines(text, self._words, self._keys, self._seen)
        memo = self._memo
        if memo is None or not SHARE_VIEWS:
            return self._check(cfg)
        view = self._view(cfg)
        found = memo.get(view)
        if found is None:
            if len(memo) >= 100_000:  # bounded: a region has ~10,000 configurations
                memo.clear()
            found = memo[view] = self._check(cfg)
        return list(found)

    def _check(self, cfg: _Lines) -> list[RuleResult]:
        """Every rule of the platform on one parsed configuration."""
        texts = cfg.texts
        by_lead = cfg.by_lead
        sections: list[list[tuple[int, int]] | None] = [None] * len(self._sections)
        results: list[RuleResult] = []
        for rule_id, clause, passed, plans in self._rules:
            ok_count = 0
            offending: list[Offending] = []
            missing: list[Reason] = []
            for plan in plans:
                kind, search, lead, _leads, section, _default_ok, check = plan
                if lead is not None and kind != _VALUE:
                    if section < 0:  # the usual case: a global command
                        if kind == _REQUIRE:
                            for i in by_lead[lead]:
                                if search(texts[i]):
                                    ok_count += 1
                                    break
                            else:
                                missing.append(_why(check, "missing"))
                        else:
                            found = [i for i in by_lead[lead] if search(texts[i])]
                            if found:
                                offending += [
                                    _offending(cfg.line(i), check, "forbidden") for i in found
                                ]
                            else:
                                ok_count += 1
                        continue
                    scopes = sections[section]
                    if scopes is None:
                        scopes = sections[section] = self._scopes(cfg, section)
                    if scopes:  # in each section (a line and its deeper lines)
                        before = len(offending)
                        candidates = by_lead[lead]
                        for h, end in scopes:
                            if kind == _REQUIRE:
                                for i in candidates:
                                    if h < i < end and search(texts[i]):
                                        break
                                else:
                                    offending += _missing(check, cfg.line(h))[0]
                            else:
                                offending += [
                                    _offending(cfg.line(i), check, "forbidden")
                                    for i in candidates
                                    if h < i < end and search(texts[i])
                                ]
                        ok_count += len(offending) == before
                        continue
                ok, off, miss = self._run(cfg, plan, sections)
                ok_count += ok
                offending += off
                missing += miss
            if ok_count == len(plans):
                results.append(passed)
                continue
            status: Status = "fail" if ok_count == 0 else "partial"
            offending.sort(key=lambda o: o.line)
            results.append(
                RuleResult(rule_id, clause, self._titles[rule_id], status, tuple(offending),
                           tuple(missing))
            )
        return results

    def _scopes(self, cfg: _Lines, section: int) -> list[tuple[int, int]]:
        """``(header, end)`` of every section whose header matches the section pattern."""
        search, leads = self._sections[section]
        texts = cfg.texts
        return [(h, cfg.end(h)) for h in cfg.candidates(leads) if search(texts[h])]

    def _run(self, cfg: _Lines, plan: _Plan,
             sections: list[list[tuple[int, int]] | None]) -> tuple[bool, list[Offending],
                                                                    list[Reason]]:
        """Any check (``baseline._run_check``, on the compiled form)."""
        check = plan.check
        texts = cfg.texts
        whole = len(texts)
        scopes: list[tuple[int, int]]  # (header, end): lines header+1 .. end-1
        if plan.section < 0:
            scopes = [(-1, whole)]
        else:
            found = sections[plan.section]
            if found is None:
                found = sections[plan.section] = self._scopes(cfg, plan.section)
            if not found:  # no section to look in
                if plan.kind == _FORBID or plan.default_ok:
                    return True, [], []
                return False, [], [
                    _why(check, "missing", f"（缺少配置段 {check.section}）",
                         f" (no section matching '{check.section}')")
                ]
            scopes = found
        offending: list[Offending] = []
        missing: list[Reason] = []
        search = plan.search
        candidates = cfg.candidates(plan.leads)
        for h, end in scopes:
            lines: Sequence[int]
            if h < 0:
                lines = candidates
            elif plan.leads is None:
                lines = range(h + 1, end)
            else:
                lines = [i for i in candidates if h < i < end]
            where = cfg.line(h) if h >= 0 else None
            if plan.kind == _FORBID:
                offending += [
                    _offending(cfg.line(i), check, "forbidden") for i in lines if search(texts[i])
                ]
            elif plan.kind == _REQUIRE:
                if not any(search(texts[i]) for i in lines):
                    off, miss = _missing(check, where)
                    offending += off
                    missing += miss
            else:
                matches = [(i, m) for i in lines if (m := search(texts[i])) is not None]
                if not matches and not plan.default_ok:
                    off, miss = _missing_value(check, where)
                    offending += off
                    missing += miss
                for i, m in matches:
                    value = _value(m)
                    if value is None or not check.in_range(value):
                        offending.append(_offending(cfg.line(i), check, "out_of_range"))
        return not offending and not missing, offending, missing


_COMPILED: dict[int, CompiledRules] = {}


def compiled(ruleset: RuleSet) -> CompiledRules:
    """The compiled form of a rule set (compiled once per rule set object)."""
    found = _COMPILED.get(id(ruleset))
    if found is None or found.ruleset is not ruleset:
        if len(_COMPILED) > 64:  # rule sets loaded again and again (tests): keep a few
            _COMPILED.clear()
        found = _COMPILED[id(ruleset)] = CompiledRules(ruleset)
    return found


def check_config_fast(text: str, ruleset: RuleSet) -> list[RuleResult]:
    """:func:`~netctl.compliance.baseline.check_config`, compiled: same results, less work."""
    return compiled(ruleset).check(text)
