from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.draws import bernoulli_indices, thinned_indices


@pytest.mark.parametrize("p", [0.001, 0.05, 0.19, 0.5])
def test_bernoulli_indices_pick_each_index_with_chance_p(p: float) -> None:
    rng = np.random.default_rng(1)
    n, rounds = 2_000, 400
    hits = np.zeros(n)
    for _ in range(rounds):
        hits[bernoulli_indices(rng, n, p)] += 1
    total = hits.sum()
    expected = n * rounds * p
    assert abs(total - expected) < 4 * np.sqrt(expected * (1 - p))
    # every position equally likely: first and second half get the same share
    half = hits[: n // 2].sum()
    assert abs(half - total / 2) < 4 * np.sqrt(total / 4)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 5000), p=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_bernoulli_indices_are_sorted_unique_and_in_range(n: int, p: float, seed: int) -> None:
    idx = bernoulli_indices(np.random.default_rng(seed), n, p)
    assert (np.diff(idx) > 0).all()
    assert idx.size == 0 or (idx[0] >= 0 and idx[-1] < n)
    if p == 0:
        assert idx.size == 0
    if p == 1:
        assert idx.size == n


def test_thinned_indices_follow_each_own_chance() -> None:
    rng = np.random.default_rng(2)
    p = np.repeat([0.0, 0.01, 0.04], 10_000)
    hits = np.zeros(p.size)
    for _ in range(100):
        hits[thinned_indices(rng, p, 0.04)] += 1
    for value in (0.0, 0.01, 0.04):
        got = hits[p == value].sum()
        expected = 10_000 * 100 * value
        assert abs(got - expected) <= 4 * np.sqrt(expected) + 1e-9
