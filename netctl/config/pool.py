"""A push past one core: the selection split across worker processes, recorded once.

One Python process runs netctl's own work of a push (render, diff, verify, the SSH protocol's
crypto) on one core whatever the devices do: about 40 ms of CPU per device, so ~25 devices/s
at most. :func:`push_in_processes` splits the hostnames into ``processes`` interleaved shards,
runs :func:`netctl.config.push.push` on each in a process of its own (``spawn``: no inherited
threads or sessions; each child loads the inventory again from its folder, through the
caller's parse cache) with the threads
divided between them, streams every device's progress back to the caller, merges the outcomes
in the caller's order and records the run once in the state store — the same result as one
process, sooner.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netctl.config.push import DeviceOutcome, Progress, PushOptions, PushResult, _record, push
from netctl.inventory.index import Inventory
from netctl.inventory.parsecache import cache_folder
from netctl.secrets import Secrets
from netctl.state import StateStore


def _shard(root: str, names: list[str], options: PushOptions, secrets: Secrets,
           progress: Any, cache: Path | None = None) -> list[DeviceOutcome]:
    """In a worker process: push one shard, report each device as it ends."""
    from netctl.inventory.parsecache import use_cache
    from netctl.ipam.merge import load_inventory

    use_cache(cache)  # the caller's parse cache: a spawned process starts without it
    inv = load_inventory(Path(root))

    def forward(hostname: str, status: str, done: int, total: int) -> None:
        del done, total  # counted by the caller over every shard
        progress.put((hostname, status))

    return push(inv, names, options, secrets, on_progress=forward).outcomes


def push_in_processes(
    inv: Inventory, hostnames: list[str], options: PushOptions, secrets: Secrets, *,
    processes: int, store: StateStore | None = None, on_progress: Progress | None = None,
) -> PushResult:
    """Like :func:`netctl.config.push.push`, with the devices shared by ``processes`` processes.

    ``options.workers`` threads are divided between the processes. With one process, or fewer
    devices than processes, it is :func:`push` itself.
    """
    names = list(hostnames)
    if processes <= 1 or len(names) < 2 * processes:
        return push(inv, names, options, secrets, store=store, on_progress=on_progress)
    shards = [names[i::processes] for i in range(processes)]
    per_shard = replace(options, workers=max(1, options.workers // processes),
                        lock_store_url=store.url if store is not None else None)
    result = PushResult(options.feature, options.commit)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        progress = manager.Queue()
        stop = threading.Event()
        done = 0

        def relay() -> None:
            nonlocal done
            while not (stop.is_set() and progress.empty()):
                try:
                    hostname, status = progress.get(timeout=0.2)
                except queue.Empty:
                    continue
                done += 1
                if on_progress is not None:
                    on_progress(hostname, status, done, len(names))

        relayer = threading.Thread(target=relay, name="push-progress", daemon=True)
        relayer.start()
        try:
            with ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as pool:
                futures = [pool.submit(_shard, str(inv.root), shard, per_shard, secrets,
                                       progress, cache_folder()) for shard in shards]
                by_host: dict[str, DeviceOutcome] = {}
                for shard, future in zip(shards, futures, strict=True):
                    try:
                        outcomes = future.result()
                    except Exception as exc:  # a worker died: its devices are failed
                        outcomes = [DeviceOutcome(h, inv.devices[h].platform, "failed",
                                                  error=f"worker process: {exc!r}")
                                    for h in shard]
                    by_host.update((o.hostname, o) for o in outcomes)
        finally:
            stop.set()
            with contextlib.suppress(RuntimeError):
                relayer.join(timeout=10)
    result.outcomes = [by_host[h] for h in names]
    result.finished_at = datetime.now(UTC)
    if store is not None:
        result.push_id = store.record_push(_record(result, options))
    return result
