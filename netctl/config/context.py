"""The render context: every value a template may read, for one device.

:func:`build_context` joins the inventory (what the device is and where), IPAM (its addresses,
through :mod:`netctl.config.addressing`) and the policy (``templates/policy.yaml``) into one
frozen :class:`RenderContext`. Templates read nothing else, so what a template can print is
what this module declares. Secrets appear only as :class:`~netctl.config.placeholders.SecretRef`
placeholders.

Names the templates put on devices (profiles, pools, groups) are derived here once, so the four
vendor templates name things the same way.
"""

from __future__ import annotations

from collections import defaultdict
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface, IPv6Network
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from netctl import geo
from netctl.config.addressing import (
    AddressSource,
    DeviceAddressing,
    default_source,
    user_interfaces,
)
from netctl.config.placeholders import SecretRef, placeholder
from netctl.config.policy import (
    Ipv6Mode,
    LockoutPolicy,
    PasswordPolicy,
    Policy,
    RadiusServer,
    Routing,
    SecurityMode,
    SsidKey,
    SsidPolicy,
)
from netctl.exceptions import RenderError
from netctl.inventory.index import DeviceEntry, Inventory
from netctl.models.inventory import InterfaceRole, Role
from netctl.platforms import Platform

ROUTED_ROLES = frozenset({Role.GATEWAY, Role.CORE, Role.METRO, Role.BACKBONE})
"""Roles that route IPv6 (the others get RA guard, management or nothing)."""

SVI_NAME: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "Vlanif{n}",
    Platform.HP_COMWARE: "Vlan-interface{n}",
    Platform.RUIJIE_OS: "VLAN {n}",
    Platform.CISCO_IOS: "Vlan{n}",
    Platform.FRR: "vlan{n}",
}
"""A user VLAN's interface when the inventory does not name it."""

LOOPBACK_NAME: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "LoopBack0",
    Platform.HP_COMWARE: "LoopBack0",
    Platform.RUIJIE_OS: "Loopback 0",
    Platform.CISCO_IOS: "Loopback0",
    Platform.FRR: "lo",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Site(_Model):
    """Where the device is: a school or a network node, its county and city."""

    kind: Literal["school", "node"]
    id: str
    name: str
    county: str | None
    county_name: str | None
    city: str | None
    city_name: str | None


class InterfaceInfo(_Model):
    """An interface the inventory declares."""

    name: str
    role: InterfaceRole | None
    description: str | None
    vlan: int | None


class Link(_Model):
    """A point-to-point routed link."""

    interface: str
    role: Literal["uplink", "downlink", "link"]
    description: str | None
    peer: str | None
    ipv6: IPv6Interface
    peer_ipv6: IPv6Address


class Loopback(_Model):
    """The loopback: a /128 (and the IPv4 router-id)."""

    interface: str
    ipv6: IPv6Interface
    ipv4: IPv4Address | None


class Dhcpv6(_Model):
    """DHCPv6 for one VLAN: a local pool or a relay."""

    kind: Literal["server", "relay"]
    pool: str
    relay_to: list[IPv6Address]
    dns_servers: list[IPv6Address]
    domain_name: str


class UserVlan(_Model):
    """A user VLAN interface with its /64 and how hosts configure themselves."""

    vlan_id: int
    role: str
    name: str
    interface: str
    ipv6: IPv6Interface
    prefix: IPv6Network
    ipv4: IPv4Interface | None
    mode: Ipv6Mode
    ra: bool = Field(description="router advertisements are sent (every mode but none)")
    managed_flag: bool = Field(description="M=1: addresses from DHCPv6")
    other_flag: bool = Field(description="O=1: other settings (DNS) from DHCPv6")
    autoconfig: bool = Field(description="A=1 in the prefix option: hosts may use SLAAC")
    dhcpv6: Dhcpv6 | None


class StaticRoute(_Model):
    """An IPv6 static route."""

    prefix: IPv6Network
    next_hop: IPv6Address


class Ospfv3(_Model):
    """The OSPFv3 process and its interfaces."""

    process_id: int
    area: IPv4Address
    router_id: IPv4Address
    interfaces: list[str]
    passive: list[str]


