"""Counter rates: wrap, reset (sysUpTime), cap at interface speed. Table-driven, pure."""

from __future__ import annotations

import pytest

from netctl.collectors.rates import counter_rate, interval_s

M = 1_000_000
G = 1_000 * M
TOP64 = 2**64
TOP32 = 2**32

# (case, prev sample, cur sample, kwargs, expected rate)
CASES = [
    ("first sample", None, (100, 100, 0.0), {}, None),
    ("steady 1 Mbit/s, uptime dates it", (0, 0, 0.0), (7_500_000, 6_000, 61.7),
     {"scale": 8}, 1 * M),
    ("no uptime: wall clock", (0, None, 0.0), (7_500_000, None, 60.0), {"scale": 8}, 1 * M),
    ("zero interval", (5, 100, 1.0), (9, 100, 1.0), {}, None),
    ("64-bit wrap, believed with a speed cap", (TOP64 - 3_750_000, 1_000_000, 0.0),
     (3_750_000, 1_006_000, 60.0), {"scale": 8, "max_rate": 1 * G}, 1 * M),
    ("64-bit decrease without a cap: a reset", (TOP64 - 10, 100, 0.0), (10, 6_100, 60.0),
     {}, None),
    ("64-bit decrease, implausible under the cap: a reset", (5_000_000, 100, 0.0),
     (10, 6_100, 60.0), {"scale": 8, "max_rate": 1 * G}, None),
    ("32-bit wrap", (TOP32 - 1_000, 100, 0.0), (1_000, 6_100, 60.0), {"bits": 32},
     2_000 / 60),
    ("device rebooted: uptime went back", (9_000_000, 900_000, 0.0), (100, 500, 60.0),
     {"scale": 8}, None),
    ("rebooted, counter happens to be higher", (100, 900_000, 0.0), (9_000_000, 500, 60.0),
     {"scale": 8}, None),
    ("sysUpTime wrapped after 497 days", (0, TOP32 - 3_000, 0.0), (750_000, 3_000, 60.0),
     {"scale": 8}, 100_000.0),
    ("slightly above speed (agent caching): clamped", (0, 0, 0.0), (int(1.2 * G / 8 * 60), 6_000,
                                                                     60.0),
     {"scale": 8, "max_rate": 1 * G}, 1 * G),
    ("far above speed: a discontinuity", (0, 0, 0.0), (int(3 * G / 8 * 60), 6_000, 60.0),
     {"scale": 8, "max_rate": 1 * G}, None),
    ("speed unknown (0): no cap", (0, 0, 0.0), (int(3 * G / 8 * 60), 6_000, 60.0),
     {"scale": 8, "max_rate": 0.0}, 3 * G),
    ("idle link", (42, 0, 0.0), (42, 6_000, 60.0), {"scale": 8, "max_rate": 1 * G}, 0.0),
]


@pytest.mark.parametrize(("prev", "cur", "kwargs", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_counter_rate(prev: tuple[int, int | None, float] | None,
                      cur: tuple[int, int | None, float], kwargs: dict[str, float],
                      expected: float | None) -> None:
    got = counter_rate(prev, cur, **kwargs)  # type: ignore[arg-type]
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(("prev", "cur", "expected"), [
    ((0, 100, 0.0), (0, 100, 5.0), None),
    ((0, 100, 0.0), (0, 50, 5.0), None),
    ((0, None, 5.0), (0, None, 5.0), None),
    ((0, TOP32 - 100, 0.0), (0, 100, 2.0), 2.0),
    ((0, TOP32 - 100, 0.0), (0, 100, 900_000.0), None),  # wall clock disagrees: a restart
])
def test_interval(prev: tuple[int, int | None, float], cur: tuple[int, int | None, float],
                  expected: float | None) -> None:
    assert interval_s(prev, cur) == expected
