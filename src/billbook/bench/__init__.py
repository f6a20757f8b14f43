"""Benchmarks: scripts run as ``python -m billbook.bench.<name>`` (not timed tests)."""
