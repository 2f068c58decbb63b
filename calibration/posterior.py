"""The posterior over the free parameters, and the forecast as a prediction interval.

Method (calibration/README.md, "Posterior and prediction band", gives the why and the evidence):

* **Kernel ABC whose kernel is the cohort's sampling error.** The observed retention of a cohort
  of N customers differs from the model's expected curve S(t) by the cohort's sampling noise
  (survival shares of a multinomial sample: Cov = S(t)(1 - S(s)) / N for s <= t), plus what we
  do not know of S(t) itself: the simulation's noise (the mean of R runs, measured on fresh
  seeds by the recheck, as binomial-like noise on each renewal rate) and the emulator's
  uncertainty between trials. Kernel ABC with that Gaussian as its kernel is exact inference
  under that error model (Wilkinson 2013, "Approximate Bayesian computation (ABC) gives exact
  results under the assumption of model error", Stat. Appl. Genet. Mol. Biol. 12(2)). Fit
  periods after the first condition on the period before them: the survivors then are the
  cohort.
* **Over the trials, through the emulator** (`calibration.emulator`): the curve at any
  parameter vector comes from the Gaussian process fitted to the trials, so the posterior is
  sampled from the prior (uniform on the search box, on a log scale where the parameter is
  searched on one) by adaptive importance sampling, without another simulation.
* **Prediction interval**: posterior draws, each with the emulator's and the simulation's doubt
  on its curve, then a cohort of N customers drawn from that curve (multinomial churn times).
  Its 5th and 95th percentiles per period are the 90 % band for a cohort of the observed size.
  After the fit periods the band is the observed cohort's own future: the customers it still
  had at the last fitted period churn on by the curve from there, so the band holds what is
  still unknown, not the noise of periods already seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import gammaln, logsumexp
from scipy.stats import qmc

from calibration.emulator import Emulator, fit_emulator, logit_rates, survival_of
from sim.scenario import FreeParameter

__all__ = [
    "DRAWS",
    "Box",
    "Cohort",
    "Fitted",
    "Posterior",
    "fit",
    "forecast_bands",
    "log_likelihood",
    "noise_variance",
    "predictive_paths",
    "sample_posterior",
    "simulation_noise",
    "trial_log_likelihood",
    "weighted_quantile",
]

LEVEL = 0.90
"""Probability of the intervals (parameters) and of the prediction band (forecast)."""
DRAWS = 4000
"""Equally weighted posterior draws kept, and cohorts drawn for the prediction band."""
_Q = ((1 - LEVEL) / 2, (1 + LEVEL) / 2)
_FIRST = 2**13  # prior draws in the first round (scrambled Sobol points)
_ROUND = 2**14  # proposal draws in each later round
_ROUNDS = 6  # at most this many adaptive rounds
_TARGET_ESS = 2000.0  # stop adapting once the importance sample is worth this many draws
_DEFENSIVE = 0.1  # share of the prior in every proposal (Hesterberg 1995, defensive mixtures)
_DF = 5.0  # degrees of freedom of the Student-t proposal: heavier tails than the posterior
_JITTER = 1e-12  # added to the diagonal of covariances before factorising
_EPS = 1e-6  # rates and shares at risk are kept this far from 0 and 1 in variances


@dataclass(frozen=True)
class Box:
    """The prior: uniform on the search box, in the coordinates the sampler searches
    (the logarithm for a parameter searched on a log scale)."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray  # bool per parameter

    @classmethod
    def of(cls, free: Mapping[str, FreeParameter]) -> Box:
        """From a scenario's [calibration] table."""
        names = tuple(free)
        return cls(
            names,
            np.array([free[n].low for n in names], dtype=float),
            np.array([free[n].high for n in names], dtype=float),
            np.array([free[n].log for n in names], dtype=bool),
        )

    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.where(self.log, np.log(np.where(self.log, self.low, 1.0)), self.low)
        hi = np.where(self.log, np.log(np.where(self.log, self.high, 1.0)), self.high)
        return lo, hi

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Parameter values (m, d) to [0, 1]^d."""
        lo, hi = self._ends()
        v = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(self.log, np.log(v), v)
        return (v - lo) / (hi - lo)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Points of [0, 1]^d (m, d) to parameter values."""
        lo, hi = self._ends()
        v = lo + np.asarray(u, dtype=float) * (hi - lo)
        return np.where(self.log, np.exp(v), v)


