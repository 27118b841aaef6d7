"""InfluxDB sink: batches of line protocol through influxdb-client's v2 write API.

* batching: points accumulate and are written every ``flush_interval_s`` or ``batch_size``;
* gzip on the wire (``enable_gzip``), millisecond precision, explicit timestamps;
* retries with exponential backoff for a fresh batch, then the disk spool
  (:mod:`netctl.collectors.sinks.spool`); while the spool holds data, new batches join it so
  the order is kept and a down server is not hammered; a background loop replays it, oldest
  first, with backoff, and deletes a file only after a successful write;
* a batch the server rejects as malformed (HTTP 400/422) is logged and dropped: keeping it would
  block the spool for ever; a spool file that cannot be read back is quarantined (see
  :mod:`netctl.collectors.sinks.spool`), never retried for ever.

The HTTP call is blocking (urllib3), so it runs in a worker thread; the event loop keeps
polling meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from netctl.collectors.config import InfluxSettings
from netctl.collectors.sinks.spool import Spool

log = logging.getLogger(__name__)

MAX_REPLAY_PER_ROUND = 64


class InfluxSink:
    """Buffered, spooled writes to one bucket."""

    def __init__(self, settings: InfluxSettings, spool_dir: Path, token: str | None) -> None:
        self.settings = settings
        self.token = token
        self.spool = Spool(spool_dir, int(settings.spool_max_mb * 1_000_000))
        self._buffer: list[str] = []
        self._lock = asyncio.Lock()
        self._client: Any = None
        self._write_api: Any = None
        self._down_until = 0.0
        self._backoff = settings.backoff_s
        self.points_written = 0
        self.points_rejected = 0
        self.write_failures = 0

    # -- public -------------------------------------------------------------------------------
    def add(self, lines: Iterable[str]) -> None:
        """Queue lines; they are written on the next flush."""
        self._buffer.extend(lines)

    @property
    def buffered(self) -> int:
        """Points waiting in memory."""
        return len(self._buffer)

    @property
    def due(self) -> bool:
        """Whether the buffer reached a batch."""
        return len(self._buffer) >= self.settings.batch_size

    async def flush(self, *, final: bool = False) -> None:
        """Write the buffer (and replay the spool); what cannot be written is spooled.

        ``final`` (shutdown): one attempt per batch, no backoff sleeps.
        """
        async with self._lock:
            batch, self._buffer = self._buffer, []
            chunks = _chunks(batch, self.settings.batch_size)
            if self.spool or time.monotonic() < self._down_until:
                for chunk in chunks:
                    self.spool.put(chunk)
                await self._replay(final=final)
                return
            retries = 0 if final else self.settings.max_retries
            for i, chunk in enumerate(chunks):
                if not await self._write(chunk, retries):
                    for rest in chunks[i:]:
                        self.spool.put(rest)
                    self._mark_down()
                    return

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every ``flush_interval_s`` (and replay the spool) until ``stop`` is set."""
        while not stop.is_set():
            try:
                async with asyncio.timeout(self.settings.flush_interval_s):
                    await stop.wait()
            except TimeoutError:
                pass
            if stop.is_set():
                break
            try:
                await self.flush()
            except Exception:  # a sink never takes the daemon down
                log.exception("InfluxDB flush failed")

    async def close(self) -> None:
        """Final flush (spooling what cannot be written) and close the client."""
        await self.flush(final=True)
        if self._client is not None:
            await asyncio.to_thread(self._client.close)
            self._client = None

    # -- internals ----------------------------------------------------------------------------
    def _mark_down(self) -> None:
        self._down_until = time.monotonic() + self._backoff
        log.warning("InfluxDB at %s unreachable: spooling to %s (%d points waiting); next try "
                    "in %.0f s", self.settings.url, self.spool.folder, self.spool.points,
                    self._backoff)
        self._backoff = min(self._backoff * 2, self.settings.backoff_max_s)

    async def _replay(self, *, final: bool = False) -> None:
        if time.monotonic() < self._down_until and not final:
            return
        for _round, item in zip(range(MAX_REPLAY_PER_ROUND), self.spool.files(), strict=False):
            lines = self.spool.load(item)
            if lines is None:  # unreadable: quarantined, go on with the next file
                continue
            if not await self._write(lines, 0):
                self._mark_down()
                return
            Spool.done(item)
            log.info("replayed %d spooled points (%s)", item.points, item.path.name)
        if not self.spool:
            self._backoff = self.settings.backoff_s
            self._down_until = 0.0

    async def _write(self, lines: list[str], retries: int) -> bool:
        delay = self.settings.backoff_s
        for attempt in range(retries + 1):
            outcome = await asyncio.to_thread(self._post, lines)
            if outcome != "retry":
                return True
            self.write_failures += 1
            if attempt < retries:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.backoff_max_s)
        return False

    def _api(self) -> Any:
        if self._write_api is None:
            from influxdb_client.client.influxdb_client import InfluxDBClient
            from influxdb_client.client.write_api import SYNCHRONOUS

            self._client = InfluxDBClient(
                url=self.settings.url, token=self.token or "", org=self.settings.org,
                timeout=int(self.settings.timeout_s * 1000), enable_gzip=self.settings.gzip)
            self._write_api = self._client.write_api(write_options=SYNCHRONOUS)
        return self._write_api

    def _post(self, lines: list[str]) -> str:
        """One HTTP write: ``ok``, ``rejected`` (malformed, dropped) or ``retry``."""
        from influxdb_client.domain.write_precision import WritePrecision
        from influxdb_client.rest import ApiException

        if not lines:
            return "ok"
        try:
            self._api().write(bucket=self.settings.bucket, org=self.settings.org,
                              record="\n".join(lines), write_precision=WritePrecision.MS)
        except ApiException as exc:
            if exc.status in (400, 422):
                self.points_rejected += len(lines)
                log.error("InfluxDB rejected %d points (HTTP %s): %s; batch dropped",  # noqa: TRY400
                          len(lines), exc.status, (exc.body or "")[:300])
                return "rejected"
            log.warning("InfluxDB write failed: HTTP %s %s", exc.status, exc.reason)
            return "retry"
        except Exception as exc:
            log.warning("InfluxDB write failed: %s", type(exc).__name__)
            return "retry"
        self.points_written += len(lines)
        return "ok"


def _chunks(lines: list[str], size: int) -> list[list[str]]:
    return [lines[i:i + size] for i in range(0, len(lines), size)]
