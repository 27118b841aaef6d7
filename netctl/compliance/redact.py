"""Passwords, keys and community strings masked in configuration lines that reports show.

Offending lines of the security baseline go into reports that leave the network centre; a
reversible password or a community string must not (``netctl.compliance.baseline``).
"""

from __future__ import annotations

_SECRET_KEYS = frozenset(
    {
        "password",
        "secret",
        "cipher",
        "irreversible-cipher",
        "simple",
        "hash",
        "key",
        "shared-key",
        "community",
    }
)
_ALGORITHM_KEYS = frozenset({"authentication-mode", "privacy-mode", "auth", "priv"})
_MODIFIERS = frozenset(
    {
        "0",
        "5",
        "7",
        "8",
        "9",
        "cipher",
        "simple",
        "irreversible-cipher",
        "hash",
        "encrypted",
        "read",
        "write",
        "authentication",
        "accounting",
    }
)
_NOT_SECRETS = frozenset(
    {
        "expire",
        "policy",
        "history",
        "alert",
        "complexity-check",
        "min-length",
        "encryption",
        "aging",
        "length",
        "lifetime",
    }
)
MASK = "******"


def redact(text: str) -> str:
    """A configuration line with its passwords, keys and community strings masked.

    Offending lines go into reports that leave the network centre; a reversible password or a
    community string must not.

    Examples:
        >>> redact("local-user admin password cipher %^%#Zx8_a1%^%#")
        'local-user admin password cipher ******'
        >>> redact("usm-user v3 u G cipher authentication-mode sha $c$3$k1 privacy-mode aes128 k2")
        'usm-user v3 u G cipher authentication-mode sha ****** privacy-mode aes128 ******'
        >>> redact("snmp-server community public RO"), redact("password expire 90")
        ('snmp-server community ****** RO', 'password expire 90')
        >>> redact("username admin privilege 15 password 0 admin123")
        'username admin privilege 15 password 0 ******'
    """
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        out.append(token)
        i += 1
        word = token.lower()
        if word in _ALGORITHM_KEYS and i < len(tokens):
            out.append(tokens[i])  # the algorithm (sha, aes128): a secret may follow
            i += 1
        elif word not in _SECRET_KEYS:
            continue
        while i < len(tokens) and tokens[i].lower() in _MODIFIERS:
            out.append(tokens[i])
            i += 1
        if (
            i < len(tokens)
            and tokens[i].lower() not in _NOT_SECRETS
            and tokens[i].lower() not in _ALGORITHM_KEYS
        ):
            out.append(MASK)
            i += 1
    return " ".join(out)
