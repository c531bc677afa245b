"""Benchmarks: scripts that start the real parts and print figures (run them by path)."""
