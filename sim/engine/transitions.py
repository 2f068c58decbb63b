"""Transitions: the moves of consumers along the journey and the contacts of touchpoints.

Each is a function of the model's state, called by the moments and by retention, so that every
change of moment is counted in the ledger the same way whoever causes it. Scheduling (the
renewal calendar) stays with the model; these functions only ask it to book renewals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import promotions
from sim.engine.choice import choose, utilities
from sim.engine.draws import _base, _normal
from sim.engine.journey import EDGE_INDEX, Moment
from sim.engine.kernels import njit
from sim.engine.memory import learn
from sim.engine.population import NO_BRAND
from sim.engine.touchpoints import _encounter

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = [
    "acquire",
    "audience",
    "churn",
    "contact",
    "enter_market",
    "leave",
    "move",
    "pay",
    "renew",
    "to_first_encounter",
]


# --- moves along the journey ----------------------------------------------------------------


def move(model: JourneyModel, idx: np.ndarray, to: Moment) -> None:
    """Move consumers to a moment, counting the flow along each edge they take."""
    if idx.size == 0:
        return
    pop, ledger = model.population, model.ledger
    if not _move(pop.moment, model.counts, ledger.row, model.flow_cols, idx, int(to)):
        raise ValueError(f"no edge of the journey leads from where they are to {to.label}")


def flow_columns(flow: np.ndarray) -> np.ndarray:
    """[from, to] -> the ledger column counting moves along that edge (`flow`, by edge), -1
    where the journey has no such edge."""
    table = np.full((len(Moment), len(Moment)), -1, dtype=np.int64)
    for (a, b), e in EDGE_INDEX.items():
        table[a, b] = flow[e]
    return table


@njit(cache=True)
def _move(moment, counts, row, flow_col, idx, to):  # type: ignore[no-untyped-def]
    """`move` in one pass: each consumer's edge counted, the moments' counts kept; False (and
    nothing moved) if someone has no edge to `to`. A consumer listed twice moves once."""
    for i in idx:
        if flow_col[moment[i], to] < 0:
            return False
    for i in idx:
        if moment[i] == to:  # listed before
            continue
        row[flow_col[moment[i], to]] += 1.0
        counts[moment[i]] -= 1
        counts[to] += 1
        moment[i] = to
    return True


def enter_market(model: JourneyModel, idx: np.ndarray) -> None:
    """A need has arisen: research, or with ZMOT off choose at once on attitude and price."""
    if model.spec.zmot.enabled:
        move(model, idx, Moment.ZMOT)
        return
    pop, c = model.population, model.spec.choice
    u = utilities(
        pop.attitude[idx],
        np.zeros((idx.size, len(model.brands))),
        model.offer_prices(),
        pop.price_sensitivity[idx],
        pop.aware[idx],
        (c.attitude, c.reviews, c.price),
    )
    brand = choose(model.stream("choice"), idx, u)
    ok = brand >= 0
    to_first_encounter(model, idx[ok], brand[ok], pop.attitude[idx[ok], brand[ok]])


def to_first_encounter(
    model: JourneyModel, idx: np.ndarray, brand: np.ndarray, expected: np.ndarray
) -> None:
    """A brand is chosen with an expectation of its quality: meet it, or buy with FMOT off."""
    model.population.brand[idx] = brand
    model.population.expectation[idx] = expected
    if model.spec.fmot.enabled:
        move(model, idx, Moment.FMOT)
    else:
        acquire(model, idx, brand)


def acquire(model: JourneyModel, idx: np.ndarray, brand: np.ndarray) -> None:
    """Shoppers buy `brand`: they pay, start a spell as customers and book their first renewal."""
    pop, t = model.population, model.t
    pop.brand[idx] = brand
    learn(pop.salience, pop.fade, pop.aware, model.known, idx, brand, model.fade)
    pop.acquired[idx] = t
    pop.satisfaction[idx] = 0.0
    pop.problem[idx] = False
    model.book_renewals(idx, t + model.spec.retention.period)
    model.ledger.add_by_brand(model.cols.acquisitions, brand)
    first = pop.former[idx] == NO_BRAND  # never a customer before: adopts the category
    model.ledger.add_by_brand(model.cols.adoptions, brand[first])
    # a running new-customer promotion: the first `periods` periods at its discount
    share_off = model.offer[brand]
    pop.discount[idx] = share_off
    pop.discount_left[idx] = model.offer_periods[brand]
    pay(model, idx, brand)
    model.customer_counts += np.bincount(brand, minlength=len(model.brands))
    if model.cols.takeup is not None:
        taking = share_off > 0
        model.ledger.add_by_brand(model.cols.takeup[0::2], brand[taking])
        running = model.promotions.running & model.promotions.for_new
        for k in np.flatnonzero(running):  # new customers do not hear of it as existing ones
            model.promotion_heard[idx[brand == model.promotions.brand[k]], k] = True
    move(model, idx, Moment.SMOT)


def pay(model: JourneyModel, idx: np.ndarray, brand: np.ndarray) -> None:
    """Customers pay for a period: the list price, less their discount while discounted
    periods are left (one fewer after this). What they pay becomes their reference price."""
    pop = model.population
    list_price = model.prices[brand]
    price = promotions.due_price(list_price, pop.discount[idx], pop.discount_left[idx])
    model.ledger.add_by_brand(model.cols.revenue, brand, price)
    if model.cols.forgone is not None:
        model.ledger.add_by_brand(model.cols.forgone, brand, list_price - price)
    left = pop.discount_left[idx]
    pop.paid[idx] = price
    # a discount stays on record until the first full price is paid (its roll-off renewal)
    pop.discount[idx] = np.where(left > 0, pop.discount[idx], 0.0)
    pop.discount_left[idx] = np.maximum(left - 1, 0)


def leave(model: JourneyModel, idx: np.ndarray, to: Moment) -> None:
    """A shopper who did not buy drops its chosen brand."""
    model.population.brand[idx] = NO_BRAND
    move(model, idx, to)


def churn(model: JourneyModel, idx: np.ndarray) -> None:
    """Customers leave their brand, ending their spell for the cohorts; some shop again at once."""
    if idx.size == 0:
        return
    pop = model.population
    brand = pop.brand[idx].astype(np.int64)
    model.spells.append((brand, pop.acquired[idx].copy(), np.full(idx.size, model.t)))
    model.ledger.add_by_brand(model.cols.churn, brand)
    model.customer_counts -= np.bincount(brand, minlength=len(model.brands))
    pop.former[idx], pop.left[idx] = brand, model.t  # ex-customers talk of it for a while
    pop.brand[idx] = NO_BRAND
    pop.acquired[idx] = -1
    pop.problem[idx] = False
    pop.paid[idx], pop.discount[idx], pop.discount_left[idx] = 0.0, 0.0, 0
    shop = model.stream("reenter").below(idx, model.spec.retention.reenter)
    if not model.spec.zmot.enabled:
        shop[:] = False
    move(model, idx[shop], Moment.ZMOT)
    move(model, idx[~shop], Moment.PRE_ZMOT)


def renew(model: JourneyModel, idx: np.ndarray) -> None:
    """Customers who stay pay for the next period."""
    brand = model.population.brand[idx].astype(np.int64)
    pay(model, idx, brand)
    model.book_renewals(idx, model.t + model.spec.retention.period)


# --- touchpoints ----------------------------------------------------------------------------


ALL, PROSPECTS, CUSTOMERS, NEW_CUSTOMERS, WITH_PROBLEM = range(5)  # `touchpoints.AUDIENCES`
_SMOT = int(Moment.SMOT)


def audience(model: JourneyModel, tp: int, idx: np.ndarray) -> np.ndarray:
    """The consumers in `idx` that touchpoint `tp` is aimed at."""
    tps = model.touchpoints
    who = int(tps.who[tp])
    if who == ALL:
        return idx
    pop = model.population
    return _audience(
        idx,
        who,
        int(tps.brand[tp]),
        pop.moment,
        pop.brand,
        pop.acquired,
        pop.problem,
        model.t,
        model.spec.smot.onboarding_steps,
    )


@njit(cache=True)
def _aimed(who, b, moment, brand, acquired, problem, t, onboarding):  # type: ignore[no-untyped-def]
    """Whether a touchpoint of brand `b` with audience `who` (a code of `AUDIENCES`) is aimed
    at a consumer in `moment` with `brand`, `acquired` and `problem`: `audience` for one."""
    if who == ALL:
        return True
    mine = (moment >= _SMOT) & (brand == b)  # `&`, not `and`: no branch on the data
    if who == PROSPECTS:
        return not mine
    if who == NEW_CUSTOMERS:
        return mine & (acquired >= 1) & (t - acquired < onboarding)
    if who == WITH_PROBLEM:
        return mine & problem
    return mine


@njit(cache=True)
def _audience(idx, who, b, moment, brand, acquired, problem, t, onboarding):  # type: ignore[no-untyped-def]
    """`audience` in one call where numpy needs about eight (`_aimed` takes scalars: a call
    with arrays inside a loop costs their reference counts)."""
    out = np.empty_like(idx)
    k = 0
    for i in idx:
        out[k] = i
        k += _aimed(who, b, moment[i], brand[i], acquired[i], problem[i], t, onboarding)
    return out[:k]


def contact(model: JourneyModel, tp: int, idx: np.ndarray, *, attitude: bool = True) -> np.ndarray:
    """Count contacts and their cost; with `attitude`, make the brand known and move attitude."""
    tps = model.touchpoints
    model.ledger.add(model.cols.contacts[tp], idx.size)
    model.ledger.add(model.cols.cost[tp], idx.size * tps.cost[tp])
    if attitude and idx.size:
        pop = model.population
        _impress(
            pop.salience,
            pop.fade,
            pop.aware,
            model.known,
            pop.attitude,
            idx,
            int(tps.brand[tp]),
            tps.fade[tp],
            np.uint64(_base(tps.stream_keys(model.draws, "contact")[tp], model.t)),
            tps.quality[tp],
            tps.quality_sd[tp],
            tps.weight[tp],
            model.spec.smot.negativity,
        )
    return idx


def contact_arguments(model: JourneyModel) -> tuple:
    """What `_touch` needs of the touchpoints, the ledger and the consumers, in one tuple for
    the moments' kernels that reach and contact."""
    pop, tps = model.population, model.touchpoints
    return (
        model.ledger.row,
        model.cols.contacts,
        model.cols.cost,
        tps.cost,
        tps.brand,
        tps.fade,
        tps.quality,
        tps.quality_sd,
        tps.weight,
        tps.stream_keys(model.draws, "contact"),
        pop.moment,
        pop.brand,
        pop.acquired,
        pop.problem,
        model.spec.smot.onboarding_steps,
        pop.salience,
        pop.fade,
        pop.aware,
        model.known,
        pop.attitude,
        model.spec.smot.negativity,
    )


