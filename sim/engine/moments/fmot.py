"""FMOT, the first moment: the first seconds with the chosen brand's product or shop.

Each shopper meets one of the brand's first-encounter touchpoints (shelf, demo, landing page,
sales call), picked in proportion to their reach; with none running, the product itself. It
converts with a logistic chance in the encounter's quality against what research promised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.arguments import kept
from sim.engine.draws import _base, _gauss, _hash
from sim.engine.journey import PRE_ZMOT, SMOT, ZMOT, Moment
from sim.engine.kernels import AHEAD, njit, prefetch, ufunc
from sim.engine.memory import _hold
from sim.engine.population import NO_BRAND
from sim.engine.touchpoints import _encounter
from sim.engine.transitions import _acquire, _count_contacts, _move

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.step import Start

__all__ = ["conversion_probability", "step"]


def conversion_probability(
    quality: np.ndarray, expectation: np.ndarray, base: float, slope: float
) -> np.ndarray:
    """Logistic in the encounter's quality minus expectation; `base` is the log-odds at par."""
    return ufunc(_conversion)(quality, expectation, base, slope)


@njit(cache=True)
def _conversion(quality: float, expectation: float, base: float, slope: float) -> float:
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
    quality, weight, _, _ = _meet(model, idx, convert=False)
    return quality, weight


