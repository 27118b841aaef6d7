"""Fuzz: the whole-text masking scan equals masking every line on its own, whatever the text
(secret keywords, encrypted tokens, line ends in odd places, CR, blank lines)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from netctl.config.masking import Masking

REPO = Path(__file__).resolve().parents[2]
M = Masking.load(REPO / "templates")
PIECES = ["password", "cipher", "secret", "key", "community", "snmp-agent", "usm-user",
          "authentication-mode", "md5", "privacy-mode", "aes128", "pass-phrase", "shared-key",
          "%^%#", "%@%@", "$9$", "$c$3$", "$1a$", "securityname", "target-host", "v3",
          "read", "write", "simple", "0", "7", "s3cret", "x", " ", "  ", "\n", "\r\n", "\t",
          "<secret:a.b>", "expire", "90", "wep-key", "1", "radius-server", "PASSWORD", "Key",
          "Community", "ſecret", "\u212aey", "描述", "pre-shared-key", "auth", "priv", "des56"]


@given(st.lists(st.sampled_from(PIECES), min_size=0, max_size=80),
       st.sampled_from(["huawei_vrp", "hp_comware", "cisco_ios", "ruijie_os", None]))
def test_whole_text_scan_equals_line_by_line(pieces: list[str], platform: str | None) -> None:
    text = " ".join(pieces) if len(pieces) % 2 else "".join(pieces)
    text = "sysname a\n" * 8 + text  # at least the lines from which the scan is used
    rules, _ = M._compiled(platform)
    expected = "\n".join(M._line(line, rules) for line in text.split("\n"))
    assert M.mask(text, platform) == expected
