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
from sim.engine.arguments import kept
from sim.engine.draws import _GOLDEN, _base, _gauss, _hash, _indices, _mix, _rung
from sim.engine.journey import Moment
from sim.engine.kernels import AHEAD, njit, prefetch, ufunc
from sim.engine.memory import _learn
from sim.engine.network import _listener, tie_arrays
from sim.engine.touchpoints import (
    _disconfirmation,
    _encounter,
    _felt,
    _recovery,
)

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel
    from sim.engine.step import Start

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


# Above this chance each customer draws its own uniform (about 1 ns, where the test of its
# audience costs another) instead of being picked by geometric gaps over everyone (about 13 ns
# a pick, a log and a scattered read): cheaper from about 0.08 times the customers' share of
# the population, so from 0.04 at shares up to a half (`_candidates`; a fixed constant, so the
# method depends on the chance alone, never on how many customers there are).
_MEMBERWISE = 0.04


@njit(cache=True)
def _candidates(base, n, p, members):  # type: ignore[no-untyped-def]
    """Who of range(n) may be picked with chance `p` among `members` (increasing): above
    `_MEMBERWISE` the members, each still to draw its uniform from the stream `base` (True);
    else `_indices`, drawn over everyone by gaps (False). Either way a member's draw depends
    on nothing but itself and the step."""
    if _MEMBERWISE < p < 1:
        return members, True
    return _indices(base, n, p), False


@njit(cache=True)
def _live(  # type: ignore[no-untyped-def]
    satisfaction, attitude, expectation, i, b, q, w, negativity, neutral, performance_weight,
    learning,
):  # fmt: skip
    """One experience of quality `q` by consumer `i` with brand `b`: satisfaction and attitude
    move by `w`, expectation adapts. Returns the surprise (disconfirmation)."""
    e = expectation[i]
    surprise = _disconfirmation(q, e, negativity)
    signal = _felt(q, e, neutral, performance_weight, negativity)
    satisfaction[i] += w * (signal - satisfaction[i])
    attitude[i, b] = _encounter(attitude[i, b], q, w, negativity)
    expectation[i] = e + learning * (q - e)
    return surprise


_LIVING = ["usage", "product.use", "problem", "self_resolve"]
"""The streams of `living`'s own draws (the touchpoints' are keyed per touchpoint)."""


def living(model: JourneyModel, customer: np.ndarray, customers: np.ndarray) -> Experiences:
    """A step of living with the product, in one kernel call (`_living`), for the customers
    (`customer`, `customers`): they use it at `usage_rate`, an experience of their brand's
    quality; problems arise at each brand's rate among those without one, and some open ones
    go away by themselves (a workaround, a fix shipped), a new problem a service failure,
    `problem_severity` stars short of expectation, felt in full; the running SMOT touchpoints
    meet them (`meet`) and are experienced: support (audience `with_problem`) as a service
    encounter, the others (onboarding, delivery) as a touch. The experiences in that order."""
    return Experiences(*_living(model.t, customer, customers, *_living_arguments(model)))


@kept
def _living_arguments(model: JourneyModel) -> tuple:
    """What `_living` needs besides the step and the customers."""
    pop, s, tps = model.population, model.spec.smot, model.touchpoints
    return (
        model.draws.keys(_LIVING),
        pop.satisfaction,
        pop.attitude,
        pop.expectation,
        pop.problem,
        pop.brand,
        model.brand_quality,
        model.brand_quality_sd,
        model.problem_rates,
        model.ledger.row,
        model.cols.problems,
        (s.usage_rate, s.usage_weight, s.self_resolve, s.problem_weight, s.problem_severity),
        (s.negativity, s.neutral, s.performance_weight, s.expectation_learning),
        tps.live(Moment.SMOT),
        _meeting_arguments(model),
        tps.stream_keys(model.draws, "quality"),
        tps.stream_keys(model.draws, "recovery"),
        tps.quality,
        tps.quality_sd,
        tps.weight,
        (s.recovery_slope, s.recovery_paradox),
        model.cols.recovered,
    )


