from __future__ import annotations

import numpy as np
import pytest

from sim.engine.draws import Draws
from sim.engine.network import Ties, build_ties, pick_listeners, scale_free, small_world
from sim.scenario import Network


def edges(ties) -> set[tuple[int, int]]:
    src = np.repeat(np.arange(ties.indptr.size - 1), ties.degree)
    return set(zip(src.tolist(), ties.indices.tolist(), strict=True))


@pytest.mark.parametrize("make", [small_world, scale_free])
def test_ties_are_symmetric_without_self_loops(make) -> None:
    ties = make(np.random.default_rng(0), 2_000, 8, 0.1 if make is small_world else 2.5)
    e = edges(ties)
    assert all((b, a) in e for a, b in e)
    assert all(a != b for a, b in e)


def test_small_world_has_the_asked_mean_degree() -> None:
    ties = small_world(np.random.default_rng(0), 10_000, 10, 0.1)
    assert ties.degree.mean() == pytest.approx(10, rel=0.01)


def test_scale_free_has_hubs_and_the_asked_mean_degree() -> None:
    ties = scale_free(np.random.default_rng(0), 50_000, 10, 2.5)
    degree = ties.degree
    assert degree.mean() == pytest.approx(10, rel=0.1)
    # heavy tail: the largest hub is far beyond what a Poisson(10) network would ever have
    assert degree.max() > 100
    assert np.median(degree) < degree.mean()


def test_networks_come_from_the_model_rng() -> None:
    spec = Network(kind="small_world", mean_degree=6, rewire=0.3)
    a = build_ties(spec, 500, np.random.default_rng(4))
    b = build_ties(spec, 500, np.random.default_rng(4))
    assert (a.indices == b.indices).all() and (a.indptr == b.indptr).all()
    assert build_ties(Network(kind="fully_mixed"), 500, np.random.default_rng(4)) is None


def test_listeners_are_neighbours() -> None:
    rng = np.random.default_rng(5)
    ties = small_world(rng, 1_000, 4, 0.2)
    talkers = rng.integers(0, 1_000, 500)
    listeners = pick_listeners(Draws(5).stream("listener", 1), ties, talkers, 1_000)
    e = edges(ties)
    assert all((t, ls) in e for t, ls in zip(talkers.tolist(), listeners.tolist(), strict=True))


def test_listeners_without_a_network_are_anyone_but_in_range() -> None:
    talkers = np.arange(20_000)
    listeners = pick_listeners(Draws(6).stream("listener", 1), None, talkers, 1_000)
    assert listeners.min() >= 0 and listeners.max() < 1_000
    counts = np.bincount(listeners, minlength=1_000)
    assert counts.std() < 3 * np.sqrt(20)  # about uniform: 20 per consumer


@pytest.mark.parametrize("kind", ["ties", "isolated", "fully_mixed"])
def test_listeners_are_the_draws_numpy_would_pick(kind: str) -> None:
    rng = np.random.default_rng(7)
    ties = scale_free(rng, 1_000, 3, 2.5)  # some consumers without ties
    if kind == "isolated":  # no ties at all
        ties = Ties(np.zeros(1_001, dtype=np.int64), np.empty(0, dtype=np.int32))
    n = 1_000
    talkers = rng.integers(0, n, 500)
    draws = Draws(7).stream("listener", 3)
    got = pick_listeners(draws, None if kind == "fully_mixed" else ties, talkers, n)
    u = draws.uniform(talkers)
    if kind == "fully_mixed":
        want = np.minimum((u * n).astype(np.int64), n - 1)
    elif kind == "isolated":
        want = np.full(talkers.size, -1)
    else:
        start = ties.indptr[talkers]
        degree = ties.indptr[talkers + 1] - start
        offset = np.minimum((u * degree).astype(np.int64), degree - 1)
        want = np.where(degree > 0, ties.indices[start + np.maximum(offset, 0)], -1)
    assert got.dtype == np.int64 and (got == want).all()
