"""Fuzz: whatever string reaches a render context, the output is one command per line or the
device is refused (defence in depth behind the inventory's validation)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from fuzz_strategies import nasty_text  # type: ignore[import-not-found,unused-ignore]
from hypothesis import given
from hypothesis import strategies as st

from netctl.config.addressing import DeviceAddressing, StaticSource
from netctl.config.context import RenderContext, build_context
from netctl.config.policy import load_policy
from netctl.config.render import render
from netctl.exceptions import RenderError
from netctl.inventory.index import load_inventory
from netctl.models.text import problem_in
from netctl.testing.hostile import bounded

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "render"
TEMPLATES = REPO / "templates"
ACCESS = {"huawei_vrp": "nx640104-0001-sw1", "hp_comware": "nx640104-0002-sw1",
          "cisco_ios": "nx640104-0004-sw1"}


@cache
def contexts() -> dict[str, RenderContext]:
    inv = load_inventory(FIXTURES / "inventory")
    data = yaml.safe_load((FIXTURES / "addressing.yaml").read_text(encoding="utf-8"))
    source = StaticSource({h: DeviceAddressing.model_validate(v) for h, v in data.items()})
    policy = load_policy(FIXTURES / "policy.yaml")
    return {p: build_context(inv, h, policy, source) for p, h in ACCESS.items()}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Load the fixture and compile the templates once, outside the timed examples."""
    for ctx in contexts().values():
        render(ctx, "ipv6", TEMPLATES)


@given(platform=st.sampled_from(sorted(ACCESS)), ports=st.lists(nasty_text, min_size=1, max_size=3),
       trusted=st.lists(nasty_text, max_size=2))
def test_hostile_ports_never_become_commands(platform: str, ports: list[str],
                                             trusted: list[str]) -> None:
    ctx = contexts()[platform]
    assert ctx.ipv6 is not None and ctx.ipv6.ra_guard is not None
    guard = ctx.ipv6.ra_guard.model_copy(update={"access_ports": ports, "trusted_ports": trusted})
    bad = ctx.model_copy(update={"ipv6": ctx.ipv6.model_copy(update={"ra_guard": guard})})
    try:
        text = bounded(lambda: render(bad, "ipv6", TEMPLATES))
    except RenderError as exc:
        assert "\n" not in str(exc)
        return
    for value in ports + trusted:  # rendered: then every value was a single printable line
        assert problem_in(value) is None, value
    for line in text.splitlines():
        assert problem_in(line) is None, line
