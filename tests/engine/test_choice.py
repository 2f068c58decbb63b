from __future__ import annotations

import numpy as np

from sim.engine.choice import choose, utilities
from sim.engine.draws import Draws


def test_choice_shares_follow_the_logit() -> None:
    n = 60_000
    u = np.tile([1.0, 0.0, -0.5], (n, 1))
    picks = choose(Draws(0).stream("choice", 1), np.arange(n), u)
    shares = np.bincount(picks, minlength=3) / n
    logit = np.exp(u[0]) / np.exp(u[0]).sum()
    assert np.allclose(shares, logit, atol=4 * np.sqrt(logit * (1 - logit) / n).max())


def test_unknown_brands_are_never_chosen_and_no_brand_means_no_choice() -> None:
    aware = np.array([[True, False], [False, False]])
    u = utilities(
        attitude=np.full((2, 2), 3.0),
        review_score=np.zeros((2, 2)),
        price=np.array([1.0, 1.0]),
        price_sensitivity=np.zeros(2),
        aware=aware,
        weights=(1.0, 1.0, 1.0),
    )
    idx = np.arange(2)
    picks = np.array([choose(Draws(0).stream("choice", s), idx, u) for s in range(50)])
    assert (picks[:, 0] == 0).all() and (picks[:, 1] == -1).all()


def test_utility_falls_with_price_and_rises_with_attitude_and_reviews() -> None:
    kw = {
        "price_sensitivity": np.array([0.5]),
        "aware": np.ones((1, 2), bool),
        "weights": (2.0, 1.0, 1.0),
    }
    u = utilities(np.array([[3.0, 3.0]]), np.zeros((1, 2)), np.array([10.0, 12.0]), **kw)
    assert u[0, 0] > u[0, 1]
    u = utilities(np.array([[3.0, 3.5]]), np.zeros((1, 2)), np.array([10.0, 10.0]), **kw)
    assert u[0, 1] > u[0, 0]
    u = utilities(np.array([[3.0, 3.0]]), np.array([[0.0, 1.0]]), np.array([10.0, 10.0]), **kw)
    assert u[0, 1] > u[0, 0]
