"""Compliance with the plan: KPIs of ``TARGETS.md`` per school, county, city and region."""
