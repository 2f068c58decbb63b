"""Array helpers the mechanisms share.

`distinct` replaces `np.unique` on index arrays: numpy 2.5's `unique` hashes integers, which
costs milliseconds on a few thousand consumer indices where a sort costs microseconds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct", "first_of_each"]


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
