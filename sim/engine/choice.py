"""Brand choice: a multinomial logit on attitude, review score and price among the brands known.

Apart from ZMOT because a market without research (ZMOT switched off) chooses the same way, on
attitude and price alone.
"""

from __future__ import annotations

import numpy as np

from sim.engine.draws import Stream

__all__ = ["choose", "utilities"]


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
    gumbel = -np.log(-np.log(draws.uniform_rows(idx, u.shape[1])))
    pick = np.argmax(u + gumbel, axis=1)
    return np.where(np.isfinite(u).any(axis=1), pick, -1)