def _meet(
    model: JourneyModel, idx: np.ndarray, convert: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first encounters of the shoppers `idx` (distinct), counted as contacts; with
    `convert`, attitude moved by them, and who converts and, of the others, who tries again."""
    encounters, counting = _meeting_arguments(model)
    quality, weight, won, again, met = _first_encounters(idx, model.t, convert, *encounters)
    transitions._count_contacts(*counting, met)
    return quality, weight, won, again


@kept
def _meeting_arguments(model: JourneyModel) -> tuple[tuple, tuple]:
    """What `_first_encounters` needs besides the shoppers, the step and whether they convert,
    and what `_count_contacts` needs besides the contacts made. Its plan of the running FMOT
    touchpoints by brand is made again after a dated change (`arguments.forget`)."""
    pop, s, tps = model.population, model.spec, model.touchpoints
    live = tps.live(Moment.FMOT)
    start, which, shares = _encounter_plan(tps.brand, tps.reach, live, len(model.brands))
    draws = model.draws
    encounters = (
        pop.brand,
        pop.attitude,
        pop.expectation,
        model.brand_quality,
        model.brand_quality_sd,
        s.smot.usage_weight,
        start,
        which,
        shares,
        tps.quality,
        tps.quality_sd,
        tps.weight,
        draws.keys(model.brands, "encounter"),
        tps.stream_keys(draws, "quality"),
        draws.keys(["product.first", "conversion", "retry"]),
        s.smot.negativity,
        s.fmot.base,
        s.fmot.slope,
        s.fmot.retry,
    )
    c = model.cols
    return encounters, (model.ledger.row, c.contacts, c.cost, tps.cost, which)


def _encounter_plan(
    owner: np.ndarray, reach: np.ndarray, live: np.ndarray, brands: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The running FMOT touchpoints by brand (`which[start[b]:start[b + 1]]`) and the
    cumulative shares of first encounters they take (`encounter_shares`, the product last)."""
    start, which, shares = [0], [], []
    for b in range(brands):
        mine = live[owner[live] == b]
        which += mine.tolist()
        shares += np.cumsum(encounter_shares(reach[mine]))[: mine.size].tolist()
        start.append(len(which))
    return np.array(start), np.array(which, dtype=np.int64), np.array(shares)


@njit(cache=True)
def _first_encounters(  # type: ignore[no-untyped-def]
    idx, t, convert, brand_of, attitude, expectation, product_mean, product_sd, usage_weight,
    start, which, shares, tp_mean, tp_sd, tp_weight, brand_keys, quality_keys, keys, negativity,
    base, slope, retry,
):  # fmt: skip
    """`first_encounter` and, with `convert`, the conversion of each shopper in one pass where
    numpy needs a few dozen calls. The streams are keyed (`Draws.keys`) by brand
    ("encounter:<brand>", picking its touchpoint), by touchpoint ("quality:<key>") and in
    `keys`: "product.first", "conversion" and "retry"."""
    k = idx.shape[0]
    quality = np.empty(k)
    weight = np.empty(k)
    won = np.zeros(k, dtype=np.bool_)
    again = np.zeros(k, dtype=np.bool_)
    met = np.zeros(which.shape[0], dtype=np.int64)
    pick_key = np.empty(brand_keys.shape[0], dtype=np.uint64)
    for b in range(brand_keys.shape[0]):
        pick_key[b] = _base(brand_keys[b], t)
    quality_key = np.empty(which.shape[0], dtype=np.uint64)
    for j in range(which.shape[0]):
        quality_key[j] = _base(quality_keys[which[j]], t)
    product_key = _base(keys[0], t)
    conversion_key = _base(keys[1], t)
    retry_key = _base(keys[2], t)
    for r in range(k):
        if r + AHEAD < k:
            ahead = idx[r + AHEAD]
            prefetch(brand_of, ahead)
            prefetch(attitude, (ahead, 0))
            prefetch(expectation, ahead)
        i = np.int64(idx[r])
        b = np.int64(brand_of[i])
        q = _gauss(product_mean[b], product_sd[b], product_key, i)
        w = usage_weight
        lo, hi = start[b], start[b + 1]
        if hi > lo:  # the brand runs first-encounter touchpoints: pick one by its share
            u = _hash(pick_key[b], i)
            j = lo
            while j < hi and shares[j] < u:
                j += 1
            if j < hi:
                tp = which[j]
                met[j] += 1
                q = _gauss(tp_mean[tp], tp_sd[tp], quality_key[j], i)
                w = tp_weight[tp]
        quality[r], weight[r] = q, w
        if convert:
            attitude[i, b] = _encounter(attitude[i, b], q, w, negativity)
            won[r] = _hash(conversion_key, i) < _conversion(q, expectation[i], base, slope)
            again[r] = not won[r] and _hash(retry_key, i) < retry
    return quality, weight, won, again, met


def step(model: JourneyModel, start: Start) -> None:
    """Shoppers who were at FMOT when the step began (`start`) meet their brand and buy or not:
    buyers are acquired (`transitions.acquire`), the others leave it (`transitions.leave`) to
    try again or give up. In one kernel call (`_fmot`) but for what acquiring does in Python."""
    idx = start.fmot
    if idx.size == 0:
        return
    buyers, brand, edges = _fmot(idx, model.t, *_fmot_arguments(model))
    transitions.acquired(model, buyers, brand)
    for ok, to in zip(edges, _TO, strict=True):
        transitions.moved(ok, to)


@kept
def _fmot_arguments(model: JourneyModel) -> tuple:
    """What `_fmot` needs besides the shoppers and the step."""
    pop = model.population
    return (
        *_meeting_arguments(model),
        transitions.acquire_arguments(model),
        (pop.brand, pop.forget_at, pop.paused),
        transitions.move_arguments(model),
    )


_TO = (Moment.SMOT, Moment.ZMOT, Moment.PRE_ZMOT)  # buyers, who try again, who give up


@njit(cache=True)
def _fmot(idx, t, encounters, counting, acquisition, holding, moving):  # type: ignore[no-untyped-def]
    """`step` but for the Python of `transitions.acquired`: the first encounters
    (`_first_encounters`, counted as contacts), the outcomes, the buyers acquired
    (`transitions._acquire`), the others' chosen brand dropped (`memory._hold` of `holding`,
    the brands, forgetting and pauses) and everyone moved (`transitions._move`), in `step`'s
    order. Returns the buyers, their brands, and whether each move (buyers, who try again,
    who give up) had an edge of the journey."""
    brand_of, forget_at, paused = holding
    _, _, won, again, met = _first_encounters(idx, t, True, *encounters)
    _count_contacts(*counting, met)
    buyers, brand, retry, quit = _outcomes(idx, brand_of, won, again)
    _acquire(buyers, brand, t, *acquisition)
    to_smot = _move(*moving, buyers, SMOT)
    for i in retry:
        _hold(brand_of, forget_at, paused, i, NO_BRAND, t)
    to_zmot = _move(*moving, retry, ZMOT)
    for i in quit:
        _hold(brand_of, forget_at, paused, i, NO_BRAND, t)
    to_pre_zmot = _move(*moving, quit, PRE_ZMOT)
    return buyers, brand, (to_smot, to_zmot, to_pre_zmot)


@njit(cache=True)
def _outcomes(idx, brand_of, won, again):  # type: ignore[no-untyped-def]
    """The shoppers `idx` who buy and their brand, who try again and who give up: one call
    where numpy needs nine."""
    k = idx.shape[0]
    buyers = np.empty(k, dtype=idx.dtype)
    brand = np.empty(k, dtype=np.int64)
    retry = np.empty(k, dtype=idx.dtype)
    quit = np.empty(k, dtype=idx.dtype)
    b = r = q = 0
    for j in range(k):
        i = idx[j]
        if won[j]:
            buyers[b], brand[b] = i, brand_of[i]
            b += 1
        elif again[j]:
            retry[r] = i
            r += 1
        else:
            quit[q] = i
            q += 1
    return buyers[:b], brand[:b], retry[:r], quit[:q]
