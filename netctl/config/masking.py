"""Masking of secrets in device configurations, per platform, from ``templates/masking.yaml``.

Three passes over every line, each replacing a secret by ``<masked>``:

1. **tokens**: secret-shaped tokens (Huawei ``%^%#…%^%#``, H3C ``$c$3$…``, crypt ``$9$…``…),
   wherever they appear;
2. the **platform's rules** (every platform's when the platform is unknown): a regex per command
   form whose named groups ``secret``/``secret2`` are masked (``snmp-agent community read …``,
   ``ntp authentication-key 1 md5 …``, ``security wpa psk set-key ascii 0 …``);
3. the built-in **keyword rule** (:data:`KEYWORD`), a second net for forms no rule names.

A value that is a netctl placeholder (``<secret:…>``, ``<prompt:…>``, ``<masked>``) or one of the
file's ``not_secret`` words (``password expire 90``, ``password policy``) is left alone.

Examples:
    >>> m = Masking.builtin()
    >>> m.mask("snmp-server community s3cret RO")
    'snmp-server community <masked> RO'
    >>> m.mask(" local-user a password irreversible-cipher $1c$abc$")
    ' local-user a password irreversible-cipher <masked>'
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netctl.config.diff import Diff
from netctl.exceptions import ConfigError

MASK = "<masked>"
FILE = "masking.yaml"

KEYWORD = re.compile(
    r"(?P<key>\b(?:password|secret|key|community|shared-key|pre-shared-key|preshared-key|"
    r"pass-phrase|passphrase|auth-key|priv-key|authentication-mode\s+(?:md5|sha\S*)|"
    r"privacy-mode\s+(?:aes\S*|des\S*|3des)|auth\s+(?:md5|sha\S*)|priv\s+(?:aes(?:\s+\d+)?|des\S*))"
    r"(?:\s+(?:cipher|irreversible-cipher|simple|hash|encrypted|plain|[0-9]))?)\s+(?P<value>\S+)",
    re.IGNORECASE,
)
"""The built-in keyword rule: a secret keyword, an optional encoding word, the value."""

NOT_SECRET = frozenset({
    "level", "privilege", "ssh", "telnet", "terminal", "service-type", "policy", "encryption",
    "aaa", "local", "group", "expire", "history", "control", "recovery", "role", "read",
    "write", "authentication", "accounting", "authorization", "ascii", "hex", "md5", "sha",
    "sha1", "sha256", "sha-256", "hmac-md5", "hmac-sha256", "hmac-sha-256", "aes", "aes128",
    "aes256", "des", "des56", "3des", "cipher", "simple", "hash", "irreversible-cipher",
    "generate", "chain", "config-key", "zeroize", "exchange", "mode", "min-length",
    "min-size", "strong", "change", "alert-before-expire", "unchanged", "mib-view", "acl",
    "pass-phrase", "raw-key", "set-key", "string", "lifetime", "prompt", "new-format", "both",
    "extended", "standard", "none", "additive", "internet", "no-export", "no-advertise",
    "local-as",
})
"""Words that follow a secret keyword without being a secret (``password expire 90``)."""


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1)]
    regex: Annotated[str, Field(min_length=1)]


class _File(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    tokens: list[_Rule] = Field(default_factory=list)
    not_secret: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Masking:
    """Compiled masking rules."""

    tokens: tuple[re.Pattern[str], ...] = ()
    rules: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    keep: frozenset[str] = NOT_SECRET
    _memo: dict[str | None, tuple[tuple[re.Pattern[str], ...], _Scan]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def builtin(cls) -> Masking:
        """Only the keyword rule (no file)."""
        return cls()

    @classmethod
    def load(cls, templates_dir: Path) -> Masking:
        """``<templates>/masking.yaml`` (cached per path and modification time)."""
        path = templates_dir / FILE
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            msg = f"{path}: missing (the secret forms to mask per platform); restore it from git"
            raise ConfigError(msg) from None
        with _LOCK:
            hit = _CACHE.get(path)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        masking = cls._parse(path)
        with _LOCK:
            _CACHE[path] = (stamp, masking)
        return masking

    @classmethod
    def _parse(cls, path: Path) -> Masking:
        from netctl.inventory.yamlio import read_yaml

        try:
            data = _File.model_validate(read_yaml(path) or {})
            rules: dict[str, tuple[re.Pattern[str], ...]] = {}
            for platform, items in (data.model_extra or {}).items():
                parsed = [_Rule.model_validate(i) for i in items or []]
                rules[str(platform)] = tuple(_compile(path, f"{platform}: {r.name}", r.regex)
                                             for r in parsed)
            tokens = tuple(_compile(path, f"tokens: {r.name}", r.regex) for r in data.tokens)
        except (ValidationError, TypeError) as exc:
            msg = f"{path}: {exc} (fix: each platform is a list of {{name, regex}})"
            raise ConfigError(msg) from None
        return cls(tokens, rules, NOT_SECRET | {w.lower() for w in data.not_secret})

    # -- masking ----------------------------------------------------------------------------
    def mask(self, text: str, platform: str | None = None) -> str:
        """``text`` with every secret replaced by ``<masked>``.

        Only the lines a rule could touch go through the three passes: a rule's match holds
        one of the literal words its regex requires (``snmp-agent community``, ``password``,
        ``%^%#``…, found by :func:`_needles`), so the lines holding none of them are left as
        they are without running the rule. The lines are found with ``str.find`` over the whole
        text (case-folded for the case-insensitive keyword rule when the text is ASCII; a
        regex without such words, or a case-insensitive one on non-ASCII text, is searched in
        multi-line mode instead: a match within a line matches there in the whole text too,
        and one running over a line end marks each line it touches). The lines found are a
        superset of those any rule changes, and each is masked exactly as on its own. A
        config's secrets are a few lines in hundreds.
        """
        rules, scan = self._compiled(platform)
        lines = text.split("\n")
        if len(lines) < _SCAN_FROM:
            return "\n".join(self._line(line, rules) for line in lines)
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        folded: str | None = None
        if any(icase for _, _, icase in scan):  # the case-insensitive keyword rule
            folded = text.lower() if text.isascii() else text.translate(_FOLD)
        touched: set[int] = set()
        for rx, needles, icase in scan:
            hay = folded if icase else text
            if needles is None or hay is None:
                for m in rx.finditer(text):
                    first = bisect_right(starts, m.start()) - 1
                    last = bisect_right(starts, max(m.end() - 1, m.start())) - 1
                    touched.update(range(first, last + 1))
                continue
            for needle in needles:
                at = hay.find(needle)
                while at >= 0:
                    touched.add(bisect_right(starts, at) - 1)
                    at = hay.find(needle, at + 1)
        for i in touched:
            lines[i] = self._line(lines[i], rules)
        return "\n".join(lines)

    def mask_lines(self, lines: Sequence[str], platform: str | None = None) -> list[str]:
        """:meth:`mask` of each line (one pass over them all when none holds a newline)."""
        if len(lines) < _SCAN_FROM or any("\n" in line for line in lines):
            return [self.mask(line, platform) for line in lines]
        return self.mask("\n".join(lines), platform).split("\n")

    def _compiled(self, platform: str | None) -> tuple[tuple[re.Pattern[str], ...], _Scan]:
        """The platform's rules, and how the whole-text scan finds each regex's lines."""
        key = platform if platform is not None and platform in self.rules else None
        hit = self._memo.get(key)
        if hit is None:
            if key is not None:
                rules = tuple(self.rules[key])
            else:
                rules = tuple(r for group in self.rules.values() for r in group)
            scan = tuple(
                (re.compile(r.pattern, r.flags | re.MULTILINE), _needles(r),
                 bool(r.flags & re.IGNORECASE))
                for r in (*self.tokens, *rules, KEYWORD))
            hit = self._memo[key] = (rules, scan)
        return hit

    def mask_tokens(self, text: str) -> str:
        """Only the secret-shaped tokens (for error messages: prose says "key" and "password"
        in other senses; clear secrets a push filled in are masked where it sends them)."""
        for token in self.tokens:
            text = token.sub(MASK, text)
        return text

    def _line(self, line: str, rules: tuple[re.Pattern[str], ...]) -> str:
        if not line.strip():
            return line
        for token in self.tokens:
            line = token.sub(MASK, line)
        spans: list[tuple[int, int]] = []  # every rule sees the same line; spans are merged
        for rule in rules:
            for m in rule.finditer(line):
                spans += [m.span(g) for g, v in m.groupdict().items()
                          if g.startswith("secret") and v and self._secret(v)]
        for a, b in reversed(_merge(spans)):
            line = line[:a] + MASK + line[b:]
        return KEYWORD.sub(self._keyword, line)

    def _secret(self, value: str) -> bool:
        placeholder = value.startswith("<") and value.endswith(">")
        return not placeholder and value.lower() not in self.keep

    def _keyword(self, m: re.Match[str]) -> str:
        value = m["value"]
        if not self._secret(value):
            return m[0]
        if value.isdigit() and len(value) <= 3 and not m.string[m.end():].strip():
            return m[0]  # a key chain's ``key 1``: an index, not a secret
        return f"{m['key']} {MASK}"


_Scan = tuple[tuple[re.Pattern[str], tuple[str, ...] | None, bool], ...]
"""Per regex: its multi-line form, the literal words one of which each match holds (lower
case when the regex ignores case), whether it ignores case."""

_FOLD = {**{c: c + 32 for c in range(65, 91)}, 0x130: ord("i"), 0x131: ord("i"),
         0x17F: ord("s"), 0x212A: ord("k")}
"""Case folding for ASCII words, one character for one: A-Z, and the four non-ASCII letters
that Python's case-insensitive regexes match to an ASCII letter (İ ı ſ and the Kelvin sign)."""

_SCAN_FROM = 8
"""Texts of fewer lines are masked line by line (the whole-text scan pays from a few lines)."""

_LOCK = threading.Lock()
_CACHE: dict[Path, tuple[int, Masking]] = {}


def mask_diff(masking: Masking, diff: Diff) -> Diff:
    """A copy of ``diff`` for people and records: every line that came from the running config
    (removed, refused, remediation negations) with its secrets masked. Never send it."""
    from dataclasses import replace

    p = diff.platform.value
    return replace(
        diff,
        remediation=masking.mask_lines(diff.remediation, p),
        running_scoped=masking.mask(diff.running_scoped, p),
        removed=tuple(masking.mask_lines(diff.removed, p)),
        refused=tuple(replace(r, line=masking.mask(r.line, p)) for r in diff.refused),
        protected=tuple(masking.mask_lines(diff.protected, p)),
    )


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _needles(rx: re.Pattern[str]) -> tuple[str, ...] | None:
    """Literal strings one of which every match of ``rx`` contains, or
    None. Read from the parsed regex: a run of literal characters in the regex's main sequence
    (or in a group or a repeat of at least once within it) is in every match; so is one of the
    runs of each alternative of an alternation. Lookarounds and anything else add nothing.

    Examples:
        >>> _needles(re.compile(r"\\bsnmp-agent community (?:read|write)\\s+(?P<s>\\S+)"))
        ('snmp-agent community ',)
        >>> _needles(re.compile(r"(?i)\\b(?:password|secret)\\s+(\\S+)"))
        ('password', 'secret')
        >>> _needles(re.compile(r"(?<!\\S)\\$[ch]\\$\\d+"))
        ('$',)
        >>> _needles(re.compile(r"\\d+\\s\\S+")) is None
        True
    """
    try:
        from re import _parser  # type: ignore[attr-defined]
        tree = list(_parser.parse(rx.pattern, rx.flags & ~re.MULTILINE))
    except Exception:  # another Python's internals: scan with the regex
        return None
    found = _required(tree)
    if found is None or min(len(n) for n in found) < _NEEDLE_MIN:
        return None
    if rx.flags & re.IGNORECASE:  # found in the folded text (:data:`_FOLD`): ASCII words only
        return tuple(n.lower() for n in found) if all(n.isascii() for n in found) else None
    return found


_NEEDLE_MIN = 1


def _required(items: list[tuple[Any, Any]]) -> tuple[str, ...] | None:
    """The best set of literals one of which is in every match of the sequence ``items``."""
    from re import _constants as sre  # type: ignore[attr-defined]

    options: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append(("".join(run),))
            run = []
        sub: tuple[str, ...] | None = None
        if op is sre.SUBPATTERN and not ((av[1] | av[2]) & re.IGNORECASE):
            sub = _required(list(av[3]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
            sub = _required(list(av[2]))
        elif op is sre.BRANCH:
            alternatives = [_required(list(branch)) for branch in av[1]]
            if all(a is not None for a in alternatives):
                sub = tuple(n for a in alternatives if a is not None for n in a)
        if sub:
            options.append(sub)
    if not options:
        return None
    return max(options, key=lambda o: (min(len(n) for n in o), -len(o)))


def _compile(path: Path, where: str, regex: str) -> re.Pattern[str]:
    try:
        return re.compile(regex)
    except re.error as exc:
        msg = f"{path}: {where}: bad regex: {exc}"
        raise ConfigError(msg) from None
