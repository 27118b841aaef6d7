"""Fixtures of the render tests: a small inventory with every platform and role, its IPAM data,
the render-test policy, and the repository's templates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netctl.config.addressing import DeviceAddressing, StaticSource
from netctl.config.policy import Policy, load_policy
from netctl.inventory.index import Inventory, load_inventory

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "render"
TEMPLATES = REPO / "templates"


@pytest.fixture(scope="session")
def render_inv() -> Inventory:
    """One county: a Huawei metro node with a controller per vendor, a school per platform."""
    return load_inventory(FIXTURES / "inventory")


@pytest.fixture(scope="session")
def render_source() -> StaticSource:
    """The fixture's IPAM data."""
    data = yaml.safe_load((FIXTURES / "addressing.yaml").read_text(encoding="utf-8"))
    return StaticSource({h: DeviceAddressing.model_validate(v) for h, v in data.items()})


@pytest.fixture(scope="session")
def render_policy() -> Policy:
    """The render-test policy (the shipped one with the overrides the fixture needs)."""
    return load_policy(FIXTURES / "policy.yaml")


@pytest.fixture(scope="session")
def templates_dir() -> Path:
    """The repository's templates folder."""
    return TEMPLATES