@njit(cache=True)
def _living(  # type: ignore[no-untyped-def]
    t, customer, customers, keys, satisfaction, attitude, expectation, problem, brand_of,
    brand_quality, brand_quality_sd, problem_rates, row, problem_cols, smot, felt, live,
    meeting, quality_keys, recovery_keys, quality, quality_sd, weight, recovery,
    recovered_cols,
):  # fmt: skip
    """`living`: `_use`, `_problems` (candidates at the largest rate of any brand, thinned to
    each one's own), `_meetings`; the streams made from `keys` (`_LIVING`) and the step."""
    usage_rate, usage_weight, resolve, problem_weight, severity = smot
    negativity, neutral, performance_weight, learning = felt
    slope, paradox = recovery
    n = customer.shape[0]
    usage = _base(keys[0], t)
    candidates, dense = _candidates(usage, n, usage_rate, customers)
    used = _use(
        satisfaction, attitude, expectation, brand_of, customer, candidates, dense, usage,
        usage_rate, _base(keys[1], t), brand_quality, brand_quality_sd, usage_weight,
        negativity, neutral, performance_weight, learning,
    )  # fmt: skip
    top = 0.0
    for r in problem_rates:
        top = r if r > top else top
    base = _base(keys[2], t)
    if top > 0:
        candidates, dense = _candidates(base, n, top, customers)
    else:
        candidates, dense = np.empty(0, dtype=np.int64), False
    failed = _problems(
        problem, satisfaction, expectation, brand_of, customer, customers,
        _base(keys[3], t) if resolve > 0 else np.uint64(0), resolve, candidates, dense, base,
        _mix(base + np.uint64(_GOLDEN)), top, problem_rates, problem_weight, negativity,
        severity, row, problem_cols,
    )  # fmt: skip
    met = _meetings(
        live, t, customer, customers, meeting, quality_keys, recovery_keys, quality,
        quality_sd, weight, satisfaction, attitude, expectation, felt, (slope, paradox, severity),
        recovered_cols,
    )  # fmt: skip
    return (
        np.concatenate((used[0], failed[0], met[0])),
        np.concatenate((used[1], failed[1], met[1])),
        np.concatenate((used[2], failed[2], met[2])),
        np.concatenate((used[3], failed[3], met[3])),
    )


@njit(cache=True)
def _use(  # type: ignore[no-untyped-def]
    satisfaction, attitude, expectation, brand_of, customer, candidates, dense, usage_key, rate,
    quality_key, mean, sd, w, negativity, neutral, performance_weight, learning,
):  # fmt: skip
    """Product use in one pass where numpy needs about twenty calls: who uses (a customer among
    the `candidates`, with its own draw when `dense`), the quality met, what it does (`_live`).
    Returns who, brand, quality, surprise."""
    who = np.empty(candidates.shape[0], dtype=np.int64)
    m = 0
    if dense:  # without a branch to mispredict: keep each, count those that use
        for i in candidates:
            who[m] = i
            m += np.int64(_hash(usage_key, np.int64(i)) < rate)
    else:
        for i in candidates:
            who[m] = i
            m += np.int64(customer[i])
    brand = np.empty(m, dtype=np.int64)
    quality = np.empty(m)
    surprise = np.empty(m)
    for r in range(m):
        if r + AHEAD < m:
            j = who[r + AHEAD]
            prefetch(satisfaction, j)
            prefetch(expectation, j)
            prefetch(brand_of, j)
            prefetch(attitude, (j, 0))
        i = who[r]
        b = np.int64(brand_of[i])
        q = _gauss(mean[b], sd[b], quality_key, np.int64(i))
        brand[r], quality[r] = b, q
        surprise[r] = _live(
            satisfaction, attitude, expectation, i, b, q, w, negativity, neutral,
            performance_weight, learning,
        )  # fmt: skip
    return who[:m], brand, quality, surprise


