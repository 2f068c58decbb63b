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
from sim.engine.arguments import kept
from sim.engine.arrays import first_seen
from sim.engine.draws import _GOLDEN, _base, _gauss, _hash, _mix, _normal
from sim.engine.journey import SMOT, UMOT, Moment
from sim.engine.kernels import AHEAD, njit, prefetch, ufunc
from sim.engine.touchpoints import _disconfirmation, _encounter, _felt
from sim.engine.transitions import _counted, _touch

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.moments.smot import Experiences
    from sim.engine.step import Start

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
# `model.tally` while UMOT runs, per customer: experiences drawn (below ASKED), review requests
# received (in units of ASKED) and whether it has posted (POSTED); zero before and after.
ASKED = 1 << 16
POSTED = 1 << 32

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
    return ufunc(_evaluation)(quality, expectation, noise, weight, negativity)


# The formulas below are scalar kernels: `_reviews`, the kernel that decides who posts, calls
# them per experience, and the public functions (which take keywords) through their `ufunc`.
@njit(cache=True)
def _evaluation(
    quality: float, expectation: float, noise: float, weight: float, negativity: float
) -> float:
    return quality + weight * _disconfirmation(quality, expectation, negativity) + noise


def herd(own: np.ndarray, shown: np.ndarray, up: float, down: float) -> np.ndarray:
    """The evaluation pulled toward the mean `shown` on the page: by `up` of the gap when the
    page is higher, by `down` when it is lower; unchanged where nothing is shown (NaN)."""
    return ufunc(_herd)(own, shown, up, down)


@njit(cache=True)
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
    return ufunc(_posting)(propensity, evaluation, scale, moderate)


@njit(cache=True)
def _posting(propensity: float, evaluation: float, scale: float, moderate: float) -> float:
    extremity = min(1.0, ((evaluation - NEUTRAL) / scale) ** 2)
    return propensity * (moderate + (1.0 - moderate) * extremity)


def obliging(evaluation: np.ndarray) -> np.ndarray:
    """How readily a customer grants a request for a review, by how good it found the
    experience: from nothing at 1 star to fully at 5, in proportion to the stars (assumed)."""
    return ufunc(_obliging)(evaluation)


@njit(cache=True)
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
    return ufunc(_asked)(own, propensity, evaluation, solicited, asks)


@njit(cache=True)
def _asked(
    own: float, propensity: float, evaluation: float, solicited: float, asks: float
) -> float:
    if asks == 0:  # (1 - grant) ** 0 is 1, so nothing is added: spared the costly power
        return own
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
    return _shown(pages.newest, pages.count, min(window, pages.depth))[brand]


@njit(cache=True)
def _shown(newest, count, window):  # type: ignore[no-untyped-def]
    """Per brand, the mean of its newest `window` (at most) reviews, NaN for an empty page:
    summed newest first, as `ReviewPages.newest_means` does, so the same to the bit."""
    means = np.empty(newest.shape[0])
    for b in range(newest.shape[0]):
        n = min(count[b], window)
        total = 0.0
        for j in range(n):
            total += newest[b, j]
        means[b] = total / np.float64(n) if n > 0 else np.nan
    return means


@njit(cache=True)
def _staying(were, moment, at, next_renewal, held):  # type: ignore[no-untyped-def]
    """Those of `were` (at moment `at` when the step began) still there, but for those
    renewing on the day `held` (`JourneyModel.held`), in one pass where numpy needs eight."""
    out = np.empty(were.shape[0], dtype=np.int64)
    k = 0
    for i in were:
        if moment[i] == at and next_renewal[i] != held:
            out[k] = i
            k += 1
    return out[:k]


@njit(cache=True)
def _reviewable(who, start, moment, next_renewal, held, smot, seen):  # type: ignore[no-untyped-def]
    """The experiences (rows of `who`) of customers at SMOT when the step began and still
    there, not renewing on the day `held` (`JourneyModel.held`); and those customers, once
    each, in order of first appearance (`seen` is scratch, zeros, left zeros)."""
    rows = np.empty(who.shape[0], dtype=np.int64)
    k = 0
    for r in range(who.shape[0]):
        if r + AHEAD < who.shape[0]:
            prefetch(next_renewal, who[r + AHEAD])
        i = who[r]
        if start[i] == smot and moment[i] == smot and next_renewal[i] != held:
            rows[k] = r
            k += 1
    return rows[:k], first_seen(who[rows[:k]], seen)


