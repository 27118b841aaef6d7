"""The security baseline checker: MLPS 2.0 (GB/T 22239-2019, level 3) device rules over configs.

Rules are data, one file per platform: ``reports/rules/<platform>.yaml``. A rule (SSH only, no
Telnet, SNMPv3 authPriv only, password policy, login-failure lockout, idle timeout, AAA, remote
syslog, NTP, banner) cites its clause and is a list of checks over the running configuration:

* ``require``: some line matches ``pattern`` (in every section whose header matches ``section``);
* ``forbid``: no line matches (every match is an offending line);
* ``value``: the number captured as ``(?P<v>…)`` (plus ``(?P<s>…)`` seconds, as minutes) lies
  within ``min``/``max``; with no line, the device uses ``default`` (none: the check fails).

A rule passes when all its checks pass, fails when none does, and is ``partial`` in between. A
device passes the ``security_baseline`` KPI when every rule of its platform passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from netctl.compliance.model import Reason
from netctl.compliance.redact import redact as redact  # noqa: PLC0414 - re-exported
from netctl.exceptions import ConfigError
from netctl.inventory.yamlio import YamlSyntaxError, read_yaml
from netctl.platforms import Platform

Status = Literal["pass", "partial", "fail"]
_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Text(BaseModel):
    """A sentence in Chinese and English."""

    model_config = _FROZEN
    zh: str
    en: str


class Check(BaseModel):
    """One test over the configuration lines."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))
    kind: Literal["require", "forbid", "value"]
    pattern: str = Field(
        description="Python regex, searched in each stripped line, case-insensitive"
    )
    section: str | None = Field(
        default=None, description="regex of section headers: the check applies inside each"
    )
    want: Text = Field(description="what a compliant configuration has, for reasons")
    min: float | None = None
    max: float | None = None
    default: float | None = Field(
        default=None, description="value kind: what the device uses when no line sets it"
    )

    @field_validator("pattern", "section")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                msg = f"not a valid regular expression: {exc}"
                raise ValueError(msg) from exc
        return value

    @model_validator(mode="after")
    def _value_group(self) -> Check:
        if self.kind == "value":
            if "(?P<v>" not in self.pattern:
                msg = "a value check captures its number as (?P<v>...)"
                raise ValueError(msg)
            if self.min is None and self.max is None:
                msg = "a value check needs min and/or max"
                raise ValueError(msg)
        elif self.min is not None or self.max is not None or self.default is not None:
            msg = f"min/max/default belong to value checks, not {self.kind}"
            raise ValueError(msg)
        return self

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern."""
        return re.compile(self.pattern, re.IGNORECASE)

    @cached_property
    def section_regex(self) -> re.Pattern[str] | None:
        """The compiled section pattern."""
        return re.compile(self.section, re.IGNORECASE) if self.section else None

    @cached_property
    def lead(self) -> str | None:
        """The literal first word the pattern requires, to look at only lines starting with it."""
        return _lead(self.pattern)

    @cached_property
    def section_lead(self) -> str | None:
        """The literal first word of the section pattern."""
        return _lead(self.section) if self.section else None

    @cached_property
    def leads(self) -> tuple[str, ...] | None:
        """The first words a line matching the pattern may start with (None: any)."""
        return _leads(self.pattern)

    @cached_property
    def section_leads(self) -> tuple[str, ...] | None:
        """The first words a section header may start with (None: any)."""
        return _leads(self.section) if self.section else None

    def in_range(self, v: float) -> bool:
        """True when ``v`` lies within ``min``/``max``."""
        return (self.min is None or v >= self.min) and (self.max is None or v <= self.max)


FIRST_WORD_INDEX = True
"""Look only at lines whose first word a pattern allows (tests compare with a full scan)."""


def _lead(pattern: str) -> str | None:
    """The first word a regex anchored at ``^`` requires, lower-cased, or None.

    Examples:
        >>> _lead(r"^snmp-agent community\\b"), _lead(r"^(telnet|undo) x"), _lead(r"^aaa$")
        ('snmp-agent', None, 'aaa')
    """
    found = re.match(r"\^([a-z][a-z0-9-]*)(\\s|\s|\$|\\b)", pattern)
    if found is None or not _ends_word(found.group(1), found.group(2), pattern[found.end():]):
        return None
    return found.group(1).lower()


def _ends_word(word: str, end: str, after: str) -> bool:
    """Does ``end`` (white space, ``$`` or ``\\b`` in a pattern, then ``after``) end ``word``
    where a line's first-word index ends it (:func:`line_keys`)? Not when it may be absent
    (``\\s*x``, `` ?x``; ``\\s*$`` still ends it), nor a ``\\b`` after a ``-`` (the boundary
    is then before a word character: ``local-\\b`` matches ``local-user``)."""
    if after[:1] in ("*", "?", "{") and not (after[:1] != "{" and after[1:2] == "$"):
        return False
    return not (end == "\\b" and word.endswith("-"))


_WORD_AND_OPTION = re.compile(r"\^([a-z][a-z0-9-]*)\((?:\?:)?( [^()|\\]*|-[a-z0-9-]+)\)\?")
_SPACE_OR_END = re.compile(r"(?: |\\s|\$)")


def _word_leads(pattern: str) -> tuple[str, ...] | None:
    """The first words of a pattern ``^word …``, or ``^word( …)? …`` (the option starts with a
    space: still ``word``), or ``^word(-more)? …`` (``word`` or ``word-more``); None otherwise.

    Examples:
        >>> _word_leads(r"^stelnet( ipv[46])? server enable\b"), _word_leads(r"^ntp(-service)? u")
        (('stelnet',), ('ntp', 'ntp-service'))
        >>> _word_leads(r"^ntp(-service)?\b"), _word_leads(r"^aaa$"), _word_leads(r"^ntp(-x)? ?y")
        (None, ('aaa',), None)
    """
    one = _lead(pattern)
    if one is not None:
        return (one,)
    found = _WORD_AND_OPTION.match(pattern)
    end = _SPACE_OR_END.match(pattern, found.end()) if found is not None else None
    if found is None or end is None or not _ends_word(found.group(1), end.group(0),
                                                      pattern[end.end():]):
        return None  # what follows the option must end the word when the option is absent
    word, option = found.group(1).lower(), found.group(2)
    return (word,) if option.startswith(" ") else tuple(sorted({word, word + option.lower()}))


_FOLD = {**{c: c + 32 for c in range(65, 91)}, 0x130: ord("i"), 0x131: ord("i"),
         0x17F: ord("s"), 0x212A: ord("k")}
"""Case folding for ASCII words, one character for one: A-Z, and the four non-ASCII letters
that Python's case-insensitive regexes match to an ASCII letter (İ ı ſ and the Kelvin sign; the
same table as ``netctl.config.masking``)."""

_KEYS: dict[str, tuple[str, ...]] = {}


def line_keys(word: str) -> tuple[str, ...]:
    """The first-word index keys of a line whose first word (up to white space) is ``word``:
    the word case-folded as the rules' case-insensitive patterns fold it, and each prefix of it
    that ends where ``\\b`` sees a word end (a non-word character after a word character), so
    that ``^aaa\\b`` finds ``aaa-foo`` and ``^snmp-agent\\b`` finds ``snmp-agent-x``
    (memoized: configurations share their first words).

    Examples:
        >>> line_keys("AAA-foo.1"), line_keys("ſnmp"), line_keys("local-"), line_keys("a_b")
        (('aaa-foo.1', 'aaa', 'aaa-foo'), ('snmp',), ('local-', 'local'), ('a_b',))
    """
    found = _KEYS.get(word)
    if found is None:
        key = word.lower() if word.isascii() else word.translate(_FOLD)
        keys = [key]
        if not key.isalnum():
            keys += [key[:i] for i in range(1, len(key))
                     if not _is_word(key[i]) and _is_word(key[i - 1])]
        if len(_KEYS) > 100_000:  # bounded whatever the configurations hold
            _KEYS.clear()
        found = _KEYS[word] = tuple(keys)
    return found


def _is_word(c: str) -> bool:
    """A character ``\\w`` matches (in a str pattern)."""
    return c.isalnum() or c == "_"


def _leads(pattern: str) -> tuple[str, ...] | None:
    """The first words a regex anchored at ``^`` allows, lower-cased: its :func:`_lead`, or
    each alternative's of a leading group ``^(a ...|b ...)``; None when any line may match.

    Examples:
        >>> _leads(r"^(telnet|undo) x"), _leads(r"^(?:no login|login)\\s*$")
        (('telnet', 'undo'), ('login', 'no'))
        >>> _leads(r"^(ntp|snmp)-server"), _leads(r"^(a x|b)? y"), _leads(r"^aaa$")
        (None, None, ('aaa',))
    """
    one = _word_leads(pattern)
    if one is not None:
        return one
    opening = re.match(r"\^\((?:\?:)?", pattern)
    if opening is None:
        return None
    alts: list[str] = []
    depth, i, start = 0, opening.end(), opening.end()
    while True:
        if i >= len(pattern):
            return None
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a class: skip to its end (']' first in a class is literal)
            j = i + 2 if pattern[i + 1:i + 2] in ("]", "^") else i + 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                alts.append(pattern[start:i])
                break
            depth -= 1
        elif c == "|" and depth == 0:
            alts.append(pattern[start:i])
            start = i + 1
        i += 1
    after = pattern[i + 1:]
    if after[:1] in ("?", "*", "+", "{"):
        return None  # the group may be absent or repeated: its words need not lead
    out: set[str] = set()
    for alt in alts:
        words = _word_leads("^" + alt)
        if words is None:  # a bare word ends where the group does: what follows must end it
            bare = re.fullmatch(r"([a-z][a-z0-9-]*)", alt)
            end = re.match(r"(?:\\s|\s|\$|\\b)", after)
            if bare is None or end is None or not _ends_word(
                bare.group(1), end.group(0), after[end.end():]
            ):
                return None
            words = (bare.group(1),)
        out.update(w.lower() for w in words)
    return tuple(sorted(out))


class Rule(BaseModel):
    """One baseline rule: what it checks, its GB/T 22239-2019 clause, its checks."""

    model_config = _FROZEN
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: Text
    clause: str = Field(description="GB/T 22239-2019 clause, e.g. '8.1.4.1 c)'")
    requirement: Text = Field(description="the clause's requirement, in short")
    checks: Annotated[list[Check], Field(min_length=1)]


class RuleSet(BaseModel):
    """The rules of one platform: ``reports/rules/<platform>.yaml``."""

    model_config = _FROZEN
    platform: Platform
    standard: str = "GB/T 22239-2019"
    rules: Annotated[list[Rule], Field(min_length=1)]

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for r in rules:
            if r.id in seen:
                msg = f"rule id '{r.id}' appears twice"
                raise ValueError(msg)
            seen.add(r.id)
        return rules


# -- configuration text ------------------------------------------------------------------------


class Line(NamedTuple):
    """One configuration line: 1-based number, indentation, text without surrounding spaces."""

    number: int
    indent: int
    text: str


@dataclass(slots=True)
class Config:
    """A running configuration split into lines, with sections (a line and its deeper lines)."""

    lines: list[Line]
    by_lead: dict[str, list[int]] = field(default_factory=dict)
    ends: list[int] = field(default_factory=list)  # index past the last child of each line

    @classmethod
    def parse(cls, text: str) -> Config:
        """Split a configuration; comments (``#``, ``!``) and banner bodies are not lines.

        A line's section is the nearest line above it with less indentation; a separator in
        the first column (``#`` on Huawei and H3C, ``!`` on Cisco and Ruijie) closes every
        section, so H3C's indented global commands after ``#`` belong to no section.
        """
        lines: list[Line] = []
        breaks: set[int] = set()
        delim: str | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            stripped = raw.strip()
            if delim is not None:  # inside a multi-line banner: part of the banner line
                if delim in stripped:
                    delim = None
                continue
            if not stripped or stripped.startswith(("#", "!")):
                if raw.startswith(("#", "!")):
                    breaks.add(len(lines))
                continue
            indent = len(raw) - len(raw.lstrip(" "))
            lines.append(Line(number, indent, stripped))
            if stripped[:6].lower() == "banner":
                delim = _banner_delimiter(stripped)
        cfg = cls(lines)
        stack: list[int] = []
        cfg.ends = [0] * len(lines)
        for i, line in enumerate(lines):
            if i in breaks:
                while stack:
                    cfg.ends[stack.pop()] = i
            while stack and lines[stack[-1]].indent >= line.indent:
                cfg.ends[stack.pop()] = i
            stack.append(i)
            for key in line_keys(line.text.split(None, 1)[0]):
                cfg.by_lead.setdefault(key, []).append(i)
        for j in stack:
            cfg.ends[j] = len(lines)
        return cfg

    def candidates(self, lead: str | tuple[str, ...] | None, start: int = 0,
                   end: int | None = None) -> Iterable[int]:
        """Indexes of lines in ``[start, end)`` that may match a pattern with this first word
        (or one of these), in order."""
        stop = len(self.lines) if end is None else end
        if lead is None:
            return range(start, stop)
        if isinstance(lead, str):
            return (i for i in self.by_lead.get(lead, ()) if start <= i < stop)
        if len(lead) == 1:
            return (i for i in self.by_lead.get(lead[0], ()) if start <= i < stop)
        by_lead = self.by_lead  # a line may be under two of the words (line_keys): once
        return sorted({i for word in lead for i in by_lead.get(word, ()) if start <= i < stop})

    def sections(self, regex: re.Pattern[str],
                 lead: str | tuple[str, ...] | None = None) -> list[int]:
        """Indexes of lines that match ``regex`` (whose first word is ``lead``): the headers of
        the sections to look in."""
        lines = self.lines
        return [i for i in self.candidates(lead) if regex.search(lines[i].text)]


def _banner_delimiter(text: str) -> str | None:
    """The closing delimiter of a multi-line ``banner`` (Cisco, Ruijie), or None.

    Examples:
        >>> _banner_delimiter("banner login ^C")
        '^C'
        >>> _banner_delimiter("banner motd #Authorized use only#") is None
        True
    """
    found = re.match(r"banner \S+ (\^C|\S)(.*)$", text, re.IGNORECASE)
    if not found:
        return None
    delim, rest = found.group(1), found.group(2)
    return None if delim in rest else delim


# -- results -----------------------------------------------------------------------------------


class Offending(NamedTuple):
    """A configuration line that breaks a rule (or the section header a required line lacks)."""

    line: int
    text: str
    why: Reason


class RuleResult(NamedTuple):
    """One rule on one configuration (a named tuple: a region holds ~100,000 of them)."""

    rule: str
    clause: str
    title: Text
    status: Status
    offending: tuple[Offending, ...] = ()
    missing: tuple[Reason, ...] = ()

    @property
    def reasons(self) -> list[Reason]:
        """Every offending line and missing setting, as reasons."""
        return [o.why for o in self.offending] + list(self.missing)


def _why(check: Check, code: str, detail_zh: str = "", detail_en: str = "") -> Reason:
    return Reason(code, check.want.zh + detail_zh, check.want.en + detail_en)


def _scopes(cfg: Config, check: Check) -> list[tuple[int, int, Line | None]] | None:
    """Where a check looks: ``(start, end, section header)`` ranges; None when no section
    matches the check's ``section``."""
    if check.section_regex is None:
        return [(0, len(cfg.lines), None)]
    headers = cfg.sections(check.section_regex,
                           check.section_leads if FIRST_WORD_INDEX else None)
    if not headers:
        return None
    return [(h + 1, cfg.ends[h], cfg.lines[h]) for h in headers]


def _offending(
    line: Line, check: Check, code: str, zh: str = "：{}", en: str = ": {}"
) -> Offending:
    """An offending line, shown with its secrets masked."""
    shown = redact(line.text)
    return Offending(line.number, shown, _why(check, code, zh.format(shown), en.format(shown)))


def _missing(
    check: Check, where: Line | None, zh: str = "", en: str = ""
) -> tuple[list[Offending], list[Reason]]:
    """A required line or value is absent: blame the section header, or report it missing."""
    if where is None:
        return [], [_why(check, "missing", zh, en)]
    return [
        _offending(where, check, "missing", f"{zh}（{{}} 下缺少）", f"{en} (missing under {{}})")
    ], []


def _missing_value(check: Check, where: Line | None) -> tuple[list[Offending], list[Reason]]:
    """A value check whose line is absent: not set, or its default does not comply."""
    if check.default is None:
        return _missing(check, where, "（未配置）", " (not set)")
    return _missing(check, where, f"（默认值 {check.default:g} 不符合）",
                    f" (default {check.default:g} does not comply)")


def _run_check(cfg: Config, check: Check) -> tuple[bool, list[Offending], list[Reason]]:
    """Apply one check: (ok, offending lines, missing settings)."""
    lines = cfg.lines
    scopes = _scopes(cfg, check)
    if scopes is None:  # no section to look in
        if check.kind == "forbid" or (
            check.kind == "value" and check.default is not None and check.in_range(check.default)
        ):
            return True, [], []
        return (
            False,
            [],
            [
                _why(
                    check,
                    "missing",
                    f"（缺少配置段 {check.section}）",
                    f" (no section matching '{check.section}')",
                )
            ],
        )
    offending: list[Offending] = []
    missing: list[Reason] = []
    search = check.regex.search
    leads = check.leads if FIRST_WORD_INDEX else None
    whole = len(lines)
    for start, end, where in scopes:
        if leads is not None and len(leads) == 1 and start == 0 and end == whole:
            # the usual case, a global command: only the lines with its first word
            found = [lines[i] for i in cfg.by_lead.get(leads[0], ()) if search(lines[i].text)]
        elif leads is None:
            found = [line for line in lines[start:end] if search(line.text)]
        else:
            found = [lines[i] for i in cfg.candidates(leads, start, end) if search(lines[i].text)]
        if check.kind == "forbid":
            offending += [_offending(line, check, "forbidden") for line in found]
        elif check.kind == "require":
            if not found:
                off, miss = _missing(check, where)
                offending += off
                missing += miss
        else:
            if not found and (check.default is None or not check.in_range(check.default)):
                off, miss = _missing_value(check, where)
                offending += off
                missing += miss
            for line in found:
                value = _value(check.regex.search(line.text))
                if value is None or not check.in_range(value):
                    offending.append(_offending(line, check, "out_of_range"))
    return not offending and not missing, offending, missing


def _value(found: re.Match[str] | None) -> float | None:
    if found is None:
        return None
    groups = found.groupdict()
    try:
        value = float(groups["v"])
        if groups.get("s"):
            value += float(groups["s"]) / 60
    except (TypeError, ValueError):
        return None
    return value


def check_config(text: str, ruleset: RuleSet) -> list[RuleResult]:
    """Every rule of a platform on one configuration."""
    cfg = Config.parse(text)
    results: list[RuleResult] = []
    for rule in ruleset.rules:
        ok_count = 0
        offending: list[Offending] = []
        missing: list[Reason] = []
        for check in rule.checks:
            ok, off, miss = _run_check(cfg, check)
            ok_count += ok
            offending += off
            missing += miss
        status: Status = (
            "pass" if ok_count == len(rule.checks) else "fail" if ok_count == 0 else "partial"
        )
        offending.sort(key=lambda o: o.line)
        results.append(
            RuleResult(rule.id, rule.clause, rule.title, status, tuple(offending), tuple(missing))
        )
    return results


def load_rules(rules_dir: Path) -> dict[str, RuleSet]:
    """Read every ``<platform>.yaml`` of the rules folder, by platform name.

    Raises:
        ConfigError: a file is not YAML, fails validation, or names another platform.
    """
    out: dict[str, RuleSet] = {}
    if not rules_dir.is_dir():
        msg = (
            f"no baseline rules folder at {rules_dir}: copy reports/rules/ from netctl's repository"
        )
        raise ConfigError(msg)
    problems: list[str] = []
    for path in sorted(rules_dir.glob("*.yaml")):
        try:
            ruleset = RuleSet.model_validate(read_yaml(path))
        except YamlSyntaxError as exc:
            problems.append(str(exc))
            continue
        except ValidationError as exc:
            problems += [
                f"{path}: {'.'.join(str(p) for p in e['loc'])}: "
                f"{e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            ]
            continue
        if ruleset.platform.value != path.stem:
            problems.append(
                f"{path}: declares platform {ruleset.platform.value}; "
                f"name the file {ruleset.platform.value}.yaml"
            )
            continue
        out[ruleset.platform.value] = ruleset
    if problems:
        raise ConfigError("invalid baseline rules: " + "; ".join(problems))
    return out
