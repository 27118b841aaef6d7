"""The walker's column scanner (varbinds read straight from the message) against the decoded
varbind path it replaced, on the recorded agents of tests/fixtures/snmp (one of them an excerpt
of a real Huawei AC6605, see SOURCES.md): the same rows, the same points, byte for byte.

Responses are real BER messages, encoded here from the snmprec records the way an agent sends
them (row-major GETBULK, at most ``cap`` varbinds, endOfMibView past the end), so both paths
decode the same bytes.
"""

from __future__ import annotations

import asyncio
import bisect
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from netctl.collectors.points import FieldSet, LineBuilder, Point, lines
from netctl.collectors.rates import counter_rate
from netctl.collectors.snmp import ber
from netctl.collectors.snmp.convert import (
    CompiledProfile,
    CounterStore,
    DeviceTags,
    compile_profile,
    convert,
)
from netctl.collectors.snmp.expr import PollData, build
from netctl.collectors.snmp.profile import Expr, load_profiles
from netctl.collectors.snmp.walk import FetchResult, fetch, scan_columns

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "fixtures" / "snmp" / "data"
RECORDINGS = sorted(DATA.glob("*.snmprec"))
PROFILES = {**load_profiles(ROOT / "collectors" / "snmp" / "profiles")}
TAGS = {"2": 0x02, "4": 0x04, "4x": 0x04, "6": 0x06, "64": 0x40, "65": 0x41, "66": 0x42,
        "67": 0x43, "70": 0x46}


