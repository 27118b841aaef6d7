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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

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
        """``text`` with every secret replaced by ``<masked>``."""
        if platform is not None and platform in self.rules:
            rules: Iterable[re.Pattern[str]] = self.rules[platform]
        else:
            rules = [r for group in self.rules.values() for r in group]
        rules = tuple(rules)
        return "\n".join(self._line(line, rules) for line in text.split("\n"))

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


_LOCK = threading.Lock()
_CACHE: dict[Path, tuple[int, Masking]] = {}


def mask_diff(masking: Masking, diff: Diff) -> Diff:
    """A copy of ``diff`` for people and records: every line that came from the running config
    (removed, refused, remediation negations) with its secrets masked. Never send it."""
    from dataclasses import replace

    p = diff.platform.value
    return replace(
        diff,
        remediation=[masking.mask(line, p) for line in diff.remediation],
        running_scoped=masking.mask(diff.running_scoped, p),
        removed=tuple(masking.mask(line, p) for line in diff.removed),
        refused=tuple(replace(r, line=masking.mask(r.line, p)) for r in diff.refused),
        protected=tuple(masking.mask(line, p) for line in diff.protected),
    )


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _compile(path: Path, where: str, regex: str) -> re.Pattern[str]:
    try:
        return re.compile(regex)
    except re.error as exc:
        msg = f"{path}: {where}: bad regex: {exc}"
        raise ConfigError(msg) from None
