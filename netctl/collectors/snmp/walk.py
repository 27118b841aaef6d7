"""Fetch scalars and table columns with as few GETBULK requests as possible.

Several columns travel in one GETBULK (row-major in the response), scalars ride along as
non-repeaters of the first request, and each column stops on its own at the end of its subtree.
Every loop is bounded: ``max_requests`` per fetch and ``max_rows`` per column.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netctl.collectors.snmp import ber
from netctl.collectors.snmp.client import Session, SnmpError, SnmpStatusError

log = logging.getLogger(__name__)

Index = tuple[int, ...]
RawBulk = Callable[[Sequence[bytes], int, int], Awaitable[tuple[bytes, int, int]]]
"""A session's ``bulk_raw``: GETBULK returning (message, start, end of the VarBindList's
content), so that the walker reads the varbinds straight into its columns."""


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
    bulk_raw: RawBulk | None = getattr(session, "bulk_raw", None)
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

    # The table's size at the last poll (sessions that remember it: one per device), so that
    # the last request asks for what is left rather than a full budget of varbinds the agent
    # must find and we must read past the end of the table. Only the sizing depends on it.
    hints: dict[tuple[bytes, ...], int] | None = getattr(session, "walk_hints", None)
    hint_key = tuple(columns)
    hint = hints.get(hint_key, 0) if hints is not None else 0
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
        if hint:  # rows left by last poll's count, +1 to see the end: no varbinds past it
            left = hint - min(len(result.columns[j]) for j in active)
            if left >= 0:  # (past it, the table grew: full requests again)
                reps = min(reps, left + 1)
        oids = [_parent(s) or s for s in pending_scalars] + [cursor[j] for j in active]
        try:
            if bulk_raw is not None:
                data, vpos, vend = await bulk_raw(oids, nr, reps)
            else:
                varbinds = await session.bulk(oids, nr, reps)
        except SnmpStatusError as exc:
            if exc.status == ber.TOO_BIG and budget > k + nr:
                budget = max(k + nr, budget // 2)
                continue
            raise
        finally:
            result.requests += 1
        if bulk_raw is not None:
            try:
                head = ber.decode_varbinds(data, vpos, vend, nr) if nr else []
                vpos = ber.skip_varbinds(data, vpos, vend, nr) if nr else vpos
            except ber.BerError as exc:
                raise _undecodable(session, exc) from exc
        else:
            head = varbinds[:nr]
        for (oid, value), asked in zip(head, pending_scalars, strict=False):
            if oid == asked and not isinstance(value, ber.Special):
                result.scalars[oid] = value
        pending_scalars = []
        if bulk_raw is not None:
            if vpos >= vend:
                break
            cols = [result.columns[j] for j in active]
            prevs = [last[j] for j in active]
            cursors: list[bytes | None] = [None] * k
            try:
                ended = scan_columns(data, vpos, vend, [prefixes[j] for j in active], cols,
                                     prevs, cursors)
            except ber.BerError as exc:
                raise _undecodable(session, exc) from exc
            done = {active[p] for p in ended}
            progressed = False
            for p, j in enumerate(active):
                cur = cursors[p]
                if cur is not None:
                    last[j] = prevs[p]
                    cursor[j] = cur
                    progressed = True
                    if len(cols[p]) >= max_rows:
                        result.truncated = True
                        done.add(j)
        else:
            body = varbinds[nr:]
            if not body:
                break
            done, progressed = _columns_from_varbinds(body, active, prefixes, result, last,
                                                      cursor, max_rows)
        active = [j for j in active if j not in done]
        if not progressed and active:
            msg = "GETBULK made no progress (agent returned nothing usable)"
            raise SnmpError(msg)
    if hints is not None and not result.truncated:
        if len(hints) >= 64:
            hints.clear()
        hints[hint_key] = max(map(len, result.columns), default=0)
    return result


def _undecodable(session: Session, exc: ber.BerError) -> SnmpError:
    addr = getattr(session, "addr", None)
    where = f"{addr[0]}:{addr[1]}: " if isinstance(addr, tuple) and len(addr) == 2 else ""
    return SnmpError(f"{where}undecodable response: {exc}")


def _columns_from_varbinds(body: list[ber.VarBind], active: list[int], prefixes: list[bytes],
                           result: FetchResult, last: list[Index | None], cursor: list[bytes],
                           max_rows: int) -> tuple[set[int], bool]:
    """The decoded-varbinds form of :func:`scan_columns` (sessions without ``bulk_raw``)."""
    k = len(active)
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
    return done, progressed


def scan_columns(data: bytes, pos: int, end: int, prefixes: Sequence[bytes],
                 rows: Sequence[dict[Index, ber.Value]], prevs: list[Index | None],
                 cursors: list[bytes | None]) -> set[int]:
    """Read a GETBULK response's repeated varbinds (row-major: varbind ``i`` belongs to column
    ``i % k``) straight into ``rows``, without building a varbind list.

    ``prevs`` (the last index of each column so far) and ``cursors`` (the OID of the last row
    this response stored, else None) are updated in place; the positions of the columns that
    ended (left their subtree, an exception value, a non-increasing OID) are returned. Every
    varbind is checked as :func:`netctl.collectors.snmp.ber.decode_varbinds` checks it, and the
    values are the same (tests/unit/collectors/test_snmp_scan.py).

    A varbind whose head (its SEQUENCE header, the OID and the value's tag and length, all in
    short form) was seen before is not parsed again: :data:`_HEADS` maps those bytes to what
    they say (the same OIDs come back from every device at every poll, and a value's length
    rarely changes). Equal bytes have the same structure, so the checks made when the entry
    was stored hold; the value itself is read every time.

    Raises:
        BerError: malformed varbinds.
    """
    k = len(prefixes)
    ended: set[int] = set()
    live = [True] * k
    unsigned = _UNSIGNED
    from_bytes = int.from_bytes
    heads = _HEADS
    lookup = heads.get
    c = 0
    try:
        while pos < end:
            vs = pos + 6 + data[pos + 3]  # where the value starts if every length is short
            head = data[pos:vs]
            hit = lookup(head)
            if hit is None:
                hit = _read_head(data, pos, head)
                if hit[5] == vs - pos:  # short forms only: the same bytes, the same meaning
                    if len(heads) >= _HEADS_MAX:
                        heads.clear()
                    heads[head] = hit
            oid, tag, vlen, step, got, hlen = hit
            vs = pos + hlen
            pos += step
            if live[c]:
                prefix = prefixes[c]
                if got is None or got[0] != prefix:
                    got = None  # (an exception value ends the column: never given an index)
                    if not 0x80 <= tag <= 0x82 and oid.startswith(prefix):
                        suffix = oid[len(prefix):]
                        got = (prefix,
                               tuple(suffix) if suffix.isascii() else ber.suffix_arcs(suffix))
                        hit[4] = got
                if got is None:
                    live[c] = False
                    ended.add(c)
                else:
                    index = got[1]
                    prev = prevs[c]
                    if prev is not None and index <= prev:
                        log.warning("agent returned a non-increasing OID in column %s; column "
                                    "stopped", ber.oid_to_str(prefix))
                        live[c] = False
                        ended.add(c)
                    else:
                        if tag in unsigned:
                            rows[c][index] = from_bytes(data[vs:vs + vlen], "big")
                        elif tag == 0x04:
                            rows[c][index] = data[vs:vs + vlen]
                        elif tag == 0x02:
                            rows[c][index] = from_bytes(data[vs:vs + vlen], "big", signed=True)
                        else:
                            rows[c][index] = ber.decode_value(tag, data[vs:vs + vlen])
                        prevs[c] = index
                        cursors[c] = oid
            c += 1
            if c == k:
                c = 0
    except IndexError as exc:
        msg = "truncated VarBind"
        raise ber.BerError(msg) from exc
    if pos != end:
        msg = "VarBindList length mismatch"
        raise ber.BerError(msg)
    return ended


def _read_head(data: bytes, pos: int, _head: bytes) -> list[Any]:
    """[OID, value tag, value length, VarBind length, (prefix, index) or None, head length]
    of the VarBind at ``pos``, checked (:func:`netctl.collectors.snmp.ber.varbind_bounds`)."""
    os, oe, tag, vs, ve, vb_end = ber.varbind_bounds(data, pos)
    if ve > len(data):
        raise IndexError
    return [data[os:oe], tag, ve - vs, vb_end - pos, None, vs - pos]


_UNSIGNED = frozenset((0x41, 0x42, 0x43, 0x46, 0x47))
_HEADS: dict[bytes, list[Any]] = {}
"""VarBind head bytes -> :func:`_read_head`'s list (its fifth item: the (column prefix, row
index) the OID was last read under)."""
_HEADS_MAX = 1 << 17
