"""A Gaussian-process emulator of the simulated retention curve, fitted to the study's trials.

Why: a trial is expensive (R runs of the whole market), so the study holds a few hundred points
where the curve is known, placed wherever the sampler chose. The posterior needs the curve at
tens of thousands of parameter vectors. A Gaussian process (Rasmussen & Williams 2006,
"Gaussian Processes for Machine Learning", ch. 2 and 5) interpolates between the trials and says
how unsure it is between them; used inside ABC it is the "GP-accelerated ABC" of Wilkinson
(2014, "Accelerating ABC methods using Gaussian processes", AISTATS) and Meeds & Welling (2014).
Because it is fitted to whatever points it is given, the posterior does not depend on how the
sampler (TPE, CMA-ES, QMC ...) chose them, only on where the curve is known.

Inputs are the free parameters scaled to [0, 1] as the sampler sees them (log scale where the
parameter is searched on one); outputs are the logits of the period-on-period renewal rates, so
that every emulated curve falls and stays in (0, 1). One Matérn 5/2 kernel with a length-scale per
parameter (automatic relevance determination) and a nugget is shared by all outputs, each with
its own variance, fitted by maximising the marginal likelihood. Maximum-likelihood
hyper-parameters tend to make a GP too sure of itself between points; each output's variance is
therefore widened, if need be, until the leave-one-out residuals of the trials have unit
variance (closed form: Rasmussen & Williams 2006, section 5.4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import minimize

__all__ = ["Emulator", "fit_emulator", "logit_rates", "survival_of"]

_EPS = 1e-4  # renewal rates are clipped to [eps, 1 - eps] before their logit
_BOUNDS_LOG_LENGTH = (np.log(0.02), np.log(20.0))
_BOUNDS_LOG_NUGGET = (np.log(1e-6), np.log(1.0))
_CHUNK = 4096  # prediction points per block (memory: CHUNK x trials floats)


def logit_rates(curves: np.ndarray) -> np.ndarray:
    """Logits of the renewal rates S(t) / S(t - 1), t = 1..H, of curves S(0..H) (rows)."""
    s = np.asarray(curves, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.clip(s[:, 1:] / s[:, :-1], _EPS, 1 - _EPS)
    return np.log(rate) - np.log1p(-rate)


def survival_of(logits: np.ndarray) -> np.ndarray:
    """Curves S(0..H) from renewal-rate logits (..., H): S(0) = 1, S(t) the product of rates."""
    rates = 1.0 / (1.0 + np.exp(-logits))
    ones = np.ones((*logits.shape[:-1], 1))
    return np.concatenate([ones, np.cumprod(rates, axis=-1)], axis=-1)


def _matern52(a: np.ndarray, b: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Matérn 5/2 correlation between the rows of a and b, scaled per input by `lengths`."""
    d = (a[:, None, :] - b[None, :, :]) / lengths
    r = np.sqrt(5.0 * np.einsum("ijk,ijk->ij", d, d))
    return (1.0 + r + r * r / 3.0) * np.exp(-r)


