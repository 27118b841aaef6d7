"""Intended configuration: policy, render context, Jinja2 templates, rendering.

The public calls: :func:`~netctl.config.render.render_device` (what backup/diff/push use),
:func:`~netctl.config.context.build_context`, :func:`~netctl.config.policy.load_policy`.

They are imported when first asked for (PEP 562): importing a submodule such as
:mod:`netctl.config.connect` does not load the render stack (pydantic models, Jinja2).
``netctl.config.render`` is the module (its :func:`~netctl.config.render.render` is not
re-exported under the same name).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netctl.config.context import RenderContext, build_context
    from netctl.config.policy import Policy, load_policy
    from netctl.config.render import FEATURES, render_device, render_many

_WHERE = {
    "RenderContext": "context", "build_context": "context",
    "Policy": "policy", "load_policy": "policy",
    "FEATURES": "render", "render_device": "render", "render_many": "render",
}

__all__ = [
    "FEATURES",
    "Policy",
    "RenderContext",
    "build_context",
    "load_policy",
    "render_device",
    "render_many",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'netctl.config' has no attribute '{name}'"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"netctl.config.{module}"), name)
    globals()[name] = value
    return value
