"""Benchmarks and the measurements behind the stylized-facts table (importable by the tests)."""
