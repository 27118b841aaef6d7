"""Masking of every secret form per platform (``templates/masking.yaml``), on the issue's
lines and on the public corpus ``tests/fixtures/real/`` (whose publishers' secrets were replaced
by obvious placeholders: none may survive masking)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netctl.config.backup import write_backup
from netctl.config.masking import MASK, Masking

REPO = Path(__file__).resolve().parents[3]
M = Masking.load(REPO / "templates")

# (platform, line, secrets that must disappear, words that must stay)
CASES = [
    ("huawei_vrp", "snmp-agent community read cipher %^%#Ab1%^%#", ["%^%#Ab1%^%#"], ["read"]),
    ("huawei_vrp", "snmp-agent community write Priv4te acl 2000", ["Priv4te"], ["acl 2000"]),
    ("huawei_vrp", "snmp-agent usm-user v3 nms authentication-mode sha cipher %^%#k1%^%#",
     ["%^%#k1%^%#"], ["sha"]),
    ("huawei_vrp", "undo snmp-agent usm-user v3 netctl privacy-mode aes128 %#%#Zh1u8w==%#%#",
     ["Zh1u8w=="], ["aes128"]),
    ("huawei_vrp", " ospf authentication-mode md5 1 cipher %^%#Qx9%^%#", ["Qx9"], ["md5 1"]),
    ("huawei_vrp", " authentication-mode hmac-sha256 1 cipher S3cr", ["S3cr"], ["hmac-sha256"]),
    ("huawei_vrp", "ntp-service authentication-keyid 1 authentication-mode md5 cipher N7p",
     ["N7p"], ["keyid 1"]),
    ("huawei_vrp", " super password level 15 cipher %@%@Zy8%@%@", ["Zy8"], ["level 15"]),
    ("huawei_vrp", "  security wpa2 psk pass-phrase Wifi-PSK-1 aes", ["Wifi-PSK-1"], ["aes"]),
    ("huawei_vrp", " radius-server shared-key cipher R4d1us", ["R4d1us"], []),
    ("huawei_vrp", " hwtacacs-server shared-key cipher %^%#T4c%^%#", ["T4c"], []),
    ("huawei_vrp", "snmp-agent target-host trap address udp-domain 10.0.0.1 params "
     "securityname Tr4pC0mm v2c", ["Tr4pC0mm"], ["v2c"]),
    ("huawei_vrp", "  password expire 90", [], ["expire 90"]),
    ("huawei_vrp", " local-aaa-user password policy administrator", [], ["policy"]),
    ("hp_comware", " preshared-key pass-phrase cipher $c$3$PSKcipher==", ["PSKcipher"], []),
    ("hp_comware", " preshared-key pass-phrase simple Wifi-PSK-2", ["Wifi-PSK-2"], []),
    ("hp_comware", " key authentication cipher $c$3$radius==", ["radius=="], ["authentication"]),
    ("hp_comware", " key accounting simple Acc7", ["Acc7"], ["accounting"]),
    ("hp_comware", "snmp-agent community read simple Publ1c", ["Publ1c"], ["read"]),
    ("hp_comware", "snmp-agent usm-user v3 u g cipher authentication-mode sha $c$3$A== "
     "privacy-mode aes128 $c$3$P==", ["$c$3$A==", "$c$3$P=="], ["authentication-mode sha"]),
    ("hp_comware", " super password role network-admin hash $h$6$Sup==", ["Sup=="], ["role"]),
    ("hp_comware", " authentication-mode md5 1 cipher $c$3$ospf==", ["ospf=="], []),
    ("hp_comware", "rmon event 1 description x trap Rm0nC owner y", ["Rm0nC"], ["owner y"]),
    ("ruijie_os", "enable secret 5 $1$abcd$efgh", ["$1$abcd$efgh"], []),
    ("ruijie_os", "snmp-server community 7 0822455D0A16 ro", ["0822455D0A16"], ["ro"]),
    ("ruijie_os", " security wpa akm psk set-key ascii Wifi-PSK-3", ["Wifi-PSK-3"], []),
    ("ruijie_os", "ntp authentication-key 1 md5 NtpK3y 7", ["NtpK3y"], ["md5"]),
    ("ruijie_os", "radius-server host 10.0.0.5 key 7 0822455D0A16", ["0822455D0A16"], []),
    ("cisco_ios", "enable password 7 0822455D0A16", ["0822455D0A16"], []),
    ("cisco_ios", "username admin privilege 15 secret 9 $9$abc$def", ["$9$abc$def"], []),
    ("cisco_ios", " security wpa psk set-key ascii 0 Wifi-PSK-4", ["Wifi-PSK-4"], []),
    ("cisco_ios", " ip ospf message-digest-key 1 md5 7 0822455D0A16", ["0822455D0A16"], []),
    ("cisco_ios", "ntp authentication-key 1 md5 0822455D0A16 7", ["0822455D0A16"], []),
    ("cisco_ios", " key-string 7 0822455D0A16", ["0822455D0A16"], []),
    ("cisco_ios", "tacacs-server key 7 0822455D0A16", ["0822455D0A16"], []),
    ("cisco_ios", "snmp-server host 10.0.0.9 version 2c Tr4pComm", ["Tr4pComm"], ["2c"]),
    ("cisco_ios", "snmp-server user nms grp v3 auth sha AuthK priv aes 128 PrivK",
     ["AuthK", "PrivK"], ["v3"]),
    ("cisco_ios", "crypto isakmp key Ik3Key address 0.0.0.0", ["Ik3Key"], ["address"]),
    ("cisco_ios", " key 1", [], ["key 1"]),
    ("cisco_ios", "crypto key generate rsa modulus 2048", [], ["generate rsa"]),
    ("cisco_ios", "ip ssh server algorithm encryption aes256-ctr", [], ["aes256-ctr"]),
    ("huawei_vrp", "ssh server cipher aes256_ctr aes128_ctr", [], ["aes256_ctr"]),
    ("cisco_ios", "ip bgp-community new-format", [], ["new-format"]),
    ("cisco_ios", " neighbor 10.0.0.1 send-community both", [], ["both"]),
]


@pytest.mark.parametrize(("platform", "line", "gone", "kept"), CASES)
def test_each_secret_form_is_masked(platform: str, line: str, gone: list[str],
                                    kept: list[str]) -> None:
    out = M.mask(line, platform)
    for secret in gone:
        assert secret not in out, out
    for word in kept:
        assert word in out, out
    if gone:
        assert MASK in out
    else:
        assert out == line
    assert M.mask(line) == out or all(s not in M.mask(line) for s in gone)  # platform unknown


def test_placeholders_are_kept() -> None:
    line = " radius-server shared-key cipher <secret:radius-campus.password>"
    assert M.mask(line, "huawei_vrp") == line
    assert M.mask(" security wpa psk set-key ascii 0 <secret:wlan.password>", "cisco_ios") \
        == " security wpa psk set-key ascii 0 <secret:wlan.password>"


CORPUS = REPO / "tests" / "fixtures" / "real"
LEFT = re.compile(r"(?i)scrub|0123456789abcdef|%\^%#|%@%@|%#%#"
                  r"|(?<!\S)\$(?:[ch]\$\d|1[a-z]?|5|8|9|10)\$")
"""What the corpus put where a secret was (its README): none may survive masking."""


def _corpus() -> list[Path]:
    return sorted(CORPUS.glob("*/*.cfg")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not _corpus(), reason="tests/fixtures/real/ not merged yet")
def test_no_secret_survives_on_the_real_corpus(tmp_path: Path) -> None:
    files = _corpus()
    assert len(files) >= 19
    survivors: list[str] = []
    masked_lines = 0
    for path in files:
        platform = path.parent.name
        text = path.read_text(encoding="utf-8")
        stored = write_backup(tmp_path, path.stem, text, masking=M, platform=platform)
        assert stored is not None
        out = stored.read_text(encoding="utf-8")
        assert len(out.splitlines()) == len(text.rstrip("\n").splitlines())  # nothing else moved
        masked_lines += out.count(MASK)
        survivors += [f"{path.parent.name}/{path.name}: {line.strip()}"
                      for line in out.splitlines() if LEFT.search(line)]
    assert not survivors, "\n".join(survivors)
    assert masked_lines > 50  # 81 on the 19 first files, 100+ on 25


def test_a_refused_push_lists_removed_lines_masked() -> None:
    """The guard's refusal names the running lines it would remove: masked like a backup."""
    from netctl.config.diff import Diff
    from netctl.config.guard import Guard, verdict
    from netctl.config.masking import mask_diff
    from netctl.platforms import Platform

    diff = Diff(Platform.HUAWEI_VRP, ["undo snmp-agent community read Publ1c"], "", "",
                removed=("snmp-agent community read Publ1c",
                         "snmp-agent community write cipher %^%#Zz9%^%#"))
    reasons = verdict(mask_diff(M, diff), Guard(max_removals=0))
    assert reasons and "Publ1c" not in reasons[0] and "Zz9" not in reasons[0]
    assert "snmp-agent community read <masked>" in reasons[0]


