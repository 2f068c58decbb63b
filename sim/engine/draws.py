"""Random draws that cost in proportion to what they pick, not to the population size.

A step touches a few percent of a million consumers; drawing a uniform number for every one of
them would dominate the step. Gaps between successes of independent Bernoulli(p) trials are
geometric, so the picked indices come from a cumulative sum of geometric gaps: exact, O(p n).
"""

from __future__ import annotations

import numpy as np

__all__ = ["bernoulli_indices", "thinned_indices"]

_DENSE = 0.2  # above this chance a plain uniform per trial is cheaper than gaps


def bernoulli_indices(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Indices of range(n), each picked independently with chance p, in increasing order."""
    if n <= 0 or p <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n, dtype=np.int64)
    if p > _DENSE:
        return np.flatnonzero(rng.random(n) < p)
    mean = n * p
    size = int(mean + 4 * np.sqrt(mean) + 16)
    parts = []
    last = -1
    while True:
        # capped gaps: a tiny p draws gaps near 2**63 that would overflow the sum
        picks = last + np.cumsum(np.minimum(rng.geometric(p, size), n + 1))
        if picks[-1] >= n:
            parts.append(picks[picks < n])
            break
        parts.append(picks)
        last = int(picks[-1])
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def thinned_indices(rng: np.random.Generator, p: np.ndarray, p_max: float) -> np.ndarray:
    """Indices i picked with their own chance p[i] <= p_max (candidates at p_max, then thinned)."""
    idx = bernoulli_indices(rng, p.shape[0], p_max)
    if p_max <= 0 or idx.size == 0:
        return idx
    return idx[rng.random(idx.size) * p_max < p[idx]]
