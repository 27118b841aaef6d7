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

import re

from hier_config import HConfig, get_hconfig, get_hconfig_driver
from hier_config import Platform as HPlatform
from hier_config.child import HConfigChild
from hier_config.exceptions import DuplicateChildError
from hier_config.models import (
    IdempotentCommandsRule,
    MatchRule,
    NegationDefaultWithRule,
    ParentAllowsDuplicateChildRule,
    PerLineSubRule,
)
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules
from hier_config.platforms.hp_comware5.driver import HConfigDriverHPComware5

from netctl.exceptions import ConfigError
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


_ONE_LINE_BANNER = re.compile(
    r"(?m)^(banner (?:login|motd|exec|incoming)) (\^C|\S)(?=.*\S.*\2\s*$)(.*?)\2[ \t]*$")


class IosDriver(HConfigDriverCiscoIOS):
    """IOS and RGOS: hier_config's ``cisco_ios`` driver, with banners that fit on one line.

    hier_config reads a banner from ``banner login ^C`` to the next line holding the delimiter;
    a banner the device shows on one line (``banner login ^C text ^C``, ``banner motd #text#``)
    would swallow every following line up to the next delimiter. Such a line is split after its
    opening delimiter first, so the banner ends on its own line.

    Examples:
        >>> IosDriver.config_preprocessor("banner login ^C Authorised ^C\\nline vty 0 4\\n")
        'banner login ^C\\n Authorised ^C\\nline vty 0 4\\n'
    """

    @staticmethod
    def config_preprocessor(config_text: str) -> str:
        """Split one-line banners after their opening delimiter."""
        return _ONE_LINE_BANNER.sub(lambda m: f"{m[1]} {m[2]}\n{m[3]}{m[2]}", config_text)

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        """A banner is one value: a new one replaces the old (no negation first), and it is
        removed with ``no banner <kind>`` alone — IOS's only ``no`` form (Cisco IOS
        Configuration Fundamentals Command Reference, ``banner login``: ``no banner login``;
        docs/templates.md), which RGOS shares."""
        rules = HConfigDriverCiscoIOS._instantiate_rules()
        kinds = ("login", "motd", "exec", "incoming")
        return rules.model_copy(update={
            "idempotent_commands": [
                *rules.idempotent_commands,
                *(IdempotentCommandsRule(match_rules=(MatchRule(startswith=f"banner {k} "),))
                  for k in kinds)],
            "negate_with": [
                *rules.negate_with,
                *(NegationDefaultWithRule(match_rules=(MatchRule(startswith=f"banner {k} "),),
                                          use=f"no banner {k}") for k in kinds)],
        })


class FrrDriver(IosDriver):
    """FRR's vtysh: IOS-style, but ``show running-config`` closes sections with ``exit`` at the
    section's own indentation and starts with ``frr version`` / ``frr defaults`` lines."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = IosDriver._instantiate_rules()
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
    if platform in (Platform.CISCO_IOS, Platform.RUIJIE_OS):
        return IosDriver()
    return get_hconfig_driver(_HIER[platform])


def parse(platform: Platform, text: str) -> HConfig:
    """Parse config text (intended or running) into a hier_config tree.

    A line repeated in the same section (real devices show them: a second ``undo shutdown``, a
    section printed twice) is kept once, in the place it first appeared; a section printed twice
    is merged into the first. Text that cannot be parsed at all raises :class:`ConfigError`
    naming the line.

    Examples:
        >>> t = parse(Platform.CISCO_IOS, "interface Gi1\\n shutdown\\n shutdown\\n"
        ...                                "interface Gi1\\n description x\\n")
        >>> [c.text for c in t.all_children()]
        ['interface Gi1', 'shutdown', 'description x']
    """
    drv = driver(platform)
    try:
        return get_hconfig(drv, text)
    except DuplicateChildError:
        pass
    except Exception as exc:
        raise _unparsable(text, exc) from exc
    try:
        return _parse_tolerant(drv, text)
    except Exception as exc:
        raise _unparsable(text, exc) from exc


class _TolerantRoot(HConfig):
    """A root whose children may repeat while loading (merged right after)."""

    def _is_duplicate_child_allowed(self) -> bool:
        return True


def _parse_tolerant(drv: HConfigDriverBase, text: str) -> HConfig:
    from hier_config.constructors import _load_from_string_lines

    rules = drv.rules.model_copy(deep=True)
    rules.parent_allows_duplicate_child.extend(
        ParentAllowsDuplicateChildRule(match_rules=(MatchRule(re_search=""),) * depth)
        for depth in range(1, 8))
    tolerant_driver = type(drv)()
    tolerant_driver.rules = rules
    root = _TolerantRoot(tolerant_driver)
    for rule in root.driver.rules.full_text_sub:
        text = re.sub(rule.search, rule.replace, text)
    _load_from_string_lines(root, text)
    for child in tuple(root.all_children()):
        child.delete_sectional_exit()
    out = HConfig(drv)
    merge_into(out, root)
    for callback in drv.rules.post_load_callbacks:
        callback(out)
    return out


def merge_into(dst: HConfig | HConfigChild, src: HConfig | HConfigChild) -> None:
    """Add ``src``'s lines to ``dst``; a section both have is merged, never repeated."""
    for child in src.children:
        twin = dst.add_child(child.text, return_if_present=True)
        merge_into(twin, child)


def _unparsable(text: str, exc: Exception) -> ConfigError:
    """A parse failure naming the line: the repeated one, or the last one read."""
    lines = text.splitlines()
    detail = " ".join(str(exc).split())[:200]
    m = re.search(r"\('?(.*?)'?\)$", detail)
    needle = m.group(1).split("', '")[-1] if m else ""
    found = [i for i, line in enumerate(lines, 1) if needle and line.strip() == needle]
    n = found[1] if len(found) > 1 else found[0] if found else len(lines)
    where = lines[n - 1].strip() if lines else ""
    msg = (f"cannot parse the config at line {n} ({where!r}): {type(exc).__name__}: {detail}; "
           "fix or remove that line in the saved config")
    return ConfigError(msg)
