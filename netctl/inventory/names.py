"""Interface names in their platform's form (``netctl/data/interface-names.yaml``).

The models accept any name of the generic grammar (one word and a number, no second command:
:mod:`netctl.models.text`). This cross-check warns when a name is not spelt the way its device
prints it (``GigabitEthernet0/1`` on Ruijie, which writes ``GigabitEthernet 0/1``): the push
would then configure an interface the device does not have, or never match the one it has.

Examples:
    >>> from netctl.platforms import Platform
    >>> spelt_right(Platform.RUIJIE_OS, "GigabitEthernet 0/1")
    True
    >>> spelt_right(Platform.RUIJIE_OS, "GigabitEthernet0/1")
    False
    >>> spelt_right(Platform.HUAWEI_VRP, "Eth-Trunk1.100")
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from netctl.inventory.load import Finding
from netctl.inventory.yamlio import read_yaml
from netctl.platforms import Platform

if TYPE_CHECKING:
    from netctl.inventory.index import DeviceEntry

DATA = Path(__file__).resolve().parent.parent / "data" / "interface-names.yaml"


@cache
def _forms() -> dict[Platform, tuple[re.Pattern[str], str]]:
    data = read_yaml(DATA)
    return {Platform(k): (re.compile(v["pattern"]), str(v["example"])) for k, v in data.items()}


@lru_cache(maxsize=4096)  # names repeat across a region's 32,000 devices
def spelt_right(platform: Platform, name: str) -> bool:
    """True when ``name`` has the form ``platform`` prints (unknown platforms: True)."""
    form = _forms().get(platform)
    return form is None or form[0].fullmatch(name) is not None


def check_interface_names(entries: Iterable[DeviceEntry]) -> list[Finding]:
    """A warning for every declared interface whose name is not in its platform's form.

    ``entries``: the inventory's device entries (``Inventory.devices.values()``).
    """
    findings: list[Finding] = []
    for entry in entries:
        interfaces = entry.device.interfaces
        if not interfaces:  # most devices of a region (APs, access switches)
            continue
        platform = entry.platform
        for i, iface in enumerate(interfaces):
            if spelt_right(platform, iface.name):
                continue
            example = _forms()[platform][1]
            findings.append(Finding(
                entry.file, (*entry.loc, "interfaces", i, "name"),
                f"'{iface.name}' is not how {platform.value} writes an interface name",
                f"write it as the device prints it, e.g. '{example}' (see "
                "netctl/data/interface-names.yaml)", "warning"))
    return findings
