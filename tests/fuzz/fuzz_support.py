"""Helpers of the fuzz suite (imported by its modules; conftest.py sets the profile)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MEMORY_LIMIT = 64 << 20
"""Peak memory one case may allocate (tracemalloc), far above any legitimate small input."""


def bounded(func: Callable[[], T], limit: int = MEMORY_LIMIT) -> T:
    """Run ``func`` and fail if it allocated more than ``limit`` bytes at its peak."""
    tracemalloc.start()
    try:
        result = func()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < limit, f"one case allocated {peak / 2**20:.1f} MiB"
    return result