@njit(cache=True)
def _problems(  # type: ignore[no-untyped-def]
    problem, satisfaction, expectation, brand_of, customer, customers, resolve_key, resolve,
    candidates, dense, key, thin_key, top, rate, weight, negativity, severity, row, cols,
):  # fmt: skip
    """Problems in one pass where numpy needs about twenty-five calls: open problems go away
    (chance `resolve`), then the `candidates` (drawn at the `top` rate, with their own draw
    when `dense`) who are customers without a problem get one at their brand's rate, counted
    in the ledger. Returns who, brand, quality, surprise of the failures."""
    if resolve > 0:
        for i in customers:
            if problem[i] and _hash(resolve_key, np.int64(i)) < resolve:
                problem[i] = False
    k = candidates.shape[0]
    who = np.empty(k, dtype=np.int64)
    brand = np.empty(k, dtype=np.int64)
    quality = np.empty(k)
    surprise = np.empty(k)
    counts = np.zeros(cols.shape[0], dtype=np.int64)
    lost = -negativity * severity
    m = 0
    for i in candidates:
        if not customer[i] or problem[i]:
            continue
        if dense and not _hash(key, np.int64(i)) < top:
            continue
        b = np.int64(brand_of[i])
        if not _hash(thin_key, np.int64(i)) * top < rate[b]:
            continue
        problem[i] = True
        counts[b] += 1
        satisfaction[i] += weight * (lost - satisfaction[i])
        who[m], brand[m], quality[m], surprise[m] = i, b, expectation[i] - severity, lost
        m += 1
    for b in range(cols.shape[0]):
        row[cols[b]] += counts[b]
    return who[:m], brand[:m], quality[:m], surprise[:m]


def meet(model: JourneyModel, tp: int, customer: np.ndarray, customers: np.ndarray) -> np.ndarray:
    """The customers touchpoint `tp` meets this step: its audience (`transitions.audience`)
    among `customers`, each reached with the touchpoint's reach, counted as its contacts."""
    return _reached(tp, model.t, customer, customers, *_meeting_arguments(model))


@kept
def _meeting_arguments(model: JourneyModel) -> tuple:
    """What `_reached` needs of the touchpoints, the consumers and the ledger."""
    pop, tps, cols = model.population, model.touchpoints, model.cols
    return (
        tps.stream_keys(model.draws, "reach"), tps.reach, tps.who, tps.brand, tps.cost,
        pop.moment, pop.brand, pop.acquired, pop.problem, model.spec.smot.onboarding_steps,
        model.ledger.row, cols.contacts, cols.cost,
    )  # fmt: skip


@njit(cache=True)
def _reached(  # type: ignore[no-untyped-def]
    tp, t, customer, customers, reach_keys, reach, who, owner, cost, moment, brand_of,
    acquired, problem, onboarding, row, contacts_col, cost_col,
):  # fmt: skip
    """`meet` in one call: the candidates (`_candidates`), those of the audience picked
    (`_meet`), counted as contacts with their cost (`transitions._counted`)."""
    base = _base(reach_keys[tp], t)
    p = reach[tp]
    candidates, dense = _candidates(base, moment.shape[0], p, customers)
    met = _meet(
        moment, brand_of, acquired, problem, customer, candidates, dense, base, p, who[tp],
        owner[tp], t, onboarding,
    )  # fmt: skip
    transitions._counted(row, contacts_col, cost_col, cost, tp, met.shape[0])
    return met


