from __future__ import annotations

import numpy as np
import pytest

from sim.engine.touchpoints import disconfirmation, encounter


def test_disappointments_weigh_more_than_pleasant_surprises() -> None:
    d = disconfirmation(np.array([4.0, 2.0]), np.array([3.0, 3.0]), negativity=2.5)
    assert d.tolist() == [1.0, -2.5]


def test_an_encounter_moves_attitude_toward_its_quality_further_when_it_disappoints() -> None:
    up = encounter(np.array([3.0]), np.array([4.0]), 0.2, negativity=2.0)
    down = encounter(np.array([3.0]), np.array([2.0]), 0.2, negativity=2.0)
    assert 3.0 < up[0] < 4.0 and 2.0 < down[0] < 3.0
    assert 3.0 - down[0] == pytest.approx(2 * (up[0] - 3.0))
    # never overshoots, whatever the weight
    assert encounter(np.array([3.0]), np.array([1.0]), 0.9, negativity=4.0)[0] == 1.0
