"""Array helpers the mechanisms share.

`distinct` replaces `np.unique` on index arrays: numpy 2.5's `unique` hashes integers, which
costs milliseconds on a few thousand consumer indices where a sort costs microseconds.
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels import njit

__all__ = ["distinct", "first_of_each", "first_seen", "room"]


def distinct(x: np.ndarray) -> np.ndarray:
    """The distinct values of `x`, sorted (as `np.unique(x)`), by a sort."""
    s = np.sort(x)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def first_of_each(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of `x`, sorted, and the index of the first occurrence of each
    (as `np.unique(x, return_index=True)`)."""
    order = np.argsort(x, kind="stable")
    s = x[order]
    keep = np.ones(s.size, dtype=bool)
    if s.size > 1:
        np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep], order[keep]


@njit(cache=True)
def first_seen(x: np.ndarray, seen: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The distinct values of `x` (indices into `seen`) in the order they first appear, in
    O(len(x)) without a sort; `seen` is scratch, zeros, left zeros."""
    out = np.empty(x.shape[0], dtype=np.int64)
    k = 0
    for v in x:
        if seen[v] == 0:
            seen[v] = 1
            out[k] = v
            k += 1
    for j in range(k):
        seen[out[j]] = 0
    return out[:k]


@njit(cache=True)
def room(out: np.ndarray, need: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """`out`, or a larger copy (doubled until it is) when it cannot hold `need` items. Made room
    for before a loop, not inside it: an array a loop may replace costs two atomic reference
    counts an iteration (in `draws._gap_picks`, half of a pick's time)."""
    if need <= out.shape[0]:
        return out
    size = max(out.shape[0], 1)
    while size < need:
        size *= 2
    grown = np.empty(size, dtype=out.dtype)
    grown[: out.shape[0]] = out
    return grown
