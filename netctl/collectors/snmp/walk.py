"""Fetch scalars and table columns with as few GETBULK requests as possible.

Several columns travel in one GETBULK (row-major in the response), scalars ride along as
non-repeaters of the first request, and each column stops on its own at the end of its subtree.
Every loop is bounded: ``max_requests`` per fetch and ``max_rows`` per column.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from netctl.collectors.snmp import ber
from netctl.collectors.snmp.client import Session, SnmpError, SnmpStatusError

log = logging.getLogger(__name__)

Index = tuple[int, ...]


@dataclass(slots=True)
class FetchResult:
    """Scalars by OID, and for each requested column the rows it has, by index."""

    scalars: dict[bytes, ber.Value] = field(default_factory=dict)
    columns: list[dict[Index, ber.Value]] = field(default_factory=list)
    requests: int = 0
    truncated: bool = False  # a bound was hit before every column ended


def _parent(oid: bytes) -> bytes | None:
    """``X`` for a scalar instance ``X.0``, so a GETNEXT on it returns ``X.0``."""
    return oid[:-1] if len(oid) > 1 and oid[-1] == 0 else None


async def fetch(
    session: Session,
    scalars: Sequence[bytes],
    columns: Sequence[bytes],
    *,
    max_repetitions: int = 25,
    max_varbinds: int = 100,
    max_requests: int = 200,
    max_rows: int = 100_000,
) -> FetchResult:
    """Fetch ``scalars`` (instance OIDs) and walk ``columns`` (column OIDs) of one agent.

    Raises:
        SnmpError: timeouts and error-status (after the caller's retries).
    """
    result = FetchResult(columns=[{} for _ in columns])
    bulk_scalars = [s for s in scalars if _parent(s) is not None]
    get_scalars = [s for s in scalars if _parent(s) is None]
    if get_scalars or (scalars and not columns):
        wanted = list(scalars) if not columns else get_scalars
        for oid, value in await session.get(wanted):
            if not isinstance(value, ber.Special):
                result.scalars[oid] = value
        result.requests += 1
        if not columns:
            return result
        bulk_scalars = []

    prefixes = list(columns)
    cursor = list(columns)
    last: list[Index | None] = [None] * len(columns)
    active = list(range(len(columns)))
    budget = max_varbinds
    pending_scalars = bulk_scalars
    while active:
        if result.requests >= max_requests:
            result.truncated = True
            log.warning("stopped after %d requests with %d column(s) unfinished",
                        result.requests, len(active))
            break
        nr = len(pending_scalars)
        k = len(active)
        reps = max(1, min(max_repetitions, (budget - nr) // k))
        oids = [_parent(s) or s for s in pending_scalars] + [cursor[j] for j in active]
        try:
            varbinds = await session.bulk(oids, nr, reps)
        except SnmpStatusError as exc:
            if exc.status == ber.TOO_BIG and budget > k + nr:
                budget = max(k + nr, budget // 2)
                continue
            raise
        finally:
            result.requests += 1
        for (oid, value), asked in zip(varbinds[:nr], pending_scalars, strict=False):
            if oid == asked and not isinstance(value, ber.Special):
                result.scalars[oid] = value
        pending_scalars = []
        body = varbinds[nr:]
        if not body:
            break
        done: set[int] = set()
        progressed = False
        special = ber.Special
        suffix_arcs = ber.suffix_arcs
        for pos, j in enumerate(active):  # the response is row-major: column j is body[pos::k]
            prefix = prefixes[j]
            plen = len(prefix)
            rows = result.columns[j]
            prev = last[j]
            last_oid = None
            for oid, value in body[pos::k]:
                if not oid.startswith(prefix) or value.__class__ is special:
                    done.add(j)
                    break
                suffix = oid[plen:]
                index = tuple(suffix) if suffix.isascii() else suffix_arcs(suffix)
                if prev is not None and index <= prev:
                    log.warning("agent returned a non-increasing OID in column %s; column "
                                "stopped", ber.oid_to_str(prefix))
                    done.add(j)
                    break
                rows[index] = value
                prev = index
                last_oid = oid
            if last_oid is not None:
                last[j] = prev
                cursor[j] = last_oid
                progressed = True
                if len(rows) >= max_rows:
                    result.truncated = True
                    done.add(j)
        active = [j for j in active if j not in done]
        if not progressed and active:
            msg = "GETBULK made no progress (agent returned nothing usable)"
            raise SnmpError(msg)
    return result
