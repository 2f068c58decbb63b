"""Direction of effects: a change a marketer makes moves the outcome the way theory says.

Each comparison runs both scenarios with the same seed (common random numbers).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim import run
from sim.engine.reviews import blend_expectation
from sim.running.retention import pooled_retention
from sim.scenario import apply_overrides

# Two years of monthly renewals: twelve cohorts are observed for 12 periods.
TWO_YEARS = {"population": {"consumers": 20_000}, "time": {"steps": 730}}


@pytest.mark.slow
def test_better_onboarding_raises_twelve_period_retention(baseline) -> None:
    plain = apply_overrides(baseline, TWO_YEARS)
    better = apply_overrides(
        plain, {"brands": {"aurora": {"touchpoints": {"onboarding": {"quality": 4.6}}}}}
    )

    def retention(s) -> tuple[float, int]:
        cohorts = run(s, reps=2, seed=11).cohorts.filter(pl.col("brand") == "aurora")
        at12 = cohorts.filter(pl.col("period") == 12)
        pooled = pooled_retention(cohorts).filter(pl.col("period") == 12)
        return pooled["retained"].mean(), at12["size"].sum()

    (r0, n0), (r1, n1) = retention(plain), retention(better)
    se = np.sqrt(r0 * (1 - r0) / n0 + r1 * (1 - r1) / n1)
    assert r1 - r0 > 2 * se, (r0, r1, se)


def test_more_reviews_read_weigh_more_against_the_prior() -> None:
    attitude, reviews = np.full(6, 3.0), np.full(6, 5.0)
    read = np.array([0, 1, 2, 5, 10, 50])
    expected = blend_expectation(attitude, reviews, read, prior_weight=5.0)
    weight = (expected - attitude) / (reviews - attitude)
    assert weight[0] == 0 and (np.diff(weight) > 0).all() and weight[-1] > 0.9


def test_more_reviews_read_pull_shoppers_toward_the_reviews(baseline) -> None:
    """In the model: readers of many reviews expect what reviews say more than readers of few."""
    from sim import JourneyModel
    from sim.engine.journey import Moment

    s = apply_overrides(baseline, {"population": {"consumers": 20_000}, "time": {"steps": 200}})
    model = JourneyModel(s, rng=3)
    model.run_for(150)
    gaps = {True: [], False: []}
    for _ in range(40):
        model.run_for(1)
        pop, pages = model.population, model.pages
        # this step's shoppers chose after this step's reviews were posted: the page they read
        # is the page now, down to the newest `reviews_read` of their brand (if they read)
        shop = np.flatnonzero(pop.moment == Moment.FMOT)
        brand = pop.brand[shop].astype(int)
        prior = pop.attitude[shop, brand]
        n = np.minimum(np.minimum(pop.reviews_read[shop], pages.count[brand]), pages.depth)
        shown = pages.newest_means()[brand, n]
        apart = (n > 0) & (np.abs(shown - prior) > 0.25)
        toward = (pop.expectation[shop] - prior)[apart] / (shown - prior)[apart]
        many = pop.reviews_read[shop][apart] >= 12
        gaps[True].extend(toward[many])
        gaps[False].extend(toward[~many])
    assert np.mean(gaps[True]) > np.mean(gaps[False])


def test_a_worse_competitor_raises_the_focal_share(baseline) -> None:
    s = apply_overrides(baseline, {"population": {"consumers": 10_000}, "time": {"steps": 365}})
    worse = apply_overrides(s, {"brands": {"boreal": {"quality": 2.8}}})

    def focal_share(sc) -> np.ndarray:
        m = run(sc, reps=3, seed=13).metrics
        last = m.filter(
            (pl.col("metric") == "share")
            & (pl.col("brand") == "aurora")
            & (pl.col("step") == sc.time.steps)
        )
        return last.sort("replication")["value"].to_numpy()

    plain, better_for_us = focal_share(s), focal_share(worse)
    assert (better_for_us > plain).all()
    diff = better_for_us - plain
    assert diff.mean() > 3 * diff.std(ddof=1) / np.sqrt(diff.size)
