"""The compiled rule engine (``netctl.compliance.fastcheck``) gives exactly what ``check_config``
gives: every rule's status, offending lines (number, masked text, reasons) and missing settings,
in the same order, on every configuration we have and on many made from them (issue 17).

The configurations: the public ones of tests/fixtures/real (not written by netctl), the
hand-written good/bad ones of the compliance tests, the generated sample's for every platform
with every defect and pair of defects, and each real one mutated (lines dropped, re-indented,
duplicated, comment and banner lines, CRLF, tabs, upper case) with a fixed seed.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from compliance_scenario import NOW, Scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.compliance import baseline, devices
from netctl.compliance.baseline import RuleSet, check_config, load_rules
from netctl.compliance.cache import CACHE_FILE, BaselineCache
from netctl.compliance.engine import compute_kpis
from netctl.compliance.fastcheck import CompiledRules, check_config_fast
from netctl.platforms import Platform
from netctl.state import StateStore
from netctl.testing.sample_evidence import DEFECTS, sample_config

REPO = Path(__file__).resolve().parents[3]
REAL = REPO / "tests" / "fixtures" / "real"
CONFIGS = Path(__file__).resolve().parent / "configs"
RULES = load_rules(REPO / "reports" / "rules")


def _files() -> list[tuple[str, Path]]:
    found = [(p.parent.name, p) for p in sorted(REAL.glob("*/*.cfg"))]
    found += [(p.stem.rsplit("_", 1)[0], p) for p in sorted(CONFIGS.glob("*.cfg"))]
    return found


def _same(text: str, ruleset: RuleSet) -> None:
    assert check_config_fast(text, ruleset) == check_config(text, ruleset)


def test_there_are_configurations_to_compare() -> None:
    platforms = {p for p, _ in _files()}
    assert platforms == set(RULES) and len(_files()) >= 25


@pytest.mark.parametrize(("platform", "path"), _files(), ids=lambda v: getattr(v, "name", v))
def test_real_and_handwritten_configs(platform: str, path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    fast = check_config_fast(text, RULES[platform])
    assert fast == check_config(text, RULES[platform])
    monkeypatch.setattr(baseline, "FIRST_WORD_INDEX", False)  # and the full scan
    assert fast == check_config(text, RULES[platform])


@pytest.mark.parametrize("platform", sorted(RULES))
def test_generated_sample_with_every_defect(platform: str) -> None:
    combos = [frozenset[str]()] + [frozenset(c) for n in (1, 2)
                                   for c in itertools.combinations(DEFECTS, n)]
    verdicts = set()
    for defects in combos:
        text = sample_config(Platform(platform), "nx640104-0001-gw1", defects)
        fast = check_config_fast(text, RULES[platform])
        assert fast == check_config(text, RULES[platform]), sorted(defects)
        verdicts.add(tuple(r.status for r in fast))
    assert len(verdicts) > 5  # the defects change the verdicts


def _mutate(text: str, rng: random.Random, pool: list[str]) -> str:
    lines = text.splitlines()
    out: list[str] = []
    for given in lines:
        line, roll = given, rng.random()
        if roll < 0.08:
            continue  # dropped
        if roll < 0.14:
            line = " " * rng.choice((0, 1, 2, 4)) + line.lstrip()  # re-indented
        elif roll < 0.18:
            out.append(line)  # duplicated
        elif roll < 0.21:
            out.append(rng.choice(("#", "!", " #", "  !", "", "   ")))  # separators, blanks
        elif roll < 0.23:
            line = line.upper()
        elif roll < 0.25:
            line = line.replace(" ", "\t", 1)
        elif roll < 0.30:
            line = rng.choice(pool)  # a line another configuration has
        elif roll < 0.31:
            out += ["banner motd ^C", "line vty 0 4", " transport input telnet", "^C"]
        out.append(line)
    sep = "\r\n" if rng.random() < 0.2 else "\n"
    return sep.join(out) + sep


@pytest.mark.parametrize("platform", sorted(RULES))
@pytest.mark.parametrize("index", [True, False], ids=["first-word-index", "full-scan"])
def test_mutated_configs(platform: str, index: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baseline, "FIRST_WORD_INDEX", index)
    rng = random.Random(f"fastcheck:{platform}")
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for q, p in _files() if q == platform]
    texts += [sample_config(Platform(platform), "h", frozenset(DEFECTS[:3]))]
    pool = sorted({line for t in texts for line in t.splitlines()})
    for text in texts:
        for _ in range(8):
            _same(_mutate(text, rng, pool), RULES[platform])


@pytest.mark.parametrize("platform", sorted(RULES))
def test_edge_cases(platform: str) -> None:
    ruleset = RULES[platform]
    for text in ("", "\n\n", "#\n!\n", "banner motd ^C\nunterminated\n", "return",
                 "user-interface vty 0 4\n idle-timeout 0 0\n#\nuser-interface con 0\n",
                 "line vty 0 4\n exec-timeout 30 0\n login\nline con 0\n",
                 "line vty 0 4\n\tlogin\n transport input all\n  exec-timeout 5\n"):
        _same(text, ruleset)


@pytest.mark.parametrize("platform", sorted(RULES))
def test_configs_that_differ_only_where_no_rule_looks(platform: str) -> None:
    """Configurations with the same lines that rules read share their results (the compiled
    rules remember them by that view): lines no rule reads, added at any depth, move the line
    numbers and where sections end, and each must still get its own, exact results."""
    rng = random.Random(f"view:{platform}")
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for q, p in _files() if q == platform]
    texts.append(sample_config(Platform(platform), "h", frozenset(DEFECTS)))
    for text in texts:
        lines = text.splitlines()
        for _ in range(12):
            out = list(lines)
            for _k in range(rng.randint(1, 4)):
                at = rng.randrange(len(out) + 1)
                out.insert(at, " " * rng.choice((0, 0, 1, 2, 3)) + "description not-read-by-rules")
            _same("\n".join(out) + "\n", RULES[platform])
        if len(lines) > 2:  # the same lines, one less deep: sections end elsewhere
            for i in rng.sample(range(len(lines)), min(len(lines), 6)):
                out = list(lines)
                out[i] = out[i].lstrip()
                _same("\n".join(out) + "\n", RULES[platform])


@pytest.mark.parametrize("platform", sorted(RULES))
def test_lines_met_before_read_as_by_a_fresh_checker(platform: str) -> None:
    """The compiled rules remember each line they met (its text, indentation, index keys): a
    line met in one configuration reads the same in the next, also where it stands inside a
    banner, right after one, or first appears as a banner's own line."""
    ruleset = RULES[platform]
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for q, p in _files() if q == platform]
    texts.append(sample_config(Platform(platform), "h", frozenset(DEFECTS[:2])))
    shared = CompiledRules(ruleset)
    for text in texts:
        lines = text.splitlines()
        half = len(lines) // 2
        bannered = [*lines[:half], "banner motd ^C", *lines[half:half + 5], "^C",
                    *lines[half:]]
        opened = [f"banner login {lines[0]}" if lines else "banner login x", *lines]
        for variant in (text, "\n".join(bannered) + "\n", "\n".join(opened) + "\n", text):
            expected = check_config(variant, ruleset)
            assert shared.check(variant) == expected
            assert CompiledRules(ruleset).check(variant) == expected
    assert shared._seen  # lines were remembered, and met again


