"""The education zone (``nxedu.example.cn`` in the sample) and its reverse zones.

- :mod:`netctl.dns.zone` - records from the inventory and IPAM, BIND zone files, SOA serials
- :mod:`netctl.dns.check` - ``named-checkzone`` and netctl's own consistency checks
"""
