"""Grafana dashboards, datasource, providers and alert rules for the NOC, as code.

:func:`netctl.dashboards.build.build` writes the folder Grafana mounts; queries are InfluxQL on
the measurements of ``docs/observations.md``. See ``docs/dashboards.md``.
"""
