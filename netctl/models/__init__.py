"""Pydantic models at netctl's boundaries: every model forbids unknown fields."""
