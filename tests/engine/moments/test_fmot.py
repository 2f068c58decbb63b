from __future__ import annotations

import numpy as np

from sim.engine.moments.fmot import conversion_probability


def test_conversion_is_logistic_in_quality_against_expectation() -> None:
    quality = np.linspace(1, 5, 9)
    p = conversion_probability(quality, np.full(9, 3.0), base=0.5, slope=2.0)
    assert (np.diff(p) > 0).all()
    assert p[4] == 1 / (1 + np.exp(-0.5))  # at par: the base log-odds
    assert 0 < p.min() < p.max() < 1
