"""From inventory devices to SNMP targets: address, credentials, tags; and sharding.

A device is reached at its management address (IPv6 first by default, ``snmp.prefer``) with
the SNMP credential set it names (``snmp:`` on the device, else ``defaults.snmp``), resolved by
:mod:`netctl.secrets`: a set with a ``username`` is SNMPv3, one with a ``community`` is v2c. A
target override (config ``[targets]``, ``--targets FILE`` or ``NETCTL_SNMP_TARGETS``) replaces
the address and/or the credentials of a hostname or glob: labs and tests use it to point a
device at an agent on ``udp://127.0.0.1:PORT``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from netctl.collectors.config import SnmpSettings, TargetOverride
from netctl.collectors.snmp.client import V3User
from netctl.collectors.snmp.convert import DeviceTags
from netctl.exceptions import ConfigError, SecretsError
from netctl.inventory.index import DeviceEntry
from netctl.models.inventory import Role
from netctl.secrets import Secrets


@dataclass(frozen=True, slots=True)
class Target:
    """One device to poll."""

    hostname: str
    host: str
    port: int
    tags: DeviceTags
    platform: str | None
    role: str
    site: str
    community: bytes | None = field(default=None, repr=False)
    user: V3User | None = None
    context: bytes = b""

    @property
    def version(self) -> str:
        """``2c`` or ``3``."""
        return "3" if self.user is not None else "2c"


@dataclass(frozen=True, slots=True)
class Shard:
    """``i/N``: this daemon polls the devices whose stable hash is ``i`` modulo ``N``.

    Examples:
        >>> Shard.parse("2/4")
        Shard(index=2, count=4)
        >>> Shard.parse("4/4")
        Traceback (most recent call last):
        ...
        netctl.exceptions.ConfigError: shard '4/4': expected i/N with 0 <= i < N
    """

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Parse ``i/N``."""
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not m or not 0 <= int(m[1]) < int(m[2]):
            msg = f"shard '{text}': expected i/N with 0 <= i < N"
            raise ConfigError(msg)
        return cls(int(m[1]), int(m[2]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, key: str) -> bool:
        """Whether ``key`` (see :func:`shard_key`) belongs to this shard."""
        return self.count == 1 or stable_hash(key) % self.count == self.index


def stable_hash(text: str) -> int:
    """A hash that is the same on every host and every run (unlike ``hash()``).

    Examples:
        >>> stable_hash("nx640104-0001-gw1")
        2986779694533482457
    """
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def shard_key(entry: DeviceEntry) -> str:
    """The device's hostname; for a WLAN controller its site, so both controllers of an HA pair
    land on the same daemon (the AP election needs to see both)."""
    if entry.role is Role.WLC and entry.site:
        return f"wlc@{entry.site}"
    return entry.hostname


def parse_address(text: str, default_port: int) -> tuple[str, int]:
    """``udp://127.0.0.1:1161``, ``udp6://[::1]:1161``, ``127.0.0.1``, ``[2001:db8::1]:161``.

    Examples:
        >>> parse_address("udp://127.0.0.1:16161", 161), parse_address("udp6://[::1]", 161)
        (('127.0.0.1', 16161), ('::1', 161))
    """
    rest = re.sub(r"^udp6?://", "", text.strip())
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port = int(tail[1:]) if tail.startswith(":") else default_port
    elif rest.count(":") == 1:
        host, port_text = rest.split(":")
        port = int(port_text)
    else:
        host, port = rest, default_port
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        msg = f"target address '{text}': not an IP address (no DNS on the polling path)"
        raise ConfigError(msg) from exc
    return host, port


def _override(hostname: str, overrides: Mapping[str, TargetOverride]) -> TargetOverride | None:
    if hostname in overrides:
        return overrides[hostname]
    for pattern, ov in overrides.items():
        if fnmatch.fnmatchcase(hostname, pattern):
            return ov
    return None


def build_targets(
    entries: Iterable[DeviceEntry],
    *,
    settings: SnmpSettings,
    secrets: Secrets,
    default_credential: str | None,
    overrides: Mapping[str, TargetOverride] | None = None,
    shard: Shard | None = None,
) -> tuple[list[Target], list[str]]:
    """Targets for the devices (skipping ``skip_roles`` and other shards), and one problem
    line per device that cannot be polled (no address, no credentials)."""
    overrides = overrides or {}
    targets: list[Target] = []
    problems: list[str] = []
    skip = set(settings.skip_roles)
    cred_cache: dict[str, tuple[bytes | None, V3User | None]] = {}
    for entry in entries:
        if entry.role.value in skip:
            continue
        if shard is not None and not shard.owns(shard_key(entry)):
            continue
        dev = entry.device
        ov = _override(entry.hostname, overrides)
        if ov is not None and ov.address:
            host, port = parse_address(ov.address, settings.port)
        else:
            first, second = ((dev.mgmt_ipv6, dev.mgmt_ipv4) if settings.prefer == "ipv6"
                             else (dev.mgmt_ipv4, dev.mgmt_ipv6))
            addr = first or second
            if addr is None:
                problems.append(f"{entry.hostname}: no management address (mgmt_ipv6/mgmt_ipv4)")
                continue
            host, port = str(addr), settings.port
        community: bytes | None = None
        user: V3User | None = None
        if ov is not None and ov.community:
            community = ov.community.encode()
        else:
            cred_name = (ov.credential if ov is not None and ov.credential else
                         dev.snmp or default_credential)
            if cred_name is None:
                problems.append(f"{entry.hostname}: no SNMP credential set (snmp: on the device "
                                "or defaults.snmp)")
                continue
            if cred_name not in cred_cache:
                try:
                    cred = secrets.require(cred_name)
                except SecretsError as exc:
                    problems.append(f"{entry.hostname}: {exc}")
                    continue
                if cred.username:
                    cred_cache[cred_name] = (None, V3User(
                        cred.username, cred.auth_protocol, cred.auth_key, cred.priv_protocol,
                        cred.priv_key))
                elif cred.community:
                    cred_cache[cred_name] = (cred.community.encode(), None)
                else:
                    problems.append(f"{entry.hostname}: credential set '{cred_name}' has neither "
                                    "username (SNMPv3) nor community (SNMPv2c)")
                    continue
            community, user = cred_cache[cred_name]
        tags = DeviceTags(device=entry.hostname, role=entry.role.value, city=entry.city or "",
                          county=entry.county or "", school=entry.site,
                          if_roles=tuple((i.name, i.role.value) for i in entry.device.interfaces
                                         if i.role is not None))
        targets.append(Target(
            hostname=entry.hostname, host=host, port=port, tags=tags,
            platform=entry.platform.value, role=entry.role.value, site=entry.site,
            community=community, user=user,
            context=(ov.context or "").encode() if ov is not None else b"",
        ))
    return targets, problems
