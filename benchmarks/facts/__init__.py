"""Measurements of stylized facts that the verification tests assert and the table reports.

Each function runs the simulation and returns numbers; the tests in `tests/verification` and
`tests/engine` assert on them, and `benchmarks/facts_table.py` formats them for `docs/model.md`,
so the table and the tests measure the same thing.
"""
