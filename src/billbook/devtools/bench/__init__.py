"""Benchmarks: scripts run as ``python -m billbook.devtools.bench.<name>`` (not timed tests)."""
