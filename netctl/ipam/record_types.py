"""The records of ``inventory/ipam/*.yaml`` as netctl holds them: a site's block, role
prefixes, addresses, loopbacks, services and links; a county's and the region's records; every
record of the region (:class:`Allocations`). Parsed by :mod:`netctl.ipam.record_parse`, rendered
by :mod:`netctl.ipam.record_render`; :mod:`netctl.ipam.records` is where the rest of netctl
imports them from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from netctl.exceptions import NetctlError
from netctl.ipam.net import Family, Net

IPAM_DIR = "ipam"
REGION = "region"
"""Site id of the region's infrastructure block (backbone nodes)."""

Pair = dict[Family, Net]


class IpamError(NetctlError):
    """An IPAM request cannot be served (no plan, nothing allocated, unknown name)."""


Loc = tuple[str | int, ...]


@dataclass(slots=True)
class RolePrefix:
    """The prefix of one role inside a site, per family."""

    vlan: int | None
    nets: Pair


@dataclass(slots=True)
class LinkRecord:
    """A point-to-point link's prefixes; end ``a`` has the first address, ``b`` the second."""

    a: str
    b: str
    nets: Pair

    @property
    def key(self) -> tuple[str, str]:
        """The link's identity, independent of the order its ends are written in."""
        return (self.a, self.b) if self.a <= self.b else (self.b, self.a)


@dataclass(slots=True, eq=False)
class SiteRecord:
    """The block of a school (or an infrastructure block) and everything allocated inside.

    ``addresses`` (management addresses, the longest table) is parsed on first use: loading
    the inventory reads it on its own, and zones and most queries never need it here.
    """

    site: str
    block: Pair = field(default_factory=dict)
    prefixes: dict[str, RolePrefix] = field(default_factory=dict)
    loopbacks: dict[str, Pair] = field(default_factory=dict)
    services: dict[str, Pair] = field(default_factory=dict)
    links: list[LinkRecord] = field(default_factory=list)
    label: str = ""  # a comment for people (the school's name); not read back
    _addresses: dict[str, Pair] | None = field(default=None, repr=False)
    _pending: Callable[[], dict[str, Pair]] | None = field(default=None, repr=False)

    @property
    def addresses(self) -> dict[str, Pair]:
        """Management address of each device (hostname → pair)."""
        if self._addresses is None:
            pending, self._pending = self._pending, None
            self._addresses = pending() if pending is not None else {}
        return self._addresses

    @addresses.setter
    def addresses(self, value: dict[str, Pair]) -> None:
        self._addresses, self._pending = value, None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SiteRecord):
            return NotImplemented
        return (self.site, self.block, self.prefixes, self.addresses, self.loopbacks,
                self.services, self.links) == (other.site, other.block, other.prefixes,
                                               other.addresses, other.loopbacks, other.services,
                                               other.links)

    __hash__ = None  # type: ignore[assignment]  # mutable, like any dataclass with eq


@dataclass(slots=True)
class Reservation:
    """A prefix nobody may be given."""

    net: Net
    description: str


@dataclass(slots=True)
class Held:
    """A released prefix or address, held (not reused) until ``released`` + hold-down."""

    net: Net
    what: str
    released: date


@dataclass(slots=True)
class CountyRecord:
    """``ipam/<county>.yaml``."""

    county: str
    block: Pair = field(default_factory=dict)
    infrastructure: SiteRecord | None = None
    sites: dict[str, SiteRecord] = field(default_factory=dict)
    reserved: list[Reservation] = field(default_factory=list)
    released: list[Held] = field(default_factory=list)
    label: str = ""


@dataclass(slots=True)
class RegionRecord:
    """``ipam/region.yaml``."""

    cities: dict[str, Pair] = field(default_factory=dict)
    infrastructure: SiteRecord | None = None
    reserved: list[Reservation] = field(default_factory=list)
    released: list[Held] = field(default_factory=list)


@dataclass(slots=True)
class Allocations:
    """Every record of the region."""

    region: RegionRecord = field(default_factory=RegionRecord)
    counties: dict[str, CountyRecord] = field(default_factory=dict)

    def site(self, site: str) -> SiteRecord | None:
        """The record of a school code, a county code (its infrastructure) or ``region``."""
        if site == REGION:
            return self.region.infrastructure
        county = self.counties.get(site)
        if county is not None:
            return county.infrastructure
        for c in self.counties.values():
            found = c.sites.get(site)
            if found is not None:
                return found
        return None

    def iter_sites(self) -> Iterator[tuple[str | None, SiteRecord, bool]]:
        """Every site record: (county or None for the region, record, is_infrastructure)."""
        if self.region.infrastructure is not None:
            yield None, self.region.infrastructure, True
        for code in sorted(self.counties):
            county = self.counties[code]
            if county.infrastructure is not None:
                yield code, county.infrastructure, True
            for site in county.sites.values():
                yield code, site, False


def clone_site(rec: SiteRecord) -> SiteRecord:
    """A deep copy of a site record (the allocator and releases edit copies)."""
    return SiteRecord(
        rec.site, dict(rec.block),
        {k: RolePrefix(p.vlan, dict(p.nets)) for k, p in rec.prefixes.items()},
        loopbacks={k: dict(v) for k, v in rec.loopbacks.items()},
        services={k: dict(v) for k, v in rec.services.items()},
        links=[LinkRecord(x.a, x.b, dict(x.nets)) for x in rec.links],
        label=rec.label,
        _addresses={k: dict(v) for k, v in rec.addresses.items()},
    )
