"""The ``netctl inventory`` and ``netctl demo`` commands, through the real console entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from netctl.state import StateStore


def netctl(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the console script as a user would (exit codes and stderr included)."""
    return subprocess.run(
        [sys.executable, "-c", "from netctl.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_validate_ok_and_json(sample_dir: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "inventory", "validate", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["valid"] is True and out["errors"] == 0


def test_validate_reports_file_line_and_exits_1(inv_copy: Path) -> None:
    f = inv_copy / "counties" / "640104.yaml"
    text = f.read_text(encoding="utf-8").replace("category: ", "catgory: ", 1)
    f.write_text(text, encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "catgory:" in s)
    r = netctl("--inventory", str(inv_copy), "inventory", "validate")
    assert r.returncode == 1
    assert f"640104.yaml:{line}: error: schools[0].catgory: unknown field 'catgory'" in r.stderr
    assert "did you mean 'category'?" in r.stderr


def test_strict_turns_warnings_into_failure(inv_copy: Path) -> None:
    f = inv_copy / "counties" / "640105.yaml"
    f.rename(inv_copy / "counties" / "xixia.yaml")
    assert netctl("--inventory", str(inv_copy), "inventory", "validate").returncode == 0
    r = netctl("--inventory", str(inv_copy), "inventory", "validate", "--strict")
    assert r.returncode == 1
    assert "rename the file to 640105.yaml" in r.stderr


def test_missing_inventory_exits_3_with_the_fix(tmp_path: Path) -> None:
    r = netctl("inventory", "stats", cwd=tmp_path)
    assert r.returncode == 3  # README: cannot start (no inventory)
    assert "netctl inventory generate" in r.stderr


def test_env_variable_points_at_the_inventory(sample_dir: Path, tmp_path: Path) -> None:
    import os

    env = dict(os.environ, NETCTL_INVENTORY=str(sample_dir))
    r = netctl("inventory", "stats", "--format", "json", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["schools"] == 44


def test_list_filters_and_chinese_names(sample_dir: Path) -> None:
    r = netctl(
        "--inventory",
        str(sample_dir),
        "inventory",
        "list",
        "devices",
        "--county",
        "640104",
        "--role",
        "gateway",
        "--format",
        "json",
    )
    rows = json.loads(r.stdout)
    assert rows and all(row["role"] == "gateway" and row["county"] == "640104" for row in rows)
    assert all("兴庆区" in row["site_name"] for row in rows)
    table = netctl(
        "--inventory", str(sample_dir), "inventory", "list", "schools", "--city", "640400"
    )
    assert table.returncode == 0 and "原州区" in table.stdout


def test_unknown_filter_value_exits_3(sample_dir: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "inventory", "list", "--county", "640199")
    assert r.returncode == 3
    assert "unknown county code '640199'" in r.stderr


def test_show_school_device_and_unknown(sample_dir: Path) -> None:
    r = netctl(
        "--inventory", str(sample_dir), "inventory", "show", "2401040001", "--format", "json"
    )
    info = json.loads(r.stdout)
    assert info["county"] == "640104 兴庆区" and info["devices"]
    gw = info["devices"][0].split()[0]
    dev = json.loads(
        netctl("--inventory", str(sample_dir), "inventory", "show", gw, "--format", "json").stdout
    )
    assert dev["role"] == "gateway"
    missing = netctl("--inventory", str(sample_dir), "inventory", "show", "nope")
    assert missing.returncode == 1 and "is not a school code" in missing.stderr


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "inv"
    assert netctl("inventory", "generate", "--out", str(out), "--schools", "22").returncode == 0
    again = netctl("inventory", "generate", "--out", str(out), "--schools", "22")
    assert again.returncode == 3 and "--force" in again.stderr


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = netctl("demo", "--out", str(out), "--lang", "en", "--schools", "22")
    assert r.returncode == 0, r.stderr
    assert "before and after the push" in r.stdout and "try next" in r.stdout
    # IPAM records and zones, real pushes to the emulated devices, the county report
    assert list((out / "inventory" / "ipam").glob("*.yaml"))
    assert list((out / "dns").glob("*.zone"))
    assert (out / "report-640104.html").is_file()
    with StateStore(f"sqlite:///{out / '.netctl' / 'state.db'}") as store:
        history = store.kpi_history("digital_classrooms", "region", "640000")
        pushes = store.pushes()
    assert len(history) == 2 and history[0][1].denominator
    assert any(p.feature == "baseline" and p.result == "ok" for p in pushes)
    # the demo folder is a netctl home: the everyday commands work on it
    assert netctl("--home", str(out), "compliance", "kpis", "--county", "640104").returncode == 0
    assert netctl("--home", str(out), "config", "history").returncode == 0
