"""Secrets in rendered configs: placeholders that name a credential, filled only at send time.

Rendered text never holds a secret. Where a command takes one, the template writes a token that
names the credential set and field of :mod:`netctl.secrets`:

``<secret:SET.FIELD>``
    replaced in place by the push, right before the line is sent
    (``radius-server shared-key cipher <secret:radius-campus.password>``).
``<prompt:SET.FIELD>``
    the command asks for the secret interactively (Huawei VRP V5 SNMPv3 keys): the push sends the
    line without the token, then answers the device's password prompt, and its confirmation
    prompt, with the secret.

The same rules let a diff compare an intended line with the device's stored form, which shows
the secret encrypted and sometimes changes the encoding keyword (H3C ``simple`` → ``cipher``,
Cisco ``0`` → ``7``): :func:`match_pattern` turns an intended line into a regular expression
that matches its running-config twin. Secrets are rotated by an explicit push, never by a diff.

Examples:
    >>> line = "preshared-key pass-phrase simple <secret:wlan-student.password>"
    >>> refs(line)
    [SecretRef(credential='wlan-student', field='password', prompt=False)]
    >>> fill(line, lambda r: "s3cret!")
    'preshared-key pass-phrase simple s3cret!'
    >>> bool(match_pattern(line).match("preshared-key pass-phrase cipher $c$3$abcd=="))
    True
    >>> command, secrets = split_prompts("snmp-agent usm-user v3 nms privacy-mode aes128 "
    ...                                  "<prompt:snmp.priv_key>")
    >>> command, [str(s) for s in secrets]
    ('snmp-agent usm-user v3 nms privacy-mode aes128', ['<prompt:snmp.priv_key>'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from netctl.exceptions import RenderError

FIELDS = ("password", "auth_key", "priv_key", "community")
"""Credential fields a template may reference (see :class:`netctl.secrets.Credential`)."""

TOKEN_RE = re.compile(
    r"<(?P<kind>secret|prompt):(?P<credential>[A-Za-z0-9][A-Za-z0-9_.-]*?)\.(?P<field>"
    + "|".join(FIELDS) + r")>"
)
"""Matches one placeholder."""

ENCODING_WORDS = frozenset(
    {"simple", "cipher", "hash", "irreversible-cipher", "0", "5", "6", "7", "8", "9"})
"""Words vendors put before a secret to say how it is encoded; the stored form may differ."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A reference to one secret: credential set, field, and whether the device prompts for it."""

    credential: str
    field: str
    prompt: bool = False

    def __str__(self) -> str:
        kind = "prompt" if self.prompt else "secret"
        return f"<{kind}:{self.credential}.{self.field}>"


def placeholder(credential: str, field: str = "password", *, prompt: bool = False) -> SecretRef:
    """A reference for a template (rendered through ``str()``).

    Examples:
        >>> str(placeholder("radius-campus"))
        '<secret:radius-campus.password>'
    """
    if field not in FIELDS:
        msg = f"secret field '{field}' is not one of {', '.join(FIELDS)}"
        raise RenderError(msg)
    return SecretRef(credential, field, prompt)


def refs(text: str) -> list[SecretRef]:
    """Every placeholder in ``text``, in order."""
    return [SecretRef(m["credential"], m["field"], m["kind"] == "prompt")
            for m in TOKEN_RE.finditer(text)]


def fill(text: str, resolve: Callable[[SecretRef], str]) -> str:
    """Replace the in-place placeholders (``<secret:…>``) with ``resolve(ref)``.

    Prompt placeholders are left alone (see :func:`split_prompts`). A secret containing a space
    or a newline would change the command, so it is refused.
    """
    def sub(m: re.Match[str]) -> str:
        if m["kind"] == "prompt":
            return m[0]
        ref = SecretRef(m["credential"], m["field"])
        value = resolve(ref)
        if not value or any(c.isspace() for c in value):
            msg = f"secret {ref} is empty or contains whitespace: it cannot be sent on one line"
            raise RenderError(msg)
        return value

    return TOKEN_RE.sub(sub, text)


def split_prompts(line: str) -> tuple[str, list[SecretRef]]:
    """A line without its prompt placeholders, and the secrets to type at the prompts."""
    found = [r for r in refs(line) if r.prompt]
    return " ".join(TOKEN_RE.sub(lambda m: "" if m["kind"] == "prompt" else m[0], line).split()), \
        found


def match_pattern(line: str) -> re.Pattern[str]:
    """A regex matching the running-config form of an intended line that holds secrets.

    Each placeholder matches any one word; an encoding word (``simple``, ``cipher``, ``0``,
    ``7``…) in a secret-bearing line matches any encoding word; a prompt placeholder matches
    whatever the device stores after the command.
    """
    words = line.split()
    has_secret = any(TOKEN_RE.fullmatch(w) for w in words)
    parts: list[str] = []
    for w in words:
        m = TOKEN_RE.fullmatch(w)
        if m and m["kind"] == "prompt":
            parts.append(r"(?:\s+\S+)*")
            continue
        sep = r"\s+" if parts else ""
        if m:
            parts.append(sep + r"\S+")
        elif has_secret and w in ENCODING_WORDS:
            parts.append(sep + "(?:" + "|".join(sorted(map(re.escape, ENCODING_WORDS))) + ")")
        else:
            parts.append(sep + re.escape(w))
    return re.compile(r"^\s*" + "".join(parts) + r"\s*$")
