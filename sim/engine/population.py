"""The population as struct-of-arrays: one row per consumer, one array per trait or state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.draws import Rungs
from sim.engine.journey import Moment
from sim.engine.memory import NEVER
from sim.scenario import Scenario

__all__ = ["TRAITS", "Population", "churn_logits", "draw_population"]

TRAITS = (
    "need_rate",
    "research",
    "reviews_read",
    "susceptibility",
    "tolerance",
    "review_propensity",
    "price_sensitivity",
)
NO_BRAND = -1


@dataclass(eq=False)
class Population:
    """Everything that differs between consumers. The model owns it; agents read their row."""

    segment: np.ndarray  # int8: index into the scenario's segments
    need_rate: np.ndarray  # chance per step that a need arises on its own
    research: np.ndarray  # chance to read reviews when in the market
    reviews_read: np.ndarray  # int32: how many of a brand's newest reviews are read
    susceptibility: np.ndarray  # how far others' word of mouth moves one's attitude (0..1)
    tolerance: np.ndarray  # dissatisfaction borne before churn becomes likely
    review_propensity: np.ndarray  # chance to post after a memorable experience
    price_sensitivity: np.ndarray  # utility lost per unit of price
    churn_logit: np.ndarray  # logit of one's own churn propensity, added to the churn log-odds
    moment: np.ndarray  # int8 Moment
    brand: np.ndarray  # int8: chosen or current brand, NO_BRAND when none
    aware: np.ndarray  # bool [n, brands]
    attitude: np.ndarray  # [n, brands], on the 1..5 quality scale
    prior: np.ndarray  # [n, brands]: attitude at the start, where it drifts back without contact
    forget_at: np.ndarray  # int32 [n, brands]: step the last contact's trace will have halved
    fade: np.ndarray  # [n, brands]: how that trace fades, a code (`JourneyModel.factors`)
    paused: np.ndarray  # int32: step the own brand became so, its trace standing since
    expectation: np.ndarray  # expected quality of the chosen brand, formed in ZMOT
    satisfaction: np.ndarray  # running felt performance and disconfirmation, current brand
    problem: np.ndarray  # bool: an open service problem with the current brand
    acquired: np.ndarray  # int32: step of acquisition, 0 for customers at the start, -1 none
    next_renewal: np.ndarray  # int32: step of the next renewal or purchase
    former: np.ndarray  # int8: brand of the last customer spell ended, NO_BRAND when none
    left: np.ndarray  # int32: step that spell ended, -1 when none
    # Prices (`sim.engine.promotions`): what a customer paid for its current period, which is
    # the reference price its next renewal's price is weighed against (`sim.engine.retention`),
    # and the discount it pays while discounted periods are left.
    paid: np.ndarray  # price paid for the current period (0 for non-customers)
    discount: np.ndarray  # share off the price of its discounted periods
    discount_left: np.ndarray  # int32: discounted renewal periods still to pay
    # Consumers by the rung of their need rate, a fixed trait: own needs are drawn by rung.
    need_rungs: Rungs

    @property
    def size(self) -> int:
        return int(self.moment.shape[0])


def churn_logits(
    scenario: Scenario, segment: np.ndarray, rng: np.random.Generator | None
) -> np.ndarray:
    """Each consumer's churn propensity theta as log-odds, logit(theta), by segment; 0 where
    the segment has no such trait.

    Drawn from a generator of its own, so adding the trait to a scenario leaves every other
    trait's draws (and a scenario without it, every draw) exactly as they were. A theta of 0 or
    1 gives -inf or +inf: never or always churning.
    """
    logit = np.zeros(segment.size)
    for k, seg in enumerate(scenario.population.segments.values()):
        if seg.churn_propensity is None:
            continue
        if rng is None:
            raise ValueError("a churn propensity needs its generator")
        rows = np.flatnonzero(segment == k)
        theta = seg.churn_propensity.sample(rng, rows.size)
        with np.errstate(divide="ignore"):
            logit[rows] = np.log(theta) - np.log1p(-theta)
    return logit


def draw_population(
    scenario: Scenario,
    n: int,
    rng: np.random.Generator,
    lasts: int = NEVER,
    propensity_rng: np.random.Generator | None = None,
    fades: int = 1,
) -> Population:
    """Draw n consumers' traits by segment and place the initial customers.

    `rng` draws every trait but the churn propensity, in a fixed order; `propensity_rng` draws
    the churn propensity (`churn_logits`), needed only when a segment has one. The brands known
    at the start have a fresh trace of the `[memory]` half-life (fade code 0 of `fades`),
    forgotten after `lasts` steps (`memory.lasting`).
    """
    segments = list(scenario.population.segments.values())
    shares = np.array([s.share for s in segments])
    segment = rng.choice(len(segments), size=n, p=shares / shares.sum()).astype(np.int8)
    traits: dict[str, np.ndarray] = {name: np.empty(n) for name in TRAITS}
    brands = list(scenario.brands.values())
    attitude = np.empty((n, len(brands)))
    for k, seg in enumerate(segments):
        rows = np.flatnonzero(segment == k)
        for name in TRAITS:
            traits[name][rows] = getattr(seg, name).sample(rng, rows.size)
        attitude[rows] = seg.initial_attitude.sample(rng, rows.size * len(brands)).reshape(
            rows.size, len(brands)
        )
    aware = rng.random((n, len(brands))) < np.array([b.awareness for b in brands])

    moment = np.full(n, Moment.PRE_ZMOT, dtype=np.int8)
    brand = np.full(n, NO_BRAND, dtype=np.int8)
    acquired = np.full(n, -1, dtype=np.int32)
    next_renewal = np.zeros(n, dtype=np.int32)
    # Initial customers: a random share per brand, with renewals spread over the first period.
    start_shares = np.array([b.share for b in brands])
    if start_shares.sum() > 0:
        pick = rng.choice(len(brands) + 1, size=n, p=[*start_shares, 1 - start_shares.sum()])
        rows = np.flatnonzero(pick < len(brands))
        brand[rows] = pick[rows]
        moment[rows] = Moment.SMOT
        acquired[rows] = 0
        aware[rows, pick[rows]] = True
        period = scenario.retention.period
        next_renewal[rows] = rng.integers(1, period + 1, rows.size)
    expectation = np.where(brand >= 0, attitude[np.arange(n), np.maximum(brand, 0)], np.nan)
    return Population(
        segment=segment,
        reviews_read=traits.pop("reviews_read").round().astype(np.int32),
        **traits,
        churn_logit=churn_logits(scenario, segment, propensity_rng),
        moment=moment,
        brand=brand,
        aware=aware,
        attitude=attitude,
        prior=attitude.copy(),
        forget_at=np.where(aware, lasts, NEVER).astype(np.int32),
        fade=np.zeros(aware.shape, dtype=np.uint8 if fades <= 256 else np.uint16),
        paused=np.zeros(n, dtype=np.int32),
        expectation=expectation,
        satisfaction=np.zeros(n),
        problem=np.zeros(n, dtype=bool),
        acquired=acquired,
        next_renewal=next_renewal,
        former=np.full(n, NO_BRAND, dtype=np.int8),
        left=np.full(n, -1, dtype=np.int32),
        paid=np.where(brand >= 0, np.array([b.price for b in brands])[np.maximum(brand, 0)], 0.0),
        discount=np.zeros(n),
        discount_left=np.zeros(n, dtype=np.int32),
        need_rungs=Rungs.of(traits["need_rate"]),
    )
