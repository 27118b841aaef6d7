"""An asyncio server run in a background thread of the test process (the lab's DNS, websites and
SNMP agents): the loop, its thread, and whether it came up."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Started:
    """The server's start: ``ready`` is set once it listens (or when it failed)."""

    ready: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)

    def failure(self, timeout: float) -> str | None:
        """None once listening within ``timeout`` seconds, else why not."""
        if self.ready.wait(timeout) and not self.errors:
            return None
        return str(self.errors[0]) if self.errors else "timeout"


def start_loop_thread(serve: Callable[[threading.Event], Coroutine[Any, Any, None]], *,
                      name: str) -> tuple[asyncio.AbstractEventLoop, threading.Thread, Started]:
    """Run ``serve(ready)`` on a new event loop in a daemon thread; ``serve`` sets ``ready``
    once it listens and returns when told to stop."""
    started = Started()
    loop = asyncio.new_event_loop()

    def main() -> None:
        try:
            loop.run_until_complete(serve(started.ready))
        except BaseException as exc:
            started.errors.append(exc)
            started.ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=main, name=name, daemon=True)
    thread.start()
    return loop, thread, started
