"""Brand choice: a multinomial logit on attitude, review score and price among the brands known.

Apart from ZMOT because a market without research (ZMOT switched off) chooses the same way, on
attitude and price alone.
"""

from __future__ import annotations

import numpy as np

from sim.engine.draws import Stream
from sim.engine.kernels import njit

__all__ = ["choose", "gumbel_noise", "utilities"]


def utilities(
    attitude: np.ndarray,
    review_score: np.ndarray,
    price: np.ndarray,
    price_sensitivity: np.ndarray,
    aware: np.ndarray,
    weights: tuple[float, float, float],
) -> np.ndarray:
    """[consumer, brand] utility; -inf for unknown brands. review_score is 0 where none read."""
    w_att, w_rev, w_price = weights
    u = w_att * attitude + w_rev * review_score - w_price * price_sensitivity[:, None] * price
    return np.where(aware, u, -np.inf)


def choose(draws: Stream, idx: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Multinomial logit choice by the Gumbel-max trick for consumers `idx` with utilities
    `u` [consumer, brand]; -1 for a consumer who knows no brand."""
    return _gumbel_max(u, gumbel_noise(draws.uniform_rows(idx, u.shape[1])))


def gumbel_noise(uniforms: np.ndarray) -> np.ndarray:
    """Standard Gumbel draws from uniforms in (0, 1), by numpy's logarithms."""
    return -np.log(-np.log(uniforms))


@njit(cache=True)
def _gumbel_max(u, gumbel):  # type: ignore[no-untyped-def]
    """Per row, the first maximum of `u + gumbel` (the first NaN, as `np.argmax`), -1 where no
    utility is finite: one call where numpy needs five. (The logarithms stay numpy's.)"""
    k, brands = u.shape
    out = np.empty(k, dtype=np.int64)
    for r in range(k):
        known = False
        for b in range(brands):
            known |= np.isfinite(u[r, b])
        if not known:
            out[r] = -1
            continue
        best, top = 0, u[r, 0] + gumbel[r, 0]
        if not np.isnan(top):
            for b in range(1, brands):
                v = u[r, b] + gumbel[r, b]
                if np.isnan(v) or v > top:
                    best, top = b, v
                    if np.isnan(v):
                        break
        out[r] = best
    return out
