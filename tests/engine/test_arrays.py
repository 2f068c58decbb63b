"""Array helpers: the same answers as numpy's `unique`, without its hashing."""

from __future__ import annotations

import numpy as np

from sim.engine.arrays import distinct, first_of_each, first_seen, room


def test_distinct_and_first_of_each_agree_with_numpy_unique() -> None:
    rng = np.random.default_rng(0)
    for size in (0, 1, 2, 50, 5_000):
        x = rng.integers(0, 40, size)
        assert np.array_equal(distinct(x), np.unique(x))
        values, first = first_of_each(x)
        expected, index = np.unique(x, return_index=True)
        assert np.array_equal(values, expected) and np.array_equal(first, index)


def test_first_seen_keeps_first_appearances_and_leaves_its_scratch_clean() -> None:
    seen = np.zeros(10, dtype=np.int64)
    x = np.array([7, 2, 7, 0, 2, 9])
    assert first_seen(x, seen).tolist() == [7, 2, 0, 9]
    assert not seen.any()
    assert first_seen(np.empty(0, dtype=np.int64), seen).size == 0


def test_room_keeps_what_was_there_and_holds_what_is_needed() -> None:
    out = np.arange(5, dtype=np.int64)
    assert room(out, 5) is out
    for need in (6, 10, 11, 1000):
        grown = room(out, need)
        assert grown.dtype == out.dtype and grown.size >= need
        assert np.array_equal(grown[:5], out)
    assert room(np.empty(0), 3).size >= 3
