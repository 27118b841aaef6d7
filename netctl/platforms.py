"""Device platforms, by netutils' normalised names, mapped to driver names only at the edge.

The netmiko and NAPALM names come from :mod:`netutils.lib_mapper` (``NETMIKO_LIB_MAPPER_REVERSE``,
``NAPALM_LIB_MAPPER_REVERSE``) wherever netutils maps the platform; netctl's own choices are the
few entries of ``_NETMIKO_CHOICES``, each with its reason:

- ``huawei_vrp`` → ``huawei``: netutils says ``huawei_vrp``, netmiko's alias of the same class
  (``HuaweiSSH``); netctl keeps the canonical class key, which its emulator, measurements and
  driver subclass (:mod:`netctl.config.connect`) are keyed by. VRP V8 (CloudEngine, NetEngine)
  is an OS family of ``huawei_vrp``, not a platform: :mod:`netctl.config.connect` picks netmiko's
  ``huawei_vrpv8`` class (netutils' name for it too) from the device's family.
- ``frr`` → ``cisco_ios``: netutils maps no netmiko driver for FRRouting; vtysh speaks IOS-style
  CLI and netmiko drives it as ``cisco_ios``.

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
from functools import cache


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

        netutils' name (``NETMIKO_LIB_MAPPER_REVERSE``) except netctl's documented choices
        (module docstring): ``huawei`` for ``huawei_vrp``, ``cisco_ios`` for ``frr``.
        """
        return _drivers()[0][self]

    @property
    def napalm(self) -> str | None:
        """The NAPALM driver name, or None where NAPALM has no core driver."""
        return _drivers()[1][self]

    @property
    def vendor(self) -> str:
        """The vendor as engineers say it."""
        return _VENDOR[self]


_NETMIKO_CHOICES: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "huawei",  # netutils: "huawei_vrp", the same netmiko class (see above)
    Platform.FRR: "cisco_ios",  # netutils maps none; vtysh speaks IOS-style CLI
}


@cache
def _drivers() -> tuple[dict[Platform, str], dict[Platform, str | None]]:
    """netmiko and NAPALM names by platform (netutils is imported when first asked: loading
    the inventory names platforms but never drivers)."""
    from netutils.lib_mapper import NAPALM_LIB_MAPPER_REVERSE, NETMIKO_LIB_MAPPER_REVERSE

    netmiko = {p: _NETMIKO_CHOICES.get(p) or NETMIKO_LIB_MAPPER_REVERSE[p.value]
               for p in Platform}
    napalm = {p: NAPALM_LIB_MAPPER_REVERSE.get(p.value) for p in Platform}
    return netmiko, napalm

_VENDOR: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "Huawei",
    Platform.HP_COMWARE: "H3C",
    Platform.RUIJIE_OS: "Ruijie",
    Platform.CISCO_IOS: "Cisco",
    Platform.FRR: "FRRouting",
}
