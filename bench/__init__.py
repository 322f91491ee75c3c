"""Benchmarks (not tests), run from the repository root as modules: python -m bench.engines."""
