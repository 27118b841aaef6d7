"""What the renderer needs from IPAM, behind one function.

:class:`AddressSource` is the whole contract: ``source(inv, hostname) -> DeviceAddressing``.
:func:`default_source` returns the IPAM adapter when ``netctl.ipam`` provides
``device_addressing`` (issue 3), and otherwise :class:`InventoryPrefixSource`, which derives the
same data from the ``prefixes`` IPAM records in the inventory files. Tests use
:class:`StaticSource` with hand-written data.

Addresses are never typed into templates or the policy: they all come through here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from netctl.config.policy import Ipv6Mode
from netctl.exceptions import RenderError
from netctl.inventory.index import Inventory
from netctl.models.inventory import InterfaceRole


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VlanAddressing(_Model):
    """One user VLAN of a site: its /64, the gateway address, IPv4 alongside."""

    role: str
    vlan_id: Annotated[int, Field(ge=1, le=4094)]
    name: str | None = None
    ipv6: IPv6Interface = Field(description="gateway address with the /64, e.g. 2001:db8:10::1/64")
    ipv4: IPv4Interface | None = None
    mode: Ipv6Mode | None = Field(default=None, description="overrides the policy for this VLAN")

    @model_validator(mode="after")
    def _slash64(self) -> VlanAddressing:
        if self.ipv6.network.prefixlen != 64:
            msg = f"VLAN {self.vlan_id}: a user VLAN is a /64, got {self.ipv6.network}"
            raise ValueError(msg)
        return self


class LinkAddressing(_Model):
    """A point-to-point link seen from this device: local /127 (/31 or /30 for IPv4) and peer."""

    interface: str
    peer: str | None = Field(default=None, description="hostname of the other end")
    ipv6: IPv6Interface
    peer_ipv6: IPv6Address
    ipv4: IPv4Interface | None = None
    peer_ipv4: IPv4Address | None = None
    routed_prefixes: list[IPv6Network] = Field(
        default_factory=list, description="prefixes behind the peer (static routing downstream)")

    @model_validator(mode="after")
    def _same_link(self) -> LinkAddressing:
        if self.peer_ipv6 not in self.ipv6.network or self.peer_ipv6 == self.ipv6.ip:
            msg = f"{self.interface}: peer {self.peer_ipv6} is not the other end of {self.ipv6}"
            raise ValueError(msg)
        return self


class DeviceAddressing(_Model):
    """Everything IPAM knows about one device's addresses."""

    hostname: str
    loopback_ipv6: IPv6Address | None = None
    loopback_ipv4: IPv4Address | None = Field(default=None, description="also the router-id")
    mgmt_ipv6: IPv6Address | None = None
    mgmt_ipv4: IPv4Address | None = None
    site_prefix: IPv6Network | None = Field(default=None, description="the site's whole block")
    vlans: list[VlanAddressing] = Field(default_factory=list)
    links: list[LinkAddressing] = Field(default_factory=list)


class AddressSource(Protocol):
    """The one IPAM call the renderer makes."""

    def __call__(self, inv: Inventory, hostname: str) -> DeviceAddressing:
        """Addresses of ``hostname``; raise :class:`RenderError` when IPAM has none."""
        ...


class StaticSource:
    """Addresses given up front (tests, and sites IPAM does not manage yet)."""

    def __init__(self, data: Mapping[str, DeviceAddressing]) -> None:
        self._data = dict(data)

    def __call__(self, inv: Inventory, hostname: str) -> DeviceAddressing:
        """The recorded addresses, or an empty record."""
        return self._data.get(hostname) or DeviceAddressing(hostname=hostname)


