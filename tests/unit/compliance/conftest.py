"""Fixtures of the compliance tests: the hand-built scenario (compliance_scenario.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from compliance_scenario import Scenario, write_scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.state import StateStore


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario, written once per test module."""
    return write_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture
def store(scenario: Scenario) -> Iterator[StateStore]:
    """The scenario's state store."""
    with StateStore(scenario.state_url) as s:
        yield s
