"""Intended configuration: policy, render context, Jinja2 templates, rendering.

The public calls: :func:`~netctl.config.render.render_device` (what backup/diff/push use),
:func:`~netctl.config.context.build_context`, :func:`~netctl.config.policy.load_policy`.
"""

from netctl.config.context import RenderContext, build_context
from netctl.config.policy import Policy, load_policy
from netctl.config.render import FEATURES, render, render_device, render_many

__all__ = [
    "FEATURES",
    "Policy",
    "RenderContext",
    "build_context",
    "load_policy",
    "render",
    "render_device",
    "render_many",
]
