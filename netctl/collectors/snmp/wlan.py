"""Count an AP once when both controllers of an HA pair report it.

Both ACs of a pair (Huawei HSB, H3C hot backup, Ruijie VAC) list the same APs. The election is
per AP, over the reports of the last ``ttl_s`` seconds; the winning controller's report is
emitted, the other is dropped. The winner, in order of preference:

1. reports the AP online;
2. calls itself the AP's master/active controller (when the MIB says so, as H3C's
   ``hh3cDot11APConnectionType`` does);
3. is the AP's controller in the inventory (``controller:`` of the AP);
4. has the smallest hostname (a stable tie-break).

While the inventory controller of an AP is polled by this daemon but has not reported yet
(just after start), its partner waits for up to ``ttl_s`` rather than count the AP first.

Examples:
    >>> from netctl.collectors.snmp.convert import ApReport
    >>> e = ApElection(ttl_s=600, primary_of=lambda ap: "ac1")
    >>> r1 = ApReport("ap7", "ac1", True, "", (), ())
    >>> r2 = ApReport("ap7", "ac2", True, "", (), ())
    >>> [r.controller for r in e.decide([r1, r2], now=0.0)]
    ['ac1']
    >>> down = ApReport("ap7", "ac1", False, "", (), ())
    >>> [r.controller for r in e.decide([down, r2], now=10.0)]   # failover: ac2 has it online
    ['ac2']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from netctl.collectors.snmp.convert import ApReport

_ROLE_RANK = {"master": 2, "active": 2, "primary": 2, "normal": 1, "": 1, "slave": 0,
              "standby": 0, "backup": 0}


@dataclass(slots=True)
class _Seen:
    online: bool
    role: str
    at: float


@dataclass
class ApElection:
    """Keeps the recent reports of every AP and picks one controller per AP."""

    ttl_s: float
    primary_of: Callable[[str], str | None] = field(default=lambda _ap: None)
    polled: frozenset[str] = frozenset()
    started_at: float = 0.0
    _seen: dict[str, dict[str, _Seen]] = field(default_factory=dict)

    def _rank(self, ap: str, controller: str, seen: _Seen) -> tuple[int, int, int, str]:
        """Smaller is better: online, master, inventory controller, then the name."""
        primary = self.primary_of(ap)
        return (-int(seen.online), -_ROLE_RANK.get(seen.role.lower(), 1),
                -int(controller == primary), controller)

    def decide(self, reports: Iterable[ApReport], now: float) -> list[ApReport]:
        """Record ``reports`` (one or several controllers) and return those that win."""
        batch = list(reports)
        for r in batch:
            self._seen.setdefault(r.ap, {})[r.controller] = _Seen(r.online, r.role, now)
        self._expire(now)
        winners: list[ApReport] = []
        for r in batch:
            candidates = self._seen.get(r.ap, {})
            best = min(candidates, key=lambda c: self._rank(r.ap, c, candidates[c]))
            if best != r.controller:
                continue
            primary = self.primary_of(r.ap)
            if (primary is not None and primary != r.controller and primary in self.polled
                    and primary not in candidates and now - self.started_at < self.ttl_s):
                continue  # the inventory controller has not reported yet: let it speak first
            winners.append(r)
        return winners

    def _expire(self, now: float) -> None:
        for ap in list(self._seen):
            by_c = self._seen[ap]
            for c in [c for c, s in by_c.items() if now - s.at > self.ttl_s]:
                del by_c[c]
            if not by_c:
                del self._seen[ap]

