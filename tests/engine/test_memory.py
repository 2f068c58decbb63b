"""Memory: traces of contacts fade by their half-life; a brand in use never fades."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.memory import NEVER, _learn, fade_factor, forget, hold, lasting


def test_a_trace_halves_after_its_half_life_and_never_without_one() -> None:
    assert fade_factor(30) ** 30 == pytest.approx(0.5)
    assert fade_factor(0) == fade_factor(None) == 1.0


@pytest.mark.parametrize("half_life", [0.4, 1, 2, 7, 21, 45, 90, 365.25, 5000])
def test_a_trace_lasts_until_its_float32_trace_is_below_a_half(half_life: float) -> None:
    f = np.float32(fade_factor(half_life))
    trace, k = np.float32(1.0), 0
    while trace >= 0.5:
        trace, k = np.float32(trace * f), k + 1
    assert lasting(float(f)) == k
    assert abs(k - half_life) <= 1  # halved after about its half-life
    assert lasting(1.0) == NEVER


class Kept:
    """The rule written out, as the engine kept it before: a float32 trace per pair, renewed
    by a contact and multiplied by its fade every step unless the brand is one's own; a known
    brand is forgotten once the trace is below a half; attitudes drift toward the prior."""

    def __init__(self, aware: np.ndarray, factor: float) -> None:
        self.trace = aware.astype(np.float32)
        self.fade = np.full(aware.shape, factor, np.float32)

    def contact(self, aware: np.ndarray, i: int, b: int, factor: float) -> None:
        aware[i, b] = True
        self.trace[i, b], self.fade[i, b] = 1.0, factor

    def step(self, attitude: np.ndarray, prior: np.ndarray, aware: np.ndarray, own: np.ndarray):
        for i in range(attitude.shape[0]):
            for b in range(attitude.shape[1]):
                if own[i] == b:
                    continue
                attitude[i, b] = prior[i, b] + (attitude[i, b] - prior[i, b]) * np.float64(
                    self.fade[i, b]
                )
                if aware[i, b]:
                    self.trace[i, b] = np.float32(self.trace[i, b] * self.fade[i, b])
                    aware[i, b] = self.trace[i, b] >= 0.5


@pytest.mark.parametrize("seed", range(6))
def test_forgetting_when_due_is_keeping_and_fading_every_trace_to_the_bit(seed: int) -> None:
    """Random contacts (three fades), choices, purchases and leavings over 120 steps: awareness,
    its counts and attitudes are the same at every step as with a trace kept per pair."""
    rng = np.random.default_rng(seed)
    n, brands = 40, 3
    factors = np.array([fade_factor(h) for h in (6, 2.5, 0)], np.float32).astype(np.float64)
    lasts = np.array([lasting(f) for f in factors], dtype=np.int64)
    aware = rng.uniform(size=(n, brands)) < 0.5
    own = np.full(n, -1, np.int8)
    prior = rng.uniform(1, 5, (n, brands))
    attitude = prior + rng.normal(0, 1, (n, brands))
    kept = Kept(aware, factors[0])
    expected_aware, expected_attitude = aware.copy(), attitude.copy()
    forget_at = np.where(aware, lasts[0], NEVER).astype(np.int32)
    fade = np.zeros((n, brands), np.uint8)
    paused = np.zeros(n, np.int32)
    known = aware.sum(axis=0).astype(np.int64)
    for t in range(1, 121):
        forget(forget_at, fade, factors, attitude, prior, aware, own, t, known)
        kept.step(expected_attitude, prior, expected_aware, own)
        assert (aware == expected_aware).all(), t
        assert attitude.tobytes() == expected_attitude.tobytes(), t
        assert (known == aware.sum(axis=0)).all(), t
        for _ in range(rng.integers(0, 6)):  # contacts, each with one of the fades
            i, b, code = rng.integers(n), rng.integers(brands), rng.integers(3)
            _learn(forget_at, fade, aware, known, own, paused, np.array([i]), np.array([b]),
                   code, lasts, t)  # fmt: skip
            kept.contact(expected_aware, i, b, factors[code])
        for i in rng.choice(n, rng.integers(0, 4), replace=False):  # choose, buy, or leave
            b = int(rng.integers(-1, brands))
            hold(own, forget_at, paused, np.array([i]), b, t)
    assert (forget_at[~aware] == NEVER).all()


def test_forgetting_spares_the_own_brand_and_drifts_attitude_back() -> None:
    n, brands = 3, 2
    factors = np.array([1.0, np.float32(fade_factor(2))], np.float64)
    lasts = np.array([lasting(f) for f in factors], dtype=np.int64)
    forget_at = np.full((n, brands), NEVER, np.int32)
    fade = np.zeros((n, brands), np.uint8)
    aware = np.zeros((n, brands), bool)
    known = np.zeros(brands, np.int64)
    prior = np.full((n, brands), 3.0)
    attitude = np.full((n, brands), 3.0)
    own = np.full(n, -1, np.int8)
    paused = np.zeros(n, np.int32)
    everyone = np.arange(n)
    _learn(forget_at, fade, aware, known, own, paused, everyone, np.zeros(n, np.int64), 1, lasts, 0)
    attitude[:, 0] = 5.0
    hold(own, forget_at, paused, everyone, np.array([0, -1, 1]), 0)  # consumer 0 uses brand 0
    forget(forget_at, fade, factors, attitude, prior, aware, own, 1, known)
    assert aware[:, 0].tolist() == [True, True, True]  # one step: 2^-0.5 left, above a half
    assert attitude[1, 0] == pytest.approx(3.0 + 2.0 * 2**-0.5)
    for t in (2, 3):
        forget(forget_at, fade, factors, attitude, prior, aware, own, t, known)
    assert aware[:, 0].tolist() == [True, False, False]
    assert known.tolist() == [1, 0]
    assert attitude[0, 0] == 5.0  # in use: no drift
    assert attitude[2, 0] == pytest.approx(3.0 + 2.0 * 2**-1.5)
    assert not aware[:, 1].any()  # never known, never remembered
    hold(own, forget_at, paused, np.array([0]), -1, 3)  # leaves: its trace fades from now
    for t in range(4, 4 + int(lasts[1])):
        assert aware[0, 0]
        forget(forget_at, fade, factors, attitude, prior, aware, own, t, known)
    assert not aware[0, 0] and known.tolist() == [0, 0]
