"""Retention: after SMOT, a customer renews or churns.

Subscriptions are decided at each renewal (every `period` steps from acquisition); for
repurchase markets the same odds apply as a hazard spread over the period's steps. Churn
grows as satisfaction falls short of the consumer's own tolerance and as the best competitor's
attitude pulls ahead. Tolerance differs between consumers, so the least tolerant leave first and
retention rises with tenure without any rule that loyalty grows (Fader & Hardie 2007).

Prices matter after the purchase too. The price due at a renewal is weighed against the price
the customer last paid, its reference price (Kalyanaram & Winer 1995, "Empirical
generalizations from reference price research", Marketing Science 14(3) G161-G169: consumers
judge a price against an internal reference formed from the prices they have paid), a rise
(a loss) weighing more than a fall (a gain), as Putler (1992, "Incorporating reference price
effects into a theory of consumer choice", Marketing Science 11(3)) and Hardie, Johnson & Fader
(1993, "Modeling loss aversion and reference dependence effects on brand choice", Marketing
Science 12(4)) find; and against the price of the best known competitor (an external reference
price: what that brand asks now, less any discount it offers new customers). Each term is
scaled by the customer's price sensitivity, the trait that weighs price in the brand choice.
The end of a promotion's discount is a rise against the reference: a churn wave
(`sim.engine.promotions`).

A consumer may also carry a churn propensity theta of its own (a segment's `churn_propensity`),
which adds logit(theta) to the log-odds. With every other term at zero (`base`, `slope`,
`competition`, `unresolved` = 0) each customer leaves at each renewal with the constant chance
theta, and with theta ~ Beta(alpha, beta) across customers the model is the shifted-beta-
geometric model, S(t) = B(alpha, beta + t) / B(alpha, beta) (Fader & Hardie 2007): the journey
model nests it as it nests Bass (`scenarios/verification/sbg.toml`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import promotions, transitions
from sim.engine.arguments import kept
from sim.engine.draws import _base, _hash
from sim.engine.journey import CUSTOMER
from sim.engine.kernels import AHEAD, njit, prefetch, ufunc
from sim.engine.metrics import _add_by_brand
from sim.engine.transitions import _churn, _pay

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = [
    "best_rival",
    "churn_probability",
    "competitor_lead",
    "price_logit",
    "renewals",
    "step",
]


def churn_probability(
    satisfaction: np.ndarray,
    tolerance: np.ndarray,
    competitor_lead: np.ndarray,
    base: float,
    slope: float,
    competition: float,
    problem: np.ndarray | bool = False,
    unresolved: float = 0.0,
    propensity: np.ndarray | None = None,
    price: np.ndarray | None = None,
) -> np.ndarray:
    """Logistic churn chance: base log-odds, plus shortfall of satisfaction below -tolerance,
    plus how far the best known competitor is ahead in attitude, plus `unresolved` for a
    customer whose service problem is still open, plus one's own churn propensity as log-odds
    (logit theta; None: no such trait), plus the price term (`price_logit`; None: none)."""
    logit = ufunc(_logit)(
        satisfaction,
        tolerance,
        competitor_lead,
        base,
        slope,
        competition,
        np.asarray(problem, dtype=float),
        unresolved,
    )
    if propensity is not None:
        logit = logit + propensity
    if price is not None:
        logit = logit + price
    return ufunc(_chance)(logit)


@njit(cache=True)
def _chance(logit: float) -> float:
    """The chance of log-odds `logit` (-inf, theta = 0: exp overflows to inf, the chance 0)."""
    return 1.0 / (1.0 + np.exp(-logit))


@njit(cache=True)
def _positive(x: float) -> float:
    """np.maximum(0, x) of one number: x if above 0, 0 if not, NaN if NaN."""
    return x if x > 0.0 or np.isnan(x) else 0.0


# The formulas are scalar kernels: `_hazard`, the kernel that computes a step's churn log-odds,
# calls them per customer, and the public functions over arrays through their `ufunc`.
@njit(cache=True)
def _logit(
    satisfaction: float,
    tolerance: float,
    lead: float,
    base: float,
    slope: float,
    competition: float,
    problem: float,
    unresolved: float,
) -> float:
    ahead = _positive(lead)
    return base + slope * (-satisfaction - tolerance) + competition * ahead + unresolved * problem


def price_logit(
    due: np.ndarray,
    reference: np.ndarray,
    rival: np.ndarray,
    sensitivity: np.ndarray,
    loss: float,
    gain: float,
    gap: float,
) -> np.ndarray:
    """Churn log-odds from prices: `loss` per unit the price due is above the reference price,
    minus `gain` per unit it is below, plus `gap` per unit it is above the rival's price (NaN:
    no rival known), all times the price sensitivity."""
    return ufunc(_price_logit)(due, reference, rival, sensitivity, loss, gain, gap)


@njit(cache=True)
def _price_logit(
    due: float,
    reference: float,
    rival: float,
    sensitivity: float,
    loss: float,
    gain: float,
    gap: float,
) -> float:
    above_rival = 0.0 if np.isnan(rival) else _positive(due - rival)
    return sensitivity * (
        loss * _positive(due - reference) - gain * _positive(reference - due) + gap * above_rival
    )


def best_rival(model: JourneyModel, who: np.ndarray) -> np.ndarray:
    """The best known competitor of each customer in `who`: the other known brand it likes
    best (-1: none known)."""
    pop = model.population
    brand = pop.brand[who].astype(np.int64)
    others = pop.aware[who].copy()
    others[np.arange(who.size), brand] = False
    best = np.where(others, pop.attitude[who], -np.inf).argmax(axis=1)
    return np.where(others.any(axis=1), best, -1)


def _price_term(model: JourneyModel, who: np.ndarray) -> np.ndarray | None:
    """The price term of the churn log-odds for customers `who` deciding now (None when the
    scenario gives prices no part after purchase, so nothing is computed)."""
    s, pop = model.spec.retention, model.population
    if s.reference_loss == 0 and s.reference_gain == 0 and s.price_gap == 0:
        return None
    brand = pop.brand[who].astype(np.int64)
    due = promotions.due_price(model.prices[brand], pop.discount[who], pop.discount_left[who])
    rival = best_rival(model, who)
    rival_price = np.where(rival >= 0, model.offer_prices()[np.maximum(rival, 0)], np.nan)
    return price_logit(
        due,
        pop.paid[who],
        rival_price,
        pop.price_sensitivity[who],
        s.reference_loss,
        s.reference_gain,
        s.price_gap,
    )


def competitor_lead(model: JourneyModel, who: np.ndarray) -> np.ndarray:
    """Best attitude among other known brands minus the attitude to one's own brand."""
    pop = model.population
    brand = pop.brand[who].astype(np.int64)
    attitude = pop.attitude[who]
    others = pop.aware[who].copy()
    others[np.arange(who.size), brand] = False
    best = np.where(others, attitude, -np.inf).max(axis=1)
    lead = best - attitude[np.arange(who.size), brand]
    return np.where(np.isfinite(lead), lead, 0.0)


