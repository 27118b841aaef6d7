"""What allocation takes and gives besides the records: pins in; a report, or refusals, out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from netctl.exceptions import NetctlError
from netctl.ipam.net import Net
from netctl.ipam.records import Allocations


@dataclass(frozen=True, slots=True)
class Refusal:
    """Something allocation will not do, with the reason and how to fix it."""

    scope: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{self.scope}: {self.message}{fix}"


class AllocationError(NetctlError):
    """Allocation refused: carries every refusal; nothing was written."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        lines = [str(r) for r in self.refusals]
        super().__init__(f"{len(lines)} refusal(s), nothing written:\n  " + "\n  ".join(lines))


@dataclass(frozen=True, slots=True)
class Pin:
    """A value decided outside the allocator: an import row, a prefix declared in a county file.

    ``scope`` is ``city:<code>``, ``county:<code>``, ``site:<school code|county code|region>``
    or ``host:<hostname>``; ``role`` is ``block`` (the scope's own block), a role of the plan
    (a site's prefix), or ``management`` / ``loopback`` (a host's address).
    """

    scope: str
    role: str
    net: Net
    source: str
    vlan: int | None = None


@dataclass(slots=True)
class AllocationReport:
    """The new records and what changed."""

    allocations: Allocations
    added: Counter[str] = field(default_factory=Counter)
    expired_holds: int = 0
    orphans: list[str] = field(default_factory=list)