class RaGuard(_Model):
    """RA guard on an access switch: host-facing ports drop RAs, trusted ports pass them."""

    policy_name: str
    access_ports: list[str]
    trusted_ports: list[str]


class Ipv6Context(_Model):
    """The ``ipv6`` feature."""

    routing_enabled: bool
    loopback: Loopback | None
    links: list[Link]
    vlans: list[UserVlan]
    routing: Routing
    ospfv3: Ospfv3 | None
    static_routes: list[StaticRoute]
    ra_valid_lifetime: int
    ra_preferred_lifetime: int
    dns_servers: list[IPv6Address] = Field(description="recursive DNS servers (RDNSS, DHCPv6)")
    ra_guard: RaGuard | None


class Ssid(_Model):
    """One SSID as this controller renders it."""

    key: SsidKey
    ssid: str
    wlan_id: int
    profile: str = Field(description="object-name stem: TEACHER, STUDENT, IOT")
    vlan_id: int
    security: SecurityMode
    enterprise: bool
    psk: SecretRef | None
    hidden: bool


class Radius(_Model):
    """A RADIUS server with its key placeholder."""

    name: str
    address: IPv4Address | IPv6Address
    auth_port: int
    acct_port: int
    key: SecretRef


class ApGroup(_Model):
    """The APs of one school on this controller."""

    name: str
    school: str
    school_name: str
    ap_models: list[str]
    ap_count: int
    wifi6_count: int


class WlanContext(_Model):
    """The ``wlan`` feature (controllers only)."""

    country_code: str
    forward_mode: Literal["direct", "tunnel"]
    ssids: list[Ssid]
    radius: list[Radius]
    radius_group: str
    aaa_domain: str
    ap_groups: list[ApGroup]
    wifi6: bool
    channel_width_5g: int


class SnmpUserCtx(_Model):
    """An SNMPv3 user: keys as placeholders, privacy protocol as this platform renders it."""

    name: str
    auth_key: SecretRef
    priv_key: SecretRef
    privacy: Literal["aes128", "des56"]


class LocalUserCtx(_Model):
    """A local administrator: password as a placeholder."""

    name: str
    privilege: int
    password: SecretRef


class BaselineContext(_Model):
    """The ``baseline`` feature (every device)."""

    ntp_servers: list[IPv4Address | IPv6Address]
    syslog_servers: list[IPv4Address | IPv6Address]
    snmp_group: str
    snmp_view: str
    snmp_users: list[SnmpUserCtx]
    local_users: list[LocalUserCtx]
    password: PasswordPolicy
    lockout: LockoutPolicy
    idle_timeout_minutes: int
    banner: str
    aaa_servers: list[Radius] = Field(
        description="RADIUS pair for administrator logins (empty: local users only)")
    aaa_group: str


class RenderContext(_Model):
    """Everything a template may read about one device."""

    hostname: str
    platform: Platform
    family: str = Field(description="OS family from the policy (vrp8-ce, ...) or 'default'")
    role: Role
    model: str | None
    domain_name: str
    site: Site
    mgmt_ipv4: IPv4Address | None
    mgmt_ipv6: IPv6Address | None
    interfaces: list[InterfaceInfo]
    ipv6: Ipv6Context | None = Field(description="None when the ipv6 feature is not rendered")
    wlan: WlanContext | None = Field(description="None unless a controller renders wlan")
    baseline: BaselineContext | None = Field(description="None when baseline is not rendered")


ALL_FEATURES: frozenset[str] = frozenset({"ipv6", "wlan", "baseline"})