@njit(cache=True)
def _rival(attitude, aware, i, own):  # type: ignore[no-untyped-def]
    """Consumer `i`'s best known competitor of its brand `own` (the first of equals; -1 when
    none is known) and how far its attitude leads the one to `own` (0 when none)."""
    rival, best = -1, -np.inf
    for b in range(attitude.shape[1]):
        if b != own and aware[i, b] and attitude[i, b] > best:
            rival, best = b, attitude[i, b]
    lead = best - attitude[i, own]
    return rival, (lead if np.isfinite(lead) else 0.0)


@njit(cache=True)
def _hazard(  # type: ignore[no-untyped-def]
    who, satisfaction, tolerance, attitude, aware, brand, problem, propensity, own_odds,
    base, slope, competition, unresolved, priced, prices, offer_prices, discount, left, paid,
    sensitivity, loss, gain, gap,
):  # fmt: skip
    """The churn chance of the customers `who` (`churn_probability`): the rival and lead of
    `best_rival` and `competitor_lead`, with `own_odds` the churn propensity, and `priced`
    the price term of `_price_term`. One pass where numpy needs about forty calls."""
    chance = np.empty(who.shape[0])
    for k in range(who.shape[0]):
        if k + AHEAD < who.shape[0]:  # the day's customers lie scattered
            j = who[k + AHEAD]
            prefetch(satisfaction, j)
            prefetch(tolerance, j)
            prefetch(attitude, (j, 0))
            prefetch(aware, (j, 0))
            prefetch(brand, j)
            prefetch(problem, j)
            if own_odds:
                prefetch(propensity, j)
            if priced:
                prefetch(discount, j)
                prefetch(left, j)
                prefetch(paid, j)
                prefetch(sensitivity, j)
        i = who[k]
        own = np.int64(brand[i])
        rival, lead = _rival(attitude, aware, i, own)
        x = _logit(
            satisfaction[i], tolerance[i], lead, base, slope, competition,
            1.0 if problem[i] else 0.0, unresolved,
        )  # fmt: skip
        if own_odds:
            x = x + propensity[i]
        if priced:
            due = promotions._due_price(prices[own], discount[i], left[i])
            rival_price = offer_prices[rival] if rival >= 0 else np.nan
            x = x + _price_logit(
                due, paid[i], rival_price, sensitivity[i], loss, gain, gap
            )  # fmt: skip
        chance[k] = _chance(x)
    return chance


