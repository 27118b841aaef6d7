"""Where a device's push spends its time: wall and thread CPU per step.

A module of its own (standard library only): the benchmark's bare Nornir peer times its steps
with the same clock without importing the push stack.
"""

from __future__ import annotations

import time


class StepClock:
    """Wall and thread-CPU seconds per step of one device's push, summed by step name."""

    def __init__(self) -> None:
        self.steps: dict[str, tuple[float, float]] = {}
        self._wall, self._cpu = time.monotonic(), time.thread_time()

    def mark(self, step: str) -> None:
        """What passed since the last mark belongs to ``step``."""
        wall, cpu = time.monotonic(), time.thread_time()
        w, c = self.steps.get(step, (0.0, 0.0))
        self.steps[step] = (round(w + wall - self._wall, 6), round(c + cpu - self._cpu, 6))
        self._wall, self._cpu = wall, cpu
