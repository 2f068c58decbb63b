"""UMOT, the ultimate moment: customers post reviews that feed other shoppers' ZMOT.

Posting is self-selected: the chance grows with the size of the surprise, so extreme
experiences are over-represented and ratings come out J-shaped (Hu, Pavlou & Zhang 2009). When
everyone reviews (`self_selected = false`) the chance no longer depends on the surprise and the
ratings follow the experiences. Ratings herd toward the average already shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.journey import Moment
from sim.engine.reviews import star_rating

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.moments.smot import Experiences

__all__ = ["posting_probability", "step"]


def posting_probability(
    propensity: np.ndarray, surprise: np.ndarray, scale: float, self_selected: bool
) -> np.ndarray:
    """Chance to post after an experience: propensity, times (|surprise| / scale)^2 capped at 1
    when self-selected."""
    if not self_selected:
        return propensity
    return propensity * np.minimum(1.0, (surprise / scale) ** 2)


def step(model: JourneyModel, start: np.ndarray, experiences: Experiences) -> None:
    """Last step's posters (at UMOT when the step began, `start`) go back to SMOT; customers
    (at SMOT when the step began) post about this step's `experiences` (from SMOT).

    Only those still where they began move, and not those deciding at a renewal this step
    (`JourneyModel.deciding`): a consumer moves at most one edge per step.
    """
    pop, rng, s = model.population, model.rng, model.spec
    back = np.flatnonzero((start == Moment.UMOT) & (pop.moment == Moment.UMOT))
    transitions.move(model, back[~model.deciding(back)], Moment.SMOT)
    if not s.umot.enabled or experiences.who.size == 0:
        return
    e = experiences
    p = posting_probability(
        pop.review_propensity[e.who], e.surprise, s.umot.surprise_scale, s.umot.self_selected
    )
    still = (start[e.who] == Moment.SMOT) & (pop.moment[e.who] == Moment.SMOT)
    post = (rng.random(e.who.size) < p) & still & ~model.deciding(e.who)
    # One review per consumer and step: the first experience that moved it to post.
    who, first = np.unique(e.who[post], return_index=True)
    rows = np.flatnonzero(post)[first]
    stars = star_rating(
        e.quality[rows], pop.expectation[who], model.pages.average()[e.brand[rows]], s.umot.herding
    )
    model.pages.post(model.t, e.brand[rows], stars, who)
    model.ledger.add_by_brand(model.cols.reviews, e.brand[rows])
    transitions.move(model, who, Moment.UMOT)
