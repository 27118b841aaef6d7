"""netctl's own state store: what collectors observed, what pushes did, KPI snapshots."""

from netctl.state.store import KpiRow, Observation, PushDevice, PushRecord, StateStore

__all__ = ["KpiRow", "Observation", "PushDevice", "PushRecord", "StateStore"]
