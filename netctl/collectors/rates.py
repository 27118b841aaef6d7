"""Counter rates: pure functions, wrap- and reset-aware, capped at the interface speed.

A sample is ``(counter value, sysUpTime in hundredths of a second or None, wall time in s)``.
The agent's own uptime gives the interval when both samples carry it (it does not suffer from
the poller's scheduling delays); a smaller uptime than before means the device restarted, and
counters restarted with it, so no rate is computed across it. sysUpTime itself wraps after
497 days: a decrease right at the top of its range is taken as a wrap, not a restart.

Examples:
    >>> counter_rate((1_000, 100, 0.0), (76_000, 6_100, 60.0), scale=8)
    10000.0
    >>> counter_rate((2**32 - 500, None, 0.0), (500, None, 10.0), bits=32)
    100.0
    >>> counter_rate((5_000, 900_000, 0.0), (10, 500, 60.0)) is None   # reboot
    True
"""

from __future__ import annotations

from typing import Final

UPTIME_MODULO: Final = 2**32  # TimeTicks
Sample = tuple[int, int | None, float]

DEFAULT_TOLERANCE: Final = 1.5
"""A rate up to this many times the speed is clamped to the speed (timing jitter, agent
counter caching); above it the sample is a discontinuity and yields no rate."""


def interval_s(prev: Sample, cur: Sample) -> float | None:
    """Seconds between two samples, or None when the device restarted in between.

    Examples:
        >>> interval_s((0, 100, 0.0), (0, 6100, 61.0))
        60.0
        >>> interval_s((0, 2**32 - 1000, 0.0), (0, 2000, 30.0))   # sysUpTime wrapped
        30.0
        >>> interval_s((0, 50_000, 0.0), (0, 700, 60.0)) is None   # restarted
        True
        >>> interval_s((0, None, 10.0), (0, None, 70.0))
        60.0
    """
    wall = cur[2] - prev[2]
    up_prev, up_cur = prev[1], cur[1]
    if up_prev is None or up_cur is None:
        return wall if wall > 0 else None
    ticks = up_cur - up_prev
    if ticks < 0:
        wrapped = ticks + UPTIME_MODULO
        # A genuine wrap leaves an interval close to the wall clock (a minute, or half of it).
        if wall > 0 and abs(wrapped / 100 - wall) <= max(60.0, 0.5 * wall):
            ticks = wrapped
        else:
            return None
    if ticks == 0:
        return None
    return ticks / 100


def counter_delta(prev: int, cur: int, bits: int, *, allow_wrap: bool) -> int | None:
    """Increase of a counter; a decrease is a wrap only when ``allow_wrap``.

    Examples:
        >>> counter_delta(10, 25, 64, allow_wrap=True)
        15
        >>> counter_delta(2**64 - 5, 5, 64, allow_wrap=True)
        10
        >>> counter_delta(100, 5, 64, allow_wrap=False) is None
        True
    """
    delta = cur - prev
    if delta >= 0:
        return delta
    if not allow_wrap:
        return None
    return delta + (1 << bits)


def counter_rate(
    prev: Sample | None,
    cur: Sample,
    *,
    bits: int = 64,
    scale: float = 1.0,
    max_rate: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> float | None:
    """Per-second rate between two samples, times ``scale`` (8 for octets to bits).

    * no previous sample, zero interval or a restart in between: None;
    * the counter went down: a wrap for a 32-bit counter; for a 64-bit counter a wrap is only
      believed when the wrapped increase stays within ``max_rate`` (at 100 Gbit/s a Counter64
      of octets wraps after 46 years: a decrease is almost always a reset);
    * above ``max_rate * tolerance``: a discontinuity, None; between ``max_rate`` and that:
      clamped to ``max_rate``.
    """
    if prev is None:
        return None
    dt = interval_s(prev, cur)
    if dt is None or dt <= 0:
        return None
    allow_wrap = bits == 32 or max_rate is not None
    delta = counter_delta(prev[0], cur[0], bits, allow_wrap=allow_wrap)
    if delta is None:
        return None
    rate = delta / dt * scale
    if max_rate is not None and max_rate > 0:
        if rate > max_rate * tolerance:
            return None
        return min(rate, max_rate)
    return rate