def _content(kind: str, text: str) -> bytes:
    """The BER content bytes of one snmprec value."""
    tag = TAGS[kind]
    if kind == "4x":
        return bytes.fromhex(text)
    if tag == 0x04:
        return text.encode()
    if tag == 0x06:
        return ber.encode_oid(text)
    if tag == 0x40:
        return bytes(int(a) for a in text.split("."))
    value = int(text)
    if tag == 0x02:
        return ber.encode_integer(value)[2:]
    return value.to_bytes(value.bit_length() // 8 + 1, "big")  # unsigned: a leading 0 bit


def load_snmprec(path: Path) -> list[tuple[tuple[int, ...], bytes]]:
    """Sorted (OID arcs, encoded VarBind tail: value TLV) of a recording."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        oid, kind, text = line.split("|", 2)
        rows.append((tuple(int(a) for a in oid.split(".")),
                     ber.tlv(TAGS[kind], _content(kind, text))))
    return sorted(rows)


class RecordedAgent:
    """GET/GETBULK over a recording, answering with encoded SNMPv2c Response messages."""

    def __init__(self, rows: list[tuple[tuple[int, ...], bytes]], cap: int) -> None:
        self.rows = rows
        self.keys = [k for k, _ in rows]
        self.cap = cap
        self.requests = 0
        self.addr = ("192.0.2.1", 161)
        self.walk_hints: dict[tuple[bytes, ...], int] | None = None

    def _next(self, arcs: tuple[int, ...]) -> tuple[tuple[int, ...], bytes]:
        i = bisect.bisect_right(self.keys, arcs)
        if i >= len(self.rows):
            return arcs, b"\x82\x00"
        return self.rows[i]

    def _message(self, varbinds: list[tuple[tuple[int, ...], bytes]]) -> bytes:
        body = b"".join(ber.tlv(0x30, ber.tlv(0x06, ber.encode_oid(k)) + v)
                        for k, v in varbinds)
        pdu = ber.tlv(ber.RESPONSE, ber.encode_integer(self.requests) + b"\x02\x01\x00"
                      + b"\x02\x01\x00" + ber.tlv(0x30, body))
        return ber.encode_v2c(b"public", pdu)

    def _bulk(self, oids: Sequence[bytes], nr: int, reps: int) -> bytes:
        self.requests += 1
        out = [self._next(ber.oid_arcs(o)) for o in oids[:nr]]
        cursors = [ber.oid_arcs(o) for o in oids[nr:]]
        for _ in range(reps):
            for j, cur in enumerate(cursors):
                if len(out) >= self.cap:
                    break
                found = self._next(cur)
                out.append(found)
                cursors[j] = found[0]
        return self._message(out)

    async def get(self, oids: Sequence[bytes]) -> list[ber.VarBind]:
        self.requests += 1
        found = dict(self.rows)
        msg = self._message([(a, found.get(a, b"\x81\x00"))
                             for a in (ber.oid_arcs(o) for o in oids)])
        return ber.decode_v2c(msg)[4]

    async def bulk(self, oids: Sequence[bytes], non_repeaters: int,
                   max_repetitions: int) -> list[ber.VarBind]:
        return ber.decode_v2c(self._bulk(oids, non_repeaters, max_repetitions))[4]


class RawRecordedAgent(RecordedAgent):
    """The same agent, also offering ``bulk_raw`` (what the lean sessions do)."""

    async def bulk_raw(self, oids: Sequence[bytes], non_repeaters: int,
                       max_repetitions: int) -> tuple[bytes, int, int]:
        msg = self._bulk(oids, non_repeaters, max_repetitions)
        _rid, _status, _index, start, end = ber.decode_v2c_header(msg)
        return msg, start, end


def _fetch(agent: RecordedAgent, compiled: CompiledProfile) -> FetchResult:
    return asyncio.run(fetch(agent, compiled.scalar_oids, compiled.column_oids,
                             max_repetitions=25, max_varbinds=agent.cap))


def _lines(compiled: CompiledProfile, polls: list[FetchResult]) -> list[str]:
    counters = CounterStore()
    out: list[str] = []
    wanted = _recorder()
    for n, result in enumerate(polls):
        conv = convert(compiled, result, DeviceTags(device="sw1", role="access", county="640104"),
                       time_ms=1_700_000_000_000 + 60_000 * n, counters=counters,
                       now_s=60.0 * n, state_wanted=wanted,
                       ap_tags=lambda _ap: None, inventory=lambda _ap, _attr: "802.11ax")
        out += lines(conv.points)
        # the line the converter wrote with each point is the one Point.line() would write
        assert [p.encoded for p in conv.points] == [replace(p, encoded="").line()
                                                     for p in conv.points]
        out += [repr(o) for o in conv.observations]
        out += [repr(r) for r in conv.ap_reports]
    return out


@pytest.mark.parametrize("cap", [100, 37, 25])
@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.stem)
def test_scanner_reads_what_the_varbind_path_reads(recording: Path, cap: int) -> None:
    rows = load_snmprec(recording)
    for name, profile in PROFILES.items():
        compiled = compile_profile(profile)
        reference = _fetch(RecordedAgent(rows, cap), compiled)
        scanned = _fetch(RawRecordedAgent(rows, cap), compiled)
        assert scanned == reference, (recording.stem, name)
        # a session that remembers the table's size sizes its last request by it: same rows
        hinted = RawRecordedAgent(rows, cap)
        hinted.walk_hints = {}
        for _ in range(2):
            again = _fetch(hinted, compiled)
            assert (again.scalars, again.columns, again.truncated) == (
                reference.scalars, reference.columns, reference.truncated), (recording.stem, name)
            assert again.requests <= reference.requests
        # a second recording of the same device 60 s later (counters moved) for the rates
        later = FetchResult(
            scalars={k: v + 6000 if isinstance(v, int) else v
                     for k, v in reference.scalars.items()},
            columns=[{i: v + 7_919 * (hash(i) % 5) if isinstance(v, int) else v
                      for i, v in col.items()} for col in reference.columns])
        assert _lines(compiled, [scanned, later]) == _lines(compiled, [reference, later])


def test_scanner_checks_what_decode_varbinds_checks() -> None:
    """Malformed varbinds fail the same way on both paths (never a silent short column)."""
    good = ber.tlv(0x30, ber.tlv(0x06, ber.encode_oid("1.3.6.1.2.1.2.2.1.8.1")) + b"\x02\x01\x01")
    prefix = ber.encode_oid("1.3.6.1.2.1.2.2.1.8")
    for bad in (good[:-1], good[:3], b"\x31" + good[1:],
                good.replace(b"\x02\x01\x01", b"\x02\x05\x01"), good + b"\x30\x02\x05\x00"):
        with pytest.raises(ber.BerError):
            ber.decode_varbinds(bad, 0, len(bad))
        with pytest.raises(ber.BerError):
            scan_columns(bad, 0, len(bad), [prefix], [{}], [None], [None])
    rows: dict[tuple[int, ...], ber.Value] = {}
    assert scan_columns(good, 0, len(good), [prefix], [rows], [None], [None]) == set()
    assert rows == {(1,): 1}


def test_scanner_long_form_lengths() -> None:
    """A long string (long-form lengths) and multi-byte index arcs."""
    value = b"x" * 300
    oid = ber.encode_oid("1.3.6.1.2.1.31.1.1.1.18.70000")
    vb = ber.tlv(0x30, ber.tlv(0x06, oid) + ber.tlv(0x04, value))
    prefix = ber.encode_oid("1.3.6.1.2.1.31.1.1.1.18")
    rows: dict[tuple[int, ...], ber.Value] = {}
    cursors: list[bytes | None] = [None]
    scan_columns(vb, 0, len(vb), [prefix], [rows], [None], cursors)
    assert rows == {(70000,): value}
    assert cursors == [oid]
    assert ber.decode_varbinds(vb, 0, len(vb)) == [(oid, value)]


def test_rate_fast_path_equals_counter_rate() -> None:
    """The rate expression's inline common case gives counter_rate's float, bit for bit."""
    rnd = random.Random(17)
    for _ in range(3000):
        bits = rnd.choice((32, 64))
        prev_raw = rnd.randrange(1 << bits)
        cur_raw = (prev_raw + rnd.choice((0, 1, rnd.randrange(1 << 40), -rnd.randrange(100))))
        cur_raw %= 1 << bits
        up0 = rnd.choice((None, rnd.randrange(1 << 32)))
        up1 = None if up0 is None else (up0 + rnd.choice((0, 6000, 5999, -5, 1))) % (1 << 32)
        speed = rnd.choice((None, 0, 1, 100, 1000, 100_000))
        col = "ifHCInOctets" if bits == 64 else "ifInOctets"
        samples: dict[tuple[str, str, tuple[int, ...]], tuple[int, int | None, float]] = {
            ("p", col, (1,)): (prev_raw, up0, 0.0)}
        data = PollData("p", {}, {"t": {col: {(1,): cur_raw}, "spd": {(1,): speed}}}, "t",
                        {col: "counter64" if bits == 64 else "counter32"}, samples, up1, 60.0)
        expr = Expr.model_validate({"rate": col, "scale": 8, "cap_mbps": "spd"})
        got = build(expr, data)((1,), {})
        want = counter_rate((prev_raw, up0, 0.0), (cur_raw, up1, 60.0), bits=bits, scale=8,
                            max_rate=float(speed) * 1e6 if speed else None)
        assert got == want or (got is None and want is None)
        assert type(got) is type(want)


def test_line_builder_equals_point_line() -> None:
    """Fields of every kind (escaping, int64 overflow, bool, None, int/str subclasses)."""
    import enum

    class Speed(enum.IntEnum):
        FAST = 2**63 + 5

    class Name(str):
        pass

    base = (("city", "6401"), ("county", ""), ("device", "sw 1,a=b"))
    values: dict[str, object] = {
        "a": 1, "b": 2**63, "c": 2**63 - 1, "d": -5, "e": 1.5, "f": float("1e300"),
        "g": 'x "y" \\ z', "h": True, "i": None, "j": b"raw", "k": Speed.FAST,
        "l": Name("n=1"), "m ,=": 0.1 + 0.2, "n": "",
    }
    builder = LineBuilder("snmp_interface", base)
    for extra in ((), (("ifname", "Gi0/1"),), (("ifname", ""), ("ifalias", "up link\\"))):
        for names in (list(values), ["i", "j"], ["b"], ["a", "m ,="]):
            fields, text = builder.fields(values, builder.keyed(names))
            point = Point("snmp_interface", base + extra, fields, 1700000000000)
            if fields:
                assert f"{builder.head(extra)} {text} 1700000000000" == point.line()
            else:
                assert text == ""


def test_scanner_cache_keeps_prefix_tag_and_length_apart() -> None:
    """The same OID read under another column prefix, with another value length or type."""
    oid = ber.encode_oid("1.3.6.1.2.1.2.2.1.10.7")

    def vb(value_tlv: bytes) -> bytes:
        return ber.tlv(0x30, ber.tlv(0x06, oid) + value_tlv)

    column = ber.encode_oid("1.3.6.1.2.1.2.2.1.10")
    table = ber.encode_oid("1.3.6.1.2.1.2.2.1")
    for prefix, index in ((column, (7,)), (table, (10, 7)), (column, (7,))):
        for value_tlv, value in ((b"\x41\x01\x05", 5), (b"\x41\x02\x01\x00", 256),
                                 (b"\x02\x01\xff", -1), (b"\x04\x02ab", b"ab"),
                                 (b"\x41\x01\x06", 6)):
            data = vb(value_tlv)
            rows: dict[tuple[int, ...], ber.Value] = {}
            scan_columns(data, 0, len(data), [prefix], [rows], [None], [None])
            assert rows == {index: value}
            assert ber.decode_varbinds(data, 0, len(data)) == [(oid, value)]
    other = ber.encode_oid("1.3.6.1.2.1.2.2.1.11")
    data = vb(b"\x41\x01\x05")
    rows = {}
    assert scan_columns(data, 0, len(data), [other], [rows], [None], [None]) == {0}
    assert rows == {}
    truncated = data[:-1]
    with pytest.raises(ber.BerError):
        scan_columns(truncated, 0, len(truncated), [column], [{}], [None], [None])


def test_new_point_equals_point() -> None:
    """new_point (no dataclass __init__) makes the same frozen Point."""
    from dataclasses import FrozenInstanceError

    from netctl.collectors.points import new_point

    args = ("snmp_interface", (("device", "sw1"),), {"a": 1}, 1700000000000, "x a=1i 1")
    made, want = new_point(*args), Point(*args)
    assert made == want
    assert repr(made) == repr(want)
    assert hash(made.tags) == hash(want.tags)
    assert (made.measurement, made.tags, made.fields, made.time_ms, made.encoded) == args
    with pytest.raises(FrozenInstanceError):
        made.time_ms = 5  # type: ignore[misc]


def test_field_set_equals_line_builder() -> None:
    """The planned rows (ints, floats, None) and every other row give LineBuilder's result."""
    rnd = random.Random(5)
    names = ["oper_status", "in_bps", "x%d", "speed mbps", "u"]
    choices: list[object] = [None, 0, 1, -7, 2**63 - 1, 2**63, 1.5, 0.1 + 0.2, float("inf"),
                             float("nan"), 1e300, True, "up", 'a "q"']
    for width in (0, 1, 2, 5):
        fs = FieldSet(names[:width])
        keyed = LineBuilder.keyed(names[:width])
        for _ in range(400):
            values = {n: rnd.choice(choices) for n in names}
            got, want = fs.row(values), LineBuilder.fields(values, keyed)
            assert repr(got) == repr(want)


def test_walk_hint_survives_a_grown_table() -> None:
    """A table that grew since the last poll is walked whole, in a few full requests."""
    compiled = compile_profile(PROFILES["if_mib"])
    small = load_snmprec(DATA / "huawei-sw.snmprec")
    agent = RawRecordedAgent(small, 100)
    agent.walk_hints = {}
    first = _fetch(agent, compiled)
    rows = len(first.columns[0])
    grown = small + [((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1, 1000 + i), ber.tlv(0x04, b"x"))
                     for i in range(400)]
    agent.rows = sorted(grown)
    agent.keys = [k for k, _ in agent.rows]
    before = agent.requests
    result = _fetch(agent, compiled)
    assert len(result.columns[0]) == rows + 400
    assert not result.truncated
    reference = _fetch(RecordedAgent(sorted(grown), 100), compiled)
    assert result.columns == reference.columns
    assert agent.requests - before <= reference.requests + 2


def _reference_points(compiled: CompiledProfile, result: FetchResult, device: DeviceTags,
                      time_ms: int, counters: CounterStore, now_s: float,
                      wanted: StateFilter | None = None) -> tuple[list[str], list[str]]:
    """The converter's points and observations by the plain path: every expression through
    its :func:`build` closure row by row (no runs of plain columns, no inline lookups, no
    columns), the fields by :meth:`LineBuilder.fields`, each line by :meth:`Point.line` (no
    ``encoded`` text), the state filter asked value by value; (lines, observations' repr)."""
    from datetime import UTC, datetime

    from netctl.collectors.snmp.convert import _address_lists, decode_fetch
    from netctl.collectors.snmp.expr import passes
    from netctl.state.store import Observation

    profile = compiled.profile
    scalars, tables = decode_fetch(compiled, result)
    uptime = scalars.get("sysUpTime")
    observed = datetime.fromtimestamp(time_ms / 1000, UTC)
    out: list[str] = []
    made: list[Point] = []
    observations: list[str] = []
    state_rows = 0
    parts = [(profile.rows, profile.where, compiled.exprs, compiled.tag_names,
              compiled.field_names)]
    parts += [(x.rows, x.where, (*x.tags.items(), *x.fields.items(), *x.values.items()),
               tuple(x.tags), tuple(x.fields)) for x in profile.also_rows]
    for rows, where, exprs, tag_names, field_names in parts:
        indexes = [()] if rows is None else sorted(
            {i for column in tables[rows].values() for i in column})
        data = PollData(profile.name, scalars, tables, rows, compiled.counter_kinds,
                        counters.samples, uptime if isinstance(uptime, int) else None, now_s,
                        ap_field=profile.election.ap if profile.election else None,
                        inventory=lambda _ap, _attr: "802.11ax")
        evaluators = [(name, build(expr, data)) for name, expr in exprs]
        keyed = LineBuilder.keyed(field_names)
        for index in indexes:
            values: dict[str, object] = {}
            for name, ev in evaluators:
                values[name] = ev(index, values)
            if where is not None and not passes(where, values, data, index):
                continue
            fields, _text = LineBuilder.fields(values, keyed)
            extra = tuple((n, "" if values[n] is None else str(values[n])) for n in tag_names)
            if profile.converter == "wlan_ap":
                continue
            if fields:
                if profile.measurement == "snmp_interface" and device.if_roles:
                    extra += (("ifrole", device.role_of(dict(extra).get("ifname", ""))),)
                made.append(Point(profile.measurement, device.items() + extra, fields, time_ms))
                out.append(made[-1].line())
            if profile.state and passes(profile.state_where, values, data, index) and not (
                    profile.state_first_row and state_rows):
                state_rows += 1
                iface = str(values.get(profile.interface) or "") if profile.interface else ""
                for metric, source in profile.state.items():
                    value = values.get(source)
                    if value is None or value == "":
                        continue
                    ov = float(value) if isinstance(value, int | float) else str(value)
                    if wanted is None or wanted(device.device, iface, metric, ov):
                        observations.append(repr(Observation(device.device, metric, ov,
                                                             observed, "snmp", iface)))
    if profile.converter == "ip_addresses":
        observations += [repr(o) for o in _address_lists(made, device.device, observed)
                         if wanted is None or wanted(o.device, o.interface, o.metric, o.value)]
    return out, observations


StateFilter = Callable[[str, str, str, float | str | None], bool]


def _recorder() -> StateFilter:
    """A plain function as the state filter (asked value by value): new or changed values."""
    seen: dict[tuple[str, str, str], float | str | None] = {}

    def wanted(device: str, iface: str, metric: str, value: float | str | None) -> bool:
        key = (device, iface, metric)
        new = seen.get(key, "unset") != value
        seen[key] = value
        return new
    return wanted


def _two_polls(rows: list[tuple[tuple[int, ...], bytes]], compiled: CompiledProfile
               ) -> tuple[FetchResult, FetchResult]:
    """A poll of a recording and one 60 s later with the counters moved (rates) and a link
    state changed (observations)."""
    first = _fetch(RawRecordedAgent(rows, 100), compiled)
    later = FetchResult(
        scalars={k: v + 6000 if isinstance(v, int) else v for k, v in first.scalars.items()},
        columns=[{i: (v + 7_919 * (sum(i) % 5) if sum(i) % 3 else v ^ 3)
                  if isinstance(v, int) else v
                  for i, v in col.items()} for col in first.columns])
    return first, later


DEVICES = (DeviceTags(device="sw 1", role="access", county="640104"),
           DeviceTags(device="sw2", role="access", city="6401",
                      if_roles=(("GigabitEthernet0/0/1", "uplink"), ("Vlanif1", "mgmt"),
                                ("ge-0/0/1", "uplink"))))


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.stem)
def test_converter_fast_paths_equal_the_plain_path(recording: Path) -> None:
    """Every profile on every recording, two polls (rates on the second): the converter's
    lines (row sets converted column by column, or row by row with runs of plain columns,
    inline lookups, FieldSet plans, text written as the point is built) are the plain path's
    :meth:`Point.line`, byte for byte, and its observations the plain path's, in order, with
    the state sink's filter (asked a column at a time) and with a plain function."""
    from netctl.collectors.sinks.state import StateSink

    rows = load_snmprec(recording)
    for device in DEVICES:
        for name, profile in PROFILES.items():
            compiled = compile_profile(profile)
            polls = _two_polls(rows, compiled)
            fast, plain = CounterStore(), CounterStore()
            sink_fast, sink_plain = StateSink(None), StateSink(None)  # type: ignore[arg-type]
            rec_fast, rec_plain = _recorder(), _recorder()
            for n, result in enumerate(polls):
                time_ms = 1_700_000_000_000 + 60_000 * n
                for filters in ((sink_fast.wanted_at(60.0 * n), sink_plain.wanted_at(60.0 * n)),
                                (rec_fast, rec_plain), (None, None)):
                    counters = (fast, plain) if filters[0] is not None else (
                        CounterStore(), CounterStore())
                    conv = convert(compiled, result, device, time_ms=time_ms,
                                   counters=counters[0], now_s=60.0 * n,
                                   ap_tags=lambda _ap: None,
                                   inventory=lambda _ap, _attr: "802.11ax",
                                   state_wanted=filters[0])
                    want, observed = _reference_points(compiled, result, device, time_ms,
                                                       counters[1], 60.0 * n, filters[1])
                    where = (recording.stem, name, device.device, n)
                    assert lines(conv.points) == want, where
                    if profile.converter != "wlan_ap":
                        assert [repr(o) for o in conv.observations] == observed, where
                    assert len(conv.points) == len(want), where
                    # the Point objects made from the columns: the same lines and text
                    assert [p.line() for p in conv.points] == want, where
                    assert [replace(p, encoded="").line() for p in conv.points] == want, where
                    assert sink_fast._last == sink_plain._last, where


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.stem)
def test_columnar_path_equals_the_row_path(recording: Path) -> None:
    """``convert(columnar=True)`` against ``columnar=False`` (the row path: every consumer's
    view): the Point objects (tags, fields and their types, time, text), the lines, the
    observations, the AP reports, and the counters left for the next poll."""
    from netctl.collectors.sinks.state import StateSink

    rows = load_snmprec(recording)
    for device in DEVICES:
        for name, profile in PROFILES.items():
            compiled = compile_profile(profile)
            counters = (CounterStore(), CounterStore())
            sinks = (StateSink(None), StateSink(None))  # type: ignore[arg-type]
            for n, result in enumerate(_two_polls(rows, compiled)):
                got = [convert(compiled, result, device, time_ms=1_700_000_000_000 + n,
                               counters=counters[k], now_s=60.0 * n,
                               ap_tags=lambda _ap: None,
                               inventory=lambda _ap, _attr: "802.11ax",
                               state_wanted=sinks[k].wanted_at(60.0 * n), columnar=k == 0)
                       for k in (0, 1)]
                where = (recording.stem, name, device.device, n)
                assert lines(got[0].points) == lines(got[1].points), where
                assert repr(list(got[0].points)) == repr(list(got[1].points)), where
                assert [p.encoded for p in got[0].points] == [p.encoded for p in got[1].points]
                assert [tuple(map(type, p.fields.values())) for p in got[0].points] == [
                    tuple(map(type, p.fields.values())) for p in got[1].points], where
                assert got[0].points == got[1].points, where
                assert repr(got[0].observations) == repr(got[1].observations), where
                assert repr(got[0].ap_reports) == repr(got[1].ap_reports), where
                assert counters[0] == counters[1], where
                assert sinks[0]._last == sinks[1]._last, where


