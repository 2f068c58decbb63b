from __future__ import annotations

import itertools

import numpy as np

from sim import JourneyModel, Moment
from sim.engine.moments import pre_zmot
from sim.scenario import validate_scenario


def needy_model(consumers: int, seed: int = 3) -> JourneyModel:
    """Nobody a customer, no stimuli, no word of mouth: every need arises on its own, at need
    rates spread as the baseline's (Beta(1, 199): the largest ~15 times the mean)."""
    spec = {
        "time": {"steps": 10},
        "population": {
            "consumers": consumers,
            "segments": {"all": {"need_rate": {"dist": "beta", "a": 1, "b": 199}}},
        },
        "brands": {"ours": {"share": 0.0}},
        "wom": {"enabled": False},
    }
    return JourneyModel(validate_scenario(spec), rng=seed)


def own_needs(model: JourneyModel) -> np.ndarray:
    """Who gets a need in one <ZMOT step of `model` (all of them on their own)."""
    pop = model.population
    start = pop.moment.copy()
    pre_zmot.step(model, start, np.empty(0, dtype=np.int64))
    return np.flatnonzero((start == Moment.PRE_ZMOT) & (pop.moment != Moment.PRE_ZMOT))


def test_needs_arise_on_their_own_at_each_consumers_own_rate() -> None:
    """One step of 400k consumers: needs by quintile of the need rate (and among the top 1 %,
    the outliers the old candidates were drawn at) within four binomial standard errors, and
    the ledger counts them."""
    model = needy_model(400_000)
    p = model.population.need_rate
    needs = own_needs(model)
    assert model.ledger.row[model.cols.needs["own"]] == needs.size
    got = np.isin(np.arange(p.size), needs)
    edges = np.quantile(p, [0, 0.2, 0.4, 0.6, 0.8, 0.99, 1])
    for lo, hi in itertools.pairwise(edges):
        sel = (p >= lo) & (p <= hi)
        expected, sd = p[sel].sum(), np.sqrt((p[sel] * (1 - p[sel])).sum())
        assert abs(got[sel].sum() - expected) < 4 * sd, (lo, hi)


def test_a_consumers_own_need_does_not_depend_on_anyone_elses_state() -> None:
    """Making every other consumer a customer changes nobody's own need draw: the needs of
    those still out of the market are the same consumers, and come in increasing order."""
    a, b = needy_model(50_000), needy_model(50_000)
    b.population.moment[1::2] = Moment.SMOT
    all_needs, half_needs = own_needs(a), own_needs(b)
    assert all_needs.size > 100
    assert np.array_equal(half_needs, all_needs[all_needs % 2 == 0])
    assert (np.diff(all_needs) > 0).all()


def test_the_same_seed_gives_the_same_needs_and_another_seed_others() -> None:
    needs = own_needs(needy_model(20_000))
    assert np.array_equal(needs, own_needs(needy_model(20_000)))
    assert not np.array_equal(needs, own_needs(needy_model(20_000, seed=4)))