def _line_by_line(m: Masking, text: str, platform: str | None) -> str:
    """The definition the whole-text scan must equal: every line masked on its own."""
    rules, _ = m._compiled(platform)
    return "\n".join(m._line(line, rules) for line in text.split("\n"))


@pytest.mark.parametrize("path", sorted((REPO / "tests/fixtures/real").glob("*/*.cfg")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_whole_text_scan_masks_exactly_as_line_by_line_on_the_corpus(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for platform in (path.parent.name, None):
        assert M.mask(text, platform) == _line_by_line(M, text, platform)


def test_the_whole_text_scan_on_lines_that_run_into_each_other() -> None:
    """A keyword at a line's end, its value on the next line; CRLF; blank lines."""
    text = ("snmp-server community\n s3cret RO\nusername a password\n0 x\r\n\n"
            " key\n 1\n password cipher %^%#abc\n%^%# tail\n$9$zz\nx $9$yy\n" * 3)
    for platform in ("cisco_ios", "huawei_vrp", None):
        assert M.mask(text, platform) == _line_by_line(M, text, platform)
        lines = text.split("\n")
        assert M.mask_lines(lines, platform) == [M.mask(line, platform) for line in lines]


def test_the_whole_text_scan_folds_the_letters_python_regexes_match_to_ascii() -> None:
    """The keyword rule ignores case, and Python's regexes match the Kelvin sign to k, the long
    s to s and both Turkish i's to i: lines spelled so are found and masked like the rest."""
    odd = ["\u212aey 7 s3cret", "paſſword cipher x1", "snmp-server communİty y2 RO",
           "PRıV des56 z3"]
    text = "\n".join(["sysname a"] * 8 + odd + ["描述 中文"])
    for platform in ("cisco_ios", None):
        masked = M.mask(text, platform)
        assert masked == _line_by_line(M, text, platform)
        assert not any(secret in masked for secret in ("s3cret", "x1", "y2", "z3")), masked
