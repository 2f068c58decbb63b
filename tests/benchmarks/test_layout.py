"""`benchmarks/layout.py`: the two layouts hold the same state and compute the same numbers."""

from __future__ import annotations

import numpy as np

from benchmarks import layout


def test_records_hold_the_same_state_as_the_separate_arrays() -> None:
    arrays, records, due = layout.market(5_000)
    for name, values in arrays.items():
        np.testing.assert_array_equal(records[name], values)
    assert np.all(np.diff(due) > 0) and due[-1] < 5_000


def test_both_layouts_give_the_same_hazards_and_fading_and_are_timed() -> None:
    figures = layout.measure(5_000, repeats=1)  # exits if the layouts disagree
    assert set(figures) == {
        "sparse_arrays_ns", "sparse_records_ns", "dense_arrays_ns", "dense_records_ns"
    }  # fmt: skip
    assert all(v > 0 for v in figures.values())
