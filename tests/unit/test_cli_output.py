"""``print_json``: the same JSON as one ``json.dumps``, written while it is encoded (a
1,000-device push report is ~8 MB: built as one string first, it set the command's peak)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from netctl.cli._output import print_json


class _Writes(io.StringIO):
    """stdout that remembers the size of each write."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, s: str) -> int:
        self.sizes.append(len(s))
        return super().write(s)


def test_json_is_streamed_and_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    value = {"devices": [{"hostname": f"nx{i:04d}-gw1", "status": "changed",
                          "remediation": "".join(f" ipv6 address 2001:db8:{i:x}::{j}/64\n"
                                                 for j in range(100)),
                          "note": "学校出口"} for i in range(300)]}
    out = _Writes()
    monkeypatch.setattr(sys, "stdout", out)
    print_json(value)
    text = out.getvalue()
    assert text == json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    assert len(text) > 1_000_000
    assert max(out.sizes) < 64_000  # no write holds the whole document
