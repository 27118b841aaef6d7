"""Issue 13.1, defence in depth: the renderer refuses a device whose rendered text would carry a
second command, whatever the source of the value (the inventory refuses it first at load).

The injected value is put straight into the render context (as a bug elsewhere, a hand-built
context or an unvalidated source could), bypassing the inventory's validation.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from netctl.config.addressing import StaticSource
from netctl.config.context import RenderContext, build_context
from netctl.config.policy import Policy
from netctl.config.render import check_lines, one_line, render
from netctl.exceptions import RenderError
from netctl.inventory.index import Inventory

render_module = importlib.import_module("netctl.config.render")
ACCESS = "nx640104-0001-sw1"  # Huawei access switch: its ports are printed in the RA-guard list
INJECTED = "GigabitEthernet0/0/5\nundo stelnet server enable"


@pytest.fixture
def ctx(render_inv: Inventory, render_policy: Policy, render_source: StaticSource) -> RenderContext:
    return build_context(render_inv, ACCESS, render_policy, render_source)


def injected(ctx: RenderContext, port: str = INJECTED) -> RenderContext:
    assert ctx.ipv6 is not None and ctx.ipv6.ra_guard is not None
    guard = ctx.ipv6.ra_guard.model_copy(update={"access_ports": [port]})
    return ctx.model_copy(update={"ipv6": ctx.ipv6.model_copy(update={"ra_guard": guard})})


def test_the_clean_context_renders(ctx: RenderContext, templates_dir: Path) -> None:
    assert "GigabitEthernet0/0/1" in render(ctx, "ipv6", templates_dir)


def test_injected_interface_refused_before_rendering(
    ctx: RenderContext, templates_dir: Path
) -> None:
    with pytest.raises(RenderError) as info:
        render(injected(ctx), "ipv6", templates_dir)
    message = str(info.value)
    assert message.startswith(f"{ACCESS}: refused: ipv6.ra_guard.access_ports[0]")
    assert "line break (U+000A)" in message
    assert "\n" not in message


@pytest.mark.parametrize("port", [INJECTED, "Gi0/1\rundo ssh", "Gi0/1\u2028x", "Gi0/1\u202e",
                                  "Gi0/1\x1b[2J"])
def test_finalize_refuses_the_value_with_template_and_line(
    ctx: RenderContext, templates_dir: Path, monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    """Even without the context check, the printed value is refused (Jinja2 finalize)."""
    monkeypatch.setattr(render_module, "check_context", lambda ctx: None)
    with pytest.raises(RenderError) as info:
        render(injected(ctx, port), "ipv6", templates_dir)
    message = str(info.value)
    assert "huawei_vrp/ipv6.j2:" in message and "refused: the value" in message


def test_post_render_check_refuses_a_line_from_the_template(
    ctx: RenderContext, tmp_path: Path
) -> None:
    """A template that itself types a control character is refused too (the last check)."""
    (tmp_path / "huawei_vrp").mkdir()
    (tmp_path / "huawei_vrp" / "ipv6.j2").write_text(
        "sysname {{ hostname }}\nipv6\x07\n", encoding="utf-8")
    with pytest.raises(RenderError) as info:
        render(ctx, "ipv6", tmp_path)
    assert "rendered line 2 is not one command" in str(info.value)
    assert "a control character (U+0007)" in str(info.value)


def test_one_line_and_check_lines() -> None:
    assert one_line("GigabitEthernet 0/1") == "GigabitEthernet 0/1"
    assert one_line(5) == 5 and one_line(None) is None
    with pytest.raises(render_module.UnsafeValue):
        one_line("a\u0085b")
    check_lines("h", "interface Gi0/1\n ipv6 enable\n quit\n")
    with pytest.raises(RenderError):
        check_lines("h", "interface Gi0/1\r\n")
