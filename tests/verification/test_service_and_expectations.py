"""Service recovery and expectations (issue "Model fidelity", points 1 and 2).

Support recovers problems, so closing it lowers retention and a better one raises it (Smith &
Bolton 1998); satisfaction responds to performance as well as to disconfirmation, so a better
product raises retention (Churchill & Surprenant 1982; Anderson & Sullivan 1993). Each pair of
scenarios runs on the same seeds; the test asks for a difference beyond twice its standard
error (binomial, over the customers whose retention is observed).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim import run
from sim.running.retention import pooled_retention
from sim.scenario import Scenario, apply_overrides

PERIOD = 6  # renewal periods after acquisition: many cohorts are observed that long
SMALL = {"population": {"consumers": 8000}, "time": {"steps": 420}}


def retention(s: Scenario) -> tuple[float, int]:
    """Aurora's pooled retention after PERIOD months and the customers it rests on."""
    cohorts = run(s, reps=4, seed=21).cohorts.filter(pl.col("brand") == "aurora")
    cells = cohorts.filter(pl.col("period") == PERIOD)
    share = pooled_retention(cells.drop("replication"))["retained"].item()
    return share, int(cells["size"].sum())


def raises(before: Scenario, after: Scenario) -> tuple[float, float]:
    (r0, n0), (r1, n1) = retention(before), retention(after)
    se = float(np.sqrt(r0 * (1 - r0) / n0 + r1 * (1 - r1) / n1))
    return r1 - r0, se


def support(s: Scenario, **values: float) -> Scenario:
    return apply_overrides(s, {"brands": {"aurora": {"touchpoints": {"support_call": values}}}})


@pytest.mark.slow
def test_closing_support_lowers_retention_and_better_support_raises_it(baseline) -> None:
    plain = apply_overrides(baseline, SMALL)
    kept, se = raises(support(plain, reach=0.0), plain)
    assert kept > 2 * se, (kept, se)
    better, se = raises(plain, support(plain, quality=3.8))
    assert better > 2 * se, (better, se)


@pytest.mark.slow
def test_a_better_product_raises_retention(baseline) -> None:
    plain = apply_overrides(baseline, SMALL)
    diff, se = raises(plain, apply_overrides(plain, {"brands": {"aurora": {"quality": 4.3}}}))
    assert diff > 2 * se, (diff, se)
