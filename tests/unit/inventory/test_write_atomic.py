"""``write_atomic``: the whole text or its parts, never half a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netctl.inventory.yamlio import write_atomic


def test_text_and_parts_write_the_same_bytes(tmp_path: Path) -> None:
    text = "宁夏\n" + "a\tb\n" * 5000
    write_atomic(tmp_path / "whole", text)
    write_atomic(tmp_path / "parts", (text[i:i + 333] for i in range(0, len(text), 333)))
    assert (tmp_path / "parts").read_bytes() == (tmp_path / "whole").read_bytes() \
        == text.encode("utf-8")


def test_a_failing_part_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "zone"
    path.write_text("old\n", encoding="utf-8")

    def parts() -> Iterator[str]:
        yield "new, first part\n"
        msg = "the second part fails"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError):
        write_atomic(path, parts())
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["zone"]  # no temporary file left