@dataclass(frozen=True)
class Cohort:
    """The observed cohort: retention by period, the periods fitted, and its size N."""

    observed: Mapping[int, float]
    fit: tuple[int, ...]
    size: int


def simulation_noise(batches: Sequence[np.ndarray]) -> np.ndarray:
    """The simulation's noise per renewal rate, as one over the customers it is worth (H,).

    A mean of R runs estimates each renewal rate r_t from the customers at risk, so its logit
    varies about like a binomial share's: Var(logit r_t) = u_t / (r_t (1 - r_t) S(t - 1)), with
    u_t one over the simulation's effective number of customers. Measured on the recheck:
    `batches` holds, per rechecked trial, its batch curves (B, H + 1), each the mean of R runs on
    fresh seeds; u_t is the batches' variance of logit r_t times r_t (1 - r_t) S(t - 1), pooled
    over trials. On that scale one measurement serves every curve, steep or flat (the variance
    of log S itself is hundreds of times larger on a curve ending at 2 % than at 60 %).
    """
    units = []
    for curves in batches:
        curves = np.asarray(curves, dtype=float)
        if curves.shape[0] < 2:
            continue
        logits = logit_rates(curves)
        with np.errstate(invalid="ignore"):
            rate = np.nanmean(1.0 / (1.0 + np.exp(-logits)), axis=0)
            at_risk = np.nanmean(curves[:, :-1], axis=0)
            units.append(np.nanvar(logits, axis=0, ddof=1) * rate * (1 - rate) * at_risk)
    if not units:
        raise ValueError("the simulation's noise needs at least one trial run in two batches")
    with np.errstate(invalid="ignore"):
        pooled = np.nanmean(np.array(units), axis=0)
    return np.where(np.isfinite(pooled), pooled, np.nanmax(pooled, initial=0.0))


