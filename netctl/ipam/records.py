"""What IPAM has allocated: the records of ``inventory/ipam/*.yaml``, parsed and rendered.

One file per county (``ipam/<county>.yaml``: the county's block, its infrastructure block for
the metro nodes, one entry per school) and one for the region (``ipam/region.yaml``: city
blocks, the backbone's infrastructure block, region-wide reservations). Files are written by
:func:`render_county` / :func:`render_region` only: sorted, with a fixed layout, so that running
``netctl ipam allocate`` twice gives byte-identical files and a diff shows exactly what changed.

A block is ``'IPv6 IPv4'`` (one entry per family, IPv6 first). Inside a site, each kind of
record is a small table, one line per entry (a literal block, cheap to parse and to review):
``prefixes`` lines are ``ROLE VLAN IPv6 IPv4`` (``-`` when the role has no VLAN), ``addresses``
(management), ``loopbacks`` and ``services`` lines are ``NAME IPv6 IPv4``, and ``links`` lines
are ``END-A | END-B | IPv6 IPv4`` (end ``a`` has the first address of the link).

The records are three modules, one responsibility each: :mod:`netctl.ipam.record_types` (the
data), :mod:`netctl.ipam.record_parse` (file data → records, with findings) and
:mod:`netctl.ipam.record_render` (records → file text); this module is where netctl imports
them from.
"""

from __future__ import annotations

from netctl.ipam.record_parse import parse_county, parse_region
from netctl.ipam.record_render import pair_text, render_county, render_region
from netctl.ipam.record_types import (
    IPAM_DIR,
    REGION,
    Allocations,
    CountyRecord,
    Held,
    IpamError,
    LinkRecord,
    Loc,
    Pair,
    RegionRecord,
    Reservation,
    RolePrefix,
    SiteRecord,
    clone_site,
)

__all__ = ["IPAM_DIR", "REGION", "Allocations", "CountyRecord", "Held", "IpamError",
           "LinkRecord", "Loc", "Pair", "RegionRecord", "Reservation", "RolePrefix",
           "SiteRecord", "clone_site", "pair_text", "parse_county", "parse_region",
           "render_county", "render_region"]
