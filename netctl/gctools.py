"""The cyclic garbage collector around bulk work that keeps a large, long-lived object graph.

A region's inventory is millions of objects, nearly none of them in cycles; each full
collection walks all of them. :func:`long_lived_frozen` keeps what exists when it is entered out
of the collector's walks (:func:`gc.freeze`) while the work runs, and thaws it when the last
concurrent user leaves, unless the caller had frozen objects itself (the CLI freezes the
inventory it loads for the whole command): then it is left frozen, as the caller would have it.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_STATE: list[int | bool] = [0, False]  # users inside; whether objects were frozen before them
_LOCK = threading.Lock()


@contextlib.contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Freeze the objects that exist now for the collector until the block (the last of
    concurrent blocks) ends; nothing stays frozen that was not frozen before."""
    with _LOCK:
        if _STATE[0] == 0:
            _STATE[1] = gc.get_freeze_count() > 0
            gc.freeze()
        _STATE[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _STATE[0] -= 1
            if _STATE[0] == 0 and not _STATE[1]:
                gc.unfreeze()
