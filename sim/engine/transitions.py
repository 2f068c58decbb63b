"""Transitions: the moves of consumers along the journey and the contacts of touchpoints.

Each is a function of the model's state, called by the moments and by retention, so that every
change of moment is counted in the ledger the same way whoever causes it. Scheduling (the
renewal calendar) stays with the model; these functions only ask it to book renewals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import promotions
from sim.engine.arguments import kept
from sim.engine.choice import choose, utilities
from sim.engine.draws import _base, _gauss, _hash
from sim.engine.journey import CUSTOMER, EDGE_INDEX, Moment
from sim.engine.kernels import AHEAD, njit, prefetch
from sim.engine.memory import _hold, _learn, _renew, hold
from sim.engine.metrics import _add_by_brand
from sim.engine.population import NO_BRAND
from sim.engine.touchpoints import _encounter

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = [
    "acquire",
    "acquire_arguments",
    "acquired",
    "audience",
    "churn",
    "churn_arguments",
    "churned",
    "enter_market",
    "leave",
    "move",
    "move_arguments",
    "moved",
    "pay",
    "renew",
    "to_first_encounter",
]


# --- moves along the journey ----------------------------------------------------------------


def move(model: JourneyModel, idx: np.ndarray, to: Moment) -> None:
    """Move consumers to a moment, counting the flow along each edge they take."""
    if idx.size:
        moved(_move(*move_arguments(model), idx, int(to)), to)


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
    pop = model.population
    hold(pop.brand, pop.forget_at, pop.paused, idx, brand, model.t)
    pop.expectation[idx] = expected
    if model.spec.fmot.enabled:
        move(model, idx, Moment.FMOT)
    else:
        acquire(model, idx, brand)


def acquire(model: JourneyModel, idx: np.ndarray, brand: np.ndarray) -> None:
    """Shoppers buy `brand`: they pay, start a spell as customers and book their first renewal."""
    _acquire(idx, brand, model.t, *acquire_arguments(model))
    acquired(model, idx, brand)
    move(model, idx, Moment.SMOT)


@kept
def acquire_arguments(model: JourneyModel) -> tuple:
    """What `_acquire` needs besides who, which brand and the step."""
    pop, cols = model.population, model.cols
    return (
        pop.brand,
        pop.forget_at,
        pop.fade,
        pop.paused,
        pop.aware,
        model.known,
        model.lasts,
        pop.acquired,
        pop.satisfaction,
        pop.problem,
        pop.former,
        model.offer,
        model.offer_periods,
        model.customer_counts,
        cols.acquisitions,
        cols.adoptions,
        _payment(model),
    )


def acquired(model: JourneyModel, idx: np.ndarray, brand: np.ndarray) -> None:
    """After `_acquire`: the new customers' first renewal booked, and a running new-customer
    promotion's take-up counted (they do not hear of it again as existing customers)."""
    model.book_renewals(idx, model.t + model.spec.retention.period)
    cols = model.cols
    if cols.takeup is not None:
        taking = model.offer[brand] > 0
        model.ledger.add_by_brand(cols.takeup[0::2], brand[taking])
        running = model.promotions.running & model.promotions.for_new
        for k in np.flatnonzero(running):
            model.promotion_heard[idx[brand == model.promotions.brand[k]], k] = True


@kept
def move_arguments(model: JourneyModel) -> tuple:
    """What `_move` needs besides who and where to: for kernels that move consumers."""
    return model.population.moment, model.counts, model.ledger.row, model.flow_cols


def moved(ok: bool, to: Moment) -> None:
    """A kernel's moves (`_move`) to `to` done, or the error `move` raises."""
    if not ok:
        raise ValueError(f"no edge of the journey leads from where they are to {to.label}")


@njit(cache=True)
def _acquire(  # type: ignore[no-untyped-def]
    idx, brand, t, brand_of, forget_at, fade, paused, aware, known, lasts, acquired,
    satisfaction, problem, former, offer, offer_periods, customer_counts, acquisitions,
    adoptions, payment,
):  # fmt: skip
    """`acquire` but for the renewal booked, the promotion take-up and the move: one call
    where numpy needs about twenty. A running new-customer promotion gives its first
    `offer_periods` periods at its discount; `payment` is `_payment(model)`."""
    row, brands = payment[0], payment[-1]
    for r in range(idx.shape[0]):
        _hold(brand_of, forget_at, paused, idx[r], brand[r], t)
    _learn(forget_at, fade, aware, known, brand_of, paused, idx, brand, 0, lasts, t)
    first = np.empty_like(brand)  # never a customer before: adopts the category
    k = 0
    for r in range(idx.shape[0]):
        i = idx[r]
        acquired[i] = t
        satisfaction[i] = 0.0
        problem[i] = False
        first[k] = brand[r]
        k += former[i] == NO_BRAND
    _add_by_brand(row, acquisitions, brand, None, brands)
    _add_by_brand(row, adoptions, first[:k], None, brands)
    discount, left = payment[4], payment[5]
    for r in range(idx.shape[0]):
        discount[idx[r]] = offer[brand[r]]
        left[idx[r]] = offer_periods[brand[r]]
    _pay(idx, brand, payment)
    for r in range(idx.shape[0]):
        customer_counts[brand[r]] += 1


