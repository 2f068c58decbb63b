"""SMOT, the second moment: living with the product, its problems, and talking about it.

Customers use the product and meet the brand's service touchpoints (onboarding, delivery).
Satisfaction is a running average of what experiences felt like: performance against a neutral
level and disconfirmation of expectation (Oliver 1980; Churchill & Surprenant 1982; Anderson &
Sullivan 1993), with a negativity bias; expectations adapt toward the quality met. Problems
(faults, billing errors, outages) arise at the brand's rate and stay open until a support
encounter recovers them (Smith & Bolton 1998) or they go away; an open problem raises churn.
Customers talk to their ties, the more the more strongly they feel either way, dissatisfied ones
most (Anderson 1998), and ex-customers go on talking about their former brand for a while after
leaving: a talk carries the talker's attitude to the brand, moves the listener's attitude by its
susceptibility, and a positive talk may spark the listener's need (Goldenberg, Libai & Muller
2001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.arrays import distinct
from sim.engine.draws import _hash, _normal, rung
from sim.engine.journey import Moment
from sim.engine.kernels import njit
from sim.engine.memory import learn
from sim.engine.network import pick_listeners
from sim.engine.touchpoints import (
    _disconfirmation,
    _encounter,
    _felt,
    _recovery,
    encounter,
)

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["Experiences", "Handoff", "step", "talk_chance", "who_talks"]


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
    model: JourneyModel, who: np.ndarray, quality: np.ndarray, weight: float | np.ndarray
) -> Experiences:
    """Experiences of `quality`: satisfaction and attitude move by `weight`, expectation adapts.

    The surprise (disconfirmation) is what UMOT's posting and rating respond to.
    """
    pop, s = model.population, model.spec.smot
    weights = np.full(who.size, weight) if np.ndim(weight) == 0 else weight
    brand, surprise = _live_with(
        pop.satisfaction,
        pop.attitude,
        pop.expectation,
        pop.brand,
        who,
        quality,
        weights,
        s.negativity,
        s.neutral,
        s.performance_weight,
        s.expectation_learning,
    )
    return Experiences(who, brand, quality, surprise)


@njit(cache=True)
def _live_with(  # type: ignore[no-untyped-def]
    satisfaction, attitude, expectation, brand_of, who, quality, weight, negativity, neutral,
    performance_weight, learning,
):  # fmt: skip
    """`_experience` for each of `who` (distinct) in one pass: about a dozen numpy calls, each
    a few microseconds, where the arithmetic is nanoseconds. Returns brand and surprise."""
    brand = np.empty(who.shape[0], dtype=np.int64)
    surprise = np.empty(who.shape[0])
    for k in range(who.shape[0]):
        i, q, w = who[k], quality[k], weight[k]
        b = np.int64(brand_of[i])
        e = expectation[i]
        brand[k] = b
        surprise[k] = _disconfirmation(q, e, negativity)
        signal = _felt(q, e, neutral, performance_weight, negativity)
        satisfaction[i] += w * (signal - satisfaction[i])
        attitude[i, b] = _encounter(attitude[i, b], q, w, negativity)
        expectation[i] = e + learning * (q - e)
    return brand, surprise


def _setback(model: JourneyModel, who: np.ndarray, weight: float) -> Experiences:
    """A service failure: `problem_severity` stars short of expectation, felt in full."""
    pop, s = model.population, model.spec.smot
    brand = pop.brand[who].astype(np.int64)
    surprise = np.full(who.size, -s.negativity * s.problem_severity)
    pop.satisfaction[who] += weight * (surprise - pop.satisfaction[who])
    return Experiences(who, brand, pop.expectation[who] - s.problem_severity, surprise)


def problems(model: JourneyModel, customer: np.ndarray) -> Experiences:
    """Problems arise at each brand's rate among customers without one; some open ones go
    away by themselves (a workaround, a fix shipped)."""
    pop, s = model.population, model.spec.smot
    if s.self_resolve > 0:
        open_ = np.flatnonzero(pop.problem & customer)
        pop.problem[open_[model.stream("self_resolve").below(open_, s.self_resolve)]] = False
    rate = model.problem_rates
    top = float(rate.max(initial=0.0))
    if top <= 0:
        return _setback(model, np.empty(0, dtype=np.int64), s.problem_weight)
    draws = model.stream("problem")
    hit = draws.indices(pop.size, top)
    hit = hit[customer[hit] & ~pop.problem[hit]]
    hit = hit[draws.part(0).uniform(hit) * top < rate[pop.brand[hit]]]
    pop.problem[hit] = True
    model.ledger.add_by_brand(model.cols.problems, pop.brand[hit].astype(np.int64))
    return _setback(model, hit, s.problem_weight)


def service(model: JourneyModel, tp: int, met: np.ndarray) -> Experiences:
    """Customers with a problem reach support: the encounter's quality decides whether the
    problem is recovered (felt as a small gain, the recovery paradox) or fails again."""
    pop, s, tps = model.population, model.spec.smot, model.touchpoints
    order, brand, quality, surprise, won = _serve(
        pop.attitude,
        pop.satisfaction,
        pop.problem,
        pop.expectation,
        pop.brand,
        met,
        int(tps.brand[tp]),
        np.uint64(model.stream(f"quality:{tps.keys[tp]}").base),
        np.uint64(model.stream(f"recovery:{tps.keys[tp]}").base),
        tps.quality[tp],
        tps.quality_sd[tp],
        tps.weight[tp],
        s.neutral,
        s.recovery_slope,
        s.recovery_paradox,
        s.negativity,
        s.problem_severity,
    )
    model.ledger.add_by_brand(model.cols.recovered, brand[:won])
    return Experiences(order, brand, quality, surprise)


@njit(cache=True)
def _serve(  # type: ignore[no-untyped-def]
    attitude, satisfaction, problem, expectation, brand_of, met, b, quality_key, recovery_key,
    mean, sd, weight, neutral, slope, paradox, negativity, severity,
):  # fmt: skip
    """`service` for the customers `met` (distinct) in one pass where numpy needs about twenty
    calls. Returns their experiences, the recovered first (the first `won` of them), then those
    the call failed (a `_setback`)."""
    k = met.shape[0]
    who = np.empty(k, dtype=np.int64)
    brand = np.empty(k, dtype=np.int64)
    quality = np.empty(k)
    surprise = np.empty(k)
    fixed = np.empty(k, dtype=np.bool_)
    for r in range(k):
        i = met[r]
        q = mean + sd * _normal(quality_key, i)
        quality[r] = q
        fixed[r] = _hash(recovery_key, i) < _recovery(q, neutral, slope)
        attitude[i, b] = _encounter(attitude[i, b], q, weight, negativity)
    won = 0
    for r in range(k):  # recovered: the problem is solved, felt as a small gain
        if fixed[r]:
            i = met[r]
            problem[i] = False
            satisfaction[i] += weight * (paradox - satisfaction[i])
            who[won], brand[won], quality[won], surprise[won] = i, brand_of[i], quality[r], paradox
            won += 1
    j = won
    lost = -negativity * severity
    for r in range(k):  # failed: a second failure, felt in full
        if not fixed[r]:
            i = met[r]
            satisfaction[i] += weight * (lost - satisfaction[i])
            who[j], brand[j], quality[j], surprise[j] = (
                i,
                brand_of[i],
                expectation[i] - severity,
                lost,
            )
            j += 1
    return who, brand, quality, surprise, won


def _concat(parts: list[Experiences]) -> Experiences:
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return Experiences(empty, empty, np.empty(0), np.empty(0))
    fields = ("who", "brand", "quality", "surprise")
    return Experiences(*(np.concatenate([getattr(e, f) for e in parts]) for f in fields))


def step(model: JourneyModel, start: np.ndarray) -> Handoff:
    """Those who were customers when the step began (`start`) use the product, meet service
    touchpoints and talk."""
    pop, s = model.population, model.spec
    customer = start >= Moment.SMOT
    found: list[Experiences] = []

    customers = np.flatnonzero(customer)
    users = model.stream("usage").among(customer, s.smot.usage_rate, customers)
    if users.size:
        brand = pop.brand[users]
        quality = model.brand_quality[brand] + model.brand_quality_sd[brand] * model.stream(
            "product.use"
        ).normal(users)
        found.append(_experience(model, users, quality, s.smot.usage_weight))
    found.append(problems(model, customer))

    tps = model.touchpoints
    for tp in tps.live(Moment.SMOT):
        # its audience first (a few with a problem, the newly acquired), then their draws
        aimed = transitions.audience(model, tp, customers)
        met = model.stream(f"reach:{tps.keys[tp]}").pick(aimed, pop.size, tps.reach[tp])
        transitions.contact(model, tp, met, attitude=False)
        if met.size == 0:
            continue
        if tps.audience[tp] == "with_problem":
            found.append(service(model, tp, met))
        else:
            noise = model.stream(f"quality:{tps.keys[tp]}").normal(met)
            quality = tps.quality[tp] + tps.quality_sd[tp] * noise
            found.append(_experience(model, met, quality, tps.weight[tp]))

    heard = word_of_mouth(model, customer) if s.wom.enabled else np.empty(0, dtype=np.int64)

    return Handoff(_concat(found), heard)


def talk_chance(
    satisfaction: np.ndarray, rate: float, intensity: float, negative_intensity: float
) -> np.ndarray:
    """Chance per step to talk: `rate * (1 + w * |satisfaction|)`, capped at 1, with weight
    `w = intensity` when satisfied and `negative_intensity` when dissatisfied.

    Anderson (1998, "Customer satisfaction and word of mouth", J. Service Research 1(1)) finds
    word of mouth U-shaped in satisfaction: the very satisfied and, more so, the dissatisfied
    talk more than the indifferent. Satisfaction 0 is experience as expected.
    """
    weight = np.where(satisfaction < 0, negative_intensity, intensity)
    return np.minimum(1.0, rate * (1.0 + weight * np.abs(satisfaction)))


def who_talks(model: JourneyModel, customer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who talks this step and about which brand, in increasing order of consumer.

    Customers talk about their brand; ex-customers, for `wom.after_churn` steps after leaving
    and while not customers again, about their former brand with the satisfaction they left
    with. Each talks with its `talk_chance` (candidates drawn at the largest chance, thinned).
    """
    pop, w = model.population, model.spec.wom
    feel = max(w.intensity, w.negative_intensity)
    loudest = float(np.abs(pop.satisfaction).max(initial=0.0)) if feel > 0 else 0.0
    top = rung(w.rate * (1.0 + feel * loudest))
    draws = model.stream("talk")
    who = draws.indices(pop.size, top)
    talking = customer[who]
    if w.after_churn > 0:
        left = pop.left[who]
        talking |= (left >= 0) & (model.t - left <= w.after_churn)
    who = who[talking]
    if top > w.rate:  # chances differ: thin the candidates to each one's own chance
        chance = talk_chance(pop.satisfaction[who], w.rate, w.intensity, w.negative_intensity)
        who = who[draws.part(0).uniform(who) * top < chance]
    brand = np.where(customer[who], pop.brand[who], pop.former[who]).astype(np.int64)
    return who, brand


