"""Time netmiko's real drivers against the emulator: ``python -m netctl.testing.emulator.measure``.

For each platform, ``rounds`` times on a fresh session: connect, ``send_config_set`` of a
10-line IPv6 change, save (answering Huawei's ``[Y/N]``), ``send_command`` read-back,
disconnect. Prints the median of each phase, and how much of the push is netmiko's
config-mode checks (``check_config_mode``), which the ``huawei`` and ``ruijie_os`` drivers do by
waiting for 2 s of silence.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netctl.testing.emulator.network import EmulatedNetwork, HostSpec

PUSH: dict[str, list[str]] = {
    "huawei_vrp": [
        "ipv6",
        "interface Vlanif10",
        "ipv6 enable",
        "ipv6 address 2001:DB8:10::1/64",
        "undo ipv6 nd ra halt",
        "ipv6 nd autoconfig managed-address-flag",
        "quit",
        "ipv6 route-static :: 0 2001:DB8:FFFF::1",
        "ospfv3 1",
        "router-id 10.255.0.1",
    ],
    "hp_comware": [
        "interface Vlan-interface10",
        "ipv6 address 2001:DB8:10::1/64",
        "undo ipv6 nd ra halt",
        "ipv6 nd autoconfig managed-address-flag",
        "quit",
        "ipv6 route-static :: 0 2001:DB8:FFFF::1",
        "ospfv3 1",
        "router-id 10.255.0.1",
        "area 0.0.0.0",
        "quit",
    ],
    "ruijie_os": [
        "interface VLAN 10",
        "ipv6 enable",
        "ipv6 address 2001:DB8:10::1/64",
        "no ipv6 nd suppress-ra",
        "ipv6 nd managed-config-flag",
        "exit",
        "ipv6 route ::/0 2001:DB8:FFFF::1",
        "ipv6 router ospf 1",
        "router-id 10.255.0.1",
        "exit",
    ],
    "cisco_ios": [
        "ipv6 unicast-routing",
        "interface Vlan10",
        "ipv6 address 2001:DB8:10::1/64",
        "ipv6 enable",
        "ipv6 nd managed-config-flag",
        "exit",
        "ipv6 route ::/0 2001:DB8:FFFF::1",
        "ipv6 router ospf 1",
        "router-id 10.255.0.1",
        "exit",
    ],
}
"""A 10-line IPv6 change per platform (vendor-syntax.md section 1)."""

READ_BACK = {
    "huawei_vrp": "display current-configuration",
    "hp_comware": "display current-configuration",
    "ruijie_os": "show running-config",
    "cisco_ios": "show running-config",
}
ERROR_PATTERN = r"(?:^Error:|% Unrecognized|% Invalid|% Incomplete|% Wrong|% Ambiguous)"
"""The four vendors' rejection messages, for ``send_config_set(error_pattern=...)``."""

PHASES = ("connect", "push", "save", "read-back", "disconnect")


@dataclass
class Timing:
    """Seconds per phase of one run, and the part of the push spent in mode checks."""

    phases: dict[str, float] = field(default_factory=dict)
    mode_checks: float = 0.0
    checks: int = 0

    @property
    def total(self) -> float:
        """Sum of the phases."""
        return sum(self.phases.values())


PATTERN_CHECKS: dict[str, tuple[str, str]] = {
    "huawei": ("]", r"[>\]]"),
    "ruijie_os": (")#", r"[>#]"),
}
"""(check_string, pattern) for a prompt-pattern config-mode check instead of 2 s of silence."""


def pattern_check(conn: Any) -> Callable[..., bool]:
    """A ``check_config_mode`` that reads until the prompt (as ``cisco_ios`` does) for drivers
    that otherwise wait for 2 s of silence; the connection's own method for the others."""
    from netmiko.base_connection import BaseConnection

    spec = PATTERN_CHECKS.get(conn.device_type)
    if spec is None:
        method: Callable[..., bool] = conn.check_config_mode
        return method

    def check(check_string: str = "", pattern: str = "", force_regex: bool = False) -> bool:
        return bool(BaseConnection.check_config_mode(conn, spec[0], spec[1]))

    return check


def _timed_checks(conn: Any, timing: Timing, patterns: bool = False) -> None:
    """Wrap the connection's ``check_config_mode`` to add its time to ``timing``."""
    original: Callable[..., bool] = pattern_check(conn) if patterns else conn.check_config_mode

    def wrapped(*args: Any, **kwargs: Any) -> bool:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timing.mode_checks += time.perf_counter() - t0
            timing.checks += 1

    conn.check_config_mode = wrapped


def measure_once(net: EmulatedNetwork, name: str, patterns: bool = False) -> Timing:
    """One connect / push / save / read-back / disconnect cycle on host ``name``
    (``patterns``: with :func:`pattern_check` in place of the driver's mode check)."""
    from netmiko import ConnectHandler

    platform = net[name].platform
    timing = Timing()
    t = time.perf_counter()
    conn = ConnectHandler(**net.netmiko_params(name))
    timing.phases["connect"] = time.perf_counter() - t
    _timed_checks(conn, timing, patterns)
    t = time.perf_counter()
    conn.enable()
    conn.send_config_set(PUSH[platform], error_pattern=ERROR_PATTERN)
    timing.phases["push"] = time.perf_counter() - t
    push_checks, push_count = timing.mode_checks, timing.checks
    t = time.perf_counter()
    conn.save_config()
    timing.phases["save"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.send_command(READ_BACK[platform])
    timing.phases["read-back"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.disconnect()
    timing.phases["disconnect"] = time.perf_counter() - t
    timing.mode_checks, timing.checks = push_checks, push_count
    return timing


def main(argv: list[str] | None = None) -> int:
    """Measure every platform ``rounds`` times (first argument, default 3) and print medians;
    ``--pattern-checks`` replaces the 2 s silence checks with prompt-pattern checks."""
    args = sys.argv[1:] if argv is None else argv
    patterns = "--pattern-checks" in args
    numbers = [a for a in args if a.isdigit()]
    rounds = int(numbers[0]) if numbers else 3
    specs = [HostSpec(p, p) for p in PUSH]
    with EmulatedNetwork(specs) as net:
        out = sys.stdout.write
        out(f"{'driver':<12}" + "".join(f"{p:>11}" for p in PHASES) + "      total  mode checks\n")
        for spec in specs:
            runs = []
            for _ in range(rounds):
                net[spec.name].reset()
                runs.append(measure_once(net, spec.name, patterns))
            med = {p: statistics.median(r.phases[p] for r in runs) for p in PHASES}
            total = statistics.median(r.total for r in runs)
            checks = statistics.median(r.mode_checks for r in runs)
            driver = net.netmiko_params(spec.name)["device_type"]
            out(
                f"{driver:<12}"
                + "".join(f"{med[p]:>11.2f}" for p in PHASES)
                + f"{total:>11.2f}  {checks:.2f} s in {runs[0].checks} checks of the push\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
