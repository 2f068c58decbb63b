from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.engine import retention
from sim.engine.journey import Moment
from sim.engine.model import JourneyModel
from sim.engine.retention import churn_probability, competitor_lead

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_churn_rises_with_shortfall_and_with_a_competitor_ahead() -> None:
    kw = {"base": -3.0, "slope": 2.0, "competition": 1.0}
    sat = np.array([0.5, 0.0, -0.5, -1.0])
    p = churn_probability(sat, np.zeros(4), np.zeros(4), **kw)
    assert (np.diff(p) > 0).all()
    tolerant = churn_probability(sat, np.ones(4), np.zeros(4), **kw)
    assert (tolerant < p).all()
    lead = churn_probability(np.zeros(2), np.zeros(2), np.array([0.0, 1.0]), **kw)
    assert lead[1] > lead[0]
    behind = churn_probability(np.zeros(1), np.zeros(1), np.array([-2.0]), **kw)
    assert behind[0] == lead[0]  # a competitor behind does not hold customers back


def test_a_churn_propensity_is_the_churn_chance_when_nothing_else_counts() -> None:
    """logit(theta) enters the log-odds: with base, slope, competition and unresolved at zero the
    chance is theta itself (the sBG special case); 0 and 1 never and always churn."""
    theta = np.array([0.0, 0.05, 0.373, 0.5, 0.9, 1.0])
    with np.errstate(divide="ignore"):
        logit = np.log(theta) - np.log1p(-theta)
    zero = np.zeros(theta.size)
    kw = {"base": 0.0, "slope": 0.0, "competition": 0.0}
    p = churn_probability(zero, zero, zero, **kw, propensity=logit)
    np.testing.assert_allclose(p, theta, atol=1e-12)
    # on top of the other terms, a higher propensity churns more and None is no shift at all
    sat = np.full(3, -0.5)
    none = churn_probability(sat, np.zeros(3), np.zeros(3), base=-2.0, slope=1.0, competition=1.0)
    shifted = churn_probability(
        sat, np.zeros(3), np.zeros(3), base=-2.0, slope=1.0, competition=1.0,
        propensity=np.array([-1.0, 0.0, 1.0]),
    )  # fmt: skip
    assert shifted[1] == none[1] and shifted[0] < none[0] < shifted[2]


@pytest.mark.parametrize(
    "file", ["baseline.toml", "library/valentine_deal.toml", "verification/sbg.toml"]
)
def test_the_hazard_kernel_is_churn_probability_of_the_public_terms_to_the_bit(file: str) -> None:
    """`_churn_chance` computes in one kernel what the public functions compose: with price
    terms, a running promotion (valentine_deal at step 60) and churn propensities (sbg)."""
    s = load_scenario(SCENARIOS / file)
    model = JourneyModel(s, consumers=600, rng=np.random.default_rng(5))
    model.run_for(60)
    pop, r = model.population, s.retention
    who = np.flatnonzero(pop.moment >= Moment.SMOT)
    expected = churn_probability(
        pop.satisfaction[who],
        pop.tolerance[who],
        competitor_lead(model, who),
        r.base,
        r.slope,
        r.competition,
        pop.problem[who],
        r.unresolved,
        pop.churn_logit[who] if model.has_propensity else None,
        retention._price_term(model, who),
    )
    assert who.size > 100
    assert retention._churn_chance(model, who).tobytes() == expected.tobytes()
