"""Results of the compliance engine: reasons, per-school results, values per scope.

These are the JSON contract of ``netctl compliance kpis`` (see README, "Compliance JSON").

They are values: built once by the engine and never changed after (nothing in netctl assigns to
their fields). They are plain slotted dataclasses, not ``frozen=True``, only because a frozen
dataclass's ``__init__`` sets each field through ``object.__setattr__``: 4-5x the cost of a plain
one, and a region's run builds ~110,000 of them (issue 17). Equality and hashing are a frozen
dataclass's (``unsafe_hash``: by the fields).
"""

from __future__ import annotations

from dataclasses import dataclass

SCOPE_LEVELS: tuple[str, ...] = ("school", "county", "city", "region")


@dataclass(slots=True, unsafe_hash=True)
class Reason:
    """Why a school (or device) falls short: a stable code, and a sentence in both languages."""

    code: str
    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The sentence in ``zh`` or ``en``."""
        return self.en if lang == "en" else self.zh


@dataclass(slots=True, unsafe_hash=True)
class SchoolResult:
    """One KPI for one school: its share (numerator/denominator), whether it is met, and why not.

    ``evidence`` lists the facts the judgement used (``device:interface metric=value @time``,
    inventory facts), so a person can check it.
    """

    school_code: str
    kpi: str
    numerator: float
    denominator: float
    met: bool
    reasons: tuple[Reason, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def value(self) -> float | None:
        """numerator / denominator (Mbps for the bandwidth KPI); None when nothing is counted."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass(slots=True, unsafe_hash=True)
class KpiValue:
    """One KPI at one scope: the ``kpis`` items of the JSON contract."""

    kpi: str
    scope_level: str
    scope_code: str
    scope_name: str
    numerator: float
    denominator: float
    value: float | None
    target: float
    met: bool | None
