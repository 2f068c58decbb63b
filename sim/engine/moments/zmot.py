"""ZMOT, the zero moment: in-market consumers research and choose a brand.

A share of them read the newest reviews of every brand they know (Lecinski 2011: 88 % of
shoppers research before buying). Expectation blends prior attitude with the reviews read;
the choice is a logit on attitude, review score and price among the brands known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.journey import Moment
from sim.engine.reviews import blend_expectation

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["choose", "step", "utilities"]


def utilities(
    attitude: np.ndarray,
    review_score: np.ndarray,
    price: np.ndarray,
    price_sensitivity: np.ndarray,
    aware: np.ndarray,
    weights: tuple[float, float, float],
) -> np.ndarray:
    """[consumer, brand] utility; -inf for unknown brands. review_score is 0 where none read."""
    w_att, w_rev, w_price = weights
    u = w_att * attitude + w_rev * review_score - w_price * price_sensitivity[:, None] * price
    return np.where(aware, u, -np.inf)


def choose(rng: np.random.Generator, u: np.ndarray) -> np.ndarray:
    """Multinomial logit choice by the Gumbel-max trick; -1 for a consumer who knows no brand."""
    gumbel = -np.log(-np.log(rng.random(u.shape)))
    pick = np.argmax(u + gumbel, axis=1)
    return np.where(np.isfinite(u).any(axis=1), pick, -1)


def research(model: JourneyModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expectation and centred review score [consumer, brand] for consumers in `idx`."""
    pop, s = model.population, model.spec
    attitude = pop.attitude[idx]
    reads = model.rng.random(idx.size) < pop.research[idx]
    n_read = np.minimum.outer(pop.reviews_read[idx] * reads, model.pages.count)
    n_read = np.minimum(n_read, model.pages.depth)
    means = model.pages.newest_means()
    review_mean = means[np.arange(means.shape[0])[None, :], n_read]  # [consumer, brand]
    model.ledger.add(model.cols.researched, int(reads.sum()))
    expectation = blend_expectation(attitude, review_mean, n_read, s.zmot.prior_weight)
    score = np.where(n_read > 0, review_mean - 3.0, 0.0)
    return expectation, score


def step(model: JourneyModel) -> None:
    pop, rng, s = model.population, model.rng, model.spec
    idx = np.flatnonzero(model.start == Moment.ZMOT)
    for tp in model.touchpoints.live(Moment.ZMOT):
        hit = idx[rng.random(idx.size) < model.touchpoints.reach[tp]]
        model.contact(tp, model.audience(tp, hit))
    if idx.size == 0:
        return
    expectation, score = research(model, idx)
    u = utilities(
        pop.attitude[idx],
        score,
        model.prices,
        pop.price_sensitivity[idx],
        pop.aware[idx],
        (s.choice.attitude, s.choice.reviews, s.choice.price),
    )
    brand = choose(rng, u)
    chose = brand >= 0
    rows = np.flatnonzero(chose)
    model.to_first_encounter(idx[chose], brand[chose], expectation[rows, brand[chose]])
    waiting = idx[~chose]
    model.move(waiting[rng.random(waiting.size) < s.zmot.give_up], Moment.PRE_ZMOT)
