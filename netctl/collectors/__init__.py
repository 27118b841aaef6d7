"""Collectors: what netctl observes in the network (SNMP; the probes live in netctl.probes).

Nothing heavy is imported here: pysnmp and httpx load only when a poll or a write
needs them. See docs/collectors.md.
"""
