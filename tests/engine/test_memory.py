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


def test_forgetting_is_pair_by_pair_what_the_mechanism_says_to_the_bit() -> None:
    """The branch-free kernel against the rule written out: the own brand untouched, attitudes
    drift, known traces fade and are forgotten below a half, unknown traces are left alone."""
    rng = np.random.default_rng(3)
    n, brands = 500, 4
    salience = rng.uniform(0.3, 1.0, (n, brands)).astype(np.float32)
    fade = rng.choice(np.array([0.6, 0.9, 0.99, 1.0], np.float32), (n, brands))
    attitude, prior = rng.uniform(1, 5, (n, brands)), rng.uniform(1, 5, (n, brands))
    prior[::7] = attitude[::7]
    aware = rng.uniform(size=(n, brands)) < 0.8
    own = rng.integers(-1, brands, n).astype(np.int8)
    known = aware.sum(axis=0).astype(np.int64)
    was = aware.copy()
    trace, drift, knows = salience.copy(), attitude.copy(), aware.copy()
    for i in range(n):
        for b in range(brands):
            if own[i] == b:
                continue
            drift[i, b] = prior[i, b] + (attitude[i, b] - prior[i, b]) * np.float64(fade[i, b])
            if aware[i, b]:
                trace[i, b] = salience[i, b] * fade[i, b]
                knows[i, b] = trace[i, b] >= 0.5
    forget(salience, fade, attitude, prior, aware, own, known)
    assert salience.tobytes() == trace.tobytes() and attitude.tobytes() == drift.tobytes()
    assert (aware == knows).all() and (known == knows.sum(axis=0)).all()
    assert (was & ~knows).any() and (~was & (salience < 0.5)).any()  # forgotten; left alone