@dataclass(frozen=True)
class Emulator:
    """A fitted emulator: predicts the outputs' mean and latent variance at new inputs."""

    x: np.ndarray  # (n, d) training inputs in [0, 1]
    lengths: np.ndarray  # (d,) length-scales
    nugget: float  # white noise relative to the signal variance
    chol: tuple[np.ndarray, bool]  # Cholesky factor of (C + nugget I), as scipy's cho_factor
    weights: np.ndarray  # (n, k) (C + nugget I)^-1 y, y standardised
    center: np.ndarray  # (k,) output means
    scale: np.ndarray  # (k,) output standard deviations
    signal: np.ndarray  # (k,) signal variance of each standardised output (LOO-calibrated)
    inflation: np.ndarray  # (k,) factor the leave-one-out check put on the fitted variance

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean (m, k) and variance (m, k) of the smooth latent outputs at inputs x (m, d).

        The variance is the emulator's own uncertainty between trials (the nugget, the trials'
        jitter, is not in it): zero at a trial, the outputs' whole spread far from every trial.
        """
        x = np.atleast_2d(np.asarray(x, dtype=float))
        means, variances = [], []
        lower = self.chol[0] if self.chol[1] else self.chol[0].T
        for start in range(0, x.shape[0], _CHUNK):
            k = _matern52(x[start : start + _CHUNK], self.x, self.lengths)
            means.append(k @ self.weights)
            v = solve_triangular(lower, k.T, lower=True, check_finite=False)
            variances.append(np.maximum(1.0 - np.einsum("ij,ij->j", v, v), 0.0))
        mean = np.concatenate(means) * self.scale + self.center
        latent = np.concatenate(variances)[:, None] * self.signal * self.scale**2
        return mean, latent


def _negative_profile(
    log_params: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[float, tuple[np.ndarray, bool] | None]:
    """Minus the marginal log-likelihood with each output's variance profiled out."""
    n, k = y.shape
    lengths, nugget = np.exp(log_params[:-1]), float(np.exp(log_params[-1]))
    a = _matern52(x, x, lengths) + nugget * np.eye(n)
    try:
        chol = cho_factor(a, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return np.inf, None
    quad = np.einsum("ij,ij->j", y, cho_solve(chol, y, check_finite=False)) / n
    log_det = 2.0 * np.log(np.diag(chol[0])).sum()
    return float(0.5 * n * np.log(np.maximum(quad, 1e-300)).sum() + 0.5 * k * log_det), chol


def fit_emulator(x: np.ndarray, outputs: np.ndarray, seed: int = 0) -> Emulator:
    """Fit the emulator to training inputs x (n, d) in [0, 1] and outputs (n, k).

    Hyper-parameters maximise the marginal likelihood (L-BFGS-B from a few starts, the default
    one and two drawn with `seed`); rows with a missing output are left out.
    """
    x = np.asarray(x, dtype=float)
    outputs = np.asarray(outputs, dtype=float)
    keep = np.isfinite(outputs).all(axis=1) & np.isfinite(x).all(axis=1)
    x, outputs = x[keep], outputs[keep]
    n, d = x.shape
    if n < 2:
        raise ValueError(f"an emulator needs at least 2 complete trials, got {n}")
    center = outputs.mean(axis=0)
    scale = outputs.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    y = (outputs - center) / scale
    bounds = [_BOUNDS_LOG_LENGTH] * d + [_BOUNDS_LOG_NUGGET]
    rng = np.random.default_rng(seed)
    starts = [np.append(np.full(d, np.log(0.3)), np.log(1e-3))]
    starts += [
        np.append(rng.uniform(np.log(0.05), np.log(2.0), d), rng.uniform(np.log(1e-5), np.log(0.1)))
        for _ in range(2)
    ]
    best = None
    for start in starts:
        found = minimize(
            lambda p: _negative_profile(p, x, y)[0], start, method="L-BFGS-B", bounds=bounds
        )
        if best is None or found.fun < best.fun:
            best = found
    assert best is not None
    _, chol = _negative_profile(best.x, x, y)
    if chol is None:  # cannot happen at a finite optimum; a clear message if it does
        raise ValueError("the emulator's covariance is singular at its fitted hyper-parameters")
    weights = cho_solve(chol, y, check_finite=False)
    signal = np.einsum("ij,ij->j", y, weights) / n
    inflation = np.maximum(_loo_z2(chol, weights, signal), 1.0)
    return Emulator(
        x=x,
        lengths=np.exp(best.x[:-1]),
        nugget=float(np.exp(best.x[-1])),
        chol=chol,
        weights=weights,
        center=center,
        scale=scale,
        signal=signal * inflation,
        inflation=inflation,
    )


def _loo_z2(chol: tuple[np.ndarray, bool], weights: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """Per output, the mean squared leave-one-out residual over its predicted variance:
    residual_i = [A^-1 y]_i / [A^-1]_ii, variance_i = signal / [A^-1]_ii (A = C + nugget I)."""
    inverse_diag = np.diag(cho_solve(chol, np.eye(weights.shape[0]), check_finite=False))
    residual = weights / inverse_diag[:, None]
    variance = signal[None, :] / inverse_diag[:, None]
    return (residual**2 / variance).mean(axis=0)
