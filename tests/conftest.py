"""Fixtures shared by every test tier."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from netctl.inventory.generate import write_inventory
from netctl.ipam.store import run_allocate
from netctl.testing.pgserver import PgServer

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "inventory" / "address-plan.yaml"
TODAY = date(2026, 11, 28)


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


def with_plan(src: Path, dst: Path, plan: Path = PLAN) -> Path:
    """Copy an inventory folder and put the repository's address plan in it."""
    shutil.copytree(src, dst)
    shutil.copy(plan, dst / "address-plan.yaml")
    return dst


@pytest.fixture(scope="session")
def allocated_dir(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The 44-school sample with the address plan, allocated once for the session (read only)."""
    dst = with_plan(sample_dir, tmp_path_factory.mktemp("ipam") / "inventory")
    run_allocate(dst, today=TODAY)
    return dst


@pytest.fixture
def plan_dir(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample with the plan, nothing allocated yet."""
    return with_plan(sample_dir, tmp_path / "inventory")


@pytest.fixture
def allocated_copy(allocated_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the allocated sample that a test may change."""
    dst = tmp_path / "inventory"
    shutil.copytree(allocated_dir, dst)
    return dst


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """One private PostgreSQL server on loopback for the whole run (`.ci/apt-packages`)."""
    root = Path(tempfile.mkdtemp(prefix="netctl-pg-"))  # short: the socket path is limited
    del tmp_path_factory
    with PgServer.start(root) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty state store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()
