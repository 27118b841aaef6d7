"""Issue 13.1: policy strings that reach devices (SSIDs, object names, port lists) are one line."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from netctl.config.policy import EXAMPLE, Policy


def policy_with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    node: Any = data
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    node[path[-1]] = value
    return data


def ports(access_format: str = "GigabitEthernet0/0/{n}", trusted: str = "XGigabitEthernet0/0/1",
          model: str = "S5735-L48T4X-A1") -> dict[str, Any]:
    return {model: {"access": [{"format": access_format, "first": 1, "last": 2}],
                    "trusted": [trusted]}}


def test_example_and_good_ports_validate() -> None:
    Policy.model_validate(policy_with(("ipv6", "ra_guard", "ports_by_model"), ports()))
    Policy.model_validate(policy_with(("ipv6", "ra_guard", "ports_by_model"),
                                      ports("GigabitEthernet 0/{n}", "TenGigabitEthernet 0/25")))


@pytest.mark.parametrize(("path", "value"), [
    (("ipv6", "ra_guard", "ports_by_model"), ports("Gi0/{n}\nundo stelnet server enable")),
    (("ipv6", "ra_guard", "ports_by_model"), ports("Gi0/{n} shutdown")),
    (("ipv6", "ra_guard", "ports_by_model"), ports(trusted="Gi0/1\nundo ssh server")),
    (("ipv6", "ra_guard", "ports_by_model"), ports(model="S5735\nx")),
    (("ipv6", "ra_guard", "policy_name"), "RAG\nundo stelnet server enable"),
    (("wlan", "ssids", "teacher", "ssid"), "NXEDU\nundo wlan"),
    (("wlan", "ssids", "teacher", "ssid"), "N" * 33),
    (("wlan", "radius", 0, "name"), "RAD1\rx"),
    (("baseline", "banner"), "Authorized\nundo stelnet server enable"),
    (("baseline", "banner"), 'Authorized "use"'),
    (("baseline", "local_users", 0, "name"), "netops\u2028x"),
    (("baseline", "snmp", "users", 0, "name"), "nms x"),
])
def test_injected_policy_strings_refused(path: tuple[str | int, ...], value: Any) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate(policy_with(path, value))
