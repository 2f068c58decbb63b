"""Service recovery and expectations (issue "Model fidelity", points 1 and 2).

Support recovers problems, so closing it lowers retention and a better one raises it (Smith &
Bolton 1998); satisfaction responds to performance as well as to disconfirmation, so a better
product raises retention (Churchill & Surprenant 1982; Anderson & Sullivan 1993).

Retention is measured as its complement over the whole run, where most of the evidence is: the
monthly churn rate of aurora's customers (churns per customer-month). Each pair of scenarios
runs on the same seeds; the test asks for a difference beyond three standard errors, taking the
churn counts as Poisson and the two arms as independent (pairing only makes them tighter). The
measurements are in `benchmarks.facts.verification`, which the facts table in `docs/model.md`
reports too.
"""

from __future__ import annotations

import pytest

from benchmarks.facts.verification import (
    SERVICE_MARKET,
    better_product,
    lowers_churn,
    support,
)
from sim.scenario import apply_overrides


@pytest.mark.slow
def test_closing_support_lowers_retention_and_better_support_raises_it(baseline) -> None:
    plain = apply_overrides(baseline, SERVICE_MARKET)
    kept, se = lowers_churn(support(plain, reach=0.0), plain)
    assert kept > 3 * se, (kept, se)
    better, se = lowers_churn(plain, support(plain, quality=3.8))
    assert better > 3 * se, (better, se)


@pytest.mark.slow
def test_a_better_product_raises_retention(baseline) -> None:
    plain = apply_overrides(baseline, SERVICE_MARKET)
    diff, se = lowers_churn(plain, better_product(plain, quality=4.3))
    assert diff > 3 * se, (diff, se)