def build_context(
    inv: Inventory,
    hostname: str,
    policy: Policy,
    source: AddressSource | None = None,
    features: frozenset[str] = ALL_FEATURES,
) -> RenderContext:
    """Join inventory, IPAM and policy into the render context of ``hostname``.

    Only the sections of ``features`` are built (the others are None), so a device whose Wi-Fi
    data is incomplete can still get its baseline.

    Raises:
        RenderError: the device is unknown, or IPAM lacks an address the policy needs.
    """
    entry = inv.devices.get(hostname)
    if entry is None:
        msg = f"unknown device '{hostname}'"
        raise RenderError(msg)
    src = source or default_source()
    dev = entry.device
    addressing = (src(inv, hostname) if dev.role in ROUTED_ROLES and "ipv6" in features
                  else None)
    return RenderContext(
        hostname=hostname,
        platform=entry.platform,
        family=policy.os_family(entry.platform, dev.model),
        role=dev.role,
        model=dev.model,
        domain_name=policy.domain_name,
        site=_site(inv, entry),
        mgmt_ipv4=dev.mgmt_ipv4 or (addressing.mgmt_ipv4 if addressing else None),
        mgmt_ipv6=dev.mgmt_ipv6 or (addressing.mgmt_ipv6 if addressing else None),
        interfaces=[InterfaceInfo(name=i.name, role=i.role, description=i.description, vlan=i.vlan)
                    for i in dev.interfaces],
        ipv6=_ipv6(inv, entry, policy, addressing) if "ipv6" in features else None,
        wlan=(_wlan(inv, entry, policy, src) if dev.role is Role.WLC and "wlan" in features
              else None),
        baseline=_baseline(policy, entry.platform) if "baseline" in features else None,
    )


def _site(inv: Inventory, entry: DeviceEntry) -> Site:
    county = geo.COUNTIES.get(entry.county) if entry.county else None
    city = geo.CITIES.get(entry.city) if entry.city else None
    if entry.school is not None:
        kind: Literal["school", "node"] = "school"
        ident, name = entry.school, inv.schools[entry.school].school.name
    else:
        kind, ident = "node", entry.node or ""
        name = inv.nodes[entry.node].name if entry.node else ""
    return Site(kind=kind, id=ident, name=name, county=entry.county,
                county_name=county.name if county else None, city=entry.city,
                city_name=city.name if city else None)


def _ipv6(
    inv: Inventory, entry: DeviceEntry, policy: Policy, addressing: DeviceAddressing | None
) -> Ipv6Context:
    p6 = policy.ipv6
    routing = p6.routing_for(entry.platform)
    empty = Ipv6Context(
        routing_enabled=False, loopback=None, links=[], vlans=[], routing="none", ospfv3=None,
        static_routes=[], ra_valid_lifetime=p6.ra.valid_lifetime,
        ra_preferred_lifetime=p6.ra.preferred_lifetime, dns_servers=p6.dhcpv6.dns_servers,
        ra_guard=None,
    )
    if entry.role is Role.ACCESS:
        return empty.model_copy(update={"ra_guard": _ra_guard(entry, policy)})
    if addressing is None:
        return empty
    platform, hostname = entry.platform, entry.hostname
    roles = {i.name: i for i in entry.device.interfaces}
    links = []
    for link in addressing.links:
        declared = roles.get(link.interface)
        role: Literal["uplink", "downlink", "link"] = "link"
        if declared is not None and declared.role is InterfaceRole.UPLINK:
            role = "uplink"
        elif declared is not None and declared.role is InterfaceRole.DOWNLINK:
            role = "downlink"
        description = (declared.description if declared and declared.description
                       else f"to {link.peer}" if link.peer else None)
        links.append(Link(interface=link.interface, role=role, description=description,
                          peer=link.peer, ipv6=link.ipv6, peer_ipv6=link.peer_ipv6))
    loopback = None
    if addressing.loopback_ipv6 is not None:
        loopback = Loopback(interface=LOOPBACK_NAME[platform],
                            ipv6=IPv6Interface(f"{addressing.loopback_ipv6}/128"),
                            ipv4=addressing.loopback_ipv4)
    named = user_interfaces(inv, hostname)
    vlans = [_vlan(v.vlan_id, v.role, v.name, named.get(v.vlan_id)
                   or SVI_NAME[platform].format(n=v.vlan_id), v.ipv6, v.ipv4,
                   v.mode or p6.mode_for(v.role), policy)
             for v in sorted(addressing.vlans, key=lambda v: v.vlan_id)]
    ospf = None
    statics: list[StaticRoute] = []
    if routing == "ospfv3":
        if addressing.loopback_ipv4 is None:
            msg = (f"{hostname}: OSPFv3 needs a router-id, and IPAM gives no IPv4 loopback "
                   "(allocate one with netctl ipam, or set ipv6.routing_by_platform to static)")
            raise RenderError(msg)
        active = [lk.interface for lk in links] + ([loopback.interface] if loopback else [])
        passive = [v.interface for v in vlans]
        ospf = Ospfv3(process_id=p6.ospfv3.process_id, area=p6.ospfv3.area,
                      router_id=addressing.loopback_ipv4, interfaces=active + passive,
                      passive=passive)
    elif routing == "static":
        up = [lk for lk in addressing.links
              if roles.get(lk.interface) is not None
              and roles[lk.interface].role is InterfaceRole.UPLINK]
        if up:
            statics.append(StaticRoute(prefix=IPv6Network("::/0"), next_hop=up[0].peer_ipv6))
        elif entry.role in (Role.GATEWAY, Role.CORE):
            msg = (f"{hostname}: static routing needs the uplink towards the county node: "
                   "IPAM gives no point-to-point address on an interface with role uplink")
            raise RenderError(msg)
        for lk in addressing.links:
            statics.extend(StaticRoute(prefix=p, next_hop=lk.peer_ipv6) for p in lk.routed_prefixes)
    return Ipv6Context(
        routing_enabled=True, loopback=loopback, links=links, vlans=vlans, routing=routing,
        ospfv3=ospf, static_routes=statics, ra_valid_lifetime=p6.ra.valid_lifetime,
        ra_preferred_lifetime=p6.ra.preferred_lifetime, dns_servers=p6.dhcpv6.dns_servers,
        ra_guard=None,
    )