def test_columnar_path_is_taken() -> None:
    """The equivalence tests above exercise both paths: the interface and system profiles
    go column by column (their points are columns until read); profiles with a ``lookup``
    (ENTITY, IP-MIB, IPv6 RA) and the WLAN ones (AP reports) row by row."""
    from netctl.collectors.points import PointColumns
    from netctl.collectors.snmp.columnar import vectorizable

    def columnar(name: str) -> bool:
        profile = PROFILES[name]
        return all(vectorizable(e) for e in (*profile.tags.values(), *profile.fields.values(),
                                             *profile.values.values()))

    assert columnar("if_mib")
    assert columnar("system")
    assert not any(map(columnar, ("entity", "ip_mib", "ipv6_ra")))
    for name in ("huawei_wlan", "h3c_wlan", "ruijie_wlan"):
        assert PROFILES[name].converter == "wlan_ap"
    compiled = compile_profile(PROFILES["if_mib"])
    result = _fetch(RawRecordedAgent(load_snmprec(DATA / "huawei-sw.snmprec"), 100), compiled)
    conv = convert(compiled, result, DEVICES[0], time_ms=1, counters=CounterStore(), now_s=0.0)
    assert any(isinstance(part, PointColumns) for part in conv.points._parts)
    assert lines(conv.points)  # read from the columns: no Point made
    assert not [p for part in conv.points._parts if isinstance(part, list) for p in part]


