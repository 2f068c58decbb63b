"""Retention: after SMOT, a customer renews or churns.

Subscriptions are decided at each renewal (every `period` steps from acquisition); for
repurchase markets the same odds apply as a hazard spread over the period's steps. Churn
grows as satisfaction falls short of the consumer's own tolerance and as the best competitor's
attitude pulls ahead. Tolerance differs between consumers, so the least tolerant leave first and
retention rises with tenure without any rule that loyalty grows (Fader & Hardie 2007).

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

from sim.engine import transitions
from sim.engine.journey import Moment

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["churn_probability", "competitor_lead", "renewals", "step"]


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
) -> np.ndarray:
    """Logistic churn chance: base log-odds, plus shortfall of satisfaction below -tolerance,
    plus how far the best known competitor is ahead in attitude, plus `unresolved` for a
    customer whose service problem is still open, plus one's own churn propensity as log-odds
    (logit theta; None: no such trait)."""
    logit = (
        base
        + slope * (-satisfaction - tolerance)
        + competition * np.maximum(0, competitor_lead)
        + unresolved * np.asarray(problem, dtype=float)
    )
    if propensity is not None:
        logit = logit + propensity
    with np.errstate(over="ignore"):  # log-odds of -inf (theta = 0): exp overflows to inf, p 0
        return 1.0 / (1.0 + np.exp(-logit))


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


def _decide(model: JourneyModel, who: np.ndarray) -> None:
    s, pop = model.spec.retention, model.population
    p = churn_probability(
        pop.satisfaction[who],
        pop.tolerance[who],
        competitor_lead(model, who),
        s.base,
        s.slope,
        s.competition,
        pop.problem[who],
        s.unresolved,
        pop.churn_logit[who] if model.has_propensity else None,
    )
    transitions.churn(model, who[model.stream("churn").below(who, p)])


def renewals(model: JourneyModel, due: np.ndarray) -> None:
    """A renewal day (a Mesa event): subscribers decide; those who stay pay for the next period.

    In repurchase markets this is the day of the next purchase, and churn is the step's hazard.
    """
    s = model.spec.retention
    if s.enabled and s.mode == "subscription":
        _decide(model, due)
        due = due[model.population.moment[due] >= Moment.SMOT]
    transitions.renew(model, due)


def step(model: JourneyModel, start: np.ndarray) -> None:
    """Repurchase markets: the period's churn odds spread as a hazard over its steps, among
    those who were customers when the step began (`start`)."""
    s = model.spec.retention
    if s.enabled and s.mode == "repurchase":
        deciding = model.stream("hazard").indices(model.population.size, 1.0 / s.period)
        _decide(model, deciding[start[deciding] >= Moment.SMOT])
