"""Price promotions: who takes a discount, what each customer pays, and what is forgone.

A promotion (`sim.scenario.schema.Promotion`) runs from its start to its end step (Mesa events
switch it on and off). While it runs, shoppers choose on the brand's discounted price and new
customers take the discount on purchase; existing customers hear of it through the brand's
<ZMOT and SMOT touchpoints (or all at once when it starts, if the brand runs none in the window)
and take it with their `take_up` chance, each deciding once. A customer who takes it pays the
discounted price for `periods` renewal periods, then the list price again: the end of a
discount is a price rise against the price last paid (the reference price that
`sim.engine.retention` weighs).

The functions here are small and pure over arrays; the state lives in the model: each
consumer's price paid, discount and discounted periods left in `model.population`, whether it
has heard of each promotion in `model.promotion_heard`, the running offers in `model.offer`.
Draws come from streams of their own, `promotion.hear:<brand>/<name>:<touchpoint>` and
`promotion.take_up:<brand>/<name>`, so a promotion leaves every other draw where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.journey import CUSTOMER, Moment
from sim.engine.kernels import njit, ufunc
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = [
    "Promotions",
    "candidates",
    "decide",
    "due_price",
    "hear",
    "hearing_chance",
    "offers",
    "on_start",
    "step",
    "take_up",
]

_HEARD_ON = ("pre_zmot", "smot")  # the moments whose touchpoints carry the offer to customers


@dataclass(eq=False)
class Promotions:
    """Every promotion of a scenario, as arrays (one entry per promotion)."""

    keys: list[str]  # "brand/name": names its streams
    brand: np.ndarray  # int: index of the brand
    start: np.ndarray  # int: first step it runs
    end: np.ndarray  # int: last step it runs
    for_new: np.ndarray  # bool: new customers take it on purchase
    for_existing: np.ndarray  # bool: existing customers may take it
    discount: np.ndarray  # share off the price
    periods: np.ndarray  # int: renewal periods the discount lasts
    take_up: np.ndarray  # chance an existing customer who hears of it takes it
    carriers: list[np.ndarray]  # touchpoints (indices) that carry it to existing customers
    running: np.ndarray  # bool: inside its window now

    @classmethod
    def from_scenario(cls, s: Scenario) -> Promotions:
        rows = [
            (b, name, promo)
            for b, brand in enumerate(s.brands.values())
            for name, promo in brand.promotions.items()
        ]
        brands = s.brand_names
        tps = [
            (b, tp)
            for b, brand in enumerate(s.brands.values())
            for tp in brand.touchpoints.values()
        ]
        carriers = []
        for b, _, promo in rows:
            first, last = s.step_at(promo.start), s.step_at(promo.end)
            carriers.append(
                np.array(
                    [
                        i
                        for i, (owner, tp) in enumerate(tps)
                        if owner == b
                        and tp.moment in _HEARD_ON
                        and (tp.start is None or s.step_at(tp.start) <= last)
                        and (tp.end is None or s.step_at(tp.end) >= first)
                    ],
                    dtype=np.int64,
                )
            )
        return cls(
            keys=[f"{brands[b]}/{name}" for b, name, _ in rows],
            brand=np.array([b for b, *_ in rows], dtype=np.int64),
            start=np.array([s.step_at(p.start) for *_, p in rows], dtype=np.int64),
            end=np.array([s.step_at(p.end) for *_, p in rows], dtype=np.int64),
            for_new=np.array([p.for_new for *_, p in rows], dtype=bool),
            for_existing=np.array([p.for_existing for *_, p in rows], dtype=bool),
            discount=np.array([p.discount for *_, p in rows], dtype=float),
            periods=np.array([p.periods for *_, p in rows], dtype=np.int64),
            take_up=np.array([p.take_up or 0.0 for *_, p in rows], dtype=float),
            carriers=carriers,
            running=np.zeros(len(rows), dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.keys)


def offers(p: Promotions, brands: int) -> tuple[np.ndarray, np.ndarray]:
    """Per brand, the discount new customers get now and for how many periods: the largest
    running new-customer promotion's (0 and 0 when none runs)."""
    discount = np.zeros(brands)
    periods = np.zeros(brands, dtype=np.int64)
    for k in np.flatnonzero(p.running & p.for_new):
        b = p.brand[k]
        if p.discount[k] > discount[b]:
            discount[b], periods[b] = p.discount[k], p.periods[k]
    return discount, periods


