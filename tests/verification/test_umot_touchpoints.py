"""UMOT touchpoints (issue 14, point 8): asking customers for reviews and answering complaints.

Asking: solicitations raise customers' posting, the moderate experiences' most relative to
their own, so the reviews become more numerous and less extreme (Karaman 2021, Management
Science 67(7); Brandes, Godes & Mayzlin 2022, JMR). Answering: a response makes readers blame
the firm less for a complaint (Li, Cui & Peng 2018; Sparks, So & Bradley 2016), so shoppers who
read the brand's reviews choose it more often (Proserpio & Zervas 2017 find responding hotels'
ratings and review volume rise; that reviewer-side part is not modelled).

The market is the baseline's with aurora drawing complaints (quality 3.3: about 40 % of its
self-selected reviews are 1-2 stars), where answering them matters. Three arms run on the same
seed (common random numbers): aurora neither asks nor answers, asks (reach 0.3) or answers
every 1-2 star review (reach 1). Each difference must exceed three standard errors of two
independent binomial shares (conservative: pairing only makes the arms closer).
`benchmarks/umot_touchpoints.py` measures the same with more seeds and paired intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import polars as pl
import pytest

from sim import JourneyModel, Moment, Scenario
from sim.scenario import apply_overrides

SEED = 2
ARMS = {"quiet": (0.0, 0.0), "ask": (0.3, 0.0), "answer": (0.0, 1.0)}


def market(baseline: Scenario, request: float, response: float) -> Scenario:
    return apply_overrides(
        baseline,
        {
            "population": {"consumers": 4000},
            "brands": {
                "aurora": {
                    "quality": 3.3,
                    "touchpoints": {
                        "review_request": {"reach": request},
                        "review_responses": {"reach": response},
                    },
                }
            },
        },
    )


def journey(scenario: Scenario, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Choices made in ZMOT per brand over the run (shoppers at FMOT after each step) and the
    counts of aurora's 1-5 star reviews."""
    model = JourneyModel(scenario, rng=seed)
    pop, chosen = model.population, np.zeros(len(model.brands), dtype=np.int64)
    for _ in range(scenario.time.steps):
        model.run_for(1)
        chosen += np.bincount(pop.brand[pop.moment == Moment.FMOT], minlength=chosen.size)
    reviews = model.reviews().filter(pl.col("brand") == "aurora")
    return chosen, np.bincount(reviews["stars"].to_numpy(), minlength=6)[1:]


@pytest.fixture(scope="module")
def arm(baseline: Scenario) -> Callable[[str], tuple[np.ndarray, np.ndarray]]:
    return cache(lambda name: journey(market(baseline, *ARMS[name]), SEED))


def share_rises(k0: int, n0: int, k1: int, n1: int) -> tuple[float, float]:
    """k1/n1 - k0/n0 and its standard error (two independent binomial shares)."""
    p0, p1 = k0 / n0, k1 / n1
    return p1 - p0, float(np.hypot(np.sqrt(p0 * (1 - p0) / n0), np.sqrt(p1 * (1 - p1) / n1)))


def test_asking_for_reviews_brings_more_and_less_extreme_reviews(arm) -> None:
    (_, quiet), (_, asked) = arm("quiet"), arm("ask")
    n0, n1 = quiet.sum(), asked.sum()
    assert n0 > 500, quiet
    # more reviews: beyond three standard errors of two Poisson counts
    assert n1 - n0 > 3 * np.sqrt(n0 + n1), (quiet, asked)
    # less J-shaped: more 3-4 star reviews, fewer 1 and 5 star ones
    moderate, se = share_rises(quiet[2:4].sum(), n0, asked[2:4].sum(), n1)
    assert moderate > 3 * se, (quiet, asked)
    extreme, se = share_rises(quiet[[0, 4]].sum(), n0, asked[[0, 4]].sum(), n1)
    assert -extreme > 3 * se, (quiet, asked)


def test_answering_complaints_wins_more_of_the_shoppers_choices(arm) -> None:
    (quiet, _), (answered, _) = arm("quiet"), arm("answer")
    aurora = 0  # the first brand
    rise, se = share_rises(quiet[aurora], quiet.sum(), answered[aurora], answered.sum())
    assert quiet.sum() > 5000, quiet
    assert rise > 3 * se, (quiet, answered, rise, se)
