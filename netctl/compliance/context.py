"""What the per-school KPI rules share: their context, and how an uplink's state is judged.

Each rule (``links``, ``wireless``, ``ipv6``, ``addresses``, ``declared``, ``devices``) judges
one KPI for one school from the inventory (what is declared) and the evidence (what was observed
inside the freshness window), and returns a :class:`~netctl.compliance.model.SchoolResult` whose
reasons say, in Chinese and English, what to fix. ``None`` means the KPI does not apply to the
school (``wifi6_urban`` for a rural school, ``website_ipv6`` without a website).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Interface, IPv6Interface
from typing import Any

from netctl.compliance.devices import DeviceBaseline
from netctl.compliance.evidence import Evidence, Reading
from netctl.compliance.model import Reason
from netctl.compliance.registry import AddressRegistry
from netctl.compliance.targets import Targets
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.models.inventory import Endpoint, Link, Role

OPER_STATUS = {
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}
MAX_LISTED = 6


@dataclass(frozen=True, slots=True)
class Context:
    """What every rule reads: inventory, evidence, targets, device baselines, IPAM records."""

    inv: Inventory
    ev: Evidence
    targets: Targets
    baselines: dict[str, DeviceBaseline]
    registry: AddressRegistry
    _uplinks: dict[str, list[Link]] = field(default_factory=dict)
    ap_states: dict[str, Any] = field(default_factory=dict)
    """Each AP's judged state, once per run (``wireless``: both wireless KPIs read it)."""
    rooms_mapped: dict[str, bool] = field(default_factory=dict)
    """Whether every AP of a school names its room, by school (``wireless``, as above)."""
    failing: dict[int, str] = field(default_factory=dict)
    """The rules a baseline result tuple does not pass, as evidence text, by the tuple's id
    (``security``: the tuples live as long as the run's device baselines)."""
    backup_texts: dict[str, str] = field(default_factory=dict)
    """Each device's newest backup's path as text, by hostname, where known (``security``:
    the text of a ``Path`` costs more than building it)."""
    _ends: dict[str, list[tuple[Link, Endpoint | None]]] = field(default_factory=dict)
    _roles: dict[str, dict[Role, list[DeviceEntry]]] = field(default_factory=dict)
    _oper_lines: dict[tuple[str, str], str] = field(default_factory=dict)
    _hosts: dict[str, list[str]] = field(default_factory=dict)

    def hostnames(self, site: str) -> list[str]:
        """The hostnames of the site's devices, in inventory order (once per site: the
        addresses and the security baseline read every device of a school)."""
        found = self._hosts.get(site)
        if found is None:
            found = self._hosts[site] = [d.device.hostname for d in self.inv.devices_at(site)]
        return found

    def uplinks(self, site: str) -> list[Link]:
        """The site's uplinks (``Inventory.uplinks_of``, computed once per site)."""
        found = self._uplinks.get(site)
        if found is None:
            found = self._uplinks[site] = self.inv.uplinks_of(site)
        return found

    def uplink_ends(self, site: str) -> list[tuple[Link, Endpoint | None]]:
        """Each uplink of the site with its end on the site (:func:`school_end`), once per
        site: three uplink KPIs and the egress firewall ask."""
        found = self._ends.get(site)
        if found is None:
            inv = self.inv
            found = self._ends[site] = [(u, school_end(inv, u, site)) for u in self.uplinks(site)]
        return found

    def devices_with_role(self, site: str, role: Role) -> list[DeviceEntry]:
        """The site's devices of one role, in inventory order (grouped once per site)."""
        by_role = self._roles.get(site)
        if by_role is None:
            by_role = self._roles[site] = {}
            for d in self.inv.devices_at(site):
                found = by_role.get(d.device.role)
                if found is None:
                    by_role[d.device.role] = [d]
                else:
                    found.append(d)
        return by_role.get(role, [])


@lru_cache(maxsize=65536)
def parse_interface(token: str) -> IPv4Interface | IPv6Interface | None:
    """``addr/len`` as an :mod:`ipaddress` interface, or None (parsed once per run and text).

    Examples:
        >>> str(parse_interface("2001:DB8::1/64")), parse_interface("nonsense")
        ('2001:db8::1/64', None)
    """
    try:  # ip_interface() would try IPv4 first and fail on every IPv6 text: same result
        return IPv6Interface(token) if ":" in token else IPv4Interface(token)
    except ValueError:
        return None


def ev_line(ev: Evidence, device: str, metric: str, r: Reading, interface: str = "") -> str:
    where = f"{device}:{interface}" if interface else device
    value = r.value
    if metric == "if_oper_status" and isinstance(value, float):
        value = OPER_STATUS.get(int(value), str(value))
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))
    return f"{where} {metric}={value} @{ev.stamp(r.at)}"


def school_end(inv: Inventory, link: Link, code: str) -> Endpoint | None:
    """The end of an uplink that sits on a device of the school."""
    for end in (link.a, link.b):
        if end.device is not None:
            entry = inv.devices.get(end.device)
            if entry is not None and entry.site == code:
                return end
    return None


def oper_state(
    ctx: Context, end: Endpoint, what: tuple[str, str], evidence: list[str]
) -> tuple[bool, Reason | None]:
    """Is the school end of a link up in the latest fresh poll? (up, reason when not)."""
    return oper_state_at(ctx, end.device, end.interface, what, evidence)


def oper_state_at(
    ctx: Context, device_name: str | None, interface: str | None, what: tuple[str, str],
    evidence: list[str],
) -> tuple[bool, Reason | None]:
    """:func:`oper_state` of the interface ``interface`` of ``device_name`` (no Endpoint to
    build: a pydantic model validates on every construction)."""
    ev = ctx.ev
    device = device_name or ""
    if interface is None:
        return False, Reason(
            "uplink_no_interface",
            f"{what[0]} {device} 在清单中未写接口名，无法对应轮询数据",
            f"{what[1]} on {device} names no interface in inventory; cannot match polls",
        )
    r = ev.fresh(device, "if_oper_status", interface)
    if r is None:
        old = ev.get(device, "if_oper_status", interface)
        if old is not None:  # the deciding fact: the status there is, and that it is too old
            evidence.append(
                ev_line(ev, device, "if_oper_status", old, interface) + " (stale: not counted)"
            )
        return False, ev.why_missing(
            device, "if_oper_status", interface, (f"{what[0]}状态", f"{what[1]} status")
        )
    key = (device, interface)  # three KPIs judge each uplink: its line is written once
    line = ctx._oper_lines.get(key)
    if line is None:
        line = ctx._oper_lines[key] = ev_line(ev, device, "if_oper_status", r, interface)
    evidence.append(line)
    if r.value == 1:
        return True, None
    state = (
        OPER_STATUS.get(int(r.value), str(r.value)) if isinstance(r.value, float) else str(r.value)
    )
    return False, Reason(
        "uplink_down",
        f"{what[0]} {device}:{interface} 最近一次轮询为 {state}",
        f"{what[1]} {device}:{interface} was {state} in the latest poll",
    )
