"""Benchmarks for the targets in DESIGN.md. `make bench` runs them all; they print figures and never fail."""