def word_of_mouth(model: JourneyModel, customer: np.ndarray) -> np.ndarray:
    """Customers and recent ex-customers talk (see `who_talks`); listeners learn the brand and
    move toward the talker's attitude.

    Returns the listeners who heard positive word of mouth, each once.
    """
    pop, s = model.population, model.spec
    talkers, brand = who_talks(model, customer)
    listeners = pick_listeners(model.stream("listener"), model.ties, talkers, pop.size)
    ok = (listeners >= 0) & (listeners != talkers)
    talkers, listeners, brand = talkers[ok], listeners[ok], brand[ok]
    positive = pop.satisfaction[talkers] >= 0
    model.ledger.add(model.cols.wom["positive"], int(positive.sum()))
    model.ledger.add(model.cols.wom["negative"], int((~positive).sum()))
    former = ~customer[talkers]
    model.ledger.add(model.cols.wom_former["positive"], int((positive & former).sum()))
    model.ledger.add(model.cols.wom_former["negative"], int((~positive & former).sum()))

    learn(pop.salience, pop.fade, pop.aware, model.known, listeners, brand, model.fade)
    pull = s.wom.weight * pop.susceptibility[listeners]
    said = pop.attitude[talkers, brand]
    pop.attitude[listeners, brand] = encounter(
        pop.attitude[listeners, brand], said, pull, s.smot.negativity
    )
    return distinct(listeners[positive])
