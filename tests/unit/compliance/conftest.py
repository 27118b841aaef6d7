"""Fixtures of the compliance tests: the hand-built scenario (compliance_scenario.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from compliance_scenario import Scenario, write_scenario  # type: ignore[import-not-found,unused-ignore]

from netctl.state import StateStore


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scenario(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario, written once per test module and state store backend."""
    url = request.getfixturevalue("pg_server").new_database() if request.param == "postgresql" \
        else None
    return write_scenario(tmp_path_factory.mktemp("scenario"), url=url)


@pytest.fixture
def store(scenario: Scenario) -> Iterator[StateStore]:
    """The scenario's state store."""
    with StateStore(scenario.state_url) as s:
        yield s