def _churn_chance(model: JourneyModel, who: np.ndarray) -> np.ndarray:
    """The churn chance of the customers `who` deciding now: `churn_probability` of their
    state, `competitor_lead` and `_price_term`, in one kernel."""
    return _hazard(who, *_hazard_arguments(model))


@kept
def _hazard_arguments(model: JourneyModel) -> tuple:
    """What `_hazard` needs besides who."""
    s, pop = model.spec.retention, model.population
    priced = not (s.reference_loss == 0 and s.reference_gain == 0 and s.price_gap == 0)
    return (
        pop.satisfaction,
        pop.tolerance,
        pop.attitude,
        pop.aware,
        pop.brand,
        pop.problem,
        pop.churn_logit,
        model.has_propensity,
        s.base,
        s.slope,
        s.competition,
        s.unresolved,
        priced,
        model.prices,
        model.offer_prices() if priced else model.prices,  # read only when priced
        pop.discount,
        pop.discount_left,
        pop.paid,
        pop.price_sensitivity,
        s.reference_loss,
        s.reference_gain,
        s.price_gap,
    )


def _decide(model: JourneyModel, who: np.ndarray, renewing: bool) -> None:
    """The customers `who` churn with their chance (`_churn_chance`, the stream "churn"); at a
    subscription's renewal (`renewing`) the others pay for the next period."""
    s, pop = model.spec.retention, model.population
    rolloff = model.cols.rolloff if renewing else None
    rolloff = transitions._NO_COLUMNS if rolloff is None else rolloff
    *left, stay = _deciding(
        who,
        model.t,
        np.uint64(model.draws.key_of("churn")),
        _hazard_arguments(model),
        (pop.brand, pop.discount, pop.discount_left, model.ledger.row, rolloff),
        transitions.churn_arguments(model),
        renewing,
        transitions._payment(model),
    )
    transitions.churned(model, *left)
    if renewing:
        model.book_renewals(stay, model.t + s.period)


@njit(cache=True)
def _deciding(who, t, churn_key, hazard, customers, churn, renewing, payment):  # type: ignore[no-untyped-def]
    """`_decide` in one call where it took five and some twenty lines of Python: the chances
    (`_hazard`), who leaves, the renewals at the end of a discount and who left at them (into
    the ledger's roll-off columns, if any: `customers` holds the brands, discounts, discounted
    periods left, the ledger's row and those columns), the leaving (`transitions._churn`) and,
    when `renewing`, the others' payment (`transitions._pay`). Returns what `_churn` returns,
    and those who stay."""
    chance = _hazard(who, *hazard)
    base = _base(churn_key, t)
    k = who.shape[0]
    leave = np.empty(k, dtype=np.bool_)
    for r in range(k):
        leave[r] = _hash(base, np.int64(who[r])) < chance[r]
    brand_of, discount, left, row, rolloff = customers
    brands = rolloff.shape[0] // 2
    if rolloff.shape[0]:
        rolling = np.empty(k, dtype=np.int64)
        lost = np.empty(k, dtype=np.int64)
        m = n = 0
        for r in range(k):
            i = who[r]
            if discount[i] > 0 and left[i] == 0:
                rolling[m] = brand_of[i]
                m += 1
                if leave[r]:
                    lost[n] = brand_of[i]
                    n += 1
        _add_by_brand(row, rolloff[0::2], rolling[:m], None, brands)
        _add_by_brand(row, rolloff[1::2], lost[:n], None, brands)
    leaving, staying = who[leave], who[~leave]
    out = _churn(leaving, t, *churn)
    if renewing:
        brand = np.empty(staying.shape[0], dtype=np.int64)
        for r in range(staying.shape[0]):
            brand[r] = brand_of[staying[r]]
        _pay(staying, brand, payment)
    return out[0], out[1], out[2], out[3], staying


def renewals(model: JourneyModel, due: np.ndarray) -> None:
    """A renewal day, after the step: subscribers decide; those who stay pay for the next period.

    In repurchase markets this is the day of the next purchase, and churn is the step's hazard.
    """
    s = model.spec.retention
    if s.enabled and s.mode == "subscription":
        _decide(model, due, renewing=True)
    else:
        transitions.renew(model, due)


def step(model: JourneyModel, start: np.ndarray) -> None:
    """Repurchase markets: the period's churn odds spread as a hazard over its steps, among
    those who were customers when the step began (`start`)."""
    s = model.spec.retention
    if s.enabled and s.mode == "repurchase":
        deciding = model.stream("hazard").indices(model.population.size, 1.0 / s.period)
        _decide(model, deciding[start[deciding] >= CUSTOMER], renewing=False)
