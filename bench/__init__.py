"""Benchmarks and stress-input generators (importable by the tests)."""