def test_points_container() -> None:
    """Points: objects and columns in order; lines without making objects; a list's view."""
    from netctl.collectors.points import PointColumns, Points

    a = Point("m", (("device", "d"),), {"x": 1}, 5)
    empty = Point("m", (("device", "d"),), {}, 5)
    cols = PointColumns("m", (("device", "d"),), ("ifname",), [["p1", "", "p3"]], ("x", "y"),
                        [[1, 2, None], [0.5, None, None]], [0, 1], ["m,device=d,ifname=p1 "
                        "x=1i,y=0.5 5", "m,device=d x=2i 5"], 5)
    points = Points([a, empty])
    points.add_columns(cols)
    points.append(a)
    assert len(points) == 5
    assert lines(points) == [a.line(), *cols.texts, a.line()]
    assert len(points._parts) == 3  # not made yet
    made = list(points)
    assert [p.line() for p in made if p.fields] == lines(points)
    assert made[2] == Point("m", (("device", "d"), ("ifname", "p1")), {"x": 1, "y": 0.5}, 5)
    assert made[3] == Point("m", (("device", "d"), ("ifname", "")), {"x": 2}, 5)
    assert points[1:2] == [empty]
    assert points == made
    assert Points() == []


@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda p: p.stem)
def test_decoded_tables_equal_decode_value(recording: Path) -> None:
    """decode_fetch (integer columns as fetched, texts kept per value between polls) gives
    decode_value of every value, at the first poll and the next."""
    from netctl.collectors.snmp.convert import decode_fetch, decode_value

    rows = load_snmprec(recording)
    for profile in PROFILES.values():
        compiled = compile_profile(profile)
        result = _fetch(RawRecordedAgent(rows, 100), compiled)
        odd: dict[tuple[int, ...], ber.Value] = {(1,): b"a\xff\x00 ", (2,): 7,
                                                 (3,): ber.END_OF_MIB_VIEW, (4,): None}
        for column, (_t, cname) in zip(result.columns, compiled.column_keys, strict=True):
            if compiled.types[cname].type == "str":
                column.update(odd)
        for _poll in range(2):
            _scalars, tables = decode_fetch(compiled, result)
            for column, (tname, cname) in zip(result.columns, compiled.column_keys,
                                              strict=True):
                kind = compiled.types[cname].type
                want = {i: decode_value(v, kind) for i, v in column.items()}
                if kind in ("int", "uint", "counter32", "counter64"):
                    want = {i: v for i, v in want.items() if v is not None}
                assert tables[tname][cname] == want, (recording.stem, cname)
