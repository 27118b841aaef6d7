"""The multi-column GETBULK walker against an in-memory agent with net-snmp's limits."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import pytest

from netctl.collectors.snmp import ber
from netctl.collectors.snmp.client import SnmpError, SnmpStatusError
from netctl.collectors.snmp.walk import fetch

IFX = "1.3.6.1.2.1.31.1.1.1"


class FakeAgent:
    """GET/GETBULK over a sorted MIB; truncates responses at ``cap`` varbinds (snmpd: 100)."""

    def __init__(self, mib: dict[str, ber.Value], cap: int = 100,
                 too_big_above: int | None = None) -> None:
        self.rows = sorted((tuple(int(a) for a in k.split(".")), v) for k, v in mib.items())
        self.keys = [k for k, _ in self.rows]
        self.cap = cap
        self.too_big_above = too_big_above
        self.requests = 0
        self.sizes: list[int] = []

    def _next(self, oid: bytes) -> ber.VarBind:
        arcs = ber.oid_arcs(oid)
        i = bisect.bisect_right(self.keys, arcs)
        if i >= len(self.rows):
            return oid, ber.END_OF_MIB_VIEW
        k, v = self.rows[i]
        return ber.encode_oid(k), v

    async def get(self, oids: Sequence[bytes]) -> list[ber.VarBind]:
        self.requests += 1
        found = dict(self.rows)
        return [(o, found.get(ber.oid_arcs(o), ber.NO_SUCH_INSTANCE)) for o in oids]

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        self.requests += 1
        if self.too_big_above and non_repeaters + (len(oids) - non_repeaters) * max_repetitions \
                > self.too_big_above:
            raise SnmpStatusError(ber.TOO_BIG, 0)
        out = [self._next(o) for o in oids[:non_repeaters]]
        cursors = list(oids[non_repeaters:])
        for _ in range(max_repetitions):
            row = [self._next(c) for c in cursors]
            out += row
            cursors = [o for o, _ in row]
        out = out[:self.cap]
        self.sizes.append(len(out))
        return out


def switch(ports: int) -> dict[str, ber.Value]:
    mib: dict[str, ber.Value] = {"1.3.6.1.2.1.1.3.0": 4242, "1.3.6.1.2.1.1.5.0": b"sw"}
    for i in range(1, ports + 1):
        mib[f"{IFX}.1.{i}"] = f"Gi0/{i}".encode()
        mib[f"{IFX}.6.{i}"] = 1000 * i
        mib[f"{IFX}.10.{i}"] = 2000 * i
        mib[f"{IFX}.15.{i}"] = 1000
    mib["1.3.6.1.2.1.47.1.1.1.1.2.1"] = b"after the table"
    return mib


def cols(*names: int) -> list[bytes]:
    return [ber.encode_oid(f"{IFX}.{n}") for n in names]


@pytest.mark.parametrize(("ports", "max_rep", "cap"), [(49, 25, 100), (49, 50, 100), (3, 25, 100),
                                                       (200, 25, 64), (1, 1, 100), (49, 25, 7)])
async def test_walk_every_row_of_every_column(ports: int, max_rep: int, cap: int) -> None:
    agent = FakeAgent(switch(ports), cap=cap)
    sysuptime = ber.encode_oid("1.3.6.1.2.1.1.3.0")
    r = await fetch(agent, [sysuptime], cols(1, 6, 10, 15), max_repetitions=max_rep,
                    max_varbinds=cap)
    assert r.scalars == {sysuptime: 4242}
    assert [len(c) for c in r.columns] == [ports] * 4
    assert r.columns[1][(ports,)] == 1000 * ports
    assert not r.truncated
    assert r.requests == agent.requests


async def test_several_columns_per_request_needs_few_requests() -> None:
    """49 rows x 10 columns through snmpd's 100-value cap: 5 responses + 1 end."""
    agent = FakeAgent(switch(49) | {f"{IFX}.{c}.{i}": i for c in (2, 3, 4, 5, 7, 8)
                                    for i in range(1, 50)})
    r = await fetch(agent, [], cols(1, 2, 3, 4, 5, 6, 7, 8, 10, 15), max_varbinds=100)
    assert all(len(c) == 49 for c in r.columns)
    assert agent.requests <= 6


async def test_columns_of_different_lengths() -> None:
    mib = switch(10)
    for i in range(11, 31):
        mib[f"{IFX}.6.{i}"] = i
    agent = FakeAgent(mib)
    r = await fetch(agent, [], cols(1, 6))
    assert [len(c) for c in r.columns] == [10, 30]


async def test_empty_and_missing_columns() -> None:
    agent = FakeAgent(switch(3))
    r = await fetch(agent, [ber.encode_oid("1.3.6.1.2.1.1.99.0")], cols(99, 1))
    assert r.columns[0] == {}
    assert len(r.columns[1]) == 3
    assert r.scalars == {}


async def test_scalars_only_use_get() -> None:
    agent = FakeAgent(switch(3))
    oids = [ber.encode_oid("1.3.6.1.2.1.1.5.0"), ber.encode_oid("1.3.6.1.2.1.1.3.0")]
    r = await fetch(agent, oids, [])
    assert r.requests == 1
    assert list(r.scalars.values()) == [b"sw", 4242]


async def test_too_big_halves_the_request() -> None:
    agent = FakeAgent(switch(49), too_big_above=30)
    r = await fetch(agent, [], cols(1, 6, 10, 15), max_repetitions=25, max_varbinds=100)
    assert all(len(c) == 49 for c in r.columns)
    assert max(agent.sizes) <= 30


async def test_bounded_by_max_requests() -> None:
    agent = FakeAgent(switch(200), cap=10)
    r = await fetch(agent, [], cols(1), max_requests=5, max_varbinds=10)
    assert r.truncated
    assert agent.requests == 5


class LoopingAgent(FakeAgent):
    """A broken agent that answers the same row again and again."""

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        self.requests += 1
        return [(ber.encode_oid(f"{IFX}.1.5"), b"again")] * max_repetitions


async def test_non_increasing_oids_stop_the_column() -> None:
    agent = LoopingAgent({})
    r = await fetch(agent, [], cols(1), max_requests=50)
    assert r.columns[0] == {(5,): b"again"}
    assert agent.requests <= 2


class SilentAgent(FakeAgent):
    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        raise SnmpError("timeout")


async def test_errors_propagate() -> None:
    with pytest.raises(SnmpError):
        await fetch(SilentAgent({}), [], cols(1))