_NO_COLUMNS = np.empty(0, dtype=np.int64)  # a series the ledger does not keep


def pay(model: JourneyModel, idx: np.ndarray, brand: np.ndarray) -> None:
    """Customers pay for a period: the list price, less their discount while discounted
    periods are left (one fewer after this). What they pay becomes their reference price."""
    _pay(idx, brand, _payment(model))


@kept
def _payment(model: JourneyModel) -> tuple:
    """What `_pay` needs of the model, in one tuple: the ledger's row, its revenue and
    forgone-revenue columns (none without promotions), the list prices, the consumers'
    discount, discounted periods left and price paid, and the number of brands."""
    pop, cols = model.population, model.cols
    return (
        model.ledger.row,
        cols.revenue,
        _NO_COLUMNS if cols.forgone is None else cols.forgone,
        model.prices,
        pop.discount,
        pop.discount_left,
        pop.paid,
        len(model.brands),
    )


@njit(cache=True)
def _pay(idx, brand, payment):  # type: ignore[no-untyped-def]
    """`pay` in one call where numpy needs about fifteen, with the same arithmetic: the prices
    are all read before anything is written, as numpy's indexing does."""
    row, revenue, forgone, prices, discount, left, paid, brands = payment
    k = idx.shape[0]
    list_price = np.empty(k)
    price = np.empty(k)
    for r in range(k):
        if r + AHEAD < k:  # a renewal day's customers lie scattered
            prefetch(discount, idx[r + AHEAD])
            prefetch(left, idx[r + AHEAD])
            prefetch(paid, idx[r + AHEAD])
        i = idx[r]
        list_price[r] = prices[brand[r]]
        price[r] = promotions._due_price(list_price[r], discount[i], left[i])
    _add_by_brand(row, revenue, brand, price, brands)
    if forgone.shape[0]:
        _add_by_brand(row, forgone, brand, list_price - price, brands)
    # a discount stays on record until the first full price is paid (its roll-off renewal)
    kept = np.empty(k)
    fewer = np.empty(k, dtype=np.int64)
    for r in range(k):
        i = idx[r]
        kept[r] = discount[i] if left[i] > 0 else 0.0
        fewer[r] = max(left[i] - 1, 0)
    for r in range(k):
        i = idx[r]
        paid[i] = price[r]
        discount[i] = kept[r]
        left[i] = fewer[r]


def leave(model: JourneyModel, idx: np.ndarray, to: Moment) -> None:
    """A shopper who did not buy drops its chosen brand."""
    pop = model.population
    hold(pop.brand, pop.forget_at, pop.paused, idx, NO_BRAND, model.t)
    move(model, idx, to)


def churn(model: JourneyModel, idx: np.ndarray) -> None:
    """Customers leave their brand, ending their spell for the cohorts; some shop again at once."""
    if idx.size == 0:
        return
    churned(model, *_churn(idx, model.t, *churn_arguments(model)))


@kept
def churn_arguments(model: JourneyModel) -> tuple:
    """What `_churn` needs besides who and the step."""
    pop = model.population
    return (
        pop.brand,
        pop.forget_at,
        pop.paused,
        pop.acquired,
        pop.former,
        pop.left,
        pop.problem,
        pop.paid,
        pop.discount,
        pop.discount_left,
        model.customer_counts,
        model.ledger.row,
        model.cols.churn,
        len(model.brands),
        np.uint64(model.draws.key_of("reenter")),
        model.spec.retention.reenter if model.spec.zmot.enabled else 0.0,
    )


def churned(
    model: JourneyModel, brand: np.ndarray, acquired: np.ndarray, shop: np.ndarray, rest: np.ndarray
) -> None:
    """After `_churn`: the spells of those who left (their `brand`, when `acquired`) are kept
    for the cohorts, and they move on, to shop again (`shop`) or out of the market (`rest`)."""
    if brand.size == 0:
        return
    model.spells.append((brand, acquired, np.full(brand.size, model.t)))
    move(model, shop, Moment.ZMOT)
    move(model, rest, Moment.PRE_ZMOT)


@njit(cache=True)
def _churn(  # type: ignore[no-untyped-def]
    idx, t, brand_of, forget_at, paused, acquired, former, left, problem, paid, discount,
    discount_left, customer_counts, row, churn_col, brands, reenter_key, reenter,
):  # fmt: skip
    """`churn` but for the spell kept and the moves, in one call where numpy needs about
    twenty: returns the brands left and when they were acquired, and of `idx` those who shop
    again at once (each with chance `reenter`, the stream `reenter_key`) and the others."""
    reenter_base = _base(reenter_key, t)
    k = idx.shape[0]
    brand = np.empty(k, dtype=np.int64)
    for r in range(k):
        brand[r] = brand_of[idx[r]]
    since = acquired[idx]
    _add_by_brand(row, churn_col, brand, None, brands)
    for r in range(k):
        i = idx[r]
        customer_counts[brand[r]] -= 1
        former[i], left[i] = brand[r], t  # ex-customers talk of it for a while
        _hold(brand_of, forget_at, paused, i, NO_BRAND, t)
        acquired[i] = -1
        problem[i] = False
        paid[i], discount[i], discount_left[i] = 0.0, 0.0, 0
    shop = np.empty_like(idx)
    rest = np.empty_like(idx)
    s = n = 0
    for i in idx:
        if _hash(reenter_base, np.int64(i)) < reenter:
            shop[s] = i
            s += 1
        else:
            rest[n] = i
            n += 1
    return brand, since, shop[:s], rest[:n]


