"""SMOT, the second moment: living with the product, and talking about it.

Customers use the product and meet the brand's service touchpoints (onboarding, support,
delivery). Satisfaction forms by expectation-disconfirmation with a negativity bias (Oliver 1980)
as a running average of surprises. Customers talk to their ties: a talk carries the talker's
attitude to its brand, moves the listener's attitude by its susceptibility, and a positive talk
may spark the listener's need (Goldenberg, Libai & Muller 2001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.draws import bernoulli_indices
from sim.engine.journey import Moment
from sim.engine.network import pick_listeners
from sim.engine.touchpoints import disconfirmation, encounter

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["Experiences", "Handoff", "step"]


@dataclass(frozen=True)
class Experiences:
    """The experiences of one step: who, with which brand, how good, how surprising."""

    who: np.ndarray
    brand: np.ndarray
    quality: np.ndarray
    surprise: np.ndarray


@dataclass(frozen=True)
class Handoff:
    """What SMOT hands on within its step: the experiences, for UMOT to review, and the
    listeners who heard positive word of mouth, for <ZMOT to spark their need."""

    experiences: Experiences
    heard: np.ndarray


def _experience(
    model: JourneyModel, who: np.ndarray, quality: np.ndarray, weight: float
) -> Experiences:
    pop, neg = model.population, model.spec.smot.negativity
    brand = pop.brand[who].astype(np.int64)
    surprise = disconfirmation(quality, pop.expectation[who], neg)
    pop.satisfaction[who] += weight * (surprise - pop.satisfaction[who])
    pop.attitude[who, brand] = encounter(pop.attitude[who, brand], quality, weight, neg)
    return Experiences(who, brand, quality, surprise)


def step(model: JourneyModel, start: np.ndarray) -> Handoff:
    """Those who were customers when the step began (`start`) use the product, meet service
    touchpoints and talk."""
    pop, rng, s, n = model.population, model.rng, model.spec, model.population.size
    customer = start >= Moment.SMOT
    found: list[Experiences] = []

    users = bernoulli_indices(rng, n, s.smot.usage_rate)
    users = users[customer[users]]
    if users.size:
        brand = pop.brand[users]
        quality = model.brand_quality[brand] + model.brand_quality_sd[brand] * rng.standard_normal(
            users.size
        )
        found.append(_experience(model, users, quality, s.smot.usage_weight))

    tps = model.touchpoints
    for tp in tps.live(Moment.SMOT):
        met = bernoulli_indices(rng, n, tps.reach[tp])
        met = transitions.contact(
            model, tp, transitions.audience(model, tp, met[customer[met]]), attitude=False
        )
        if met.size:
            quality = tps.quality[tp] + tps.quality_sd[tp] * rng.standard_normal(met.size)
            found.append(_experience(model, met, quality, tps.weight[tp]))

    heard = word_of_mouth(model, customer) if s.wom.enabled else np.empty(0, dtype=np.int64)

    if not found:
        empty = np.empty(0, dtype=np.int64)
        return Handoff(Experiences(empty, empty, np.empty(0), np.empty(0)), heard)
    fields = ("who", "brand", "quality", "surprise")
    experiences = Experiences(*(np.concatenate([getattr(e, f) for e in found]) for f in fields))
    return Handoff(experiences, heard)


def word_of_mouth(model: JourneyModel, customer: np.ndarray) -> np.ndarray:
    """Customers talk; listeners learn the brand and move toward the talker's attitude.

    Returns the listeners who heard positive word of mouth, each once.
    """
    pop, rng, s = model.population, model.rng, model.spec
    talkers = bernoulli_indices(rng, pop.size, s.wom.rate)
    talkers = talkers[customer[talkers]]
    listeners = pick_listeners(rng, model.ties, talkers, pop.size)
    ok = (listeners >= 0) & (listeners != talkers)
    talkers, listeners = talkers[ok], listeners[ok]
    brand = pop.brand[talkers].astype(np.int64)
    positive = pop.satisfaction[talkers] >= 0
    model.ledger.add(model.cols.wom["positive"], int(positive.sum()))
    model.ledger.add(model.cols.wom["negative"], int((~positive).sum()))

    pop.aware[listeners, brand] = True
    pull = s.wom.weight * pop.susceptibility[listeners]
    said = pop.attitude[talkers, brand]
    pop.attitude[listeners, brand] = encounter(
        pop.attitude[listeners, brand], said, pull, s.smot.negativity
    )
    return np.unique(listeners[positive])
