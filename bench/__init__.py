"""Benchmarks for the targets in docs/architecture.md. `make bench` runs them all; they print figures and never fail."""
