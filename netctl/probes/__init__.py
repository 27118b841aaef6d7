"""Probes: website IPv6 support by the national monitoring method, and reachability of schools.

- :mod:`netctl.probes.web`: the website probe (:func:`~netctl.probes.web.probe_websites`).
- :mod:`netctl.probes.reach`: ICMPv6/ICMP echo or TCP connect to management addresses
  (:func:`~netctl.probes.reach.probe_reachability`).
- :mod:`netctl.probes.run`: one round over the inventory, to the state store and InfluxDB points;
  what ``netctl probe`` and the collector daemon call.
- :mod:`netctl.testing.websim`: real loopback servers (websites, BIND) for tests and benchmarks.

The method, the verdict reasons and every setting are described in ``docs/probes.md``.
"""

WEBSITE_LINKS_V6_SHARE = 0.9
"""Default share of a website's second-level links that must answer over IPv6. The operator's
value is ``website_links_v6_share`` in ``reports/targets.yaml``: the web probe's verdict and the
``website_ipv6`` KPI both read it from there (:func:`netctl.compliance.targets.
website_links_threshold`, which the callers above the probes hand in)."""
