"""The source of truth: load, validate, join, filter and generate the inventory."""