def _vlan(
    vlan_id: int, role: str, name: str | None, interface: str, ipv6: IPv6Interface,
    ipv4: IPv4Interface | None, mode: Ipv6Mode, policy: Policy,
) -> UserVlan:
    d6 = policy.ipv6.dhcpv6
    dhcp = None
    if mode in (Ipv6Mode.DHCPV6_STATELESS, Ipv6Mode.DHCPV6_STATEFUL):
        dhcp = Dhcpv6(kind=d6.kind, pool=f"V6-VLAN{vlan_id}", relay_to=d6.relay_to,
                      dns_servers=d6.dns_servers, domain_name=policy.domain_name)
    return UserVlan(
        vlan_id=vlan_id, role=role, name=name or role, interface=interface, ipv6=ipv6,
        prefix=ipv6.network, ipv4=ipv4, mode=mode, ra=mode is not Ipv6Mode.NONE,
        managed_flag=mode is Ipv6Mode.DHCPV6_STATEFUL,
        other_flag=mode in (Ipv6Mode.DHCPV6_STATELESS, Ipv6Mode.DHCPV6_STATEFUL),
        autoconfig=mode in (Ipv6Mode.SLAAC, Ipv6Mode.DHCPV6_STATELESS),
        dhcpv6=dhcp,
    )


def _ra_guard(entry: DeviceEntry, policy: Policy) -> RaGuard | None:
    rg = policy.ipv6.ra_guard
    if not rg.enabled:
        return None
    ifaces = entry.device.interfaces
    access = [i.name for i in ifaces if i.role is InterfaceRole.ACCESS]
    trusted = [i.name for i in ifaces if i.role is InterfaceRole.UPLINK]
    ports = rg.ports_by_model.get(entry.device.model or "")
    if ports is not None:
        if not access:
            access = [n for r in ports.access for n in r.names()]
        if not trusted:
            trusted = list(ports.trusted)
    return RaGuard(policy_name=rg.policy_name, access_ports=access,
                   trusted_ports=[t for t in trusted if t not in access])


