from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine.draws import Draws, Rungs, occurrence, rung, rung_exponents


def _streams(count: int, name: str = "test") -> list:
    draws = Draws(12345)
    return [draws.stream(name, step) for step in range(count)]


@pytest.mark.parametrize("p", [0.001, 0.05, 0.19, 0.5])
def test_indices_pick_each_index_with_chance_p(p: float) -> None:
    n, rounds = 2_000, 400
    hits = np.zeros(n)
    for s in _streams(rounds):
        hits[s.indices(n, p)] += 1
    total = hits.sum()
    expected = n * rounds * p
    assert abs(total - expected) < 4 * np.sqrt(expected * (1 - p))
    # every position equally likely: first and second half get the same share
    half = hits[: n // 2].sum()
    assert abs(half - total / 2) < 4 * np.sqrt(total / 4)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 5000), p=st.floats(0, 1), key=st.integers(0, 2**64 - 1))
def test_indices_are_sorted_unique_and_in_range(n: int, p: float, key: int) -> None:
    idx = Draws(key).stream("x", 1).indices(n, p)
    assert (np.diff(idx) > 0).all()
    assert idx.size == 0 or (idx[0] >= 0 and idx[-1] < n)
    if p == 0:
        assert idx.size == 0
    if p == 1:
        assert idx.size == n


def test_thinned_indices_follow_each_own_chance() -> None:
    p = np.repeat([0.0, 0.01, 0.04], 10_000)
    hits = np.zeros(p.size)
    for s in _streams(100):
        hits[s.thinned(p, 0.04)] += 1
    for value in (0.0, 0.01, 0.04):
        got = hits[p == value].sum()
        expected = 10_000 * 100 * value
        assert abs(got - expected) <= 4 * np.sqrt(expected) + 1e-9


def test_uniforms_and_normals_have_their_distributions() -> None:
    s = Draws(7).stream("dist", 3)
    idx = np.arange(200_000)
    u = s.uniform(idx)
    assert u.min() > 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 0.001
    z = s.part(0).normal(idx)
    assert stats.kstest(z, "norm").pvalue > 0.001
    # neighbouring consumers, steps, streams and parts are uncorrelated
    others = [s.uniform(idx + 1), Draws(7).stream("dist", 4).uniform(idx)]
    others += [Draws(7).stream("other", 3).uniform(idx), s.part(0).uniform(idx)]
    for v in others:
        assert abs(np.corrcoef(u, v)[0, 1]) < 4 / np.sqrt(idx.size)


def test_a_consumers_draw_depends_on_nothing_but_the_consumer() -> None:
    """The point of keyed draws: who else draws in the same step changes nothing."""
    s = Draws(99).stream("churn", 10)
    everyone = np.arange(1_000)
    some = np.array([3, 500, 999])
    assert np.array_equal(s.uniform(everyone)[some], s.uniform(some))
    assert np.array_equal(s.normal(everyone)[some], s.normal(some))
    rows = s.uniform_rows(everyone, 3)
    assert np.array_equal(rows[some], s.uniform_rows(some, 3))


def test_the_same_key_gives_the_same_numbers_and_another_key_others() -> None:
    idx = np.arange(100)
    a, b = Draws(1).stream("x", 5), Draws(1).stream("x", 5)
    assert np.array_equal(a.uniform(idx), b.uniform(idx))
    assert np.array_equal(a.indices(10_000, 0.01), b.indices(10_000, 0.01))
    assert not np.array_equal(a.uniform(idx), Draws(2).stream("x", 5).uniform(idx))


def test_generators_are_seeded_by_key_and_name() -> None:
    one = Draws(5).generator("population").random(3)
    assert np.array_equal(one, Draws(5).generator("population").random(3))
    assert not np.array_equal(one, Draws(5).generator("network").random(3))


def test_occurrence_counts_earlier_equal_entries() -> None:
    x = np.array([4, 2, 4, 4, 2, 7])
    assert occurrence(x).tolist() == [0, 0, 1, 2, 1, 0]
    assert occurrence(np.empty(0, dtype=np.int64)).size == 0


@settings(max_examples=200, deadline=None)
@given(p=st.floats(1e-300, 2.0))
def test_rung_is_at_or_above_the_chance_and_close(p: float) -> None:
    r = rung(p)
    assert r >= min(p, 1.0)
    assert r <= 1.0
    assert r < p * 2**0.25 * (1 + 1e-12) or r == 1.0
    assert rung(r) == r  # rungs are fixed points: nearby chances share one


