from __future__ import annotations

import numpy as np
import pytest

from sim.engine.moments.fmot import conversion_probability, encounter_shares


def test_conversion_is_logistic_in_quality_against_expectation() -> None:
    quality = np.linspace(1, 5, 9)
    p = conversion_probability(quality, np.full(9, 3.0), base=0.5, slope=2.0)
    assert (np.diff(p) > 0).all()
    assert p[4] == 1 / (1 + np.exp(-0.5))  # at par: the base log-odds
    assert 0 < p.min() < p.max() < 1


def test_first_encounter_shares_leave_the_rest_to_the_product_and_scale_an_excess() -> None:
    assert encounter_shares(np.array([0.5, 0.2])) == pytest.approx([0.5, 0.2, 0.3])
    assert encounter_shares(np.array([0.7, 0.3])) == pytest.approx([0.7, 0.3, 0.0])
    assert encounter_shares(np.array([1.0, 1.0])) == pytest.approx([0.5, 0.5, 0.0])
