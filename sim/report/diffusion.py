"""Diffusion measures of a run: where needs come from, and the Bass model implied by adoption.

- `needs_by_period`: needs arising per period by source (own need cycle, campaigns, word of
  mouth) and word of mouth's share of the needs stimulated from outside, `word_of_mouth /
  (word_of_mouth + campaign)`. Goldenberg, Libai & Muller (2001): advertising matters early,
  word of mouth later.
- `fit_bass`: the Bass (1969) coefficients p (innovation) and q (imitation), per year, and the
  market potential m fitted by least squares to a cumulative adoption curve (first purchases in
  the category, the ledger's `adoptions`), the way diffusion studies estimate them from sales
  (Sultan, Farley & Lehmann 1990 collect such estimates).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.optimize import curve_fit

__all__ = ["STEPS_PER_YEAR", "adoption_curve", "bass_cumulative", "fit_bass", "needs_by_period"]

STEPS_PER_YEAR = {"day": 365, "week": 52, "month": 12}


def bass_cumulative(t: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
    """Cumulative adopters of the Bass model: m (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = np.exp(-(p + q) * t)
    return m * (1 - e) / (1 + (q / p) * e)


def fit_bass(years: np.ndarray, adopted: np.ndarray, m: float) -> tuple[float, float]:
    """p and q per year fitted to cumulative adopters `adopted` at times `years`, for a market
    potential `m` held fixed (the population: everyone can adopt).

    With m free, a curve observed only before its inflection cannot tell a small market from
    slow imitation (the fit then drifts to q = 0); launches are seen early, so m is given.
    """
    (p, q), _ = curve_fit(
        lambda t, p, q: bass_cumulative(t, p, q, m),
        years,
        adopted,
        p0=(0.03, 0.4),
        bounds=([1e-6, 1e-6], [5.0, 5.0]),
        method="trf",
        max_nfev=10_000,
    )
    return float(p), float(q)


def adoption_curve(metrics: pl.DataFrame) -> pl.DataFrame:
    """Cumulative first purchases in the category per step (all brands): [replication,] step,
    adopted."""
    keys = [c for c in ("replication",) if c in metrics.columns]
    return (
        metrics.filter(pl.col("metric") == "adoptions")
        .group_by(*keys, "step")
        .agg(pl.col("value").sum())
        .sort(*keys, "step")
        .with_columns(adopted=pl.col("value").cum_sum().over(keys or pl.lit(0)))
        .select(*keys, "step", "adopted")
    )


def needs_by_period(metrics: pl.DataFrame, period: int) -> pl.DataFrame:
    """Needs by source per period of `period` steps (period 1 holds steps 1..period):
    [replication,] period, own, campaign, word_of_mouth, wom_share."""
    keys = [c for c in ("replication",) if c in metrics.columns]
    return (
        metrics.filter(pl.col("metric") == "needs")
        .with_columns(period=(pl.col("step") - 1) // period + 1)
        .group_by(*keys, "period")
        .agg(
            own=pl.col("value").filter(pl.col("detail") == "own").sum(),
            campaign=pl.col("value").filter(pl.col("detail") == "campaign").sum(),
            word_of_mouth=pl.col("value").filter(pl.col("detail") == "word_of_mouth").sum(),
        )
        .with_columns(
            wom_share=pl.col("word_of_mouth") / (pl.col("word_of_mouth") + pl.col("campaign"))
        )
        .sort(*keys, "period")
    )