def due_price(list_price: np.ndarray, discount: np.ndarray, left: np.ndarray) -> np.ndarray:
    """What each customer pays for its next period: the list price, less its discount while
    discounted periods are left."""
    return ufunc(_due_price)(list_price, discount, left)


@njit(cache=True)
def _due_price(list_price: float, discount: float, left: int) -> float:
    return list_price * (1.0 - (discount if left > 0 else 0.0))


def hearing_chance(reach: np.ndarray) -> float:
    """Chance of meeting at least one of touchpoints of these reaches in a step."""
    return float(1.0 - np.prod(1.0 - reach))


def take_up(
    discount: np.ndarray,
    left: np.ndarray,
    takers: np.ndarray,
    share_off: float,
    periods: int,
) -> None:
    """Takers of a promotion as existing customers: their next `periods` payments are
    discounted by `share_off` (in place)."""
    discount[takers] = share_off
    left[takers] = periods


def hear(model: JourneyModel, k: int, candidates: np.ndarray) -> np.ndarray:
    """Which `candidates` (existing customers who have not yet heard of promotion `k`) meet
    one of its carriers this step: a running <ZMOT touchpoint of the brand with its reach
    (an ad is seen by customers too), a running SMOT one with its reach within its audience."""
    if candidates.size == 0:
        return candidates
    p, tps = model.promotions, model.touchpoints
    heard = np.zeros(candidates.size, dtype=bool)
    for tp in p.carriers[k]:
        if not tps.active[tp]:
            continue
        met = model.stream(f"promotion.hear:{p.keys[k]}:{tps.keys[tp]}").below(
            candidates, tps.reach[tp]
        )
        if tps.moment[tp] == Moment.SMOT:  # an onboarding mail reaches new customers only
            aimed = transitions.audience(model, int(tp), candidates[met])
            met = np.isin(candidates, aimed)
        heard |= met
    return candidates[heard]


def decide(model: JourneyModel, k: int, heard: np.ndarray) -> None:
    """Existing customers who heard of promotion `k` decide once whether to take it."""
    p, pop = model.promotions, model.population
    model.promotion_heard[heard, k] = True
    takers = heard[model.stream(f"promotion.take_up:{p.keys[k]}").below(heard, p.take_up[k])]
    take_up(pop.discount, pop.discount_left, takers, float(p.discount[k]), int(p.periods[k]))
    model.ledger.add(model.cols.takeup[2 * p.brand[k] + 1], takers.size)


def candidates(model: JourneyModel, k: int, start: np.ndarray) -> np.ndarray:
    """Existing customers of promotion `k`'s brand (customers when the step began) who have
    not heard of it and pay no discount now."""
    pop = model.population
    mine = np.flatnonzero(
        (start >= CUSTOMER) & (pop.brand == model.promotions.brand[k]) & (pop.discount_left == 0)
    )
    return mine[~model.promotion_heard[mine, k]]


def step(model: JourneyModel, start: np.ndarray) -> None:
    """Running promotions for existing customers reach some of them, who decide."""
    p = model.promotions
    for k in np.flatnonzero(p.running & p.for_existing):
        if p.carriers[k].size == 0:
            continue  # reached directly when it started (`on_start`)
        who = candidates(model, int(k), start)
        decide(model, int(k), hear(model, int(k), who))


def on_start(model: JourneyModel, k: int) -> None:
    """A promotion starts: without carriers, every existing customer hears of it now."""
    p = model.promotions
    if p.for_existing[k] and p.carriers[k].size == 0:
        decide(model, k, candidates(model, k, model.population.moment))
