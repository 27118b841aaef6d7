"""The config policy: what operators decide once for the whole region (``templates/policy.yaml``).

Addresses never live here (they come from IPAM); secrets never live here either. A field that
holds a secret is a *credential set name* (``credentials: radius-campus``), resolved only by the
push at send time (see :mod:`netctl.config.placeholders`). The file is data only and every model
forbids unknown fields, so a typo is an error naming the file, the line and the field.

Examples:
    >>> p = Policy.model_validate(EXAMPLE)
    >>> p.wlan.ssids["teacher"].security_for(Platform.CISCO_IOS).value
    'wpa3-enterprise'
    >>> p.ipv6.routing_for(Platform.RUIJIE_OS)
    'none'
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Sequence
from enum import StrEnum
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from netctl.exceptions import RenderError
from netctl.inventory.yamlio import YamlSyntaxError, locate, read_yaml
from netctl.models.text import INTERFACE_RE, InterfaceName, ModelName, SingleLine
from netctl.platforms import Platform

POLICY_FILE = "policy.yaml"

# Object names the templates put on devices: no spaces, no CLI delimiters.
ObjectName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$")]
# A credential set name of netctl.secrets (never the secret itself).
CredentialRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
# Printable ASCII without the delimiters vendors use around banners and in quoted strings.
BannerText = Annotated[
    str, StringConstraints(pattern=r'^[ !#$&-\]_-~]{1,200}$', strip_whitespace=True)
]
SsidText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")]
DomainText = Annotated[str, StringConstraints(
    pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$", to_lower=True)]
VlanRole = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Ipv6Mode(StrEnum):
    """How hosts on a user VLAN get their IPv6 address and their other settings."""

    SLAAC = "slaac"  # RA with the prefix (A=1), M=0, O=0
    DHCPV6_STATELESS = "dhcpv6-stateless"  # SLAAC for the address, DHCPv6 for DNS (O=1)
    DHCPV6_STATEFUL = "dhcpv6-stateful"  # DHCPv6 for the address (M=1, O=1, A=0)
    NONE = "none"  # no router advertisements: addresses set by hand (management VLANs)


class SecurityMode(StrEnum):
    """Wi-Fi security of an SSID, named the way the Wi-Fi Alliance names it."""

    WPA3_ENTERPRISE = "wpa3-enterprise"  # 802.1X, PMF required
    WPA2_ENTERPRISE = "wpa2-enterprise"  # 802.1X, CCMP
    WPA3_PERSONAL = "wpa3-personal"  # SAE, PMF required
    WPA2_WPA3_PERSONAL = "wpa2-wpa3-personal"  # transition: PSK + SAE
    WPA2_PERSONAL = "wpa2-personal"  # PSK, CCMP

    @property
    def enterprise(self) -> bool:
        """True for 802.1X modes (they need RADIUS servers, not a pre-shared key)."""
        return self.value.endswith("enterprise")


Routing = Literal["ospfv3", "static", "none"]


class RaPolicy(_Model):
    """Router-advertisement timers of the user VLANs."""

    valid_lifetime: Annotated[int, Field(ge=600, le=4_294_967_294)] = 2_592_000
    preferred_lifetime: Annotated[int, Field(ge=0, le=4_294_967_294)] = 604_800

    @model_validator(mode="after")
    def _preferred_not_above_valid(self) -> RaPolicy:
        if self.preferred_lifetime > self.valid_lifetime:
            msg = "preferred_lifetime must not exceed valid_lifetime (RFC 4862)"
            raise ValueError(msg)
        return self


class Dhcpv6Policy(_Model):
    """Where DHCPv6 is served for the VLANs whose mode needs it."""

    kind: Literal["server", "relay"] = "server"
    relay_to: list[IPv6Address] = Field(default_factory=list)
    dns_servers: list[IPv6Address] = Field(default_factory=list)

    @model_validator(mode="after")
    def _relay_needs_servers(self) -> Dhcpv6Policy:
        if self.kind == "relay" and not self.relay_to:
            msg = "kind relay needs relay_to: the DHCPv6 server addresses"
            raise ValueError(msg)
        return self


class Ospfv3Policy(_Model):
    """The OSPFv3 process towards the county node."""

    process_id: Annotated[int, Field(ge=1, le=65535)] = 1
    area: IPv4Address = IPv4Address("0.0.0.0")  # noqa: S104 - an OSPF area id, not a bind address


class PortRange(_Model):
    """Ports of a switch model for RA guard when the inventory lists none (``{n}``: first..last)."""

    format: Annotated[str, StringConstraints(pattern=r"^\S[^{}]*\{n\}[^{}]*$")]
    first: Annotated[int, Field(ge=0, le=512)]
    last: Annotated[int, Field(ge=0, le=512)]

    @model_validator(mode="after")
    def _names_are_interfaces(self) -> PortRange:
        """Each name the range gives is an interface name (no second command in a format)."""
        if not re.fullmatch(INTERFACE_RE, self.format.replace("{n}", "1")):
            msg = (f"format {self.format!r} does not give interface names: letters, digits, '-',"
                   " then the number with '/', '.' or ':' (e.g. GigabitEthernet0/0/{n})")
            raise ValueError(msg)
        return self

    def names(self) -> list[str]:
        """The interface names.

        Examples:
            >>> PortRange(format="GigabitEthernet0/0/{n}", first=1, last=2).names()
            ['GigabitEthernet0/0/1', 'GigabitEthernet0/0/2']
        """
        return [self.format.replace("{n}", str(n)) for n in range(self.first, self.last + 1)]


class ModelPorts(_Model):
    """Host-facing and trusted (uplink) ports of one access-switch model."""

    access: list[PortRange] = Field(default_factory=list)
    trusted: list[InterfaceName] = Field(default_factory=list)


class RaGuardPolicy(_Model):
    """RA guard / ND snooping on access switches."""

    enabled: bool = True
    policy_name: ObjectName = "RAG-HOST"
    ports_by_model: dict[ModelName, ModelPorts] = Field(default_factory=dict)


class Ipv6Policy(_Model):
    """IPv6 on routers and gateways."""

    routing: Routing = "ospfv3"
    routing_by_platform: dict[Platform, Routing] = Field(default_factory=dict)
    ospfv3: Ospfv3Policy = Field(default_factory=Ospfv3Policy)
    ra: RaPolicy = Field(default_factory=RaPolicy)
    default_mode: Ipv6Mode = Ipv6Mode.SLAAC
    modes: dict[VlanRole, Ipv6Mode] = Field(default_factory=dict)
    dhcpv6: Dhcpv6Policy = Field(default_factory=Dhcpv6Policy)
    ra_guard: RaGuardPolicy = Field(default_factory=RaGuardPolicy)

    def routing_for(self, platform: Platform) -> Routing:
        """The routing towards the county node on this platform."""
        return self.routing_by_platform.get(platform, self.routing)

    def mode_for(self, role: str) -> Ipv6Mode:
        """The address mode of a VLAN role."""
        return self.modes.get(role, self.default_mode)


class SsidPolicy(_Model):
    """One SSID, the same on every controller."""

    ssid: SsidText
    wlan_id: Annotated[int, Field(ge=1, le=16)]
    vlan_role: VlanRole
    vlan: Annotated[int, Field(ge=1, le=4094)] | None = Field(
        default=None, description="pin the VLAN id; by default it comes from IPAM (vlan_role)")
    security: SecurityMode
    security_by_platform: dict[Platform, SecurityMode] = Field(default_factory=dict)
    psk: CredentialRef | None = Field(
        default=None, description="credential set whose 'password' is the pre-shared key")
    hidden: bool = False

    def security_for(self, platform: Platform) -> SecurityMode:
        """The security this platform renders (an explicit per-platform choice wins)."""
        return self.security_by_platform.get(platform, self.security)

    @model_validator(mode="after")
    def _key_matches_security(self) -> SsidPolicy:
        modes = {self.security, *self.security_by_platform.values()}
        if any(not m.enterprise for m in modes) and self.psk is None:
            msg = "a personal (PSK/SAE) security mode needs psk: <credential set name>"
            raise ValueError(msg)
        if all(m.enterprise for m in modes) and self.psk is not None:
            msg = "an enterprise (802.1X) SSID has no pre-shared key: remove psk"
            raise ValueError(msg)
        return self


class RadiusServer(_Model):
    """A RADIUS server; its shared key is the 'password' of a credential set."""

    name: ObjectName
    address: IPv4Address | IPv6Address
    auth_port: Annotated[int, Field(ge=1, le=65535)] = 1812
    acct_port: Annotated[int, Field(ge=1, le=65535)] = 1813
    credentials: CredentialRef


class Wifi6Policy(_Model):
    """802.11ax radio settings (rendered only where the vendor syntax is confirmed)."""

    enabled: bool = True
    channel_width_5g: Literal[20, 40, 80, 160] = 80


SsidKey = Literal["teacher", "student", "iot"]


class WlanPolicy(_Model):
    """Wi-Fi on the controllers."""

    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "CN"
    forward_mode: Literal["direct", "tunnel"] = "direct"
    ssids: dict[SsidKey, SsidPolicy]
    radius: list[RadiusServer] = Field(default_factory=list)
    aaa_domain: DomainText = "wlan.nxedu.example.cn"
    wifi6: Wifi6Policy = Field(default_factory=Wifi6Policy)

    @model_validator(mode="after")
    def _radius_for_enterprise(self) -> WlanPolicy:
        enterprise = [k for k, s in self.ssids.items()
                      if s.security.enterprise or any(m.enterprise
                                                      for m in s.security_by_platform.values())]
        if enterprise and not self.radius:
            msg = f"SSID {enterprise[0]} uses 802.1X: list the RADIUS servers under radius"
            raise ValueError(msg)
        ids = [s.wlan_id for s in self.ssids.values()]
        if len(ids) != len(set(ids)):
            msg = "two SSIDs share a wlan_id"
            raise ValueError(msg)
        return self


class SnmpUser(_Model):
    """An SNMPv3 user; its keys are 'auth_key' and 'priv_key' of a credential set.

    ``credentials_by_platform`` names another set for a platform whose user differs (a DES user
    on RGOS): it must be the set the collectors poll those devices with (the inventory's
    ``snmp:``)."""

    name: ObjectName
    credentials: CredentialRef
    credentials_by_platform: dict[Platform, CredentialRef] = Field(default_factory=dict)

    def credentials_for(self, platform: Platform) -> str:
        """The credential set of this user on ``platform``."""
        return self.credentials_by_platform.get(platform, self.credentials)


SnmpPrivacy = Literal["aes128", "des56"]


class SnmpPolicy(_Model):
    """SNMPv3 only, authPriv only, SHA and AES-128 (DES where a platform offers nothing else)."""

    group: ObjectName = "NMS"
    view: ObjectName = "NMS-VIEW"
    users: list[SnmpUser] = Field(min_length=1)
    privacy_by_platform: dict[Platform, SnmpPrivacy] = Field(
        default_factory=dict,
        description="privacy protocol per platform where AES is not available (default aes128)")

    def privacy_for(self, platform: Platform) -> SnmpPrivacy:
        """The SNMPv3 privacy protocol this platform renders."""
        return self.privacy_by_platform.get(platform, "aes128")


class LocalUser(_Model):
    """A local administrator; the password is the 'password' of a credential set."""

    name: ObjectName
    credentials: CredentialRef
    privilege: Annotated[int, Field(ge=1, le=15)] = 15


class PasswordPolicy(_Model):
    """Local password rules (MLPS 2.0: complexity and periodic change)."""

    min_length: Annotated[int, Field(ge=8, le=32)] = 10
    char_types: Annotated[int, Field(ge=1, le=4)] = 4
    aging_days: Annotated[int, Field(ge=1, le=365)] = 90


class LockoutPolicy(_Model):
    """Login failures: ``attempts`` within ``window_minutes`` lock the user for ``lock_minutes``."""

    attempts: Annotated[int, Field(ge=1, le=10)] = 5
    window_minutes: Annotated[int, Field(ge=1, le=60)] = 5
    lock_minutes: Annotated[int, Field(ge=1, le=1440)] = 15


class AdminAaaPolicy(_Model):
    """Central authentication of administrators: a RADIUS server pair, local users as fallback
    (the device asks the next server on timeout and its local users when none answers)."""

    radius: list[RadiusServer] = Field(min_length=1, max_length=2)
    group: ObjectName = "RAD-ADMIN"


class BaselinePolicy(_Model):
    """The MLPS 2.0 security baseline every device gets."""

    ntp_servers: list[IPv4Address | IPv6Address] = Field(min_length=1)
    syslog_servers: list[IPv4Address | IPv6Address] = Field(min_length=1)
    snmp: SnmpPolicy
    local_users: list[LocalUser] = Field(min_length=1)
    password: PasswordPolicy = Field(default_factory=PasswordPolicy)
    lockout: LockoutPolicy = Field(default_factory=LockoutPolicy)
    idle_timeout_minutes: Annotated[int, Field(ge=1, le=60)] = 10
    banner: BannerText
    aaa: AdminAaaPolicy | None = Field(
        default=None, description="RADIUS for administrator logins (None: local users only)")


class OsFamilyRule(_Model):
    """Models matching ``models`` (globs) run OS ``family`` (templates branch on it)."""

    models: list[SingleLine] = Field(min_length=1)
    family: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")]


class Policy(_Model):
    """``templates/policy.yaml``: everything the templates read that is not an address."""

    version: Literal[1] = 1
    domain_name: DomainText
    os_families: dict[Platform, list[OsFamilyRule]] = Field(default_factory=dict)
    ipv6: Ipv6Policy = Field(default_factory=Ipv6Policy)
    wlan: WlanPolicy
    baseline: BaselinePolicy

    @model_validator(mode="after")
    def _one_definition_per_radius_name(self) -> Policy:
        """A RADIUS server named in both baseline.aaa and wlan.radius is the same server: the
        templates define it once per device."""
        seen: dict[str, RadiusServer] = {r.name: r for r in self.wlan.radius}
        for r in self.baseline.aaa.radius if self.baseline.aaa else []:
            other = seen.get(r.name)
            if other is not None and other != r:
                msg = (f"RADIUS server {r.name} differs between baseline.aaa.radius and "
                       "wlan.radius: give one of them another name")
                raise ValueError(msg)
        return self

    def os_family(self, platform: Platform, model: str | None) -> str:
        """The OS family of a device: the first rule matching its model, else ``default``.

        Examples:
            >>> p = Policy.model_validate(EXAMPLE)
            >>> vrp = Platform.HUAWEI_VRP
            >>> p.os_family(vrp, "CE6881-48S6CQ"), p.os_family(vrp, None)
            ('vrp8-ce', 'default')
        """
        for rule in self.os_families.get(platform, []):
            if model and any(fnmatch.fnmatchcase(model, pat) for pat in rule.models):
                return rule.family
        return "default"


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file.

    Raises:
        RenderError: naming the file, the line and the field of every problem.
    """
    try:
        data = read_yaml(path)
    except FileNotFoundError as exc:
        msg = f"{path}: policy file not found (copy templates/policy.yaml from the repository)"
        raise RenderError(msg) from exc
    except YamlSyntaxError as exc:
        msg = f"{exc.path}:{exc.line}: invalid YAML: {exc.message}"
        raise RenderError(msg) from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise RenderError(format_errors(path, exc)) from exc


