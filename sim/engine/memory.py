"""Memory: awareness and attitude fade without contact (ad-stock).

A contact leaves a trace that decays by half every `half_life` steps, as advertising goodwill
does in Broadbent's (1979) ad-stock; each touchpoint (so each channel) may have its own half-life.
A consumer forgets a brand once the trace of its last contact has halved, and its attitude
drifts back toward the one it started with. The brand a consumer uses or has chosen does not
fade: living with it keeps it in mind.
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels import njit

__all__ = ["fade_factor", "forget", "remember"]

FORGOTTEN = 0.5  # a brand is forgotten once its trace has halved since the last contact


def fade_factor(half_life: float | None) -> float:
    """What is left of a trace after one step: 2^(-1/half_life); 1 (never fades) for 0/None."""
    return 0.5 ** (1.0 / half_life) if half_life else 1.0


def remember(
    salience: np.ndarray, fade: np.ndarray, idx: np.ndarray, brand: np.ndarray | int, factor: float
) -> None:
    """A contact: the trace of `brand` is renewed in full and fades from now at `factor`."""
    salience[idx, brand] = 1.0
    fade[idx, brand] = factor


@njit(cache=True)
def _learn(salience, fade, aware, known, idx, brand, factor) -> None:  # type: ignore[no-untyped-def]
    """Contacts: each consumer in `idx` knows its `brand` (one each), whose trace is renewed in
    full and fades from now at `factor`; `known` [brand] counts the newly aware, so awareness
    is measured without a pass over everyone."""
    # in order, so a consumer listed twice is counted once
    for k in range(idx.shape[0]):
        i, b = idx[k], brand[k]
        if not aware[i, b]:
            aware[i, b] = True
            known[b] += 1
        salience[i, b] = 1.0
        fade[i, b] = factor


def forget(
    salience: np.ndarray,
    fade: np.ndarray,
    attitude: np.ndarray,
    prior: np.ndarray,
    aware: np.ndarray,
    own: np.ndarray,
    known: np.ndarray | None = None,
) -> None:
    """One step of fading, in place, for every (consumer, brand) but the consumer's own brand
    (`own`, -1 for none): traces decay, attitudes drift toward `prior`, faded brands are
    forgotten (and, given `known` [brand], no longer counted there)."""
    counts = np.zeros(aware.shape[1], dtype=np.int64) if known is None else known
    _forget(salience, fade, attitude, prior, aware, own, counts)


@njit(cache=True)
def _forget(salience, fade, attitude, prior, aware, own, known) -> None:  # type: ignore[no-untyped-def]
    # A pass over (consumer, brand), bound by memory once it runs without a branch per pair
    # (whether a pair is the own brand or known is a coin flip to the branch predictor): the
    # own brand's values and an unknown brand's trace are kept by selecting them, not by
    # skipping (an unknown brand's trace is only read while it is known, and a contact renews
    # it in full), and the one branch left, a brand forgotten, is rarely taken.
    for i in range(salience.shape[0]):
        mine = own[i]
        for b in range(salience.shape[1]):
            other = mine != b
            f = fade[i, b]
            p = prior[i, b]
            a = attitude[i, b]
            faded = p + (a - p) * np.float64(f)
            attitude[i, b] = faded if other else a
            fading = aware[i, b] & other
            trace = salience[i, b] * (f if fading else np.float32(1.0))  # times 1: unchanged
            salience[i, b] = trace
            # below half only if fading: a trace (in 0..1) not fading is lifted above the test
            if trace + np.float32(1.0 - fading) < FORGOTTEN:
                aware[i, b] = False
                known[b] -= 1
