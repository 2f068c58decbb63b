"""UMOT, the ultimate moment: customers post reviews that feed other shoppers' ZMOT.

A reviewer's evaluation of an experience is its quality (performance) plus a smaller
disconfirmation term, shortfalls weighing more than pleasant surprises, plus noise in how people
use the scale; the stars are the evaluation rounded to 1-5.

Posting is self-selected (Hu, Pavlou & Zhang 2009, "Overcoming the J-shaped distribution of
product reviews", CACM 52(10)): customers who feel strongly either way post ("brag and moan"),
those who feel neutral seldom do (under-reporting), and customers are those who liked what they
saw enough to buy (purchasing bias), so self-selected ratings come out J-shaped: 5 stars the
mode, 1 star above 2 and 3. When everyone reviews (`self_selected = false`) the ratings follow
the experiences: unimodal with an interior mode.

Herding (Muchnik, Aral & Taylor 2013, "Social influence bias: a randomized experiment", Science
341): the reviewer's evaluation is pulled toward the mean of the newest reviews on the page,
before it decides whether to post and what to give, so a glowing page changes both opinion and
turnout, as they found. The pull is asymmetric: toward a higher page with `herding`, toward a
lower one only with `herding_negative`, since raters corrected negative priors but followed
positive ones (one prior up-vote raised the likelihood of a positive rating by 32 %).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.draws import occurrence
from sim.engine.journey import Moment
from sim.engine.touchpoints import disconfirmation

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.moments.smot import Experiences
    from sim.scenario.schema import Umot

__all__ = ["evaluation", "herd", "posting_probability", "shown_mean", "stars", "step"]

NEUTRAL = 3.0  # the middle of the 1-5 star scale


def evaluation(
    quality: np.ndarray,
    expectation: np.ndarray,
    noise: np.ndarray,
    weight: float,
    negativity: float,
) -> np.ndarray:
    """How good the reviewer finds an experience, in stars before rounding: its quality plus
    `weight` times the disconfirmation (shortfalls `negativity` times heavier) plus `noise`."""
    return quality + weight * disconfirmation(quality, expectation, negativity) + noise


def herd(own: np.ndarray, shown: np.ndarray, up: float, down: float) -> np.ndarray:
    """The evaluation pulled toward the mean `shown` on the page: by `up` of the gap when the
    page is higher, by `down` when it is lower; unchanged where nothing is shown (NaN)."""
    gap = np.where(np.isnan(shown), 0.0, shown - own)
    return own + np.where(gap > 0, up, down) * gap


def posting_probability(
    propensity: np.ndarray,
    evaluation: np.ndarray,
    scale: float,
    moderate: float,
    self_selected: bool,
) -> np.ndarray:
    """Chance to post: the consumer's propensity, times, when self-selected, a share that grows
    with the square of the evaluation's distance from neutral (full at `scale` stars away) and
    is `moderate` for a neutral one."""
    if not self_selected:
        return propensity
    extremity = np.minimum(1.0, ((evaluation - NEUTRAL) / scale) ** 2)
    return propensity * (moderate + (1.0 - moderate) * extremity)


def stars(evaluation: np.ndarray) -> np.ndarray:
    """Stars 1-5: the evaluation rounded."""
    return np.clip(np.rint(evaluation), 1, 5).astype(np.int8)


def shown_mean(model: JourneyModel, brand: np.ndarray, window: int) -> np.ndarray:
    """Mean of the newest `window` reviews on each brand's page in `brand` (NaN if empty)."""
    pages = model.pages
    n = np.minimum(pages.count, min(window, pages.depth))
    means = np.where(n > 0, pages.newest_means()[np.arange(n.size), n], np.nan)
    return means[brand]


def _herded_evaluations(
    model: JourneyModel, u: Umot, e: Experiences, rows: np.ndarray, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For experiences `rows`: the herded evaluation and the chance to post about it."""
    pop, who = model.population, e.who[rows]
    own = evaluation(e.quality[rows], pop.expectation[who], noise, u.disconfirmation, u.negativity)
    herded = herd(
        own, shown_mean(model, e.brand[rows], u.herding_window), u.herding, u.herding_negative
    )
    p = posting_probability(
        pop.review_propensity[who], herded, u.extremity_scale, u.moderate_posting, u.self_selected
    )
    return herded, p


def step(model: JourneyModel, start: np.ndarray, experiences: Experiences) -> None:
    """Last step's posters (at UMOT when the step began, `start`) go back to SMOT; customers
    (at SMOT when the step began) may post about this step's `experiences` (from SMOT).

    Only those still where they began move, and not those deciding at a renewal this step
    (`JourneyModel.deciding`): a consumer moves at most one edge per step.
    """
    pop, u = model.population, model.spec.umot
    back = np.flatnonzero((start == Moment.UMOT) & (pop.moment == Moment.UMOT))
    transitions.move(model, back[~model.deciding(back)], Moment.SMOT)
    e = experiences
    if not u.enabled or e.who.size == 0:
        return
    rows = np.flatnonzero(
        (start[e.who] == Moment.SMOT) & (pop.moment[e.who] == Moment.SMOT) & ~model.deciding(e.who)
    )
    # keyed by consumer and which of its experiences this step, so others' experiences
    # leave a consumer's draws alone
    draws = model.stream("review")
    counter = e.who[rows] * (len(model.touchpoints) + 2) + occurrence(e.who[rows])
    noise = u.rating_noise * draws.normal(counter)
    herded, p = _herded_evaluations(model, u, e, rows, noise)
    post = draws.part(0).below(counter, p)
    # One review per consumer and step: the first experience that moved it to post.
    who, first = np.unique(e.who[rows[post]], return_index=True)
    chosen = np.flatnonzero(post)[first]
    brand = e.brand[rows[chosen]]
    model.pages.post(model.t, brand, stars(herded[chosen]), who)
    model.ledger.add_by_brand(model.cols.reviews, brand)
    transitions.move(model, who, Moment.UMOT)
