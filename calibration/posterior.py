"""The posterior over the free parameters, and the forecast as a prediction interval.

Method (calibration/README.md, "Posterior and prediction band", gives the why and the evidence):

* **Kernel ABC whose kernel is the cohort's sampling error.** The observed retention of a cohort
  of N customers differs from the model's expected curve S(t) by the cohort's sampling noise
  (survival shares of a multinomial sample: Cov = S(t)(1 - S(s)) / N for s <= t), plus what we
  do not know of S(t) itself: the simulation's noise (the mean of R runs, measured on fresh
  seeds by the recheck) and the emulator's uncertainty between trials. Kernel ABC with that
  Gaussian as its kernel is exact inference under that error model (Wilkinson 2013,
  "Approximate Bayesian computation (ABC) gives exact results under the assumption of model
  error", Stat. Appl. Genet. Mol. Biol. 12(2)). Fit periods after the first condition on the
  period before them: the survivors then are the cohort.
* **Over the trials, through the emulator** (`calibration.emulator`): the curve at any
  parameter vector comes from the Gaussian process fitted to the trials, so the posterior is
  sampled from the prior (uniform on the search box, on a log scale where the parameter is
  searched on one) by adaptive importance sampling, without another simulation.
* **Prediction interval**: posterior draws, each with the emulator's and the simulation's noise
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
from scipy.special import logsumexp
from scipy.stats import qmc

from calibration.emulator import Emulator, fit_emulator, logit_rates, survival_of

__all__ = [
    "DRAWS",
    "Box",
    "Cohort",
    "Fitted",
    "Posterior",
    "fit",
    "forecast_bands",
    "log_likelihood",
    "predictive_paths",
    "sample_posterior",
    "simulation_covariance",
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


@dataclass(frozen=True)
class Box:
    """The prior: uniform on the search box, in the coordinates the sampler searches
    (the logarithm for a parameter searched on a log scale)."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray  # bool per parameter

    @classmethod
    def of(cls, free: Mapping[str, object]) -> Box:
        """From a scenario's [calibration] table (name -> FreeParameter)."""
        names = tuple(free)
        return cls(
            names,
            np.array([free[n].low for n in names], dtype=float),  # type: ignore[attr-defined]
            np.array([free[n].high for n in names], dtype=float),  # type: ignore[attr-defined]
            np.array([free[n].log for n in names], dtype=bool),  # type: ignore[attr-defined]
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


def simulation_covariance(batches: Sequence[np.ndarray]) -> np.ndarray:
    """Covariance (H, H) of log S(1..H) of a mean of R runs, from repeated batches.

    `batches` holds, per rechecked trial, its batch curves (B, H + 1), each the mean of R runs
    on fresh seeds. The deviations of each trial's batches from their own mean are pooled (B - 1
    degrees of freedom per trial). Periods a batch did not observe are left out pairwise.
    """
    deviations = []
    for curves in batches:
        logs = np.log(np.clip(np.asarray(curves, dtype=float)[:, 1:], 1e-12, None))
        if logs.shape[0] < 2:
            continue
        deviations.append(
            (logs - np.nanmean(logs, axis=0)) * np.sqrt(logs.shape[0] / (logs.shape[0] - 1))
        )
    if not deviations:
        raise ValueError("the simulation's noise needs at least one trial run in two batches")
    dev = np.concatenate(deviations)
    ok = np.isfinite(dev)
    filled = np.where(ok, dev, 0.0)
    pairs = ok.T.astype(float) @ ok.astype(float)
    cov = (filled.T @ filled) / np.maximum(pairs, 1.0)
    values, vectors = np.linalg.eigh(cov)  # pairwise deletion may leave it slightly indefinite
    return (vectors * np.clip(values, 0.0, None)) @ vectors.T


def _model_log_covariance(
    var_logit: np.ndarray, rates: np.ndarray, sim_cov: np.ndarray, start: int
) -> np.ndarray:
    """Covariance (m, H, H) of log S'(t) = log S(t) - log S(start), t = 1..H, from what we do
    not know of the curve: the emulator (independent per renewal rate) and the simulation."""
    h = var_logit.shape[1]
    # Var log r_k from Var logit r_k, by the delta method: d log r / d logit r = 1 - r
    var_log = (1.0 - rates) ** 2 * var_logit
    var_log[:, :start] = 0.0
    cum = np.cumsum(var_log, axis=1)  # (m, H): Var log S'(t) from the emulator
    idx = np.arange(h)
    emulated = cum[:, np.minimum.outer(idx, idx)]
    full = np.zeros((h + 1, h + 1))
    full[1:, 1:] = sim_cov
    shift = full[1:, 1:] - full[1:, start][:, None] - full[start, 1:][None, :] + full[start, start]
    return emulated + shift[None, :, :]


def log_likelihood(
    mean_logit: np.ndarray,
    var_logit: np.ndarray,
    sim_cov: np.ndarray,
    cohort: Cohort,
) -> np.ndarray:
    """Log-density of the observed fit periods at m curves (Gaussian kernel of ABC).

    mean_logit, var_logit (m, H): renewal-rate logits of each curve and their emulator variance
    (0 for a curve known exactly); sim_cov (H, H): the simulation's noise on log S.
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
    model = _model_log_covariance(var_logit, rates, sim_cov, start)[:, fit - 1][:, :, fit - 1]
    cov = sampling + cond[:, :, None] * cond[:, None, :] * model
    cov += _JITTER * np.eye(fit.size)
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, gap[:, :, None])[:, :, 0]
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * ((z * z).sum(axis=1) + log_det + fit.size * np.log(2 * np.pi))


def _evaluate(emulator: Emulator, u: np.ndarray, sim_cov: np.ndarray, cohort: Cohort) -> np.ndarray:
    mean, var = emulator.predict(u)
    return log_likelihood(mean, var, sim_cov, cohort)


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
    from scipy.special import gammaln

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
    emulator: Emulator, sim_cov: np.ndarray, cohort: Cohort, dims: int, seed: int = 0
) -> Posterior:
    """Importance sampling from the prior, then from Student-t proposals fitted to the weighted
    sample (with a defensive share of the prior), until the effective sample size reaches
    `_TARGET_ESS` or `_ROUNDS` rounds are done. The evidence is the mean importance weight."""
    rng = np.random.default_rng(seed)
    u = qmc.Sobol(dims, scramble=True, seed=rng).random(_FIRST)
    log_w = _evaluate(emulator, u, sim_cov, cohort)
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
        fresh_w[inside] = _evaluate(emulator, fresh[inside], sim_cov, cohort) - log_q[inside]
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
    sim_cov: np.ndarray,
    size: int,
    rng: np.random.Generator,
    seen: tuple[int, float] | None = None,
) -> np.ndarray:
    """Retention paths (P, H + 1) of a cohort of `size` customers, one per posterior draw.

    Each draw's curve (renewal-rate logits `mean_logit`, P x H) carries the emulator's
    uncertainty (logits drawn with variance `var_logit`) and the simulation's noise (log S drawn
    with covariance `sim_cov`); the cohort then churns by a multinomial draw of its customers'
    churn periods from that curve. With `seen` = (L, share) the periods after L are this
    cohort's own future: its share * size customers still there at L churn by the curve from L
    on, S(t) / S(L) (customers are independent, so the survivors of a cohort are a cohort of
    their own); up to L the paths are those of a cohort like it.
    """
    logits = mean_logit + np.sqrt(var_logit) * rng.standard_normal(mean_logit.shape)
    p, h = mean_logit.shape
    noise = rng.multivariate_normal(np.zeros(h), sim_cov, size=p, method="eigh")
    curve = survival_of(logits)
    curve[:, 1:] *= np.exp(noise)
    curve = np.clip(np.minimum.accumulate(curve, axis=1), 0.0, 1.0)
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


def trial_log_likelihood(curves: np.ndarray, sim_cov: np.ndarray, cohort: Cohort) -> np.ndarray:
    """The kernel at each trial's own simulated curve (rows): plain kernel ABC over the trials,
    with no emulator between them. NaN for a curve missing a period the fit needs."""
    logits = logit_rates(curves)
    out = np.full(curves.shape[0], np.nan)
    need = max(cohort.fit)
    ok = np.isfinite(np.asarray(curves)[:, : need + 1]).all(axis=1)
    filled = np.where(np.isfinite(logits), logits, 0.0)
    if ok.any():
        out[ok] = log_likelihood(filled[ok], np.zeros_like(filled[ok]), sim_cov, cohort)
    return out


@dataclass(frozen=True)
class Fitted:
    """The whole inference from trials to forecast: emulator, simulation noise, posterior,
    equally weighted draws and a cohort's retention path per draw."""

    emulator: Emulator
    simulation_covariance: np.ndarray
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
    covariance = simulation_covariance(batches)
    emulator = fit_emulator(unit, logit_rates(curves), seed=seed)
    posterior = sample_posterior(emulator, covariance, cohort, unit.shape[1], seed=seed)
    rng = np.random.default_rng([seed, 1])
    draws = posterior.resample(DRAWS, rng)
    last = cohort.fit[-1]
    mean, var = emulator.predict(draws)
    paths = predictive_paths(mean, var, covariance, cohort.size, rng, (last, cohort.observed[last]))
    return Fitted(emulator, covariance, posterior, draws, paths)
