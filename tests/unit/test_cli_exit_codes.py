"""The README's exit-code table, one test per row, through the real console entry point; and the
first-hour traps of issue 15 (empty selections, --version, history, Rich markup in data)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def netctl(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from netctl.cli import main; main()", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A user's environment: no NETCTL_ settings or credentials, this checkout on PYTHONPATH."""
    import os

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p),
           "NETCTL_SECRETS": str(tmp_path / "none.yaml")}
    env.update(extra)
    return env


def readme_codes() -> dict[int, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes")[1].split("\n\n")[1]
    return {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.+) \|$", table, re.M)}


def test_the_readme_table_is_the_one_tested_here() -> None:
    assert sorted(readme_codes()) == [0, 1, 2, 3, 70]


# -- 0: done -------------------------------------------------------------------------------------
def test_0_done(sample_dir: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "inventory", "validate")
    assert r.returncode == 0, r.stderr


# -- 1: ran and found errors ---------------------------------------------------------------------
def test_1_found_errors(inv_copy: Path) -> None:
    f = inv_copy / "counties" / "640104.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("category: ", "catgory: ", 1), "utf-8")
    r = netctl("--inventory", str(inv_copy), "inventory", "list")
    assert r.returncode == 1 and "Traceback" not in r.stderr


# -- 2: bad command line -------------------------------------------------------------------------
def test_2_bad_command_line(sample_dir: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "inventory", "list", "--no-such-option")
    assert r.returncode == 2 and "No such option" in r.stderr


# -- 3: cannot start -----------------------------------------------------------------------------
def test_3_no_inventory(tmp_path: Path) -> None:
    r = netctl("inventory", "list", cwd=tmp_path)
    assert r.returncode == 3 and "netctl inventory generate" in r.stderr


def test_3_unknown_filter_value(sample_dir: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "inventory", "list", "--county", "649999")
    assert r.returncode == 3 and "unknown county code" in r.stderr


def test_3_bad_state_store(sample_dir: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "--state", "nosuchdb://x", "config", "history")
    assert r.returncode == 3, r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("config", "render", "--host", "nx640104-0001-gw"),  # the typo: gw, not gw1
        ("config", "diff", "--county", "640104", "--role", "ap", "--feature", "ipv6"),  # APs: WLC
        ("config", "push", "--host", "nx640104-0001-gw", "--feature", "ipv6", "--commit"),
        ("config", "backup", "--school", "2401049999"),
        ("collect", "snmp", "--host", "no-such-host", "--once", "--no-influx", "--no-state"),
        ("probe", "reach", "--once", "--host", "no-such-host", "--no-store"),
        ("compliance", "baseline", "--host", "no-such-host"),
    ],
)
def test_3_an_empty_selection_names_what_to_fix(
    sample_dir: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    r = netctl("--inventory", str(sample_dir), "--state", str(tmp_path / "s.db"), *args,
               cwd=tmp_path)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "matches" in r.stderr and "fix:" in r.stderr
    if "nx640104-0001-gw" in args:
        assert "did you mean 'nx640104-0001-gw1'" in r.stderr
    assert not (tmp_path / "s.db").exists() or "push #" not in r.stdout  # nothing recorded


def test_3_collect_without_credentials(sample_dir: Path, tmp_path: Path) -> None:
    r = netctl("--home", str(REPO), "--inventory", str(sample_dir), "--state",
               str(tmp_path / "s.db"), "collect", "snmp", "--county", "640104", "--once",
               "--no-influx", "--no-state", cwd=tmp_path, env=clean_env(tmp_path))
    assert r.returncode == 3, r.stderr
    assert "nothing was polled" in r.stderr and "NETCTL_CRED_" in r.stderr


def test_3_daemon_with_nothing_to_poll_refuses(sample_dir: Path, tmp_path: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "--home", str(REPO), "--state",
               str(tmp_path / "s.db"), "daemon", cwd=tmp_path, env=clean_env(tmp_path))
    assert r.returncode == 3, r.stderr
    assert "no device to poll" in r.stderr


def test_3_rollback_without_a_backup_is_no_usage_error(sample_dir: Path, tmp_path: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "--state", str(tmp_path / "s.db"), "config",
               "rollback", "nx640104-0001-gw1", cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert "no previous one" in r.stderr and "Usage:" not in r.stderr


def test_3_pdf_without_chromium(sample_dir: Path, tmp_path: Path) -> None:
    r = netctl("--inventory", str(sample_dir), "--home", str(REPO), "--state",
               str(tmp_path / "s.db"), "report", "--county", "640104", "--format", "pdf",
               "--out", str(tmp_path / "r.pdf"), cwd=tmp_path,
               env=clean_env(tmp_path, PATH=str(tmp_path)))  # no chromium on this PATH
    assert r.returncode == 3, r.stderr
    assert "Chromium" in r.stderr and "demo.sh" in r.stderr


def test_3_an_unwritable_output_names_the_path(sample_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = netctl("--inventory", str(sample_dir), "--home", str(REPO), "report", "--county",
               "640104", "--out", str(blocker / "r.html"), cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert str(blocker) in r.stderr and "Traceback" not in r.stderr


# -- 70: a bug -----------------------------------------------------------------------------------
def test_70_a_bug_is_one_line_and_a_log_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    sample_dir: Path,
) -> None:
    import netctl.cli.inventory as cli_inventory
    from netctl.cli import main

    def broken(*_a: object, **_k: object) -> object:
        msg = "boom"
        raise RuntimeError(msg)

    monkeypatch.setattr(cli_inventory, "inventory_stats", broken)
    monkeypatch.setenv("NETCTL_CRASH_DIR", str(tmp_path / "crash"))
    monkeypatch.setattr(sys, "argv", ["netctl", "--inventory", str(sample_dir), "inventory",
                                      "stats"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 70
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" in err and "RuntimeError: boom" in err
    logs = list((tmp_path / "crash").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err.replace("\n", "")
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: boom" in text and "inventory" in text


# -- the first hour ------------------------------------------------------------------------------
def test_version() -> None:
    from netctl import __version__

    r = netctl("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"netctl {__version__}"


def test_inventory_show_lists_the_prefixes_ipam_holds(allocated_dir: Path) -> None:
    show = netctl("--inventory", str(allocated_dir), "inventory", "show", "2401040001",
                  "--format", "json")
    ipam = netctl("--inventory", str(allocated_dir), "ipam", "show", "2401040001", "--format",
                  "json")
    assert show.returncode == ipam.returncode == 0, show.stderr + ipam.stderr
    assert len(json.loads(show.stdout)["prefixes"]) == len(json.loads(ipam.stdout)["prefixes"])
    assert len(json.loads(show.stdout)["prefixes"]) > 0


def test_history_lists_pushes_not_diffs(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from netctl.state import StateStore
    from netctl.state.store import PushRecord

    db = tmp_path / "s.db"
    now = datetime.now(UTC)
    with StateStore(f"sqlite:///{db}") as store:
        store.record_push(PushRecord("eng", "all", True, "ok", now, now, "diff"))
        store.record_push(PushRecord("eng", "ipv6", False, "ok", now, now, "push"))
    r = netctl("--state", str(db), "config", "history", "--format", "json")
    assert [x["kind"] for x in json.loads(r.stdout)] == ["push"]
    r = netctl("--state", str(db), "config", "history", "--all", "--format", "json")
    assert sorted(x["kind"] for x in json.loads(r.stdout)) == ["dry run", "push"]


def test_rich_markup_in_data_is_printed_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from netctl.cli._output import print_table

    print_table("[/bold] t", ["[/x]"], [["[/bold] x"], ["[red]y"]])  # raised MarkupError before
    out = capsys.readouterr().out
    assert "[/bold] x" in out and "[red]y" in out and "[/bold] t" in out


def test_gitignore_keeps_state_and_demo_folders_out() -> None:
    for path in (".netctl/state.db", ".netctl/backups/a/x.cfg", ".netctl-demo/state.db"):
        r = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO,
                           check=False)
        assert r.returncode == 0, f"{path} is not git-ignored"