@njit(cache=True)
def _reviews(  # type: ignore[no-untyped-def]
    who, brand, quality, rows, tally, expectation, propensity, shown, noise_key, post_key,
    rating_noise, weight, negativity, up, down, scale, moderate, self_selected, solicited,
):  # fmt: skip
    """For the experiences `rows` (of `who`, `brand`, `quality`), each customer asked as
    many times as `tally` counts (`_ask`): the herded evaluation and whether it is posted;
    one review per customer, the first experience that moved it to post. Returns the rows of
    those reviews (by customer), their stars and whether the customer was asked. One pass
    where numpy needs about forty calls; `tally` is left zero.

    A consumer's draws are keyed by consumer and which of its experiences this step it is (of
    at most EXPERIENCES), counted in `tally` (below ASKED), so others' experiences, and
    touchpoints added elsewhere, leave them alone.
    """
    m = rows.shape[0]
    asks = np.empty(m)
    first = np.empty(m, dtype=np.int64)  # rows of the reviews, in order of posting
    herded = np.empty(m)
    k = 0
    for r in range(m):
        if r + AHEAD < m:
            j = who[rows[r + AHEAD]]
            prefetch(tally, j)
            prefetch(propensity, j)
        i = who[rows[r]]
        held = tally[i]
        if held >= POSTED:
            continue  # it has posted this step: nothing of this experience is used
        seen = held % ASKED
        tally[i] = held + (seen < EXPERIENCES - 1)
        counter = np.int64(i) * EXPERIENCES + seen
        asks[r] = held // ASKED
        u = _hash(post_key, counter)
        # Most experiences cannot move their customer to post, however they are evaluated:
        # the chance is at most the propensity, raised by asks fully granted (`_asked` grows
        # with its own chance and the grant). Their evaluation is not needed (nor its normal,
        # the costly part of this loop); the margin is far above rounding, so who posts is
        # the same to the bit.
        if u > _asked(propensity[i], propensity[i], 5.0, solicited, asks[r]) + 1e-9:
            continue
        noise = rating_noise * _normal(noise_key, counter)
        own = _evaluation(quality[rows[r]], expectation[i], noise, weight, negativity)
        h = _herd(own, shown[brand[rows[r]]], up, down)
        p = _posting(propensity[i], h, scale, moderate) if self_selected else propensity[i]
        herded[r] = h  # read for those who post only
        if u < _asked(p, propensity[i], h, solicited, asks[r]):
            tally[i] += POSTED
            first[k] = r
            k += 1
    for r in range(m):
        tally[who[rows[r]]] = 0
    posters = np.empty(k, dtype=np.int64)
    for j in range(k):
        posters[j] = who[rows[first[j]]]
    order = np.argsort(posters)  # distinct customers: any sort gives this order
    chosen = np.empty(k, dtype=np.int64)
    given = np.empty(k, dtype=np.int8)
    asked = np.empty(k, dtype=np.bool_)
    for j in range(k):
        r = first[order[j]]
        chosen[j] = rows[r]
        given[j] = np.int8(min(max(np.rint(herded[r]), 1.0), 5.0))
        asked[j] = asks[r] > 0
    return chosen, given, asked


@njit(cache=True)
def _ask(requests, askable, t, reach, who, reach_keys, tally, contact):  # type: ignore[no-untyped-def]
    """Each review request of `requests` reaches each of `askable` with its reach (the
    stream "reach:<key>"), contacts those it is aimed at (`transitions._touch`) and counts
    the ask in `tally` (in units of ASKED, for `_reviews`, which reads and clears it): one
    call where numpy needs about ten a request. Each customer is asked at most once a request;
    the draws are the consumers' own, so drawing before the audience is met picks whom
    drawing after it would."""
    hit = np.empty_like(askable)
    for tp in requests:
        base = _base(reach_keys[tp], t)
        k = 0
        for i in askable:
            hit[k] = i
            k += _hash(base, np.int64(i)) < reach[tp]
        for i in _touch(tp, who[tp], hit[:k], t, contact):
            tally[i] += ASKED


@njit(cache=True)
def _answer(  # type: ignore[no-untyped-def]
    responses, brand, given, who, t, max_stars, reach, reach_keys, quality_keys, expectation,
    satisfaction, neutral, performance_weight, contact,
):  # fmt: skip
    """Each review_response of `responses`, in turn: each review of its brand not yet
    `answered` of at most `max_stars` stars is answered with its reach (the stream
    "reach:<key>"), a contact (counted with its cost), and the author meets an encounter of
    its quality plus its sd times a normal ("quality:<key>"): attitude and satisfaction move
    by its weight. Returns whether each review was answered. One call where numpy needs about
    twenty a touchpoint."""
    (
        row, contacts_col, cost_col, cost, owner, _, quality, quality_sd, weight, _,
        _, _, _, _, _, _, _, _, _, _, attitude, negativity,
    ) = contact  # fmt: skip
    answered = np.zeros(who.shape[0], dtype=np.bool_)
    for tp in responses:
        b = owner[tp]
        reach_key, quality_key = _base(reach_keys[tp], t), _base(quality_keys[tp], t)
        k = 0
        for r in range(who.shape[0]):
            if brand[r] != b or given[r] > max_stars[tp] or answered[r]:
                continue
            i = who[r]
            if not _hash(reach_key, np.int64(i)) < reach[tp]:
                continue
            answered[r] = True
            k += 1
            q = _gauss(quality[tp], quality_sd[tp], quality_key, np.int64(i))
            attitude[i, b] = _encounter(attitude[i, b], q, weight[tp], negativity)
            signal = _felt(q, expectation[i], neutral, performance_weight, negativity)
            satisfaction[i] += weight[tp] * (signal - satisfaction[i])
        _counted(row, contacts_col, cost_col, cost, tp, k)
    return answered


