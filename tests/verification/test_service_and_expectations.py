"""Service recovery and expectations (issue "Model fidelity", points 1 and 2).

Support recovers problems, so closing it lowers retention and a better one raises it (Smith &
Bolton 1998); satisfaction responds to performance as well as to disconfirmation, so a better
product raises retention (Churchill & Surprenant 1982; Anderson & Sullivan 1993).

Retention is measured as its complement over the whole run, where most of the evidence is: the
monthly churn rate of aurora's customers (churns per customer-month). Each pair of scenarios
runs on the same seeds; the test asks for a difference beyond three standard errors, taking the
churn counts as Poisson and the two arms as independent (pairing only makes them tighter).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim import run
from sim.scenario import Scenario, apply_overrides

SMALL = {"population": {"consumers": 8000}, "time": {"steps": 420}}


def monthly_churn(s: Scenario) -> tuple[float, float]:
    """Aurora's churns per customer-month over the run, and its standard error."""
    m = run(s, reps=2, seed=21).metrics.filter(pl.col("brand") == "aurora")
    churns = m.filter(pl.col("metric") == "churn")["value"].sum()
    months = m.filter(pl.col("metric") == "customers")["value"].sum() / s.retention.period
    return churns / months, float(np.sqrt(churns)) / months


def lowers_churn(before: Scenario, after: Scenario) -> tuple[float, float]:
    """How much `after` lowers the monthly churn rate against `before`, and its standard error."""
    (c0, e0), (c1, e1) = monthly_churn(before), monthly_churn(after)
    return c0 - c1, float(np.hypot(e0, e1))


def support(s: Scenario, **values: float) -> Scenario:
    return apply_overrides(s, {"brands": {"aurora": {"touchpoints": {"support_call": values}}}})


@pytest.mark.slow
def test_closing_support_lowers_retention_and_better_support_raises_it(baseline) -> None:
    plain = apply_overrides(baseline, SMALL)
    kept, se = lowers_churn(support(plain, reach=0.0), plain)
    assert kept > 3 * se, (kept, se)
    better, se = lowers_churn(plain, support(plain, quality=3.8))
    assert better > 3 * se, (better, se)


@pytest.mark.slow
def test_a_better_product_raises_retention(baseline) -> None:
    plain = apply_overrides(baseline, SMALL)
    diff, se = lowers_churn(plain, apply_overrides(plain, {"brands": {"aurora": {"quality": 4.3}}}))
    assert diff > 3 * se, (diff, se)
