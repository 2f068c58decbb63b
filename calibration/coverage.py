"""Simulation-based calibration: do the 90 % intervals hold the truth 90 % of the time?

Talts et al. (2018, "Validating Bayesian inference algorithms with simulation-based
calibration", arXiv:1804.06788): draw parameters from the prior, simulate data from them, infer,
and count how often the intervals hold what made the data. Here one synthetic data set is a
cohort of N customers churning by the curve the truth simulates (`synthetic_cohort`); it is
fitted on its first periods and the rest are held out. Two things are counted: each
parameter's 90 % credible interval holding its true value, and each held-out period's 90 %
prediction band holding the synthetic cohort's retention then.

The simulator is the caller's: `benchmarks/calibration_coverage.py` uses the journey model,
`tests/calibration/test_posterior.py` a fast stand-in, with the same inference
(`calibration.posterior.fit`) in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calibration.posterior import LEVEL, Cohort, fit, forecast_bands

__all__ = ["Check", "check", "synthetic_cohort"]


def synthetic_cohort(curve: np.ndarray, size: int, rng: np.random.Generator) -> dict[int, float]:
    """Retention by period 0..H of `size` customers whose churn periods are drawn from the
    survival curve S(0..H) (a multinomial draw: the sampling noise of a real cohort)."""
    s = np.minimum.accumulate(np.clip(np.asarray(curve, dtype=float), 0.0, 1.0))
    churn = np.append(s[:-1] - s[1:], s[-1])
    counts = rng.multinomial(size, churn / churn.sum())
    left = size - np.concatenate([[0], np.cumsum(counts[:-1])])
    return {t: float(v) / size for t, v in enumerate(left)}


@dataclass(frozen=True)
class Check:
    """One synthetic data set: what the intervals held."""

    parameters_inside: np.ndarray  # (d,) bool: the truth inside each 90 % credible interval
    periods_inside: np.ndarray  # (held-out periods,) bool: observed inside the band
    held_out: np.ndarray  # the held-out periods
    band_width: np.ndarray  # (H + 1,) upper - lower
    ess: float


def check(
    unit: np.ndarray,
    curves: np.ndarray,
    batches: Sequence[np.ndarray],
    truth: np.ndarray,
    observed: dict[int, float],
    fit_periods: Sequence[int],
    size: int,
    seed: int,
) -> Check:
    """Fit one synthetic cohort (`observed`, made at `truth` on [0, 1]^d) from the trials
    (`unit`, `curves`) and the recheck `batches`, and see what its intervals hold."""
    cohort = Cohort(observed, tuple(fit_periods), size)
    fitted = fit(unit, curves, batches, cohort, seed)
    q = ((1 - LEVEL) / 2, (1 + LEVEL) / 2)
    low, high = np.quantile(fitted.draws, q, axis=0)
    band = forecast_bands(fitted.paths, "synthetic")
    held = np.array([t for t in observed if t > max(fit_periods) and t < band.height])
    lower, upper = band["lower"].to_numpy(), band["upper"].to_numpy()
    seen = np.array([observed[int(t)] for t in held])
    return Check(
        parameters_inside=(low <= truth) & (truth <= high),
        periods_inside=(lower[held] <= seen) & (seen <= upper[held]),
        held_out=held,
        band_width=upper - lower,
        ess=fitted.posterior.ess,
    )