@njit(cache=True)
def _touch(tp, who, idx, t, contact):  # type: ignore[no-untyped-def]
    """Touchpoint `tp` reaches the consumers `idx` (distinct): those it is aimed at (`who`, a
    code of `AUDIENCES`) are contacted, `audience` then `contact` in a kernel; returns them.
    `contact` is `contact_arguments(model)`."""
    (
        row, contacts_col, cost_col, cost, owner, tp_fade, quality, quality_sd, weight, keys,
        moment, brand, acquired, problem, onboarding, salience, fade, aware, known, attitude,
        negativity,
    ) = contact  # fmt: skip
    b = owner[tp]
    met = _audience(idx, who, b, moment, brand, acquired, problem, t, onboarding)
    row[contacts_col[tp]] += met.shape[0]
    row[cost_col[tp]] += met.shape[0] * cost[tp]
    if met.shape[0]:
        _impress(
            salience, fade, aware, known, attitude, met, b, tp_fade[tp], _base(keys[tp], t),
            quality[tp], quality_sd[tp], weight[tp], negativity,
        )  # fmt: skip
    return met


@njit(cache=True)
def _impress(  # type: ignore[no-untyped-def]
    salience, fade, aware, known, attitude, idx, b, factor, key, quality, sd, weight, negativity
):
    """A contact of the distinct consumers `idx` with brand `b`: `learn` it (its trace fading
    at `factor`), and attitude moved by an encounter of quality `quality + sd * noise`, the
    noise drawn from the stream `key`. One call where numpy needs about eight."""
    for k in range(idx.shape[0]):
        i = idx[k]
        if not aware[i, b]:
            aware[i, b] = True
            known[b] += 1
        salience[i, b] = 1.0
        fade[i, b] = factor
        q = quality + sd * _normal(key, np.int64(i))
        attitude[i, b] = _encounter(attitude[i, b], q, weight, negativity)
