"""Issue 13.7: secrets kept as written, NaN targets refused, line protocol escaping."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from netctl.collectors.points import Point, lines
from netctl.compliance.targets import load_targets
from netctl.exceptions import ConfigError, SecretsError
from netctl.secrets import Secrets

REPO = Path(__file__).resolve().parents[3]


def secrets_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("value", ["007", "~", "1e3", "yes", "0x1F", "1_000", "null", "2026-12-06",
                                   ".inf", "0o17", "+1", "'quoted'", "12:30"])
def test_secret_values_are_never_retyped(tmp_path: Path, value: str) -> None:
    text = f"credentials:\n  campus: {{username: admin, password: {value}}}\n"
    path = secrets_file(tmp_path, text)
    cred = Secrets(path, env={}).require("campus")
    assert cred.password == (value[1:-1] if value.startswith("'") else value)


def test_an_empty_secret_is_missing_not_the_string_none(tmp_path: Path) -> None:
    path = secrets_file(tmp_path, "credentials:\n  campus: {username: admin, password: }\n")
    cred = Secrets(path, env={}).require("campus")
    assert cred.password is None and cred.username == "admin"


def test_a_secrets_yaml_error_never_quotes_the_file(tmp_path: Path) -> None:
    path = secrets_file(tmp_path, 'credentials:\n  campus: {password: "S3cret-Value\n')
    with pytest.raises(SecretsError) as info:
        Secrets(path, env={}).require("campus")
    assert "S3cret" not in str(info.value)
    assert str(path) in str(info.value)


def test_duplicate_and_nested_secret_values_refused(tmp_path: Path) -> None:
    dup = secrets_file(tmp_path, "credentials:\n  c: {password: a, password: b}\n")
    with pytest.raises(SecretsError, match="duplicate"):
        Secrets(dup, env={}).get("c")
    nested = secrets_file(tmp_path, "credentials:\n  c: {password: [a, b]}\n")
    with pytest.raises(SecretsError, match="found a list"):
        Secrets(nested, env={}).get("c")


@pytest.mark.parametrize("bad", [".nan", ".inf", "-.inf", ".NaN"])
def test_nan_and_infinity_targets_refused(tmp_path: Path, bad: str) -> None:
    text = (REPO / "reports" / "targets.yaml").read_text(encoding="utf-8")
    assert "2024: 0.93," in text
    text = text.replace("2024: 0.93,", f"2024: {bad},", 1)
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_targets(path)
    assert "finite number" in str(info.value)
    assert load_targets(REPO / "reports" / "targets.yaml").model_dump_json()  # the real one loads
    json.loads(load_targets(REPO / "reports" / "targets.yaml").model_dump_json())


@pytest.mark.parametrize("value", ["gw\\", "a\\\\", "x\\ y", "a\\,b", "a\\=b", "中文\\"])
def test_no_tag_value_can_escape_the_separator(value: str) -> None:
    """Whatever the value, the tag set splits into exactly the tags written (1.x parsing)."""
    [line] = lines([Point("m", (("device", value), ("n", "1")), {"v": 1}, 1)])
    head = line.split(" v=1i ")[0]
    # InfluxDB 1.x: a separator is escaped when the byte before it is a backslash
    seps = [i for i, ch in enumerate(head) if ch in ", " and head[i - 1] != "\\"]
    assert len(seps) == 2, line  # m,device=…,n=1 → two unescaped commas, no unescaped space


def test_the_fuzz_bound_interrupts_a_hang_even_inside_a_catch_all() -> None:
    import time

    from netctl.testing.hostile import HangError, bounded

    def swallow_everything() -> None:
        with contextlib.suppress(Exception):  # code under test that catches every error
            time.sleep(5)

    start = time.monotonic()
    with pytest.raises(HangError):
        bounded(swallow_everything, seconds=0.2)
    assert time.monotonic() - start < 2
    with pytest.raises(AssertionError, match="allocated"):
        bounded(lambda: bytearray(8 << 20), limit=1 << 20)
