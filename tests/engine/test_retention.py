from __future__ import annotations

import numpy as np

from sim.engine.retention import churn_probability


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
