"""How a device rewrites a line before storing it (``Knobs.normalize``, on by default).

* IPv6 addresses in upper case (all four vendors display them so), and on Huawei/H3C
  ``ipv6 address A L`` as ``A/L``.
* Secrets stored encrypted, as the vendor displays them: Huawei ``cipher %^%#…%^%#`` and
  ``irreversible-cipher $1c$…$``, SNMPv3 keys ``%#%#…%#%#``; H3C ``simple X`` -> ``cipher
  $c$3$…`` (local-user ``password hash $h$6$…``); Cisco ``secret 9 $9$…``; Ruijie
  ``secret 5 $1$…``. The encrypted text is deterministic (a hash of the secret), so pushing the
  same secret twice gives the same line; a real device salts it and shows a new text each time.

Examples:
    >>> display_form("huawei_vrp", "ipv6 address 2001:db8:10::1 64")
    'ipv6 address 2001:DB8:10::1/64'
    >>> display_form("hp_comware", "primary authentication 10.0.0.1 key simple s3cret")
    'primary authentication 10.0.0.1 key cipher $c$3$HsHCa1DV08WNlYMYGvgHZg=='
    >>> display_form("cisco_ios", "username admin privilege 15 secret 0 s3cret")
    'username admin privilege 15 secret 9 $9$HsHCa1DV08WNlYMYGvgHZg'
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re


def _enc(secret: str) -> str:
    digest = hashlib.sha256(secret.encode()).digest()[:16]
    return base64.b64encode(digest).decode()


def _upper_ipv6(text: str) -> str:
    out: list[str] = []
    for word in text.split(" "):
        addr, slash, plen = word.partition("/")
        if ":" in addr:
            try:
                ipaddress.IPv6Address(addr)
            except ValueError:
                out.append(word)
                continue
            out.append(addr.upper() + slash + plen)
        else:
            out.append(word)
    return " ".join(out)


_HUAWEI_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(.* password) irreversible-cipher (?!\$1c\$)(\S+)$"), "irr"),
    (
        re.compile(
            r"^(snmp-agent usm-user v3 \S+ (?:authentication|privacy)-mode \S+) (?!%#%#)(\S+)$"
        ),
        "snmp",
    ),
    (re.compile(r"^(.*? pass-phrase) (?!%\^%#)(\S+)(.*)$"), "cipher-pp"),
    (
        re.compile(r"^(.*?\b(?:shared-key|key|password) )(?:cipher|simple) (?!%\^%#)(\S+)(.*)$"),
        "cipher",
    ),
)


def _huawei(text: str) -> str:
    for rx, how in _HUAWEI_RULES:
        m = rx.match(text)
        if m is None:
            continue
        if how == "irr":
            return f"{m.group(1)} irreversible-cipher $1c${_enc(m.group(2))}$"
        if how == "snmp":
            return f"{m.group(1)} %#%#{_enc(m.group(2))}%#%#"
        if how == "cipher-pp":
            return f"{m.group(1)} %^%#{_enc(m.group(2))}%^%#{m.group(3)}"
        return f"{m.group(1)}cipher %^%#{_enc(m.group(2))}%^%#{m.group(3)}"
    return text


_H3C_USM = re.compile(
    r"^(snmp-agent usm-user v3 .*?)simple (authentication-mode \S+) (\S+)"
    r"(?: (privacy-mode \S+) (\S+))?(.*)$"
)
_H3C_PASSWORD = re.compile(r"^password simple (\S+)$")
_H3C_SIMPLE = re.compile(r"^(.*? )simple (\S+)(.*)$")


def _h3c(text: str) -> str:
    m = _H3C_USM.match(text)
    if m:
        out = f"{m.group(1)}cipher {m.group(2)} $c$3${_enc(m.group(3))}"
        if m.group(4):
            out += f" {m.group(4)} $c$3${_enc(m.group(5) or '')}"
        return out + m.group(6)
    m = _H3C_PASSWORD.match(text)
    if m:
        return f"password hash $h$6${_enc(m.group(1))}"
    m = _H3C_SIMPLE.match(text)
    if m:
        return f"{m.group(1)}cipher $c$3${_enc(m.group(2))}{m.group(3)}"
    return text


_IOS_SECRET = re.compile(r"^(.*?\bsecret) (?:0 )?(?![0-9] )(\S+)$")


def _ios(text: str, tag: str) -> str:
    m = _IOS_SECRET.match(text)
    if m:
        return f"{m.group(1)} {tag}{_enc(m.group(2)).rstrip('=')}"
    return text


def display_form(platform: str, text: str) -> str:
    """``text`` as the device stores and displays it (see the module docstring)."""
    text = _upper_ipv6(text)
    if platform in ("huawei_vrp", "hp_comware"):
        text = re.sub(r"^(ipv6 address \S+?) (\d{1,3})((?: \S+)*)$", r"\1/\2\3", text)
    if platform == "huawei_vrp":
        return _huawei(text)
    if platform == "hp_comware":
        return _h3c(text)
    if platform == "cisco_ios":
        return _ios(text, "9 $9$")
    return _ios(text, "5 $1$")
