from __future__ import annotations

import numpy as np

from sim import JourneyModel, Moment
from sim.engine.moments.zmot import research
from sim.scenario import validate_scenario


def shoppers(answered_weight: float) -> JourneyModel:
    """Shoppers who all read 8 reviews of the brand they know."""
    spec = {
        "time": {"steps": 5},
        "population": {
            "consumers": 500,
            "segments": {"all": {"research": 1.0, "reviews_read": 8, "initial_attitude": 3.0}},
        },
        "brands": {"a": {"awareness": 1.0}},
        "zmot": {"answered_weight": answered_weight},
    }
    return JourneyModel(validate_scenario(spec), rng=2)


def read(model: JourneyModel, answered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    stars = np.array([5, 5, 1, 4, 2, 5, 1, 4])
    model.pages.post(0, np.zeros(8, int), stars, np.arange(8), answered)
    idx = np.flatnonzero(model.population.moment == Moment.PRE_ZMOT)
    return research(model, idx)


def test_shoppers_count_answered_complaints_less_and_expect_more() -> None:
    complaints = np.array([0, 0, 1, 0, 1, 0, 1, 0], dtype=bool)
    plain_expectation, plain_score = read(shoppers(0.5), np.zeros(8, dtype=bool))
    expectation, score = read(shoppers(0.5), complaints)
    assert (score > plain_score).all() and (expectation > plain_expectation).all()
    # the stars read: (27 - 0.5 * 4) / (8 - 0.5 * 3) against 27 / 8
    assert np.allclose(score, (27 - 2) / 6.5 - 3) and np.allclose(plain_score, 27 / 8 - 3)
    # answered_weight 1: answering changes nothing readers see
    same_expectation, same_score = read(shoppers(1.0), complaints)
    assert (same_score == plain_score).all() and (same_expectation == plain_expectation).all()
