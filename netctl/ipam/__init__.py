"""IPAM: the address plan, hierarchical IPv6/IPv4 allocation, queries and device addresses.

Modules (``docs/ipam.md`` has the whole picture):

- :mod:`netctl.ipam.plan` - the address plan (``inventory/address-plan.yaml``)
- :mod:`netctl.ipam.net` - prefixes as the allocator handles them; free space of a block
- :mod:`netctl.ipam.records` - the records of ``inventory/ipam/*.yaml``, parsed and rendered
- :mod:`netctl.ipam.allocate` - allocation, the entry point (pure functions); its parts:
  :mod:`~netctl.ipam.sites` (what each site needs), :mod:`~netctl.ipam.allocator` (blocks,
  level by level), :mod:`~netctl.ipam.site_alloc` (addresses inside a site),
  :mod:`~netctl.ipam.release` (reservations, releases), :mod:`~netctl.ipam.allocation`
  (pins, report, refusals)
- :mod:`netctl.ipam.store` - reading and writing the record files, imports
- :mod:`netctl.ipam.merge` - the hook that puts IPAM into a loaded inventory
- :mod:`netctl.ipam.addresses` - the addresses config templates use (gateway interfaces, links,
  loopbacks, management)
- :mod:`netctl.ipam.query` - show, utilisation, free blocks, check
"""