def noise_variance(mean_logit: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Variance (m, H) of each renewal-rate logit from the simulation's noise (`noise`, u_t),
    at curves given by their renewal-rate logits (m, H)."""
    rate = np.clip(1.0 / (1.0 + np.exp(-mean_logit)), _EPS, 1 - _EPS)
    at_risk = np.maximum(survival_of(mean_logit)[:, :-1], _EPS)
    return noise / (rate * (1 - rate) * at_risk)


def _model_log_covariance(var_logit: np.ndarray, rates: np.ndarray, start: int) -> np.ndarray:
    """Covariance (m, H, H) of log S'(t) = log S(t) - log S(start), t = 1..H, from what we do
    not know of the curve, independent per renewal rate (the emulator and the simulation)."""
    h = var_logit.shape[1]
    # Var log r_k from Var logit r_k, by the delta method: d log r / d logit r = 1 - r
    var_log = (1.0 - rates) ** 2 * var_logit
    var_log[:, :start] = 0.0
    cum = np.cumsum(var_log, axis=1)  # (m, H): Var log S'(t)
    idx = np.arange(h)
    return cum[:, np.minimum.outer(idx, idx)]


def log_likelihood(mean_logit: np.ndarray, var_logit: np.ndarray, cohort: Cohort) -> np.ndarray:
    """Log-density of the observed fit periods at m curves (Gaussian kernel of ABC).

    mean_logit, var_logit (m, H): renewal-rate logits of each curve and how unsure we are of
    them (the emulator's and the simulation's variance; 0 for a curve known exactly).
    """
    fit = np.asarray(cohort.fit)
    start = int(fit[0]) - 1
    seen = cohort.observed[start]
    observed = np.array([cohort.observed[int(t)] for t in fit]) / seen
    n = cohort.size * seen  # the cohort still there at `start`
    rates = 1.0 / (1.0 + np.exp(-mean_logit))
    s = survival_of(mean_logit)
    cond = s[:, fit] / s[:, [start]]  # S'(t) = S(t) / S(start)
    gap = observed[None, :] - cond
    lo = np.minimum(cond[:, :, None], cond[:, None, :])
    hi = np.maximum(cond[:, :, None], cond[:, None, :])
    sampling = lo * (1.0 - hi) / n
    model = _model_log_covariance(var_logit, rates, start)[:, fit - 1][:, :, fit - 1]
    cov = sampling + cond[:, :, None] * cond[:, None, :] * model
    cov += _JITTER * np.eye(fit.size)
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, gap[:, :, None])[:, :, 0]
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * ((z * z).sum(axis=1) + log_det + fit.size * np.log(2 * np.pi))


def _curves(emulator: Emulator, u: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renewal-rate logits at u and their variance: the emulator's and the simulation's."""
    mean, var = emulator.predict(u)
    return mean, var + noise_variance(mean, noise)


def _evaluate(emulator: Emulator, u: np.ndarray, noise: np.ndarray, cohort: Cohort) -> np.ndarray:
    return log_likelihood(*_curves(emulator, u, noise), cohort)


def _student_t(
    rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray, size: int
) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    z = rng.standard_normal((size, mean.size)) @ chol.T
    return mean + z / np.sqrt(rng.chisquare(_DF, size) / _DF)[:, None]


def _log_t_density(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    d = mean.size
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, (x - mean).T)
    maha = (z * z).sum(axis=0)
    return (
        gammaln((_DF + d) / 2)
        - gammaln(_DF / 2)
        - 0.5 * d * np.log(_DF * np.pi)
        - np.log(np.diag(chol)).sum()
        - 0.5 * (_DF + d) * np.log1p(maha / _DF)
    )


def _ess(log_w: np.ndarray) -> float:
    w = np.exp(log_w - logsumexp(log_w))
    return float(1.0 / np.sum(w * w))


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of the posterior on [0, 1]^d (the box's coordinates)."""

    unit: np.ndarray  # (M, d)
    log_weight: np.ndarray  # (M,) normalised: logsumexp = 0
    ess: float  # effective sample size (Kish)
    log_evidence: float  # log p(data) under the prior and the kernel: for comparing models
    rounds: int

    @property
    def weight(self) -> np.ndarray:
        return np.exp(self.log_weight)

    def resample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """`size` equally weighted draws (systematic resampling), as rows of `unit`."""
        cum = np.cumsum(self.weight)
        points = (rng.random() + np.arange(size)) / size
        return self.unit[np.minimum(np.searchsorted(cum, points * cum[-1]), len(cum) - 1)]


def sample_posterior(
    emulator: Emulator, noise: np.ndarray, cohort: Cohort, dims: int, seed: int = 0
) -> Posterior:
    """Importance sampling from the prior, then from Student-t proposals fitted to the weighted
    sample (with a defensive share of the prior), until the effective sample size reaches
    `_TARGET_ESS` or `_ROUNDS` rounds are done. The evidence is the mean importance weight."""
    rng = np.random.default_rng(seed)
    u = qmc.Sobol(dims, scramble=True, seed=rng).random(_FIRST)
    log_w = _evaluate(emulator, u, noise, cohort)
    rounds = 1
    while _ess(log_w) < _TARGET_ESS and rounds < _ROUNDS:
        w = np.exp(log_w - logsumexp(log_w))
        mean = w @ u
        cov = ((u - mean).T * w) @ (u - mean) * 1.5**2 + 1e-8 * np.eye(dims)
        prior = rng.random(_ROUND) < _DEFENSIVE
        proposal = _student_t(rng, mean, cov, _ROUND)
        fresh = np.where(prior[:, None], rng.random((_ROUND, dims)), proposal)
        inside = ((fresh >= 0) & (fresh <= 1)).all(axis=1)
        log_q = np.logaddexp(
            np.log(_DEFENSIVE), np.log1p(-_DEFENSIVE) + _log_t_density(fresh, mean, cov)
        )
        fresh_w = np.full(_ROUND, -np.inf)
        fresh_w[inside] = _evaluate(emulator, fresh[inside], noise, cohort) - log_q[inside]
        u, log_w = fresh, fresh_w
        rounds += 1
    log_evidence = float(logsumexp(log_w) - np.log(log_w.size))
    return Posterior(
        unit=u,
        log_weight=log_w - logsumexp(log_w),
        ess=_ess(log_w),
        log_evidence=log_evidence,
        rounds=rounds,
    )


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (values (M,), weights (M,) >= 0)."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w) - 0.5 * w
    return np.interp(np.asarray(q) * w.sum(), cum, v)


def _survivors(curve: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Customers left at each period (P, K + 1) of n who churn by survival curves (P, K + 1)
    starting at 1: each customer's churn period drawn from the curve (multinomial)."""
    churn = np.concatenate([curve[:, :-1] - curve[:, 1:], curve[:, -1:]], axis=1)
    churn = np.clip(churn, 0.0, None)
    counts = rng.multinomial(n, churn / churn.sum(axis=1, keepdims=True))
    return n - np.concatenate(
        [np.zeros((curve.shape[0], 1)), np.cumsum(counts[:, :-1], axis=1)], axis=1
    )


def predictive_paths(
    mean_logit: np.ndarray,
    var_logit: np.ndarray,
    size: int,
    rng: np.random.Generator,
    seen: tuple[int, float] | None = None,
) -> np.ndarray:
    """Retention paths (P, H + 1) of a cohort of `size` customers, one per posterior draw.

    Each draw's curve (renewal-rate logits `mean_logit`, P x H) carries what we do not know of
    it (logits drawn with variance `var_logit`: the emulator's and the simulation's); the cohort
    then churns by a multinomial draw of its customers' churn periods from that curve. With
    `seen` = (L, share) the periods after L are this cohort's own future: its share * size
    customers still there at L churn by the curve from L on, S(t) / S(L) (customers are
    independent, so the survivors of a cohort are a cohort of their own); up to L the paths are
    those of a cohort like it.
    """
    logits = mean_logit + np.sqrt(var_logit) * rng.standard_normal(mean_logit.shape)
    h = mean_logit.shape[1]
    curve = survival_of(logits)
    paths = _survivors(curve, size, rng) / size
    if seen is not None and seen[0] < h:
        last, share = seen
        later = curve[:, last:] / np.maximum(curve[:, [last]], 1e-12)
        paths[:, last + 1 :] = _survivors(later, round(share * size), rng)[:, 1:] / size
    return paths


def forecast_bands(paths: np.ndarray, cohort: str) -> pl.DataFrame:
    """Per period: the predictive mean and the 90 % prediction band of the cohort's retention."""
    periods = np.arange(paths.shape[1])
    lower, upper = np.quantile(paths, _Q, axis=0)
    return pl.DataFrame(
        {
            "cohort": [cohort] * periods.size,
            "period": periods,
            "mean": paths.mean(axis=0),
            "lower": lower,
            "upper": upper,
        },
        schema={
            "cohort": pl.String,
            "period": pl.Int64,
            "mean": pl.Float64,
            "lower": pl.Float64,
            "upper": pl.Float64,
        },
    )


def trial_log_likelihood(curves: np.ndarray, noise: np.ndarray, cohort: Cohort) -> np.ndarray:
    """The kernel at each trial's own simulated curve (rows), with the simulation's noise:
    plain kernel ABC over the trials, no emulator between them. NaN for a curve missing a
    period the fit needs."""
    logits = logit_rates(curves)
    out = np.full(curves.shape[0], np.nan)
    need = max(cohort.fit)
    ok = np.isfinite(np.asarray(curves)[:, : need + 1]).all(axis=1)
    filled = np.where(np.isfinite(logits), logits, 0.0)[ok]
    if ok.any():
        out[ok] = log_likelihood(filled, noise_variance(filled, noise), cohort)
    return out


@dataclass(frozen=True)
class Fitted:
    """The whole inference from trials to forecast: emulator, simulation noise, posterior,
    equally weighted draws and a cohort's retention path per draw."""

    emulator: Emulator
    simulation_noise: np.ndarray  # (H,): u_t, one over the simulation's effective customers
    posterior: Posterior
    draws: np.ndarray  # (DRAWS, d) on [0, 1]^d
    paths: np.ndarray  # (DRAWS, H + 1)


def fit(
    unit: np.ndarray,
    curves: np.ndarray,
    batches: Sequence[np.ndarray],
    cohort: Cohort,
    seed: int,
) -> Fitted:
    """Trials (inputs on [0, 1]^d, mean curves S(0..H)) and recheck batches to the forecast.

    Deterministic given `seed`; the same function serves `journey calibrate` and the coverage
    checks (`calibration.coverage`).
    """
    noise = simulation_noise(batches)
    emulator = fit_emulator(unit, logit_rates(curves), seed=seed)
    posterior = sample_posterior(emulator, noise, cohort, unit.shape[1], seed=seed)
    rng = np.random.default_rng([seed, 1])
    draws = posterior.resample(DRAWS, rng)
    last = cohort.fit[-1]
    paths = predictive_paths(
        *_curves(emulator, draws, noise), cohort.size, rng, (last, cohort.observed[last])
    )
    return Fitted(emulator, noise, posterior, draws, paths)
