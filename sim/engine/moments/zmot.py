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
from sim.engine.arguments import kept
from sim.engine.choice import _gumbel_max, gumbel_noise
from sim.engine.draws import _base, _hash, _uniform_rows
from sim.engine.journey import FMOT, PRE_ZMOT, ZMOT, Moment
from sim.engine.kernels import AHEAD, njit, prefetch
from sim.engine.memory import _hold
from sim.engine.reviews import _newest_read
from sim.engine.transitions import _move, _touch

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.step import Start

__all__ = ["research", "step"]


def research(model: JourneyModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expectation and centred review score [consumer, brand] for consumers in `idx`."""
    expectation, score, _ = _research_for(model, idx)
    return expectation, score


def _research_for(model: JourneyModel, idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """`research` and the utilities [consumer, brand] of the brands (`choice.utilities`)."""
    expectation, score, u, reads = _research(idx, model.t, *_research_arguments(model))
    model.ledger.add(model.cols.researched, reads)
    return expectation, score, u


@kept
def _research_arguments(model: JourneyModel) -> tuple:
    """What `_research` needs besides the shoppers and the step."""
    pop, s, pages = model.population, model.spec, model.pages
    return (
        pop.attitude,
        pop.research,
        pop.reviews_read,
        np.uint64(model.draws.key_of("research")),
        s.zmot.reviews,
        pages.newest,
        pages.answered,
        pages.count,
        s.zmot.answered_weight,
        s.zmot.prior_weight,
        model.offer_prices(),
        pop.price_sensitivity,
        pop.aware,
        s.choice.attitude,
        s.choice.reviews,
        s.choice.price,
    )


@njit(cache=True)
def _research(  # type: ignore[no-untyped-def]
    idx, t, attitude, research, reviews_read, key, reviews, newest, answered, count,
    answered_weight, prior_weight, price, price_sensitivity, aware, w_att, w_rev, w_price,
):  # fmt: skip
    """Research and utilities in one pass where numpy needs about twenty calls: who reads
    (the stream `key` at step `t`), the newest reviews each reads of every brand
    (`newest_read`), the expectation they blend (`blend_expectation`), the centred review
    score and each brand's utility (`choice.utilities`), with the same arithmetic in the same
    order."""
    base = _base(key, t)
    weights, means = _newest_read(newest, answered, answered_weight)
    depth = newest.shape[1]
    k, brands = idx.shape[0], newest.shape[0]
    expectation = np.empty((k, brands))
    score = np.empty((k, brands))
    u = np.empty((k, brands))
    reads = 0
    for r in range(k):
        if r + AHEAD < k:
            j = idx[r + AHEAD]
            prefetch(research, j)
            prefetch(reviews_read, j)
            prefetch(price_sensitivity, j)
            prefetch(attitude, (j, 0))
            prefetch(aware, (j, 0))
        i = idx[r]
        read = reviews and _hash(base, np.int64(i)) < research[i]
        reads += read
        for b in range(brands):
            n = min(reviews_read[i] * read, count[b], depth)
            counted = weights[b, n]
            mean = means[b, n] if counted > 0 else 0.0
            expectation[r, b] = (prior_weight * attitude[i, b] + counted * mean) / max(
                prior_weight + counted, 1e-12
            )
            score[r, b] = means[b, n] - 3.0 if counted > 0 else 0.0
            utility = w_att * attitude[i, b] + w_rev * score[r, b]
            utility -= w_price * price_sensitivity[i] * price[b]
            u[r, b] = utility if aware[i, b] else -np.inf
    return expectation, score, u, reads


def step(model: JourneyModel, start: Start) -> None:
    """Shoppers who were at ZMOT when the step began (`start`) meet its touchpoints, research
    and choose a brand (`choice.choose`), or some give up; those who chose meet it
    (`transitions.to_first_encounter`). In two kernel calls (`_looking`, `_choosing`) around
    the choice's logarithms, which stay numpy's (a kernel's would differ in the last bit), but
    for a purchase at once when FMOT is off."""
    idx, t = start.zmot, model.t
    expectation, u, uniforms = _looking(idx, t, *_looking_arguments(model))
    if idx.size == 0:
        return
    gumbel = gumbel_noise(uniforms)
    chose, chosen, edges = _choosing(idx, t, u, gumbel, expectation, *_choosing_arguments(model))
    for ok, to in zip(edges, (Moment.FMOT, Moment.PRE_ZMOT), strict=True):
        transitions.moved(ok, to)
    if not model.spec.fmot.enabled:
        transitions.acquire(model, chose, chosen)


@kept
def _looking_arguments(model: JourneyModel) -> tuple:
    """What `_looking` needs besides the shoppers and the step."""
    tps, draws = model.touchpoints, model.draws
    return (
        (tps.moment, tps.active, tps.reach, tps.who, tps.stream_keys(draws, "reach")),
        transitions.contact_arguments(model),
        _research_arguments(model),
        (model.ledger.row, model.cols.researched),
        np.uint64(draws.key_of("choice")),
    )


@kept
def _choosing_arguments(model: JourneyModel) -> tuple:
    """What `_choosing` needs besides the shoppers, the step, their utilities, noise and
    expectations."""
    s, pop = model.spec, model.population
    return (
        np.uint64(model.draws.key_of("give_up")),
        s.zmot.give_up,
        (pop.brand, pop.forget_at, pop.paused, pop.expectation),
        s.fmot.enabled,
        transitions.move_arguments(model),
    )


@njit(cache=True)
def _looking(idx, t, touchpoints, contact, researching, researched, choice_key):  # type: ignore[no-untyped-def]
    """The ZMOT touchpoints reach and contact the shoppers `idx` (`_shoppers`), who research
    (`_research`, its readers counted in the ledger's `researched` row and column) and draw
    the uniforms of their choice (`Stream.uniform_rows` of "choice"). Returns expectation and
    utilities [shopper, brand] and those uniforms."""
    _shoppers(idx, t, *touchpoints, contact)
    expectation, _, u, reads = _research(idx, t, *researching)
    row, col = researched
    row[col] += reads
    return expectation, u, _uniform_rows(_base(choice_key, t), idx, u.shape[1])


@njit(cache=True)
def _choosing(  # type: ignore[no-untyped-def]
    idx, t, u, gumbel, expectation, give_up_key, give_up, shoppers, meet, moving
):  # fmt: skip
    """The choice by the Gumbel-max trick (`choice._gumbel_max`), who chose and who gives up
    (`_decided`, the stream "give_up"), and `transitions.to_first_encounter` but for a
    purchase at once: the brand chosen held (`memory._hold`), its expected quality kept and,
    when FMOT is on (`meet`), a move there; those who give up move out of the market.
    `shoppers` holds the brands, forgetting, pauses and expectations. Returns who chose and
    which brand, and whether each move (to FMOT, out of the market) had an edge."""
    brand_of, forget_at, paused, expected_of = shoppers
    brand = _gumbel_max(u, gumbel)
    chose, chosen, expected, gave_up = _decided(
        idx, brand, expectation, _base(give_up_key, t), give_up
    )
    for r in range(chose.shape[0]):
        _hold(brand_of, forget_at, paused, chose[r], chosen[r], t)
        expected_of[chose[r]] = expected[r]
    to_fmot = _move(*moving, chose, FMOT) if meet else True
    return chose, chosen, (to_fmot, _move(*moving, gave_up, PRE_ZMOT))


@njit(cache=True)
def _decided(idx, brand, expectation, key, give_up):  # type: ignore[no-untyped-def]
    """Those of `idx` who chose a brand (`brand` >= 0), it, and what they expect of it; and of
    the others those who give up (the stream `key`): one call where numpy needs ten."""
    k = idx.shape[0]
    chose = np.empty(k, dtype=idx.dtype)
    chosen = np.empty(k, dtype=np.int64)
    expected = np.empty(k)
    gave_up = np.empty(k, dtype=idx.dtype)
    m = g = 0
    for r in range(k):
        i = idx[r]
        if brand[r] >= 0:
            chose[m], chosen[m], expected[m] = i, brand[r], expectation[r, brand[r]]
            m += 1
        elif _hash(key, np.int64(i)) < give_up:
            gave_up[g] = i
            g += 1
    return chose[:m], chosen[:m], expected[:m], gave_up[:g]


@njit(cache=True)
def _shoppers(  # type: ignore[no-untyped-def]
    idx, t, tp_moment, active, reach, who, reach_keys, contact
):  # fmt: skip
    """Each running ZMOT touchpoint reaches each of the shoppers `idx` with its reach (the
    stream "reach:<key>") and contacts those it is aimed at (`transitions._touch`): one call
    where numpy needs about ten a touchpoint."""
    hit = np.empty_like(idx)
    for tp in range(tp_moment.shape[0]):
        if not active[tp] or tp_moment[tp] != ZMOT:
            continue
        base = _base(reach_keys[tp], t)
        k = 0
        for i in idx:
            if _hash(base, i) < reach[tp]:
                hit[k] = i
                k += 1
        _touch(tp, who[tp], hit[:k], t, contact)
