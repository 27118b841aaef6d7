"""Test-support code: device emulators and fixtures for tests, benchmarks and the demo.

Nothing in the rest of ``netctl`` imports this package at runtime; it depends on test-only
packages (fakenos) that a production install does not have.
"""