def _rung_by_logarithm(p: float) -> float:
    """How `rung` found the rung before the ladder: kept to check that the ladder finds the
    same one for every normal chance (a subnormal one it missed, by rounding)."""
    if p <= 0:
        return 0.0
    k = np.ceil(np.log2(p) * 4 - 1e-9)
    r = 2.0 ** (k / 4)
    return min(1.0, r if r >= p else 2.0 ** ((k + 1) / 4))


@settings(max_examples=300, deadline=None)
@given(p=st.floats(-1.0, 2.0) | st.floats(2.2250738585072014e-308, 1e-250))
def test_the_ladder_finds_the_rung_the_logarithm_found(p: float) -> None:
    """`rung` (the ladder bisected, also in kernels: `_rung`) gives what it gave by its
    logarithm, for every normal chance, including just under, at and just over a rung."""
    from sim.engine.draws import _LADDER, _rung

    assert rung(p) == _rung(p) == _rung_by_logarithm(p)
    k = np.random.default_rng(abs(hash(p)) % 2**32).integers(4 * (1074 - 1022), _LADDER.size)
    for q in (np.nextafter(_LADDER[k], 0.0), _LADDER[k], np.nextafter(_LADDER[k], 2.0)):
        assert _rung(float(q)) == _rung_by_logarithm(float(q))


def test_normals_are_the_normal_quantiles_of_their_uniforms() -> None:
    """The kernels' normals (AS241 in numba) agree with scipy's inverse normal CDF to about
    1e-15, tails included, and are odd about one half (to rounding: 0.8 is not 1 - 0.2)."""
    from scipy.special import ndtri

    from sim.engine.draws import _ndtri

    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 2001), [1e-300, 1e-30, 1e-12, 0.02425]])
    mine = np.array([_ndtri(x) for x in p])
    assert np.allclose(mine, ndtri(p), rtol=1e-14, atol=1e-14)
    assert _ndtri(0.5) == 0.0 and _ndtri(0.2) == pytest.approx(-_ndtri(0.8), rel=1e-15)
    z = Draws(3).stream("x", 1).normal(np.arange(20_000))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.02


def test_pick_takes_the_same_consumers_as_indices_among_those_listed() -> None:
    stream = Draws(5).stream("x", 2)
    idx = np.sort(np.random.default_rng(1).choice(5_000, 700, replace=False))
    for p in (0.0, 0.01, 0.1, 0.2, 0.3, 0.9, 1.0):
        expected = np.intersect1d(stream.indices(5_000, p), idx)
        assert np.array_equal(stream.pick(idx, 5_000, p), expected), p
    assert stream.pick(idx[:0], 5_000, 0.1).size == 0


def test_among_takes_the_same_consumers_as_indices_among_members() -> None:
    stream = Draws(5).stream("x", 2)
    member = np.random.default_rng(2).random(5_000) < 0.3
    for p in (0.0, 0.01, 0.1, 0.2, 0.3, 0.9, 1.0):
        expected = np.intersect1d(stream.indices(5_000, p), np.flatnonzero(member))
        assert np.array_equal(stream.among(member, p), expected), p
        assert np.array_equal(stream.among(member, p, np.flatnonzero(member)), expected), p


def test_kernels_make_the_bases_of_the_streams_they_are_keyed_by() -> None:
    from sim.engine.draws import _base

    draws = Draws(7)
    keys = draws.keys(["a/tv", "b/post"], "reach")
    assert keys is draws.keys(["a/tv", "b/post"], "reach")  # made once
    for step in (1, 2, 730):
        for key, name in zip(keys, ["reach:a/tv", "reach:b/post"], strict=True):
            assert _base(key, step) == draws.stream(name, step).base
    assert draws.keys(["conversion"])[0] == draws.key_of("conversion")


# --- rungs: picks at each one's own chance, candidates by the rung of it ----------------------


def _rates(n: int, seed: int = 1) -> np.ndarray:
    """Need rates as the baseline draws them (Beta(1, 199): the largest ~15 times the mean),
    with some never (0) and some always (1)."""
    p = np.random.default_rng(seed).beta(1, 199, n)
    p[::50], p[1::97] = 0.0, 1.0
    return p


