"""The address plan: policy that says how big each level's block is (``address-plan.yaml``).

The plan is data, not code: the region's blocks (IPv6 and IPv4), the prefix length of a city,
a county and a school, and the prefixes every school gets (one per VLAN role, plus a pool for
point-to-point links and one for loopbacks), with VLAN ids and the IPv6 address mode of each
role. ``netctl ipam allocate`` reads it; ``docs/ipam.md`` explains each field.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic.dataclasses import dataclass

from netctl.inventory.load import Finding, _validate
from netctl.ipam.net import Family, block_size, parse_net
from netctl.models.inventory import STRICT, Role, VlanId
from netctl.models.text import Description

PLAN_FILE = "address-plan.yaml"

MANAGEMENT = "management"
P2P = "p2p"
LOOPBACK = "loopback"
INFRASTRUCTURE_ROLES = (MANAGEMENT, P2P, LOOPBACK)
"""The prefixes of an infrastructure block (a county's metro nodes, the region's backbone)."""

RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}$")]
Label = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
Len6 = Annotated[int, Field(ge=8, le=128)]
Len4 = Annotated[int, Field(ge=8, le=32)]


class Ipv6Mode(StrEnum):
    """How hosts of a VLAN get IPv6 addresses (what the gateway's router advertisements say).

    The values are those of the config policy (``templates/policy.yaml``), plus ``none``.
    """

    SLAAC = "slaac"  # RA with the prefix autonomous (A=1), M=0, O=0 (DNS from RDNSS)
    DHCPV6_STATELESS = "dhcpv6-stateless"  # SLAAC for the address, DHCPv6 for DNS (A=1, O=1)
    DHCPV6_STATEFUL = "dhcpv6-stateful"  # addresses from DHCPv6 (M=1, O=1, A=0)
    NONE = "none"  # no prefix in RAs: addresses set by hand (management)

    @property
    def ra(self) -> bool:
        """True when the gateway sends router advertisements with this VLAN's prefix."""
        return self is not Ipv6Mode.NONE

    @property
    def managed_flag(self) -> bool:
        """The RA's M flag: addresses from DHCPv6."""
        return self is Ipv6Mode.DHCPV6_STATEFUL

    @property
    def other_flag(self) -> bool:
        """The RA's O flag: other settings (DNS) from DHCPv6."""
        return self in (Ipv6Mode.DHCPV6_STATELESS, Ipv6Mode.DHCPV6_STATEFUL)

    @property
    def autoconfig(self) -> bool:
        """The prefix's A flag: hosts form their own addresses."""
        return self in (Ipv6Mode.SLAAC, Ipv6Mode.DHCPV6_STATELESS)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Ipv6Levels:
    """IPv6: the region's block and the prefix length of each level."""

    block: IPv6Network
    city: Len6 | None = Field(default=36, description="null: counties directly in the block")
    county: Len6 = 40
    school: Len6 = 48
    link: Annotated[int, Field(ge=126, le=127)] = 127

    @field_validator("block", mode="before")
    @classmethod
    def _block(cls, value: object) -> object:
        return _check_block(value, "ipv6")


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Ipv4Levels:
    """IPv4 (private blocks): the region's block and the prefix length of each level."""

    block: IPv4Network
    city: Len4 | None = None
    county: Len4 = 14
    school: Len4 = 22
    link: Annotated[int, Field(ge=30, le=31)] = 31

    @field_validator("block", mode="before")
    @classmethod
    def _block(cls, value: object) -> object:
        return _check_block(value, "ipv4")


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class RolePlan:
    """One prefix every school gets: a VLAN role, or the link / loopback pool."""

    role: RoleName
    vlan: VlanId | None = None
    ipv6: Len6 | None = None
    ipv4: Len4 | None = None
    ipv6_mode: Ipv6Mode = Ipv6Mode.SLAAC
    description: Description | None = None  # may become a VLAN name: one printable line

    @property
    def is_vlan(self) -> bool:
        """True for roles that are a VLAN with a gateway interface (not p2p / loopback)."""
        return self.role not in (P2P, LOOPBACK)

    def length(self, family: Family) -> int | None:
        """Prefix length of this role in ``family`` (None: the role has none there)."""
        return self.ipv6 if family == "ipv6" else self.ipv4


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class DnsPlan:
    """The education zone's SOA and name servers (the zone itself is ``defaults.zone``)."""

    ttl: Annotated[int, Field(ge=60, le=604800)] = 3600
    nameservers: list[Label] = Field(default_factory=lambda: ["ns1", "ns2"], min_length=1)
    hostmaster: Label = "hostmaster"
    refresh: Annotated[int, Field(ge=60)] = 3600
    retry: Annotated[int, Field(ge=60)] = 900
    expire: Annotated[int, Field(ge=3600)] = 1209600
    negative_ttl: Annotated[int, Field(ge=0)] = 300


def _default_routed() -> list[Role]:
    return [Role.BACKBONE, Role.METRO, Role.GATEWAY, Role.CORE, Role.FIREWALL]


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class AddressPlan:
    """``inventory/address-plan.yaml``."""

    ipv6: Ipv6Levels | None = None
    ipv4: Ipv4Levels | None = None
    roles: list[RolePlan] = Field(default_factory=list)
    routed_roles: list[Role] = Field(
        default_factory=_default_routed,
        description="devices with these roles get a loopback, and links between two of them a "
        "point-to-point prefix",
    )
    website_role: RoleName = Field(
        default="office", description="the VLAN role whose prefix holds a school's website address"
    )
    hold_down_days: Annotated[int, Field(ge=0, le=3650)] = 30
    dns: DnsPlan = Field(default_factory=DnsPlan)

    @model_validator(mode="after")
    def _consistent(self) -> AddressPlan:
        problems = list(_plan_problems(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def families(self) -> tuple[Family, ...]:
        """The address families of the plan, IPv6 first."""
        out: list[Family] = []
        if self.ipv6 is not None:
            out.append("ipv6")
        if self.ipv4 is not None:
            out.append("ipv4")
        return tuple(out)

    def levels(self, family: Family) -> Ipv6Levels | Ipv4Levels:
        """The levels of ``family`` (the family must be in the plan)."""
        levels = self.ipv6 if family == "ipv6" else self.ipv4
        if levels is None:
            msg = f"the address plan has no {family} section"
            raise KeyError(msg)
        return levels

    def role(self, name: str) -> RolePlan | None:
        """The role named ``name``."""
        for r in self.roles:
            if r.role == name:
                return r
        return None

    def site_roles(self, infrastructure: bool) -> list[RolePlan]:
        """The roles a school gets (all) or an infrastructure block gets (management, p2p,
        loopback), in plan order."""
        if infrastructure:
            return [r for r in self.roles if r.role in INFRASTRUCTURE_ROLES]
        return list(self.roles)


def _check_block(value: object, family: Family) -> object:
    """A clear message for a block that is not a prefix (pydantic's says only 'invalid')."""
    if isinstance(value, str):
        parse_net(value, family)  # raises ValueError with the reason
    return value


def _plan_problems(plan: AddressPlan) -> list[str]:
    out: list[str] = []
    if not plan.families:
        out.append("the plan needs an 'ipv6' or an 'ipv4' section (or both)")
    names = [r.role for r in plan.roles]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        out.append(f"role '{dup}' is listed twice")
    for needed in INFRASTRUCTURE_ROLES:
        if needed not in names:
            out.append(f"roles must include '{needed}'")
    vlans = [r.vlan for r in plan.roles if r.vlan is not None]
    for vlan in sorted({v for v in vlans if vlans.count(v) > 1}):
        out.append(f"VLAN {vlan} is used by two roles")
    for r in plan.roles:
        if r.is_vlan and r.vlan is None:
            out.append(f"role '{r.role}' needs a 'vlan:' id")
        if not r.is_vlan and r.vlan is not None:
            out.append(f"role '{r.role}' is not a VLAN: remove its 'vlan:'")
    website = plan.role(plan.website_role)
    if website is None or not website.is_vlan:
        out.append(f"website_role '{plan.website_role}' must be one of the VLAN roles")
    for family in plan.families:
        out.extend(_family_problems(plan, family))
    return out


def _family_problems(plan: AddressPlan, family: Family) -> list[str]:
    lv = plan.levels(family)
    out: list[str] = []
    chain = [("block", lv.block.prefixlen)]
    if lv.city is not None:
        chain.append(("city", lv.city))
    chain += [("county", lv.county), ("school", lv.school)]
    for (upper, a), (lower, b) in itertools.pairwise(chain):
        if b <= a:
            out.append(f"{family}.{lower} (/{b}) must be longer than {family}.{upper} (/{a})")
    used = 0
    for r in plan.roles:
        length = r.length(family)
        if length is None:
            if r.role in INFRASTRUCTURE_ROLES:
                out.append(f"role '{r.role}' needs an '{family}:' prefix length")
            continue
        if length <= lv.school:
            out.append(f"role '{r.role}' ({family} /{length}) must be longer than a school "
                       f"block (/{lv.school})")
            continue
        used += block_size(family, length)
        if r.role == P2P and length >= lv.link:
            out.append(f"the p2p pool ({family} /{length}) must be shorter than one link "
                       f"(/{lv.link})")
        if r.is_vlan and block_size(family, length) < 4:
            out.append(f"role '{r.role}' ({family} /{length}) is too small for hosts")
    capacity = block_size(family, lv.school)
    if used > capacity and lv.school > lv.block.prefixlen:
        out.append(f"the roles need {used} {family} addresses per school but a school block "
                   f"(/{lv.school}) has {capacity}: make the roles smaller or the school block "
                   "larger")
    return out


def load_plan(root: Path) -> tuple[AddressPlan | None, list[Finding]]:
    """Read ``<root>/address-plan.yaml``; (None, []) when the inventory has no plan."""
    path = root / PLAN_FILE
    if not path.is_file():
        return None, []
    findings: list[Finding] = []
    plan = _validate(path, AddressPlan, findings, root)
    return plan, findings
