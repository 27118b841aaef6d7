"""The blast-radius guard: a push that removes much, or touches protected lines, is refused.

Every diff counts the running lines its remediation removes or replaces. A device whose
remediation removes more than ``max_removals`` lines (default 10) or adds/changes anything
protected (``templates/protect.yaml``) is refused for that device, with the lines, unless the
engineer passes the matching override (``--allow-removals N``, ``--allow-protected``). Protected
lines are never removed in any case (see :mod:`netctl.config.protect`).

Examples:
    >>> from netctl.config.diff import Diff
    >>> from netctl.platforms import Platform
    >>> d = Diff(Platform.CISCO_IOS, ["no ntp server 10.0.0.1"], "", "",
    ...          removed=("ntp server 10.0.0.1",), protected=("line vty 0 4 > exec-timeout 10 0",))
    >>> verdict(d, Guard())  # doctest: +ELLIPSIS
    ['touches protected configuration (...): line vty 0 4 > exec-timeout 10 0']
    >>> verdict(d, Guard(allow_protected=True))
    []
"""

from __future__ import annotations

from dataclasses import dataclass

from netctl.config.diff import Diff

DEFAULT_MAX_REMOVALS = 10
_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Guard:
    """The limits of one push (the overrides the engineer passed)."""

    max_removals: int = DEFAULT_MAX_REMOVALS
    allow_protected: bool = False

    def describe(self) -> str:
        """The overrides in force, for the push record (empty when the defaults apply)."""
        parts = []
        if self.max_removals != DEFAULT_MAX_REMOVALS:
            parts.append(f"allow-removals {self.max_removals}")
        if self.allow_protected:
            parts.append("allow-protected")
        return ", ".join(parts)


def _listed(lines: tuple[str, ...]) -> str:
    shown = "; ".join(lines[:_SHOWN])
    more = len(lines) - _SHOWN
    return shown + (f"; … and {more} more" if more > 0 else "")


def verdict(diff: Diff, guard: Guard) -> list[str]:
    """Why the push of ``diff`` is refused for its device (empty: it may go ahead)."""
    reasons = []
    if diff.removed_count > guard.max_removals:
        reasons.append(f"removes {diff.removed_count} lines, more than {guard.max_removals} "
                       f"(pass --allow-removals {diff.removed_count} after review): "
                       + _listed(diff.removed))
    if diff.protected and not guard.allow_protected:
        reasons.append("touches protected configuration (pass --allow-protected after review): "
                       + _listed(diff.protected))
    return reasons