def _wlan(inv: Inventory, entry: DeviceEntry, policy: Policy, src: AddressSource) -> WlanContext:
    pw = policy.wlan
    aps: dict[str, list[DeviceEntry]] = defaultdict(list)
    for d in inv.iter_devices():
        if d.role is Role.AP and d.device.controller == entry.hostname and d.school:
            aps[d.school].append(d)
    groups = [
        ApGroup(name=f"AG-{code}", school=code, school_name=inv.schools[code].school.name,
                ap_models=sorted({a.device.model for a in members if a.device.model}),
                ap_count=len(members),
                wifi6_count=sum(1 for a in members if a.wifi and a.wifi.is_wifi6_or_newer))
        for code, members in sorted(aps.items())
    ]
    ssids = [_ssid(inv, entry, key, sp, list(aps) or _would_serve(inv, entry), src)
             for key, sp in sorted(
        pw.ssids.items(), key=lambda kv: kv[1].wlan_id)]
    radius = _radius(pw.radius)
    return WlanContext(
        country_code=pw.country_code, forward_mode=pw.forward_mode, ssids=ssids, radius=radius,
        radius_group="RAD-WLAN", aaa_domain=pw.aaa_domain, ap_groups=groups,
        wifi6=pw.wifi6.enabled, channel_width_5g=pw.wifi6.channel_width_5g,
    )


def _would_serve(inv: Inventory, entry: DeviceEntry) -> list[str]:
    """The schools a controller without APs yet will serve, for its SSIDs' VLANs: at a school,
    that school; at a county node, the county's schools without a controller of their own
    (else all the county's schools)."""
    if entry.school is not None:
        return [entry.school]
    county = [s.code for s in inv.schools_in(entry.county)] if entry.county else []
    own = {d.school for d in inv.iter_devices() if d.role is Role.WLC and d.school}
    return [c for c in county if c not in own] or county


def _ssid(
    inv: Inventory, entry: DeviceEntry, key: SsidKey, sp: SsidPolicy, schools: list[str],
    src: AddressSource,
) -> Ssid:
    vlan = sp.vlan
    if vlan is None:
        found: dict[int, list[str]] = defaultdict(list)
        for code in schools:
            for gw in inv.devices_at(code):
                if gw.role is not Role.GATEWAY:
                    continue
                for v in src(inv, gw.hostname).vlans:
                    if v.role == sp.vlan_role:
                        found[v.vlan_id].append(code)
        if len(found) > 1:
            detail = "; ".join(f"VLAN {v} at {', '.join(sorted(set(c)))}"
                               for v, c in sorted(found.items()))
            msg = (f"{entry.hostname}: SSID {key}: schools on this controller put role "
                   f"'{sp.vlan_role}' in different VLANs ({detail}); one SSID maps to one VLAN")
            raise RenderError(msg)
        if not found:
            msg = (f"{entry.hostname}: SSID {key}: no VLAN for role '{sp.vlan_role}': IPAM has no "
                   "such VLAN at the schools this controller serves (netctl ipam allocate), "
                   f"or pin it with wlan.ssids.{key}.vlan in the policy")
            raise RenderError(msg)
        vlan = next(iter(found))
    security = sp.security_for(entry.platform)
    return Ssid(key=key, ssid=sp.ssid, wlan_id=sp.wlan_id, profile=key.upper(), vlan_id=vlan,
                security=security, enterprise=security.enterprise,
                psk=placeholder(sp.psk) if sp.psk and not security.enterprise else None,
                hidden=sp.hidden)


def _radius(servers: list[RadiusServer]) -> list[Radius]:
    return [Radius(name=r.name, address=r.address, auth_port=r.auth_port, acct_port=r.acct_port,
                   key=placeholder(r.credentials)) for r in servers]


def _baseline(policy: Policy, platform: Platform) -> BaselineContext:
    b = policy.baseline
    privacy = b.snmp.privacy_for(platform)
    return BaselineContext(
        ntp_servers=b.ntp_servers, syslog_servers=b.syslog_servers,
        snmp_group=b.snmp.group, snmp_view=b.snmp.view,
        snmp_users=[SnmpUserCtx(name=u.name,
                                auth_key=placeholder(u.credentials_for(platform), "auth_key"),
                                priv_key=placeholder(u.credentials_for(platform), "priv_key"),
                                privacy=privacy)
                    for u in b.snmp.users],
        local_users=[LocalUserCtx(name=u.name, privilege=u.privilege,
                                  password=placeholder(u.credentials)) for u in b.local_users],
        password=b.password, lockout=b.lockout, idle_timeout_minutes=b.idle_timeout_minutes,
        banner=b.banner, aaa_servers=_radius(b.aaa.radius) if b.aaa else [],
        aaa_group=b.aaa.group if b.aaa else "RAD-ADMIN",
    )