class InventoryPrefixSource:
    """Addresses derived from the ``prefixes`` IPAM writes into the inventory files.

    Conventions read here (they are what ``netctl ipam allocate`` records on a school or node):
    a prefix with a ``vlan`` and an IPv6 /64 is a user VLAN (role = VLAN role, gateway = the
    first address, ``::1``); its IPv4 twin (same ``vlan``) gives the IPv4 gateway (first host).
    Loopbacks and point-to-point links are not derivable from prefixes alone, so this source
    gives none: OSPFv3 and static routing need the IPAM API.
    """

    def __call__(self, inv: Inventory, hostname: str) -> DeviceAddressing:
        """User VLANs of the device's site, from the recorded prefixes."""
        entry = inv.devices.get(hostname)
        if entry is None:
            msg = f"unknown device '{hostname}'"
            raise RenderError(msg)
        if entry.school is not None:
            prefixes = inv.schools[entry.school].school.prefixes
        elif entry.node is not None:
            prefixes = inv.nodes[entry.node].prefixes
        else:
            prefixes = []
        v4 = {p.vlan: p.prefix for p in prefixes
              if p.vlan is not None and isinstance(p.prefix, IPv4Network)}
        vlans = []
        for p in prefixes:
            if p.vlan is None or not isinstance(p.prefix, IPv6Network) or p.prefix.prefixlen != 64:
                continue
            four = v4.get(p.vlan)
            vlans.append(VlanAddressing(
                role=p.role, vlan_id=p.vlan, name=p.description,
                ipv6=IPv6Interface(f"{p.prefix.network_address + 1}/64"),
                ipv4=(IPv4Interface(f"{four.network_address + 1}/{four.prefixlen}")
                      if four else None),
            ))
        return DeviceAddressing(
            hostname=hostname, mgmt_ipv4=entry.device.mgmt_ipv4,
            mgmt_ipv6=entry.device.mgmt_ipv6, vlans=sorted(vlans, key=lambda v: v.vlan_id),
        )


class IpamSource:
    """Adapter around IPAM's ``device_addressing(inv, hostname)`` (``netctl.ipam.addresses``).

    IPAM's records may be partial (a VLAN without an IPv6 prefix yet, a link end without an
    interface name): those entries cannot be configured and are left out here. What remains is
    validated into :class:`DeviceAddressing`, so a shape mismatch is a clear error at this
    boundary rather than an undefined value in a template.
    """

    def __init__(self, func: Callable[[Inventory, str], object]) -> None:
        self._func = func

    def __call__(self, inv: Inventory, hostname: str) -> DeviceAddressing:
        """IPAM's addresses of ``hostname``, validated."""
        got = self._func(inv, hostname)
        if isinstance(got, DeviceAddressing):
            return got
        data = got if isinstance(got, Mapping) else _attributes(got)
        try:
            return DeviceAddressing.model_validate(_configurable(data))
        except ValidationError as exc:
            msg = f"{hostname}: IPAM returned addresses netctl.config cannot read: {exc}"
            raise RenderError(msg) from exc


_FIELDS = ("hostname", "loopback_ipv6", "loopback_ipv4", "mgmt_ipv6", "mgmt_ipv4", "site_prefix",
           "vlans", "links")
_VLAN_FIELDS = ("role", "vlan_id", "name", "ipv6", "ipv4", "mode")
_LINK_FIELDS = ("interface", "peer", "ipv6", "peer_ipv6", "ipv4", "peer_ipv4", "routed_prefixes")


def _attributes(obj: object, names: tuple[str, ...] = _FIELDS) -> dict[str, object]:
    return {n: getattr(obj, n) for n in names if hasattr(obj, n)}


def _configurable(data: Mapping[str, object]) -> dict[str, object]:
    """Keep the fields this module models, and only the VLANs and links one can configure."""
    out = {k: v for k, v in data.items() if k in _FIELDS}
    vlans = []
    for v in data.get("vlans") or []:  # type: ignore[attr-defined]
        item = dict(v) if isinstance(v, Mapping) else _attributes(v, _VLAN_FIELDS)
        if item.get("ipv6") is not None:
            mode = item.get("mode")
            item["mode"] = str(mode) if mode is not None else None
            vlans.append(item)
    links = []
    for lk in data.get("links") or []:  # type: ignore[attr-defined]
        item = dict(lk) if isinstance(lk, Mapping) else _attributes(lk, _LINK_FIELDS)
        if all(item.get(k) is not None for k in ("interface", "ipv6", "peer_ipv6")):
            links.append({k: v for k, v in item.items() if k in _LINK_FIELDS})
    out["vlans"], out["links"] = vlans, links
    return out


def default_source() -> AddressSource:
    """IPAM's ``device_addressing`` (``netctl.ipam.addresses`` or ``netctl.ipam``) when it
    exists, else the prefixes recorded in the inventory."""
    for name in ("netctl.ipam.addresses", "netctl.ipam"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        func = getattr(module, "device_addressing", None)
        if callable(func):
            return IpamSource(func)
    return InventoryPrefixSource()


def user_interfaces(inv: Inventory, hostname: str) -> dict[int, str]:
    """Names the inventory gives to the device's user-VLAN interfaces, by VLAN id."""
    entry = inv.devices[hostname]
    return {i.vlan: i.name for i in entry.device.interfaces
            if i.role is InterfaceRole.USER and i.vlan is not None}