@njit(cache=True)
def _narrow(live, who, customers, acquired, problem, t, onboarding):  # type: ignore[no-untyped-def]
    """Of `customers`, those acquired within `onboarding` steps and those with an open
    problem, in one pass when a running touchpoint is aimed at them: what its audience check
    would keep of all customers (meeting them changes neither; a support call may close a
    problem, which the check sees), so a touchpoint drawing memberwise tests a few dozen
    where it tested every customer. Empty when no touchpoint needs them."""
    wanted_fresh = wanted_open = False
    for tp in live:
        wanted_fresh |= who[tp] == transitions.NEW_CUSTOMERS
        wanted_open |= who[tp] == transitions.WITH_PROBLEM
    fresh = np.empty(customers.shape[0] if wanted_fresh else 0, dtype=np.int64)
    open_ = np.empty(customers.shape[0] if wanted_open else 0, dtype=np.int64)
    f = o = 0
    if wanted_fresh or wanted_open:
        # Each kept without a branch: an open problem is a few percent of customers, a branch
        # on it mispredicted as often.
        for i in customers:
            if wanted_fresh:
                fresh[f] = i
                f += np.int64((acquired[i] >= 1) & (t - acquired[i] < onboarding))
            if wanted_open:
                open_[o] = i
                o += np.int64(problem[i])
    return fresh[:f], open_[:o]


@njit(cache=True)
def _meetings(  # type: ignore[no-untyped-def]
    live, t, customer, customers, meeting, quality_keys, recovery_keys, quality, quality_sd,
    weight, satisfaction, attitude, expectation, felt, recovery, recovered_cols,
):  # fmt: skip
    """The running SMOT touchpoints `live`, each in turn (support recovering a problem changes
    who the next one with that audience meets): `_reached`, then `_serve` (audience
    `with_problem`) or `_touch`. Returns the experiences of all of them, in order: who, brand,
    quality, surprise."""
    (
        reach_keys, reach, who, owner, cost, moment, brand_of, acquired, problem, onboarding,
        row, contacts_col, cost_col,
    ) = meeting  # fmt: skip
    negativity, neutral, performance_weight, learning = felt
    slope, paradox, severity = recovery
    out_who = np.empty(0, dtype=np.int64)
    out_brand = np.empty(0, dtype=np.int64)
    out_quality = np.empty(0)
    out_surprise = np.empty(0)
    fresh, open_ = _narrow(live, who, customers, acquired, problem, t, onboarding)
    for tp in live:
        members = customers
        if who[tp] == transitions.NEW_CUSTOMERS:
            members = fresh
        elif who[tp] == transitions.WITH_PROBLEM:
            members = open_
        met = _reached(
            tp, t, customer, members, reach_keys, reach, who, owner, cost, moment, brand_of,
            acquired, problem, onboarding, row, contacts_col, cost_col,
        )  # fmt: skip
        if met.shape[0] == 0:
            continue
        quality_key = _base(quality_keys[tp], t)
        if who[tp] == transitions.WITH_PROBLEM:
            w, b, q, surprise = _serve(
                attitude, satisfaction, problem, expectation, brand_of, met, owner[tp],
                quality_key, _base(recovery_keys[tp], t), quality[tp], quality_sd[tp],
                weight[tp], neutral, slope, paradox, negativity, severity, row, recovered_cols,
            )  # fmt: skip
        else:
            w, b, q, surprise = _touch(
                satisfaction, attitude, expectation, brand_of, met, quality_key, quality[tp],
                quality_sd[tp], weight[tp], negativity, neutral, performance_weight, learning,
            )  # fmt: skip
        out_who = np.concatenate((out_who, w))
        out_brand = np.concatenate((out_brand, b))
        out_quality = np.concatenate((out_quality, q))
        out_surprise = np.concatenate((out_surprise, surprise))
    return out_who, out_brand, out_quality, out_surprise


@njit(cache=True)
def _meet(  # type: ignore[no-untyped-def]
    moment, brand_of, acquired, problem, customer, candidates, dense, key, reach, who, b, t,
    onboarding,
):  # fmt: skip
    """`meet` in one pass where `transitions.audience` and a draw need about fifteen numpy
    calls over the customers: each candidate customer in the audience (`who`, a code of
    `touchpoints.AUDIENCES`), with its own draw when `dense` (made for the audience only)."""
    met = np.empty(candidates.shape[0], dtype=np.int64)
    m = 0
    for i in candidates:
        # The draw first: it reads nothing, where the audience reads four of the rows
        if dense and not _hash(key, np.int64(i)) < reach:
            continue
        if not customer[i] or not transitions._aimed(
            who, b, moment[i], brand_of[i], acquired[i], problem[i], t, onboarding
        ):
            continue
        met[m] = i
        m += 1
    return met[:m]