def step(model: JourneyModel, start: Start, experiences: Experiences) -> None:
    """Last step's posters (at UMOT when the step began, `start`) go back to SMOT; customers
    (at SMOT when the step began) may be asked for a review and may post about this step's
    `experiences` (from SMOT); brands answer some of the complaints posted.

    Only those still where they began move, and not those deciding at a renewal this step
    (`JourneyModel.deciding`): a consumer moves at most one edge per step.
    """
    pop = model.population
    held = model.held()  # customers renewing today hold still (`JourneyModel.deciding`)
    back = _staying(start.umot, pop.moment, UMOT, pop.next_renewal, held)
    transitions.move(model, back, Moment.SMOT)
    e = experiences
    if not model.spec.umot.enabled or e.who.size == 0:
        return
    who, brand, given, answered, asked = _umot(
        model.t, held, e.who, e.brand, e.quality, start.moment, *_umot_arguments(model)
    )
    model.pages.post(model.t, brand, given, who, answered, asked)
    model.ledger.add_by_brand(model.cols.reviews, brand)
    transitions.move(model, who, Moment.UMOT)


@kept
def _umot_arguments(model: JourneyModel) -> tuple:
    """What `_umot` needs besides the step, the day held and the experiences."""
    pop, u, tps, pages = model.population, model.spec.umot, model.touchpoints, model.pages
    reviewing = (
        pop.expectation, pop.review_propensity, pages.newest, pages.count,
        min(u.herding_window, pages.depth), np.uint64(model.draws.key_of("review")),
        u.rating_noise, u.disconfirmation, u.negativity, u.herding, u.herding_negative,
        u.extremity_scale, u.moderate_posting, u.self_selected, u.solicited_posting,
    )  # fmt: skip
    return (
        pop.moment,
        pop.next_renewal,
        model.tally,
        np.array(tps.of_kind("review_request"), dtype=np.int64),
        np.array(tps.of_kind("review_response"), dtype=np.int64),
        tps.reach,
        tps.who,
        tps.max_stars,
        tps.stream_keys(model.draws, "reach"),
        tps.stream_keys(model.draws, "quality"),
        transitions.contact_arguments(model),
        reviewing,
        (pop.satisfaction, model.spec.smot.neutral, model.spec.smot.performance_weight),
    )


@njit(cache=True)
def _umot(  # type: ignore[no-untyped-def]
    t, held, who, brand, quality, start, moment, next_renewal, tally, requests, responses,
    reach, audience, max_stars, reach_keys, quality_keys, contact, reviewing, answering,
):  # fmt: skip
    """`step` past the posters going back, in one kernel call: the experiences that can be
    reviewed (`_reviewable`), the review requests (`_ask`), the reviews (`_reviews`, drawn from
    the stream "review" and its part 0, herded by the pages as they stand) and the brands'
    answers (`_answer`). Returns the posters, their brands, stars, and whether each review was
    answered and asked for."""
    rows, askable = _reviewable(who, start, moment, next_renewal, held, SMOT, tally)
    if requests.shape[0]:
        _ask(requests, askable, t, reach, audience, reach_keys, tally, contact)
    (
        expectation, propensity, newest, count, window, key, rating_noise, weight, negativity,
        up, down, scale, moderate, self_selected, solicited,
    ) = reviewing  # fmt: skip
    base = _base(key, t)
    chosen, given, asked = _reviews(
        who, brand, quality, rows, tally, expectation, propensity, _shown(newest, count, window),
        base, _mix(base + np.uint64(_GOLDEN)), rating_noise, weight, negativity, up, down, scale,
        moderate, self_selected, solicited,
    )  # fmt: skip
    posters, about = who[chosen], brand[chosen]  # one review a consumer: the first that moved it
    satisfaction, neutral, performance_weight = answering
    answered = _answer(
        responses, about, given, posters, t, max_stars, reach, reach_keys, quality_keys,
        expectation, satisfaction, neutral, performance_weight, contact,
    )  # fmt: skip
    return posters, about, given, answered, asked
