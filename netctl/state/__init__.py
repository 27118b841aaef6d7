"""netctl's own state store: what collectors observed, what pushes did, KPI snapshots.

The names below are imported from :mod:`netctl.state.store` when first used, so that a module
that only needs :mod:`netctl.state.filelock` does not import SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netctl.state.store import KpiRow, Observation, PushDevice, PushRecord, StateStore

__all__ = ["KpiRow", "Observation", "PushDevice", "PushRecord", "StateStore"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from netctl.state import store

        return getattr(store, name)
    raise AttributeError(name)