@njit(cache=True)
def _touch(  # type: ignore[no-untyped-def]
    satisfaction, attitude, expectation, brand_of, met, quality_key, mean, sd, w, negativity,
    neutral, performance_weight, learning,
):  # fmt: skip
    """The customers `met` experience a touchpoint (onboarding, delivery) of quality `mean`
    (spread `sd`), in one pass where numpy needs about fifteen calls. Returns who, brand,
    quality, surprise."""
    k = met.shape[0]
    brand = np.empty(k, dtype=np.int64)
    quality = np.empty(k)
    surprise = np.empty(k)
    for r in range(k):
        i = met[r]
        b = np.int64(brand_of[i])
        q = _gauss(mean, sd, quality_key, np.int64(i))
        brand[r], quality[r] = b, q
        surprise[r] = _live(
            satisfaction, attitude, expectation, i, b, q, w, negativity, neutral,
            performance_weight, learning,
        )  # fmt: skip
    return met, brand, quality, surprise


@njit(cache=True)
def _serve(  # type: ignore[no-untyped-def]
    attitude, satisfaction, problem, expectation, brand_of, met, b, quality_key, recovery_key,
    mean, sd, weight, neutral, slope, paradox, negativity, severity, row, cols,
):  # fmt: skip
    """Customers with a problem (`met`, distinct) reach support of brand `b`: the encounter's
    quality decides whether the problem is recovered (felt as a small gain, the recovery
    paradox) or fails again; one pass where numpy needs about twenty calls. Returns their
    experiences, the recovered first (counted in the ledger), then those the call failed (a
    second failure, felt in full)."""
    k = met.shape[0]
    who = np.empty(k, dtype=np.int64)
    brand = np.empty(k, dtype=np.int64)
    quality = np.empty(k)
    surprise = np.empty(k)
    fixed = np.empty(k, dtype=np.bool_)
    for r in range(k):
        i = met[r]
        q = _gauss(mean, sd, quality_key, i)
        quality[r] = q
        fixed[r] = _hash(recovery_key, i) < _recovery(q, neutral, slope)
        attitude[i, b] = _encounter(attitude[i, b], q, weight, negativity)
    counts = np.zeros(cols.shape[0], dtype=np.int64)
    won = 0
    for r in range(k):  # recovered: the problem is solved, felt as a small gain
        if fixed[r]:
            i = met[r]
            problem[i] = False
            satisfaction[i] += weight * (paradox - satisfaction[i])
            who[won], brand[won], quality[won], surprise[won] = i, brand_of[i], quality[r], paradox
            counts[brand_of[i]] += 1
            won += 1
    for c in range(cols.shape[0]):
        row[cols[c]] += counts[c]
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
    return who, brand, quality, surprise


def step(model: JourneyModel, start: Start) -> Handoff:
    """Those who were customers when the step began (`start`) use the product, meet service
    touchpoints and talk."""
    customer = start.customer
    experiences = living(model, customer, start.customers)
    heard = (
        word_of_mouth(model, customer) if model.spec.wom.enabled else np.empty(0, dtype=np.int64)
    )
    return Handoff(experiences, heard)


def talk_chance(
    satisfaction: np.ndarray, rate: float, intensity: float, negative_intensity: float
) -> np.ndarray:
    """Chance per step to talk: `rate * (1 + w * |satisfaction|)`, capped at 1, with weight
    `w = intensity` when satisfied and `negative_intensity` when dissatisfied.

    Anderson (1998, "Customer satisfaction and word of mouth", J. Service Research 1(1)) finds
    word of mouth U-shaped in satisfaction: the very satisfied and, more so, the dissatisfied
    talk more than the indifferent. Satisfaction 0 is experience as expected.
    """
    return ufunc(_talk_chance)(satisfaction, rate, intensity, negative_intensity)


