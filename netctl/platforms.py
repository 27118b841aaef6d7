"""Device platforms, by netutils' normalised names, mapped to driver names only at the edge.

Examples:
    >>> Platform("huawei_vrp").netmiko
    'huawei'
    >>> Platform.CISCO_IOS.napalm
    'ios'
    >>> Platform.HP_COMWARE.vendor
    'H3C'
"""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    """A network operating system, named as netutils names it."""

    HUAWEI_VRP = "huawei_vrp"
    HP_COMWARE = "hp_comware"
    RUIJIE_OS = "ruijie_os"
    CISCO_IOS = "cisco_ios"
    FRR = "frr"  # FRRouting through vtysh (Linux and white-box routers)

    @property
    def netmiko(self) -> str:
        """The netmiko ``device_type``.

        netutils maps ``huawei_vrp`` to netmiko's alias ``huawei_vrp``; netctl uses the canonical
        ``huawei`` class name, which is the same driver.
        """
        return _NETMIKO[self]

    @property
    def napalm(self) -> str | None:
        """The NAPALM driver name, or None where NAPALM has no core driver."""
        return _NAPALM[self]

    @property
    def vendor(self) -> str:
        """The vendor as engineers say it."""
        return _VENDOR[self]


_NETMIKO: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "huawei",
    Platform.HP_COMWARE: "hp_comware",
    Platform.RUIJIE_OS: "ruijie_os",
    Platform.CISCO_IOS: "cisco_ios",
    Platform.FRR: "cisco_ios",  # vtysh speaks IOS-style CLI; netmiko drives it as cisco_ios
}
_NAPALM: dict[Platform, str | None] = {
    Platform.HUAWEI_VRP: None,
    Platform.HP_COMWARE: None,
    Platform.RUIJIE_OS: None,
    Platform.CISCO_IOS: "ios",
    Platform.FRR: None,
}
_VENDOR: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "Huawei",
    Platform.HP_COMWARE: "H3C",
    Platform.RUIJIE_OS: "Ruijie",
    Platform.CISCO_IOS: "Cisco",
    Platform.FRR: "FRRouting",
}
