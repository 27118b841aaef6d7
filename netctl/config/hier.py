"""hier_config drivers for netctl's platforms: how intended and running configs are parsed.

hier_config 3 has drivers for ``huawei_vrp`` (``undo``, ``quit``, ``#`` lines dropped) and
``hp_comware5``. The Comware driver knows ``undo`` but neither ``#`` separators nor ``quit``,
which Comware 7 prints and types exactly like VRP; :class:`ComwareDriver` adds both. RGOS and
FRR's vtysh are IOS-style: they use the ``cisco_ios`` driver (``!`` lines dropped); FRR's
``exit`` closes a section at the section's own indentation, which :class:`FrrDriver` drops.

Examples:
    >>> text = "#\\ninterface Vlan-interface10\\n ipv6 address 2001:DB8::1/64\\n quit\\n#\\n"
    >>> [c.text for c in parse(Platform.HP_COMWARE, text).all_children()]
    ['interface Vlan-interface10', 'ipv6 address 2001:DB8::1/64']
"""

from __future__ import annotations

from hier_config import HConfig, get_hconfig, get_hconfig_driver
from hier_config import Platform as HPlatform
from hier_config.child import HConfigChild
from hier_config.models import PerLineSubRule
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules
from hier_config.platforms.hp_comware5.driver import HConfigDriverHPComware5

from netctl.platforms import Platform


class ComwareDriver(HConfigDriverHPComware5):
    """Comware 7: ``undo`` negation, ``quit`` closes a view, ``#`` separates sections."""

    def sectional_exit(self, config: HConfigChild) -> str | None:
        """``quit`` where hier_config's default is ``exit``."""
        result = super().sectional_exit(config)
        return "quit" if result == "exit" else result

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return HConfigDriverRules(per_line_sub=[PerLineSubRule(search=r"^\s*#.*", replace="")])


class FrrDriver(HConfigDriverCiscoIOS):
    """FRR's vtysh: IOS-style, but ``show running-config`` closes sections with ``exit`` at the
    section's own indentation and starts with ``frr version`` / ``frr defaults`` lines."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverCiscoIOS._instantiate_rules()
        extra = [PerLineSubRule(search=r"^exit$", replace=""),
                 PerLineSubRule(search=r"^frr (version|defaults) .*", replace=""),
                 PerLineSubRule(search=r"^hostname .*", replace="")]
        return rules.model_copy(update={"per_line_sub": [*rules.per_line_sub, *extra]})


_HIER: dict[Platform, HPlatform] = {
    Platform.HUAWEI_VRP: HPlatform.HUAWEI_VRP,
    Platform.CISCO_IOS: HPlatform.CISCO_IOS,
    Platform.RUIJIE_OS: HPlatform.CISCO_IOS,
}


def driver(platform: Platform) -> HConfigDriverBase:
    """The hier_config driver netctl uses for a platform."""
    if platform is Platform.HP_COMWARE:
        return ComwareDriver()
    if platform is Platform.FRR:
        return FrrDriver()
    return get_hconfig_driver(_HIER[platform])


def parse(platform: Platform, text: str) -> HConfig:
    """Parse config text (intended or running) into a hier_config tree."""
    return get_hconfig(driver(platform), text)
