"""Fixtures shared by every test tier."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netctl.inventory.generate import write_inventory

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 44-school sample inventory, shared read-only by the session."""
    out = tmp_path_factory.mktemp("sample") / "inventory"
    write_inventory(out, 44, 2027)
    return out


@pytest.fixture
def inv_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample inventory that a test may edit."""
    dst = tmp_path / "inventory"
    shutil.copytree(sample_dir, dst)
    return dst
