"""Benchmarks: run from the repository root as modules, e.g. `python -m bench.speed.supervised` (see bench/README.md)."""
