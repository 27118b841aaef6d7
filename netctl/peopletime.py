"""Times for people: Beijing time (Asia/Shanghai) in tables and reports; JSON keeps UTC.

Examples:
    >>> from datetime import UTC, datetime
    >>> for_people(datetime(2026, 12, 6, 11, 5, 0, tzinfo=UTC))
    '2026-12-06 19:05:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo


def people_tz() -> tzinfo:
    """Asia/Shanghai for times people read (JSON keeps UTC); UTC+8 when tzdata is absent."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Shanghai")
    except (ImportError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return timezone(timedelta(hours=8), "CST")


def for_people(when: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time (a naive time is taken as UTC, as stored)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return f"{aware.astimezone(people_tz()):%Y-%m-%d %H:%M:%S}"
