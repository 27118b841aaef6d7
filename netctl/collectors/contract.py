"""The observation contract of ``docs/observations.md``, as data the collectors check against.

A profile that names a measurement, tag, field or state metric not listed here is rejected when
it loads, so the dashboards and the compliance engine never meet a surprise. A unit test parses
``docs/observations.md`` and fails when this module and the document disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

COMMON_TAGS: Final = ("city", "county", "school", "device", "role")

MEASUREMENTS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    # measurement: (extra tags, fields)
    "snmp_system": (frozenset(), frozenset({"uptime_s", "poll_ok", "poll_ms"})),
    "snmp_interface": (
        frozenset({"ifname", "ifalias", "ifrole"}),
        frozenset({"oper_status", "admin_status", "speed_mbps", "in_octets", "out_octets",
                   "in_bps", "out_bps", "in_errors", "out_errors", "in_discards",
                   "out_discards", "utilisation"}),
    ),
    "snmp_ip_address": (frozenset({"ifname", "family", "address"}), frozenset({"prefix_len"})),
    "snmp_entity": (
        frozenset({"entity", "class", "model", "serial", "firmware", "software"}),
        frozenset({"info"}),
    ),
    "wlan_ap": (frozenset({"ap", "controller", "radio", "model"}),
                frozenset({"online", "clients"})),
    "netctl_collector": (
        frozenset({"collector", "shard"}),
        frozenset({"polls_ok", "polls_failed", "duration_s", "queue_depth", "spool_points",
                   "spool_dropped", "spool_quarantined"}),
    ),
}

STATE_METRICS: Final = frozenset({
    "sys_name", "sys_descr", "sys_object_id", "sys_uptime", "poll_ok",
    "if_oper_status", "if_admin_status", "if_speed_mbps", "if_in_bps", "if_out_bps",
    "ipv6_addresses", "ipv4_addresses", "ipv6_ra",
    "entity_model", "entity_serial", "entity_firmware", "entity_software",
    "ap_state", "ap_radio", "ap_clients", "ap_controller", "ap_model",
})


class ContractError(ValueError):
    """A name outside ``docs/observations.md``."""


def check_measurement(measurement: str, tags: Iterable[str], fields: Iterable[str]) -> None:
    """Raise when a measurement, tag or field is not in the contract."""
    if measurement not in MEASUREMENTS:
        msg = (f"measurement '{measurement}' is not in docs/observations.md (known: "
               f"{', '.join(sorted(MEASUREMENTS))})")
        raise ContractError(msg)
    extra_tags, known_fields = MEASUREMENTS[measurement]
    bad_tags = sorted(set(tags) - extra_tags - set(COMMON_TAGS))
    if bad_tags:
        msg = (f"{measurement}: tag(s) {', '.join(bad_tags)} not in docs/observations.md "
               f"(allowed: {', '.join(sorted(extra_tags)) or 'none beyond the common tags'})")
        raise ContractError(msg)
    bad_fields = sorted(set(fields) - known_fields)
    if bad_fields:
        msg = (f"{measurement}: field(s) {', '.join(bad_fields)} not in docs/observations.md "
               f"(allowed: {', '.join(sorted(known_fields))})")
        raise ContractError(msg)


def check_state_metric(metric: str) -> None:
    """Raise when a state-store metric is not in the contract."""
    if metric not in STATE_METRICS:
        msg = f"state metric '{metric}' is not in docs/observations.md"
        raise ContractError(msg)