def format_errors(path: Path, exc: ValidationError) -> str:
    """One ``file:line: field: message`` per pydantic error, with a suggestion for typos."""
    errors = exc.errors()
    locs: list[Sequence[str | int]] = [tuple(e["loc"]) for e in errors]
    lines = locate(path, locs)
    out = []
    for err, line in zip(errors, lines, strict=True):
        loc = tuple(err["loc"])
        field = _dotted(loc)
        message = str(err["msg"])
        if err["type"] == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
            known = _known_fields(loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            message += f": did you mean '{close[0]}'?" if close else (
                f" (known: {', '.join(known)})" if known else "")
        where = f"{path}:{line}" if line else str(path)
        out.append(f"{where}: {field}: {message}")
    return "invalid policy: " + "; ".join(out) if len(out) > 1 else "invalid policy: " + out[0]


def _dotted(loc: Sequence[str | int]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or "(file)"


def _known_fields(loc: Sequence[str | int]) -> list[str]:
    """The field names of the model at ``loc`` (through dicts and lists)."""
    model: Any = Policy
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:  # a dict key (an SSID key, a platform): stay on the value model
            continue
        model = _unwrap(field.annotation)
    return sorted(model.model_fields) if hasattr(model, "model_fields") else []


def _unwrap(annotation: Any) -> Any:
    """The model inside ``list[M]``, ``dict[K, M]``, ``M | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(getattr(annotation, "__args__", ()) or ()):
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


EXAMPLE: dict[str, Any] = {
    "domain_name": "nxedu.example.cn",
    "os_families": {"huawei_vrp": [{"models": ["CE*"], "family": "vrp8-ce"}]},
    "ipv6": {"routing_by_platform": {"ruijie_os": "none"}},
    "wlan": {
        "ssids": {
            "teacher": {"ssid": "NXEDU-Teacher", "wlan_id": 1, "vlan_role": "wireless-teacher",
                        "security": "wpa3-enterprise"},
        },
        "radius": [{"name": "RAD1", "address": "10.0.0.10", "credentials": "radius"}],
    },
    "baseline": {
        "ntp_servers": ["10.0.0.1"], "syslog_servers": ["10.0.0.2"],
        "snmp": {"users": [{"name": "nms", "credentials": "snmpv3"}]},
        "local_users": [{"name": "netops", "credentials": "admin"}],
        "banner": "Authorized use only",
    },
}
"""A minimal valid policy, for doctests and tests."""
