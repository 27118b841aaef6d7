"""Probes: website IPv6 support by the national monitoring method, and reachability of schools.

- :mod:`netctl.probes.web`: the website probe (:func:`~netctl.probes.web.probe_websites`).
- :mod:`netctl.probes.reach`: ICMPv6/ICMP echo or TCP connect to management addresses
  (:func:`~netctl.probes.reach.probe_reachability`).
- :mod:`netctl.probes.run`: one round over the inventory, to the state store and InfluxDB points;
  what ``netctl probe`` and the collector daemon call.
- :mod:`netctl.testing.websim`: real loopback servers (websites, BIND) for tests and benchmarks.

The method, the verdict reasons and every setting are described in ``docs/probes.md``.
"""