@settings(max_examples=200, deadline=None)
@given(p=st.floats(1e-300, 2.0))
def test_rung_exponents_name_the_rungs(p: float) -> None:
    k = rung_exponents(np.array([p]))[0]
    assert k <= 0
    assert 2.0 ** (k / 4) == rung(p)


def test_rungs_hold_each_consumer_with_a_chance_once_under_its_rung() -> None:
    p = _rates(20_000)
    r = Rungs.of(p)
    assert np.array_equal(np.sort(r.members), np.flatnonzero(p > 0))
    assert (np.diff(r.exponents) > 0).all() and r.starts[0] == 0
    assert r.starts[-1] == r.members.size and (np.diff(r.starts) > 0).all()
    for g, k in enumerate(r.exponents):
        group = r.members[r.starts[g] : r.starts[g + 1]]
        assert (np.diff(group) > 0).all()  # increasing within a rung
        chance = 2.0 ** (k / 4)
        assert (chance >= p[group]).all()
        assert ((chance < p[group] * 2**0.25 * (1 + 1e-12)) | (chance == 1.0)).all()
    empty = Rungs.of(np.zeros(5))
    assert empty.members.size == 0 and empty.exponents.size == 0
    assert Rungs.of(np.zeros(5)).picks(Draws(1), "need", 1, np.zeros(5)).size == 0


def test_rung_picks_follow_each_own_chance() -> None:
    """Over 300 steps, each class of consumers is picked as often as its own chance says,
    within four binomial standard errors; never at 0, always at 1."""
    n, steps = 20_000, 300
    p = _rates(n)
    r, draws = Rungs.of(p), Draws(99)
    hits = np.zeros(n)
    for step in range(1, steps + 1):
        picks = r.picks(draws, "need", step, p)
        assert np.unique(picks).size == picks.size
        hits[picks] += 1
    assert hits[p == 0].sum() == 0 and (hits[p == 1] == steps).all()
    some = (p > 0) & (p < 1)
    # by quintile of the chance: small, typical and outlying rates alike
    edges = np.quantile(p[some], [0, 0.2, 0.4, 0.6, 0.8, 0.95, 1])
    for lo, hi in itertools.pairwise(edges):
        sel = some & (p >= lo) & (p <= hi)
        expected = steps * p[sel].sum()
        sd = np.sqrt(steps * (p[sel] * (1 - p[sel])).sum())
        assert abs(hits[sel].sum() - expected) < 4 * sd, (lo, hi)


def test_rung_picks_are_the_same_for_the_same_key_and_step_only() -> None:
    p = _rates(5_000)
    r = Rungs.of(p)
    a = r.picks(Draws(3), "need", 7, p)
    assert np.array_equal(a, Rungs.of(p).picks(Draws(3), "need", 7, p))
    assert not np.array_equal(a, r.picks(Draws(3), "need", 8, p))
    assert not np.array_equal(a, r.picks(Draws(4), "need", 7, p))
    assert not np.array_equal(a, r.picks(Draws(3), "other", 7, p))


def test_a_rungs_draws_do_not_depend_on_which_other_rungs_there_are() -> None:
    """Streams are named by the rung's exponent, not its place among the rungs present: a
    consumer whose chance opens a new rung leaves everyone else's picks as they were."""
    p = np.full(4_000, 0.01)
    p[::2] = 0.002
    more = np.append(p, 1e-4)  # a rung of its own, below both: the first of three
    fewer = Rungs.of(p)
    for step in range(1, 20):
        before = np.sort(fewer.picks(Draws(5), "need", step, p))
        after = np.sort(Rungs.of(more).picks(Draws(5), "need", step, more))
        assert np.array_equal(after[after < p.size], before)


@pytest.mark.parametrize("p", [0.001, 0.05, 0.3])
def test_gap_picks_are_the_same_whatever_room_they_start_with(p: float) -> None:
    """The picks outgrow the room first made for them and are the same: growing happens
    between runs of picks, not inside them."""
    from sim.engine.draws import _gap_picks, _mix

    base, n = _mix(np.uint64(12345)), 20_000
    log_q = np.log1p(-p)
    roomy = _gap_picks(base, n, log_q, n)
    assert roomy.size > 10 and np.all(np.diff(roomy) > 0) and roomy[-1] < n
    for size in (1, 7, roomy.size // 3, roomy.size):
        assert np.array_equal(_gap_picks(base, n, log_q, size), roomy)
