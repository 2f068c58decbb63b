"""Memory: traces of contacts fade by their half-life; a brand in use never fades."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.memory import fade_factor, forget, remember


def test_a_trace_halves_after_its_half_life_and_never_without_one() -> None:
    assert fade_factor(30) ** 30 == pytest.approx(0.5)
    assert fade_factor(0) == fade_factor(None) == 1.0


def test_forgetting_spares_the_own_brand_and_drifts_attitude_back() -> None:
    n, brands = 3, 2
    salience = np.zeros((n, brands), np.float32)
    fade = np.ones((n, brands), np.float32)
    aware = np.zeros((n, brands), bool)
    prior = np.full((n, brands), 3.0)
    attitude = np.full((n, brands), 3.0)
    everyone = np.arange(n)
    remember(salience, fade, everyone, 0, fade_factor(2))
    aware[:, 0] = True
    attitude[:, 0] = 5.0
    own = np.array([0, -1, 1], dtype=np.int8)  # consumer 0 uses brand 0
    forget(salience, fade, attitude, prior, aware, own)
    assert aware[:, 0].tolist() == [True, True, True]  # one step: 2^-0.5 left, above a half
    assert attitude[1, 0] == pytest.approx(3.0 + 2.0 * 2**-0.5)
    for _ in range(2):
        forget(salience, fade, attitude, prior, aware, own)
    assert aware[:, 0].tolist() == [True, False, False]
    assert attitude[0, 0] == 5.0  # in use: no drift
    assert attitude[2, 0] == pytest.approx(3.0 + 2.0 * 2**-1.5)
    assert not aware[:, 1].any()  # never known, never remembered