@njit(cache=True)
def _talk_chance(satisfaction: float, rate: float, intensity: float, negative: float) -> float:
    chance = rate * (1.0 + (negative if satisfaction < 0 else intensity) * abs(satisfaction))
    return 1.0 if chance > 1.0 else chance


@njit(cache=True)
def _loudest(satisfaction):  # type: ignore[no-untyped-def]
    """The largest absolute satisfaction (0 for none), in one pass without a copy."""
    # Four maxima kept apart, so each waits on its own last comparison only (4x faster).
    top = np.zeros(4)
    n = satisfaction.shape[0]
    for i in range(0, n - n % 4, 4):
        for j in range(4):
            top[j] = max(top[j], abs(satisfaction[i + j]))
    for i in range(n - n % 4, n):
        top[0] = max(top[0], abs(satisfaction[i]))
    return max(max(top[0], top[1]), max(top[2], top[3]))


def who_talks(model: JourneyModel, customer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who talks this step and about which brand, in increasing order of consumer.

    Customers talk about their brand; ex-customers, for `wom.after_churn` steps after leaving
    and while not customers again, about their former brand with the satisfaction they left
    with. Each talks with its `talk_chance` (candidates drawn at the largest chance, thinned).
    """
    return _talk(model.t, customer, *_talk_arguments(model))


@kept
def _talk_arguments(model: JourneyModel) -> tuple:
    """What `_talk` needs besides the step and the customers."""
    pop, w = model.population, model.spec.wom
    return (
        pop.left,
        w.after_churn,
        pop.satisfaction,
        w.rate,
        w.intensity,
        w.negative_intensity,
        np.uint64(model.draws.key_of("talk")),
        pop.brand,
        pop.former,
    )


@njit(cache=True)
def _talk(  # type: ignore[no-untyped-def]
    t, customer, left, after_churn, satisfaction, rate, intensity, negative, key, brand_of,
    former,
):  # fmt: skip
    """`who_talks` in one call: candidates drawn at the rung (`draws._rung`) of the loudest
    one's chance from the stream "talk" (`Stream.indices`), thinned by its part 0."""
    feel = max(intensity, negative)
    loudest = _loudest(satisfaction) if feel > 0 else 0.0
    top = _rung(rate * (1.0 + feel * loudest))
    base = _base(key, t)
    return _talkers(
        _indices(base, satisfaction.shape[0], top), customer, left, t, after_churn,
        satisfaction, rate, intensity, negative, top, _mix(base + np.uint64(_GOLDEN)), brand_of,
        former,
    )  # fmt: skip


@njit(cache=True)
def _talkers(  # type: ignore[no-untyped-def]
    candidates, customer, left, t, after_churn, satisfaction, rate, intensity, negative, top,
    thin_key, brand_of, former,
):  # fmt: skip
    """`who_talks` from its candidates in one pass where numpy needs about fifteen calls: a
    customer or recent ex-customer, thinned to its own chance where chances differ (`top` above
    `rate`). Returns who and the brand each talks about."""
    k = candidates.shape[0]
    who = np.empty(k, dtype=np.int64)
    brand = np.empty(k, dtype=np.int64)
    thin = top > rate
    m = 0
    for r in range(k):
        if r + AHEAD < k:
            j = candidates[r + AHEAD]
            prefetch(customer, j)
            prefetch(left, j)
            prefetch(satisfaction, j)
        i = candidates[r]
        mine = customer[i]
        if not mine and not (after_churn > 0 and left[i] >= 0 and t - left[i] <= after_churn):
            continue
        if thin:
            chance = _talk_chance(satisfaction[i], rate, intensity, negative)
            if not _hash(thin_key, np.int64(i)) * top < chance:
                continue
        who[m] = i
        brand[m] = brand_of[i] if mine else former[i]
        m += 1
    return who[:m], brand[:m]


def word_of_mouth(model: JourneyModel, customer: np.ndarray) -> np.ndarray:
    """Customers and recent ex-customers talk (see `who_talks`); listeners learn the brand and
    move toward the talker's attitude.

    Returns the listeners who heard positive word of mouth, each once.
    """
    return _word_of_mouth(model.t, customer, _talk_arguments(model), _spread_arguments(model))


@kept
def _spread_arguments(model: JourneyModel) -> tuple:
    """What `_spread` needs besides the talkers, the customers and the stream's base."""
    pop, s, c = model.population, model.spec, model.cols
    indptr, indices = tie_arrays(model.ties)
    return (
        indptr,
        indices,
        np.uint64(model.draws.key_of("listener")),
        pop.satisfaction,
        pop.attitude,
        (pop.forget_at, pop.fade, pop.aware, model.known, pop.brand, pop.paused, model.lasts),
        pop.susceptibility,
        s.wom.weight,
        s.smot.negativity,
        model.ledger.row,
        np.array(
            [
                c.wom["positive"],
                c.wom["negative"],
                c.wom_former["positive"],
                c.wom_former["negative"],
            ]
        ),
    )


@njit(cache=True)
def _word_of_mouth(t, customer, talk, spread):  # type: ignore[no-untyped-def]
    """`word_of_mouth` in one call: `_talk`, then `_spread` with the stream "listener"."""
    talkers, brand = _talk(t, customer, *talk)
    (
        indptr, indices, key, satisfaction, attitude, memory, susceptibility, weight,
        negativity, row, cols,
    ) = spread  # fmt: skip
    return _spread(
        talkers, brand, customer, indptr, indices, _base(key, t), satisfaction, attitude, memory,
        t, susceptibility, weight, negativity, row, cols,
    )  # fmt: skip


@njit(cache=True)
def _spread(  # type: ignore[no-untyped-def]
    talkers, brand, customer, indptr, indices, listener_key, satisfaction, attitude, memory, t,
    susceptibility, weight, negativity, row, cols,
):  # fmt: skip
    """`word_of_mouth` past `who_talks` in one pass where numpy needs about forty calls: each
    talker's listener (`network._listener`), the talks counted by valence and by whether the
    talker is a former customer, listeners learn the brand (`memory._learn`) and move toward
    the talker's attitude (all read before any is written, as numpy's fancy indexing does).
    Returns the listeners of positive talks, distinct, sorted."""
    n = satisfaction.shape[0]
    k = talkers.shape[0]
    who = np.empty(k, dtype=np.int64)
    heard = np.empty(k, dtype=np.int64)
    about = np.empty(k, dtype=np.int64)
    moved = np.empty(k)
    counts = np.zeros(4, dtype=np.int64)  # positive, negative, of them by former customers
    m = h = 0
    listener = np.empty(k, dtype=np.int64)  # first, so their rows are asked for ahead
    for r in range(k):
        listener[r] = _listener(indptr, indices, n, listener_key, talkers[r])
    for r in range(k):
        if r + AHEAD < k:
            ahead = listener[r + AHEAD]
            prefetch(attitude, (ahead, 0))
            prefetch(susceptibility, ahead)
        i = talkers[r]
        j = listener[r]
        if j < 0 or j == i:
            continue
        b = brand[r]
        positive = satisfaction[i] >= 0
        counts[0 if positive else 1] += 1
        if not customer[i]:
            counts[2 if positive else 3] += 1
        if positive:
            heard[h] = j
            h += 1
        who[m], about[m] = j, b
        moved[m] = _encounter(
            attitude[j, b], attitude[i, b], weight * susceptibility[j], negativity
        )
        m += 1
    for c in range(4):
        row[cols[c]] += counts[c]
    forget_at, fade, aware, known, own, paused, lasts = memory
    _learn(forget_at, fade, aware, known, own, paused, who[:m], about[:m], 0, lasts, t)
    for r in range(m):
        attitude[who[r], about[r]] = moved[r]
    heard = np.sort(heard[:h])
    out = np.empty(h, dtype=np.int64)
    d = 0
    for r in range(h):
        if d == 0 or heard[r] != out[d - 1]:
            out[d] = heard[r]
            d += 1
    return out[:d]
