"""The inventory model: region → city → county → school, network nodes, devices, links.

Every model is frozen and forbids unknown fields, so a typo in an inventory file is an error that
names the file, the line and the field, never a silent default. Cities come from the county code
(GB/T 2260, see :mod:`netctl.geo`), so they are not repeated in the files.

How this maps to NetBox is documented in ``docs/inventory.md``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator
from pydantic.dataclasses import dataclass

from netctl.models.text import (
    Description,
    FreeText,
    InterfaceName,
    ModelName,
    SiteName,
    Token,
)
from netctl.platforms import Platform

HOSTNAME_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
DOMAIN_RE = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"

Hostname = Annotated[str, StringConstraints(pattern=HOSTNAME_RE)]
Domain = Annotated[str, StringConstraints(pattern=DOMAIN_RE, max_length=253, to_lower=True)]
CountyCode = Annotated[str, StringConstraints(pattern=r"^64[0-9]{4}$")]
SchoolCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
Name = SiteName
Count = Annotated[int, Field(ge=0, le=10_000)]
VlanId = Annotated[int, Field(ge=1, le=4094)]


STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True,
                    defer_build=True)
"""Every inventory model: unknown fields forbidden. Models are frozen pydantic dataclasses with
slots: on a whole region they validate about twice as fast as ``BaseModel`` (benchmarks/).
Validators are built on first use (``defer_build``), not when the module is imported: built
eagerly, each model compiled again the validators of every model nested in it (a third of the
import of netctl's commands); the loader builds the file models' validators once
(``netctl.inventory.load._validator``)."""


class SchoolCategory(StrEnum):
    """National urban–rural classification of the school's location."""

    URBAN = "urban"  # 城区
    TOWN = "town"  # 镇区
    RURAL = "rural"  # 乡村

    @property
    def zh(self) -> str:
        """The Chinese label used by county offices."""
        return {"urban": "城区", "town": "镇区", "rural": "乡村"}[self.value]

    @property
    def urban_or_town(self) -> bool:
        """True for 城镇学校 (urban and town), False for 农村学校."""
        return self is not SchoolCategory.RURAL


class Stage(StrEnum):
    """School stage (学段) as the education statistics name it."""

    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"
    NINE_YEAR = "nine_year"
    TWELVE_YEAR = "twelve_year"
    COMPLETE_SECONDARY = "complete_secondary"
    VOCATIONAL = "vocational"
    SPECIAL = "special"
    OTHER = "other"

    @property
    def zh(self) -> str:
        """The Chinese label."""
        return STAGE_ZH[self]


STAGE_ZH: dict[Stage, str] = {
    Stage.KINDERGARTEN: "幼儿园",
    Stage.PRIMARY: "小学",
    Stage.JUNIOR: "初级中学",
    Stage.SENIOR: "高级中学",
    Stage.NINE_YEAR: "九年一贯制学校",
    Stage.TWELVE_YEAR: "十二年一贯制学校",
    Stage.COMPLETE_SECONDARY: "完全中学",
    Stage.VOCATIONAL: "中等职业学校",
    Stage.SPECIAL: "特殊教育学校",
    Stage.OTHER: "其他",
}


class Role(StrEnum):
    """What a device does in the network (NetBox: device role)."""

    BACKBONE = "backbone"
    METRO = "metro"
    GATEWAY = "gateway"
    CORE = "core"
    ACCESS = "access"
    WLC = "wlc"
    AP = "ap"
    FIREWALL = "firewall"


class WifiStandard(StrEnum):
    """Wi-Fi generation of an access point."""

    WIFI4 = "wifi4"  # 802.11n
    WIFI5 = "wifi5"  # 802.11ac
    WIFI6 = "wifi6"  # 802.11ax
    WIFI6E = "wifi6e"  # 802.11ax, 6 GHz
    WIFI7 = "wifi7"  # 802.11be

    @property
    def is_wifi6_or_newer(self) -> bool:
        """True for 802.11ax and newer: what ``wifi6_urban`` counts."""
        return self in (WifiStandard.WIFI6, WifiStandard.WIFI6E, WifiStandard.WIFI7)


class LinkKind(StrEnum):
    """What a link carries. ``lan`` links join devices inside one site."""

    BACKBONE = "backbone"
    EDU_PRIVATE = "edu_private"
    INTERNET = "internet"
    FIVE_G = "5g"
    LAN = "lan"

    @property
    def is_uplink(self) -> bool:
        """True for links that leave the site (every kind but ``lan``)."""
        return self._value_ != "lan"

    @property
    def is_internet_egress(self) -> bool:
        """True for links to the internet (fixed line or 5G)."""
        return self._value_ in ("internet", "5g")


class NodeKind(StrEnum):
    """Network nodes that are not schools."""

    BACKBONE = "backbone"  # 自治区教育骨干网 core node
    METRO = "metro"  # 市县教育城域网 aggregation node


class InterfaceRole(StrEnum):
    """What an interface is for; templates and KPIs read it."""

    UPLINK = "uplink"
    DOWNLINK = "downlink"
    USER = "user"  # a user VLAN interface (SVI)
    ACCESS = "access"  # a host-facing switch port
    MGMT = "mgmt"
    LOOPBACK = "loopback"


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Interface:
    """A device interface (NetBox: dcim.Interface)."""

    name: InterfaceName
    role: InterfaceRole | None = None
    description: Description | None = None
    vlan: VlanId | None = None
    enabled: bool = True


SERIAL_RE = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
Serial = Annotated[str, StringConstraints(pattern=SERIAL_RE)]


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Device:
    """A managed device (NetBox: dcim.Device). Credentials are references, never secrets."""

    hostname: Hostname
    role: Role
    platform: Platform | None = Field(
        default=None, description="netutils name; defaults to the model's platform in catalog.yaml"
    )
    model: ModelName | None = None
    serial: Serial | None = Field(
        default=None, description="serial number / ESN as the device reports it (asset "
        "register; netctl discover drift compares it)")
    mgmt_ipv4: IPv4Address | None = None
    mgmt_ipv6: IPv6Address | None = None
    credentials: Token | None = Field(
        default=None, description="name of a credential set in the secrets file or environment"
    )
    snmp: Token | None = Field(default=None, description="name of an SNMP credential set")
    wifi: WifiStandard | None = Field(default=None, description="APs: defaults to the catalog")
    building: FreeText | None = None
    room: FreeText | None = None
    controller: Hostname | None = Field(default=None, description="APs: hostname of their WLC")
    interfaces: list[Interface] = Field(default_factory=list)
    tags: list[Token] = Field(default_factory=list)


class PrefixStatus(StrEnum):
    """Lifecycle of an allocated prefix (NetBox: ipam.Prefix status)."""

    ACTIVE = "active"
    RESERVED = "reserved"
    DEPRECATED = "deprecated"


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Prefix:
    """A prefix a site already uses (NetBox: ipam.Prefix), declared by hand.

    ``netctl ipam allocate`` records it as the site's allocation (``role: block`` for the whole
    block, or a role of the address plan); IPAM's own records are in ``inventory/ipam/``.
    """

    prefix: IPv4Network | IPv6Network
    role: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,30}$")]
    vlan: VlanId | None = None
    status: PrefixStatus = PrefixStatus.ACTIVE
    description: Description | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class DomainName:
    """An extra name a school registers in the central education zone (``netctl dns zone``
    publishes it as a CNAME to the school's own name, its website or one of its devices)."""

    name: Domain
    kind: Literal["school", "website", "device"] = "website"
    device: Hostname | None = Field(default=None, description="kind device: the device named")

    @model_validator(mode="after")
    def _device_named(self) -> DomainName:
        if (self.kind == "device") != (self.device is not None):
            msg = "a name of kind 'device' needs 'device: <hostname>' (and only that kind)"
            raise ValueError(msg)
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Endpoint:
    """One end of a link: a device (and interface) of the inventory, or an external provider."""

    device: Hostname | None = None
    interface: InterfaceName | None = None
    provider: Name | None = None

    @model_validator(mode="before")
    @classmethod
    def _parse_short_form(cls, value: Any) -> Any:
        """Accept ``"hostname:interface"`` or ``"hostname"`` as a short form."""
        if isinstance(value, str):
            device, _, interface = value.partition(":")
            return {"device": device.strip(), "interface": interface.strip() or None}
        return value

    @model_validator(mode="after")
    def _one_side(self) -> Endpoint:
        if (self.device is None) == (self.provider is None):
            msg = "an endpoint is either a device ('hostname:interface') or {provider: NAME}"
            raise ValueError(msg)
        if self.provider is not None and self.interface is not None:
            msg = "a provider endpoint has no interface"
            raise ValueError(msg)
        return self

    def __str__(self) -> str:
        if self.provider is not None:
            return f"[{self.provider}]"
        return f"{self.device}:{self.interface}" if self.interface else str(self.device)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Link:
    """A link between two endpoints (NetBox: dcim.Cable + circuits.Circuit for providers)."""

    kind: LinkKind
    a: Endpoint
    b: Endpoint
    mbps: Annotated[int, Field(gt=0, le=1_000_000)] | None = Field(
        default=None, description="contracted rate in Mbps (required for non-LAN links)"
    )
    circuit: FreeText | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _rate_for_uplinks(self) -> Link:
        if self.kind.is_uplink and self.mbps is None:
            msg = f"a {self.kind.value} link needs its contracted rate: add 'mbps: <rate>'"
            raise ValueError(msg)
        if self.a.provider is not None and self.b.provider is not None:
            msg = "at least one end of a link must be a device of the inventory"
            raise ValueError(msg)
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class School:
    """A school (NetBox: dcim.Site with tenant = the school)."""

    code: SchoolCode = Field(description="10-digit national school identifier (学校标识码)")
    name: Name
    category: SchoolCategory
    stage: Stage
    classes: Count = 0
    teaching_rooms: Count = 0
    digital_classrooms: Count = 0
    website: Domain | None = None
    address: FreeText | None = None
    aps_per_room: Annotated[int, Field(ge=1, le=8)] | None = None
    devices: list[Device] = Field(default_factory=list)
    prefixes: list[Prefix] = Field(default_factory=list)
    domains: list[DomainName] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Node:
    """A network node that is not a school: backbone core or county metro aggregation."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    kind: NodeKind
    name: Name
    devices: list[Device] = Field(default_factory=list)
    prefixes: list[Prefix] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class CountyFile:
    """One county's file: ``inventory/counties/<code>.yaml``."""

    county: CountyCode
    name: Name | None = Field(default=None, description="optional; must match GB/T 2260")
    nodes: list[Node] = Field(default_factory=list)
    schools: list[School] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    prefixes: list[Prefix] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class RegionInfo:
    """The region itself."""

    code: Literal["640000"] = "640000"
    name: Name = "宁夏回族自治区"


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class Defaults:
    """Values every school and device inherits unless it sets its own."""

    aps_per_room: Annotated[int, Field(ge=1, le=8)] = 1
    credentials: Token | None = "default"
    snmp: Token | None = None
    zone: Domain = "nxedu.example.cn"


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class RegionFile:
    """``inventory/region.yaml``: the region, defaults, backbone nodes and backbone links."""

    region: RegionInfo = Field(default_factory=RegionInfo)
    defaults: Defaults = Field(default_factory=Defaults)
    nodes: list[Node] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    prefixes: list[Prefix] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class ModelSpec:
    """One device model of the catalog (NetBox: dcim.DeviceType)."""

    platform: Platform
    vendor: FreeText | None = None
    wifi: WifiStandard | None = None
    description: Description | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=STRICT)
class CatalogFile:
    """``inventory/catalog.yaml``: device models, so devices need not repeat their platform."""

    models: dict[ModelName, ModelSpec] = Field(default_factory=dict)


def slug(text: str) -> str:
    """Lower-case ASCII slug.

    Examples:
        >>> slug("GigabitEthernet0/0/1")
        'gigabitethernet0-0-1'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
