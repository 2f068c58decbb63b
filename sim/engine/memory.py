"""Memory: awareness and attitude fade without contact (ad-stock).

A contact leaves a trace that decays by half every `half_life` steps, as advertising goodwill
does in Broadbent's (1979) ad-stock; each touchpoint (so each channel) may have its own half-life.
A consumer forgets a brand once the trace of its last contact has halved, and its attitude
drifts back toward the one it started with. The brand a consumer uses or has chosen does not
fade: living with it keeps it in mind.

A trace is renewed in full by a contact and only fades after, so the step it will have halved
is known when it is renewed: each pair keeps that step (`forget_at`) and the code of its fade
(`fade`, an index into the model's `factors` and `lasts`), and a step's pass forgets the pairs
due and drifts attitudes, where it decayed every trace. While a brand is the consumer's own its
forgetting is put off by the steps it stays so (`hold`), as the trace it replaces stood still.
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels import AHEAD, njit, prefetch

__all__ = ["NEVER", "fade_factor", "forget", "hold", "lasting"]

FORGOTTEN = 0.5  # a brand is forgotten once its trace has halved since the last contact
NEVER = np.iinfo(np.int32).max
"""`forget_at` of a pair that is not known, or whose trace never fades."""


def fade_factor(half_life: float | None) -> float:
    """What is left of a trace after one step: 2^(-1/half_life); 1 (never fades) for 0/None."""
    return 0.5 ** (1.0 / half_life) if half_life else 1.0


@njit(cache=True)
def lasting(factor: float) -> int:
    """Steps from a contact to forgetting, for a trace fading at `factor` a step: the first
    step its trace, multiplied by the factor in float32 step by step, is below a half (as a
    float32 trace kept and decayed every step would be); `NEVER` if it does not get there."""
    f = np.float32(factor)
    trace = np.float32(1.0)
    k = 0
    while trace >= FORGOTTEN:
        faded = np.float32(trace * f)
        if faded == trace:  # stands still (a factor of 1, or one rounding back to the trace)
            return NEVER
        trace = faded
        k += 1
    return k


@njit(cache=True)
def _due(t, paused, held, code, lasts):  # type: ignore[no-untyped-def]
    """`forget_at` of a trace renewed now at step `t`: `lasts[code]` steps on, counted from
    the step its brand became the consumer's own (`paused`) while it is (`held`)."""
    steps = lasts[code]
    due = min((paused if held else t) + steps, NEVER - 1)
    return NEVER if steps == NEVER else due


@njit(cache=True)
def _learn(forget_at, fade, aware, known, own, paused, idx, brand, code, lasts, t):  # type: ignore[no-untyped-def]
    """Contacts at step `t`: each consumer in `idx` knows its `brand` (one each), whose trace
    is renewed in full and fades from now by `code`; `known` [brand] counts the newly aware,
    so awareness is measured without a pass over everyone."""
    # in order, so a consumer listed twice is counted once
    for k in range(idx.shape[0]):
        if k + AHEAD < idx.shape[0]:  # listeners of word of mouth lie anywhere
            j, c = idx[k + AHEAD], brand[k + AHEAD]
            prefetch(aware, (j, c))
            prefetch(forget_at, (j, c))
            prefetch(fade, (j, c))
            prefetch(own, j)
            prefetch(paused, j)
        i, b = idx[k], brand[k]
        _renew(forget_at, fade, aware, known, own, paused, i, b, code, lasts, t)


@njit(cache=True)
def _renew(forget_at, fade, aware, known, own, paused, i, b, code, lasts, t):  # type: ignore[no-untyped-def]
    """One contact of consumer `i` with brand `b` (`_learn`)."""
    # without a branch: with one numba leaves this a call, tens of ns a contact
    known[b] += np.int64(not aware[i, b])
    aware[i, b] = True
    fade[i, b] = code
    forget_at[i, b] = _due(t, paused[i], own[i] == b, code, lasts)


@njit(cache=True)
def _hold(own, forget_at, paused, i, b, t):  # type: ignore[no-untyped-def]
    """Consumer `i`'s own brand becomes `b` (-1: none) at step `t`: the brand it had resumes
    fading where it stood when it became its own, `b`'s stands still from now."""
    had = own[i]
    if had == b:
        return
    if had >= 0 and forget_at[i, had] != NEVER:
        forget_at[i, had] = min(forget_at[i, had] + (t - paused[i]), NEVER - 1)
    own[i] = b
    paused[i] = t


@njit(cache=True)
def _holding(own, forget_at, paused, idx, brand, t):  # type: ignore[no-untyped-def]
    for r in range(idx.shape[0]):
        _hold(own, forget_at, paused, idx[r], brand[r], t)


def hold(
    own: np.ndarray,
    forget_at: np.ndarray,
    paused: np.ndarray,
    idx: np.ndarray,
    brand: np.ndarray | int,
    t: int,
) -> None:
    """The consumers `idx` make `brand` (one each, or one for all; -1: none) their own at step
    `t` (`_hold`): a choice, a purchase, leaving a brand."""
    if idx.size:
        brands = brand if isinstance(brand, np.ndarray) else np.full(idx.size, brand)
        _holding(own, forget_at, paused, idx, brands.astype(np.int64, copy=False), t)


def forget(
    forget_at: np.ndarray,
    fade: np.ndarray,
    factors: np.ndarray,
    attitude: np.ndarray,
    prior: np.ndarray,
    aware: np.ndarray,
    own: np.ndarray,
    t: int,
    known: np.ndarray | None = None,
) -> None:
    """Step `t`'s fading, in place, for every (consumer, brand) but the consumer's own brand
    (`own`, -1 for none): attitudes drift toward `prior` by their fade's factor, brands due are
    forgotten (and, given `known` [brand], no longer counted there)."""
    counts = np.zeros(aware.shape[1], dtype=np.int64) if known is None else known
    _forget(forget_at, fade, factors, attitude, prior, aware, own, t, counts)


@njit(cache=True)
def _forget(forget_at, fade, factors, attitude, prior, aware, own, t, known) -> None:  # type: ignore[no-untyped-def]
    # A pass over (consumer, brand), bound by memory once it runs without a branch per pair
    # (whether a pair is the own brand is a coin flip to the branch predictor): the own brand's
    # attitude is kept by selecting it, not by skipping, and the one branch left, a brand due
    # to be forgotten, is rarely taken.
    for i in range(attitude.shape[0]):
        mine = own[i]
        for b in range(attitude.shape[1]):
            other = mine != b
            p = prior[i, b]
            a = attitude[i, b]
            faded = p + (a - p) * factors[fade[i, b]]
            attitude[i, b] = faded if other else a
            if forget_at[i, b] == t and other:
                aware[i, b] = False
                known[b] -= 1
                forget_at[i, b] = NEVER