@pytest.mark.parametrize("platform", sorted(RULES))
def test_cache_reads_files_as_read_text_would(platform: str, tmp_path: Path) -> None:
    """The cache reads bytes (hashed as stored) and decodes them itself: CRLF, lone CR and
    undecodable bytes give what ``Path.read_text`` (universal newlines) gives the checker."""
    ruleset = RULES[platform]
    text = sample_config(Platform(platform), "h", frozenset(DEFECTS[:4]))
    variants = {
        "crlf": text.replace("\n", "\r\n").encode(),
        "cr": text.replace("\n", "\r").encode(),
        "mixed": text.replace("\n", "\r\n", 5).replace("\n", "\r", 3).encode(),
        "bad-utf8": text.encode().replace(b"\n", b"\xff\xfe\n", 4),
    }
    store = BaselineCache(tmp_path / "cache.json")
    for name, data in variants.items():
        path = tmp_path / f"{name}.cfg"
        path.write_bytes(data)
        expected = tuple(check_config(path.read_text(encoding="utf-8", errors="replace"),
                                      ruleset))
        assert store.check(path, ruleset, check_config_fast) == expected, name


def test_whole_report_with_the_reference_checker(scenario: Scenario,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The KPI report of the hand-built scenario is the same, reasons and evidence included,
    whether the engine checks configurations with the compiled rules or with ``check_config``
    (cold: no cache, each run)."""

    def report() -> list[str]:
        (scenario.backups / CACHE_FILE).unlink(missing_ok=True)
        with StateStore(scenario.state_url) as store:
            r = compute_kpis(scenario.inv, scenario.targets, store=store, rules=scenario.rules,
                             backups_dir=scenario.backups, now=NOW, year=2026)
        return [repr(x) for x in (*r.kpis, *r.schools, *r.devices)]

    fast = report()
    monkeypatch.setattr(devices, "CHECK", check_config)
    assert report() == fast
    assert any("baseline_failed" in line for line in fast)  # the scenario has failing devices


_WORD_END_RULES = RuleSet.model_validate({
    "platform": "huawei_vrp",
    "rules": [
        {"id": "bounded", "title": {"zh": "词界", "en": "word boundary"}, "clause": "x",
         "requirement": {"zh": "x", "en": "x"},
         "checks": [
             {"kind": "forbid", "pattern": r"^aaa\b", "want": {"zh": "无 aaa", "en": "no aaa"}},
             {"kind": "forbid", "pattern": r"^snmp-agent\b.*public",
              "want": {"zh": "无 public", "en": "no public"}},
             {"kind": "forbid", "pattern": r"^(ntp|sftp)\b", "want": {"zh": "x", "en": "x"}},
             {"kind": "forbid", "pattern": r"^stelnet\s*x", "want": {"zh": "x", "en": "x"}},
             {"kind": "forbid", "pattern": r"^ftp ?server", "want": {"zh": "x", "en": "x"}},
             {"kind": "forbid", "pattern": r"^local-\b", "want": {"zh": "x", "en": "x"}},
             {"kind": "forbid", "pattern": r"^info(-center)?\s*x", "want": {"zh": "x", "en": "x"}},
             {"kind": "require", "section": r"^user-interface\b", "pattern": r"^idle\b",
              "want": {"zh": "x", "en": "x"}},
         ]},
    ],
})
"""Patterns whose first word ends at ``\\b`` (or at white space that may be absent)."""

_WORD_END_LINES = [
    "aaa-foo",                     # ^aaa\b: '-' ends the word for \b, not for a split at ' '
    "aaa.1",
    "aaa",
    "aaa_b",                       # '_' is a word character: no match
    "AAA/x",
    "snmp-agent-x community public",
    "snmp-agent\tcommunity public",  # a tab after the word
    "ſnmp-agent community public",   # IGNORECASE: ſ is s, K is k, ı and İ are i
    "ntp-service unicast-server 10.0.0.1",
    "sftp:server",
    "stelnetx",                    # ^stelnet\s*x: the white space may be absent
    "ftpserver enable",
    "local-user admin",            # ^local-\b: no boundary between '-' and 'u'
    "local- x",
    "info-centerx",
    "user-interface-x vty 0 4",
    " idle-timeout 5",
    "user-interface vty 0 4",
    " ıdle 5",
]


@pytest.mark.parametrize("line", _WORD_END_LINES)
def test_first_word_index_ends_words_where_the_regex_does(
    line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line the first-word index skips must be one no pattern matches: the full scan (no
    index) is the reference for both engines."""
    text = "sysname x\n" + line + "\n"
    fast = check_config_fast(text, _WORD_END_RULES)
    indexed = check_config(text, _WORD_END_RULES)
    monkeypatch.setattr(baseline, "FIRST_WORD_INDEX", False)
    full = check_config(text, _WORD_END_RULES)
    assert indexed == full
    assert fast == full


def test_first_word_index_on_real_rules_with_word_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every real rule's first word, followed by characters that end a word for ``\\b`` (or
    spelled with letters IGNORECASE folds to ASCII), in one configuration per platform."""
    for platform, ruleset in RULES.items():
        words = sorted({w for r in ruleset.rules for c in r.checks
                        for w in (c.leads or ()) + (c.section_leads or ())})
        lines = []
        for w in words:
            lines += [f"{w}-x on", f"{w}.1 on", f"{w}\tx", f"{w}/x", w.replace("s", "ſ", 1),
                      w.replace("k", "\u212a", 1), w.replace("i", "İ", 1) + " x"]
        text = "\n".join(lines) + "\n"
        fast = check_config_fast(text, ruleset)
        indexed = check_config(text, ruleset)
        with monkeypatch.context() as m:
            m.setattr(baseline, "FIRST_WORD_INDEX", False)
            full = check_config(text, ruleset)
        assert indexed == full, platform
        assert fast == full, platform