def renew(model: JourneyModel, idx: np.ndarray) -> None:
    """Customers who stay pay for the next period."""
    brand = model.population.brand[idx].astype(np.int64)
    pay(model, idx, brand)
    model.book_renewals(idx, model.t + model.spec.retention.period)


# --- touchpoints ----------------------------------------------------------------------------


ALL, PROSPECTS, CUSTOMERS, NEW_CUSTOMERS, WITH_PROBLEM = range(5)  # `touchpoints.AUDIENCES`


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
    mine = (moment >= CUSTOMER) & (brand == b)  # `&`, not `and`: no branch on the data
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
    for r in range(idx.shape[0]):
        if r + AHEAD < idx.shape[0]:
            j = idx[r + AHEAD]
            prefetch(moment, j)
            prefetch(brand, j)
            prefetch(acquired, j)
            prefetch(problem, j)
        i = idx[r]
        out[k] = i
        k += _aimed(who, b, moment[i], brand[i], acquired[i], problem[i], t, onboarding)
    return out[:k]


@njit(cache=True)
def _counted(row, contacts_col, cost_col, cost, tp, k):  # type: ignore[no-untyped-def]
    """`k` contacts of touchpoint `tp` and their cost into the ledger's `row`."""
    row[contacts_col[tp]] += k
    row[cost_col[tp]] += k * cost[tp]


@njit(cache=True)
def _count_contacts(row, contacts_col, cost_col, cost, tps, met):  # type: ignore[no-untyped-def]
    """The contacts `met[k]` of each touchpoint `tps[k]` and their cost into the ledger's
    `row`, as `_counted` counts them: one call for several touchpoints."""
    for k in range(tps.shape[0]):
        _counted(row, contacts_col, cost_col, cost, tps[k], met[k])


@kept
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
        model.lasts,
        tps.quality,
        tps.quality_sd,
        tps.weight,
        tps.stream_keys(model.draws, "contact"),
        pop.moment,
        pop.brand,
        pop.acquired,
        pop.problem,
        model.spec.smot.onboarding_steps,
        pop.forget_at,
        pop.fade,
        pop.paused,
        pop.aware,
        model.known,
        pop.attitude,
        model.spec.smot.negativity,
    )


@njit(cache=True)
def _touch(tp, who, idx, t, contact):  # type: ignore[no-untyped-def]
    """Touchpoint `tp` reaches the consumers `idx` (distinct): those it is aimed at (`who`, a
    code of `AUDIENCES`) are contacted (counted with their cost, made aware, attitude moved:
    `_impress`), `audience` and all that in a kernel; returns them. `contact` is
    `contact_arguments(model)`."""
    (
        row, contacts_col, cost_col, cost, owner, lasts, quality, quality_sd, weight, keys,
        moment, brand, acquired, problem, onboarding, forget_at, fade, paused, aware, known,
        attitude, negativity,
    ) = contact  # fmt: skip
    b = owner[tp]
    met = _audience(idx, who, b, moment, brand, acquired, problem, t, onboarding)
    _counted(row, contacts_col, cost_col, cost, tp, met.shape[0])
    if met.shape[0]:
        _impress(
            forget_at, fade, aware, known, brand, paused, attitude, met, b, tp + 1, lasts, t,
            _base(keys[tp], t), quality[tp], quality_sd[tp], weight[tp], negativity,
        )  # fmt: skip
    return met


@njit(cache=True)
def _impress(  # type: ignore[no-untyped-def]
    forget_at, fade, aware, known, own, paused, attitude, idx, b, code, lasts, t, key, quality,
    sd, weight, negativity,
):  # fmt: skip
    """A contact at step `t` of the distinct consumers `idx` with brand `b`: learnt
    (`memory._learn`, its trace fading by `code`), and attitude moved by an encounter of quality
    `quality + sd * noise`, the noise drawn from the stream `key`. One call where numpy needs
    about eight."""
    for k in range(idx.shape[0]):
        if k + AHEAD < idx.shape[0]:
            j = idx[k + AHEAD]
            prefetch(attitude, (j, b))
            prefetch(aware, (j, b))
            prefetch(forget_at, (j, b))
            prefetch(fade, (j, b))
            prefetch(own, j)
            prefetch(paused, j)
        i = idx[k]
        _renew(forget_at, fade, aware, known, own, paused, i, b, code, lasts, t)
        q = _gauss(quality, sd, key, np.int64(i))
        attitude[i, b] = _encounter(attitude[i, b], q, weight, negativity)
