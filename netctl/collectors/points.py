"""Points: what every collector produces, and their InfluxDB line-protocol form.

Examples:
    >>> p = Point("snmp_interface", (("device", "gw 1"), ("ifname", "Gi0/1")),
    ...           {"in_bps": 1.5, "oper_status": 1, "alias": 'a "b"'}, 1700000000000)
    >>> print(p.line())  # doctest: +NORMALIZE_WHITESPACE
    snmp_interface,device=gw\\ 1,ifname=Gi0/1
        in_bps=1.5,oper_status=1i,alias="a \\"b\\"" 1700000000000
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

FieldValue = int | float | str | bool

_TAG_ESCAPE = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": "", "\r": ""})
_MEAS_ESCAPE = str.maketrans({",": r"\,", " ": r"\ ", "\n": "", "\r": ""})
INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Point:
    """One measurement at one time (milliseconds since the epoch, the poll time)."""

    measurement: str
    tags: tuple[tuple[str, str], ...]
    fields: Mapping[str, FieldValue]
    time_ms: int

    def line(self) -> str:
        """InfluxDB line protocol (precision ms). Empty tag values are left out (as InfluxDB
        requires); integers get the ``i`` suffix, so a field keeps one type for ever."""
        head = self.measurement.translate(_MEAS_ESCAPE)
        tags = ",".join(f"{k}={v.translate(_TAG_ESCAPE)}" for k, v in self.tags if v)
        fields = ",".join(_field(k, v) for k, v in self.fields.items())
        if tags:
            return f"{head},{tags} {fields} {self.time_ms}"
        return f"{head} {fields} {self.time_ms}"


def _field(key: str, value: FieldValue) -> str:
    k = key.translate(_TAG_ESCAPE)
    if isinstance(value, bool):
        return f"{k}={'true' if value else 'false'}"
    if isinstance(value, int):
        return f"{k}={min(value, INT64_MAX)}i"
    if isinstance(value, float):
        return f"{k}={value!r}"
    text = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{k}="{text}"'


def lines(points: Iterable[Point]) -> list[str]:
    """Line protocol of many points (points without fields are skipped)."""
    return [p.line() for p in points if p.fields]
