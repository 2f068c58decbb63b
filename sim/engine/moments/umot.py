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

UMOT touchpoints (`kind` in the scenario):

- `review_request` (asking customers for a review, as a post-stay e-mail or an in-app
  prompt): a customer of its audience who has an experience in a step is asked with chance
  `reach`. An asked customer posts with its own chance or, failing that, grants the request
  with `umot.solicited_posting` times its review propensity, the more readily the better it
  found the experience (`obliging`: none at 1 star, fully at 5). Asking so lifts posting
  most, relatively, among the moderate and satisfied experiences self-selection leaves out,
  least among the angry, who post unasked. Karaman (2021, "Online review solicitations reduce
  extremity bias in online review distributions and increase their representativeness",
  Management Science 67(7)) observes every customer's private rating: solicitations raise
  all customers' posting, those with moderate experiences more than those with extreme ones;
  the solicited ratings are less extreme, and overstate the average experience about as much
  as the unsolicited ones. Brandes, Godes & Mayzlin (2022, "Extremity bias in online reviews:
  the role of attrition", JMR, doi:10.1177/00222437211073579) find in a field experiment that
  an unincentivised solicitation e-mail reduces review extremity; Askalidis, Kim & Malthouse
  (2017, "Understanding and overcoming biases in online review systems", Decision Support
  Systems 97) that self-motivated reviews are more negative than e-mail-prompted ones. The
  ask is an encounter: it moves the asked customer's attitude toward its quality by its
  `weight`.
- `review_response` (answering negative reviews): each review of the brand of at most
  `max_stars` stars is answered with chance `reach` as it is posted. Readers in ZMOT count an
  answered complaint `zmot.answered_weight` of a review (`sim.engine.moments.zmot`). The answer
  is also a service-recovery encounter for its author: attitude moves toward its quality by
  its `weight`, and satisfaction toward what it felt like (performance and disconfirmation, as
  in SMOT); Gu & Ye (2014, "First step in social media: measuring the influence of online
  management responses on customer satisfaction", Production and Operations Management 23(4))
  find responses raise the complaining customer's later satisfaction, most among the least
  satisfied. Proserpio & Zervas (2017, "Online reputation management: estimating the impact of
  management responses on consumer reviews", Marketing Science 36(5)) find that hotels that
  start responding gain 0.12 stars and 12 % more reviews and receive fewer but longer negative
  reviews, which they explain by complainers expecting scrutiny; that deterrence of reviewers
  is not modelled here, so answering moves ratings only through the customers it keeps.

A touchpoint's asks and answers are its contacts, each costing its `cost`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.arrays import first_of_each, first_seen
from sim.engine.draws import _hash, _normal
from sim.engine.journey import Moment
from sim.engine.kernels import njit, vectorize
from sim.engine.touchpoints import _disconfirmation, encounter, felt

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.moments.smot import Experiences

__all__ = [
    "answerable",
    "asked_posting_probability",
    "evaluation",
    "herd",
    "obliging",
    "posting_probability",
    "shown_mean",
    "stars",
    "step",
]

EXPERIENCES = 256
"""Experiences of one consumer in one step that get their own review draws (usage, a problem
and one per SMOT touchpoint come far below it)."""

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
    return _evaluation(quality, expectation, noise, weight, negativity)


# The formulas below are numba ufuncs behind the public functions (which take keywords): the
# same definitions serve arrays and `_reviews`, the kernel that decides who posts.
@vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _evaluation(
    quality: float, expectation: float, noise: float, weight: float, negativity: float
) -> float:
    return quality + weight * _disconfirmation(quality, expectation, negativity) + noise


def herd(own: np.ndarray, shown: np.ndarray, up: float, down: float) -> np.ndarray:
    """The evaluation pulled toward the mean `shown` on the page: by `up` of the gap when the
    page is higher, by `down` when it is lower; unchanged where nothing is shown (NaN)."""
    return _herd(own, shown, up, down)


@vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def _herd(own: float, shown: float, up: float, down: float) -> float:
    gap = 0.0 if np.isnan(shown) else shown - own
    return own + (up if gap > 0 else down) * gap


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
    return _posting(propensity, evaluation, scale, moderate)


@vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def _posting(propensity: float, evaluation: float, scale: float, moderate: float) -> float:
    extremity = min(1.0, ((evaluation - NEUTRAL) / scale) ** 2)
    return propensity * (moderate + (1.0 - moderate) * extremity)


def obliging(evaluation: np.ndarray) -> np.ndarray:
    """How readily a customer grants a request for a review, by how good it found the
    experience: from nothing at 1 star to fully at 5, in proportion to the stars (assumed)."""
    return _obliging(evaluation)


@vectorize(["float64(float64)"], cache=True)
def _obliging(evaluation: float) -> float:
    return min(max((evaluation - 1.0) / 4.0, 0.0), 1.0)


def asked_posting_probability(
    own: np.ndarray,
    propensity: np.ndarray,
    evaluation: np.ndarray,
    solicited: float,
    asks: np.ndarray,
) -> np.ndarray:
    """Chance to post for a customer asked `asks` times: its `own` chance or, failing that,
    each ask granted with `solicited` times its `propensity` (capped at 1) times how
    `obliging` its `evaluation` makes it.

    Not asked (or not obliging at all), the own chance to the bit: asking only adds posts.
    """
    return _asked(own, propensity, evaluation, solicited, asks)


@vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _asked(
    own: float, propensity: float, evaluation: float, solicited: float, asks: float
) -> float:
    grant = min(1.0, solicited * propensity) * _obliging(evaluation)
    return own + (1.0 - own) * (1.0 - (1.0 - grant) ** asks)


def answerable(stars: np.ndarray, max_stars: int) -> np.ndarray:
    """Which reviews a review_response answers: those of at most `max_stars` stars."""
    return stars <= max_stars


def stars(evaluation: np.ndarray) -> np.ndarray:
    """Stars 1-5: the evaluation rounded."""
    return np.clip(np.rint(evaluation), 1, 5).astype(np.int8)


def shown_mean(model: JourneyModel, brand: np.ndarray, window: int) -> np.ndarray:
    """Mean of the newest `window` reviews on each brand's page in `brand` (NaN if empty)."""
    pages = model.pages
    n = np.minimum(pages.count, min(window, pages.depth))
    means = np.where(n > 0, pages.newest_means()[np.arange(n.size), n], np.nan)
    return means[brand]


@njit(cache=True)
def _reviews(  # type: ignore[no-untyped-def]
    who, brand, quality, asks, expectation, propensity, shown, seen, noise_key, post_key,
    rating_noise, weight, negativity, up, down, scale, moderate, self_selected, solicited,
):  # fmt: skip
    """For each experience (`who`, `brand`, `quality`, the customer asked `asks` times): the
    herded evaluation and whether it is posted. One pass where numpy needs about thirty calls.

    A consumer's draws are keyed by consumer and which of its experiences this step it is (of
    at most EXPERIENCES), counted in `seen` (zeros, left zero), so others' experiences, and
    touchpoints added elsewhere, leave them alone.
    """
    herded = np.empty(who.shape[0])
    post = np.empty(who.shape[0], dtype=np.bool_)
    for r in range(who.shape[0]):
        i = who[r]
        counter = np.int64(i) * EXPERIENCES + min(seen[i], EXPERIENCES - 1)
        seen[i] += 1
        noise = rating_noise * _normal(noise_key, counter)
        own = _evaluation(quality[r], expectation[i], noise, weight, negativity)
        h = _herd(own, shown[brand[r]], up, down)
        p = _posting(propensity[i], h, scale, moderate) if self_selected else propensity[i]
        herded[r] = h
        post[r] = _hash(post_key, counter) < _asked(p, propensity[i], h, solicited, asks[r])
    for r in range(who.shape[0]):
        seen[who[r]] = 0
    return herded, post


def _asks(model: JourneyModel, who: np.ndarray) -> np.ndarray:
    """How many review requests the consumer of each experience in `who` (one entry per
    experience this step) receives this step, counting each request's contacts and moving
    attitudes; each consumer is asked at most once per request."""
    tps, asks = model.touchpoints, model.tally  # per consumer, zero but while counted here
    askable = first_seen(who, asks)
    for tp in tps.of_kind("review_request"):
        met = transitions.audience(model, tp, askable)
        met = met[model.stream(f"reach:{tps.keys[tp]}").below(met, tps.reach[tp])]
        transitions.contact(model, tp, met)
        asks[met] += 1
    out = asks[who]
    asks[askable] = 0
    return out


def _answers(
    model: JourneyModel, brand: np.ndarray, given: np.ndarray, who: np.ndarray
) -> np.ndarray:
    """Which of the reviews posted this step (by `who`, for `brand`, with `given` stars) the
    brands answer; each answer is a contact and a service-recovery encounter for its author."""
    pop, s, tps = model.population, model.spec.smot, model.touchpoints
    answered = np.zeros(who.size, dtype=bool)
    for tp in tps.of_kind("review_response"):
        rows = np.flatnonzero(
            (brand == tps.brand[tp]) & answerable(given, int(tps.max_stars[tp])) & ~answered
        )
        rows = rows[model.stream(f"reach:{tps.keys[tp]}").below(who[rows], tps.reach[tp])]
        authors = transitions.contact(model, tp, who[rows], attitude=False)
        answered[rows] = True
        if authors.size == 0:
            continue
        noise = model.stream(f"quality:{tps.keys[tp]}").normal(authors)
        quality = tps.quality[tp] + tps.quality_sd[tp] * noise
        b, weight = int(tps.brand[tp]), tps.weight[tp]
        pop.attitude[authors, b] = encounter(
            pop.attitude[authors, b], quality, weight, s.negativity
        )
        signal = felt(
            quality, pop.expectation[authors], s.neutral, s.performance_weight, s.negativity
        )
        pop.satisfaction[authors] += weight * (signal - pop.satisfaction[authors])
    return answered


def step(model: JourneyModel, start: np.ndarray, experiences: Experiences) -> None:
    """Last step's posters (at UMOT when the step began, `start`) go back to SMOT; customers
    (at SMOT when the step began) may be asked for a review and may post about this step's
    `experiences` (from SMOT); brands answer some of the complaints posted.

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
    who = e.who[rows]
    asks = _asks(model, who)
    draws = model.stream("review")
    herded, post = _reviews(
        who,
        e.brand[rows],
        e.quality[rows],
        asks,
        pop.expectation,
        pop.review_propensity,
        shown_mean(model, np.arange(len(model.brands)), u.herding_window),
        model.tally,
        np.uint64(draws.base),
        np.uint64(draws.part(0).base),
        u.rating_noise,
        u.disconfirmation,
        u.negativity,
        u.herding,
        u.herding_negative,
        u.extremity_scale,
        u.moderate_posting,
        u.self_selected,
        u.solicited_posting,
    )
    # One review per consumer and step: the first experience that moved it to post.
    who, first = first_of_each(e.who[rows[post]])
    chosen = np.flatnonzero(post)[first]
    brand, given = e.brand[rows[chosen]], stars(herded[chosen])
    answered = _answers(model, brand, given, who)
    model.pages.post(model.t, brand, given, who, answered, asks[chosen] > 0)
    model.ledger.add_by_brand(model.cols.reviews, brand)
    transitions.move(model, who, Moment.UMOT)
