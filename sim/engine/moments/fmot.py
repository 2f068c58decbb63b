"""FMOT, the first moment: the first seconds with the chosen brand's product or shop.

Each shopper meets one of the brand's first-encounter touchpoints (shelf, demo, landing page,
sales call), picked in proportion to their reach; with none running, the product itself. It
converts with a logistic chance in the encounter's quality against what research promised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.arrays import distinct
from sim.engine.journey import Moment
from sim.engine.touchpoints import encounter

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["conversion_probability", "step"]


def conversion_probability(
    quality: np.ndarray, expectation: np.ndarray, base: float, slope: float
) -> np.ndarray:
    """Logistic in the encounter's quality minus expectation; `base` is the log-odds at par."""
    return 1.0 / (1.0 + np.exp(-(base + slope * (quality - expectation))))


def encounter_shares(reach: np.ndarray) -> np.ndarray:
    """Shares of a brand's first encounters at its FMOT touchpoints, then at the product itself:
    each touchpoint's `reach`, the rest to the product; reaches summing above 1 are scaled down
    (the scenario loader warns)."""
    total = reach.sum()
    if total > 1:
        return np.append(reach / total, 0.0)
    return np.append(reach, 1.0 - total)


def first_encounter(model: JourneyModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quality each shopper in `idx` meets at its chosen brand (at a touchpoint picked by its
    share of first encounters, or the product itself) and the encounter's weight on attitude,
    recording touchpoint contacts."""
    tps = model.touchpoints
    brand = model.population.brand[idx]
    quality = model.brand_quality[brand] + model.brand_quality_sd[brand] * model.stream(
        "product.first"
    ).normal(idx)
    weight = np.full(idx.size, model.spec.smot.usage_weight)
    live = tps.live(Moment.FMOT)
    for b in distinct(brand):
        mine = live[tps.brand[live] == b]
        if mine.size == 0:
            continue
        rows = np.flatnonzero(brand == b)
        shares = np.cumsum(encounter_shares(tps.reach[mine]))
        u = model.stream(f"encounter:{model.brands[b]}").uniform(idx[rows])
        which = np.append(mine, -1)[np.minimum(np.searchsorted(shares, u), mine.size)]
        for tp in mine:
            met = rows[which == tp]
            transitions.contact(model, tp, idx[met], attitude=False)
            noise = model.stream(f"quality:{tps.keys[tp]}").normal(idx[met])
            quality[met] = tps.quality[tp] + tps.quality_sd[tp] * noise
            weight[met] = tps.weight[tp]
    return quality, weight


def step(model: JourneyModel, start: np.ndarray) -> None:
    """Shoppers who were at FMOT when the step began (`start`) meet their brand and buy or not."""
    pop, s = model.population, model.spec
    idx = np.flatnonzero(start == Moment.FMOT)
    if idx.size == 0:
        return
    brand = pop.brand[idx].astype(np.int64)
    quality, weight = first_encounter(model, idx)
    pop.attitude[idx, brand] = encounter(
        pop.attitude[idx, brand], quality, weight, s.smot.negativity
    )
    p = conversion_probability(quality, pop.expectation[idx], s.fmot.base, s.fmot.slope)
    won = model.stream("conversion").below(idx, p)
    transitions.acquire(model, idx[won], brand[won])
    lost = idx[~won]
    again = model.stream("retry").below(lost, s.fmot.retry)
    transitions.leave(model, lost[again], Moment.ZMOT)
    transitions.leave(model, lost[~again], Moment.PRE_ZMOT)
