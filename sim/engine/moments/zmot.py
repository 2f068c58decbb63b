"""ZMOT, the zero moment: in-market consumers research and choose a brand.

A share of them read the newest reviews of every brand they know (Lecinski 2011: 88 % of
shoppers research before buying). Expectation blends prior attitude with the reviews read;
the choice is a logit on attitude, review score and price among the brands known.

A complaint the brand has answered (a UMOT `review_response`) counts `zmot.answered_weight` of
a review: readers who see a response blame the firm less for what went wrong (Li, Cui & Peng
2018, "Tailoring management response to negative reviews", Computers in Human Behavior 84: the
effect of a response on purchase intentions runs through a reduced attribution of the negative
review to the firm) and infer more trust and concern (Sparks, So & Bradley 2016, "Responding to
negative online reviews", Tourism Management 53).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.choice import choose, utilities
from sim.engine.journey import Moment
from sim.engine.reviews import blend_expectation

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["research", "step"]


def research(model: JourneyModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expectation and centred review score [consumer, brand] for consumers in `idx`."""
    pop, s = model.population, model.spec
    attitude = pop.attitude[idx]
    reads = model.stream("research").below(idx, pop.research[idx]) & s.zmot.reviews
    n_read = np.minimum.outer(pop.reviews_read[idx] * reads, model.pages.count)
    n_read = np.minimum(n_read, model.pages.depth)
    weights, means = model.pages.newest_read(s.zmot.answered_weight)
    brands = np.arange(means.shape[0])[None, :]
    review_mean = means[brands, n_read]  # [consumer, brand]
    counted = weights[brands, n_read]  # reviews read, answered complaints counting less
    model.ledger.add(model.cols.researched, int(reads.sum()))
    expectation = blend_expectation(attitude, review_mean, counted, s.zmot.prior_weight)
    score = np.where(counted > 0, review_mean - 3.0, 0.0)
    return expectation, score


def step(model: JourneyModel, start: np.ndarray) -> None:
    """Shoppers who were at ZMOT when the step began (`start`) meet its touchpoints, research
    and choose a brand, or some give up."""
    pop, s, tps = model.population, model.spec, model.touchpoints
    idx = np.flatnonzero(start == Moment.ZMOT)
    for tp in tps.live(Moment.ZMOT):
        hit = idx[model.stream(f"reach:{tps.keys[tp]}").below(idx, tps.reach[tp])]
        transitions.contact(model, tp, transitions.audience(model, tp, hit))
    if idx.size == 0:
        return
    expectation, score = research(model, idx)
    u = utilities(
        pop.attitude[idx],
        score,
        model.offer_prices(),
        pop.price_sensitivity[idx],
        pop.aware[idx],
        (s.choice.attitude, s.choice.reviews, s.choice.price),
    )
    brand = choose(model.stream("choice"), idx, u)
    chose = brand >= 0
    rows = np.flatnonzero(chose)
    transitions.to_first_encounter(model, idx[chose], brand[chose], expectation[rows, brand[chose]])
    waiting = idx[~chose]
    gave_up = model.stream("give_up").below(waiting, s.zmot.give_up)
    transitions.move(model, waiting[gave_up], Moment.PRE_ZMOT)
