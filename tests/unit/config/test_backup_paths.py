"""``config history/rollback ../x`` never reads outside the backups folder (issue 13 item 7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netctl.cli import build_app
from netctl.config.backup import UnsafeNameError, list_backups, write_backup


@pytest.mark.parametrize("name", ["../x", "..", ".", "a/../../x", "/etc", "a/b", ".hidden",
                                  "gw1\n", "x\x00y", "", "..%2f"])
def test_unsafe_names_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafeNameError):
        list_backups(tmp_path / "backups", name)
    with pytest.raises(UnsafeNameError):
        write_backup(tmp_path / "backups", name, "sysname x\n")


def test_symlinked_device_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "20260101T000000Z.cfg").write_text("secret stuff\n")
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "gw1").symlink_to(outside)
    assert list_backups(tmp_path / "backups", "gw1") == []


def test_cli_history_and_rollback_refuse_traversal(tmp_path: Path, sample_dir: Path) -> None:
    state = tmp_path / "home" / ".netctl" / "state.db"
    backups = state.parent / "backups"
    backups.mkdir(parents=True)
    outside = tmp_path / "home" / ".netctl" / "x"  # <backups>/../x
    outside.mkdir()
    (outside / "20260101T000000Z.cfg").write_text("sysname stolen\n")
    (outside / "20260102T000000Z.cfg").write_text("sysname stolen2\n")
    env = {**os.environ, "NETCTL_HOME": str(tmp_path / "home"), "NETCTL_STATE": str(state),
           "NETCTL_INVENTORY": str(sample_dir)}
    runner = CliRunner()
    hist = runner.invoke(build_app("config"), ["config", "history", "../x", "--format", "json"],
                         env=env)
    assert hist.exit_code == 2, hist.output
    assert "20260101T000000Z" not in hist.output and "not a device name" in hist.output
    back = runner.invoke(build_app("config"), ["config", "rollback", "../x"], env=env)
    assert back.exit_code != 0, back.output  # not a device of the inventory (nor a name)
    assert "stolen" not in back.output and "20260101T000000Z" not in back.output
