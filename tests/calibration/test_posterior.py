"""The posterior and the prediction band: the kernel, the band's width, and coverage
(simulation-based calibration) on a fast stand-in for the journey model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, qmc

from calibration.coverage import check, synthetic_cohort
from calibration.emulator import logit_rates, survival_of
from calibration.posterior import (
    Box,
    Cohort,
    fit,
    forecast_bands,
    log_likelihood,
    noise_variance,
    simulation_noise,
)
from calibration.sbg import survival

# The stand-in: sBG curves over (alpha, beta), both searched on a log scale.
BOX = Box(("alpha", "beta"), np.array([0.3, 0.5]), np.array([3.0, 8.0]), np.array([True, True]))
H, FIT, SIZE = 7, (1, 2, 3, 4), 1000
PERIODS = np.arange(H + 1)


EFFECTIVE = 3000
"""Customers a simulated curve (a mean of R runs) is worth: its noise is a cohort that size's."""


def simulated(unit: np.ndarray, errors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Curves S(0..H) at points of [0, 1]^2, as a simulation with common random numbers makes
    them: each renewal rate's logit off by binomial-like noise of EFFECTIVE customers, through
    standard normal `errors` (1, H) shared by every point, plus a little jitter of their own."""
    alpha, beta = BOX.from_unit(unit).T
    exact = survival(alpha[:, None], beta[:, None], PERIODS[None, :])
    logits = logit_rates(exact)
    z = errors + rng.normal(0, 0.1, logits.shape)
    noisy = logits + z * np.sqrt(noise_variance(logits, np.full(H, 1 / EFFECTIVE)))
    return survival_of(noisy)


def study(rng: np.random.Generator, trials: int = 64) -> tuple[np.ndarray, np.ndarray, list]:
    """A design (QMC), its curves on common random numbers, and 3 rechecked points x 4 batches."""
    unit = qmc.Sobol(2, seed=rng).random(trials)
    curves = simulated(unit, rng.standard_normal((1, H)), rng)
    batches = [simulated(unit[[i] * 4], rng.standard_normal((4, H)), rng) for i in range(3)]
    return unit, curves, batches


def test_the_kernel_is_the_cohorts_multinomial_noise_when_the_curve_is_known() -> None:
    """With no emulator or simulation doubt, the kernel is the Gaussian of a cohort's survival
    shares: mean S(t), Cov = S(t)(1 - S(s)) / N for s <= t."""
    s = survival(0.7, 1.2, PERIODS)
    observed = dict(enumerate([1.0, 0.62, 0.47, 0.39, 0.33, 0.3, 0.26, 0.24]))
    logits = logit_rates(s[None, :])
    got = log_likelihood(logits, np.zeros_like(logits), Cohort(observed, FIT, SIZE))
    f = np.array(FIT)
    cov = np.minimum.outer(s[f], s[f]) * (1 - np.maximum.outer(s[f], s[f])) / SIZE
    want = multivariate_normal(s[f], cov).logpdf([observed[t] for t in FIT])
    assert got[0] == pytest.approx(want, rel=1e-6)  # up to the jitter on the diagonal
    # fitted from period 3 on, the cohort is its survivors at period 2, and the curve S / S(2)
    later = log_likelihood(logits, np.zeros_like(logits), Cohort(observed, (3, 4), SIZE))
    ratio = s[[3, 4]] / s[2]
    n = SIZE * observed[2]
    cov = np.minimum.outer(ratio, ratio) * (1 - np.maximum.outer(ratio, ratio)) / n
    want = multivariate_normal(ratio, cov).logpdf(
        [observed[3] / observed[2], observed[4] / observed[2]]
    )
    assert later[0] == pytest.approx(want, rel=1e-6)  # up to the jitter on the diagonal
    # doubt about the curve widens the kernel: a far-off observation is less improbable
    doubt = log_likelihood(
        logits,
        np.full_like(logits, 0.05),
        Cohort({**observed, 4: 0.25}, FIT, SIZE),
    )
    sure = log_likelihood(logits, np.zeros_like(logits), Cohort({**observed, 4: 0.25}, FIT, SIZE))
    assert doubt[0] > sure[0]


def test_the_simulations_noise_is_measured_as_customers_it_is_worth() -> None:
    """Batches of 200 trials, each around its own curve, with the noise of 3,000 customers:
    the pooled measure is 1 / 3,000 per renewal rate within its sampling error (600 degrees
    of freedom: about 6 % on a variance), whatever the curves' levels."""
    rng = np.random.default_rng(11)
    unit = rng.random((200, 2))
    batches = [simulated(u[None, :].repeat(4, 0), rng.standard_normal((4, H)), rng) for u in unit]
    got = simulation_noise(batches)
    assert got.shape == (H,)
    np.testing.assert_allclose(got * EFFECTIVE, 1.0 + 0.1**2, rtol=0.2)  # jitter adds 1 %
    with pytest.raises(ValueError, match="two batches"):
        simulation_noise([batches[0][:1]])


def test_the_box_maps_to_the_unit_cube_and_back() -> None:
    values = np.array([[0.3, 8.0], [3.0, 0.5], [1.0, 2.0]])
    unit = BOX.to_unit(values)
    assert unit[0] == pytest.approx([0, 1]) and unit[1] == pytest.approx([1, 0])
    assert unit[2, 0] == pytest.approx(np.log(1 / 0.3) / np.log(10))
    np.testing.assert_allclose(BOX.from_unit(unit), values)


def test_the_band_holds_a_cohorts_sampling_noise_and_widens_with_the_horizon() -> None:
    """Fitted on years 1-4 of a cohort of 1,000 made by the regular cohort's published sBG fit.
    No period's band is narrower than the binomial 90 % interval of the cohort's sampling noise
    (a band narrower than that would be a failure): over the fitted years that of 1,000
    customers, after them that of the customers still there in year 4 (the held-out years are
    this cohort's own future, so the band narrows after year 4 and then widens with every year."""
    rng = np.random.default_rng(7)
    unit, curves, batches = study(rng)
    observed = synthetic_cohort(survival(0.704, 1.182, PERIODS), SIZE, rng)
    fitted = fit(unit, curves, batches, Cohort(observed, FIT, SIZE), seed=7)
    band = forecast_bands(fitted.paths, "c")
    mean, width = band["mean"].to_numpy(), (band["upper"] - band["lower"]).to_numpy()
    last = FIT[-1]
    at_risk = np.where(last >= PERIODS, SIZE, round(observed[last] * SIZE))
    kept = np.where(last >= PERIODS, mean, mean / observed[last])  # share of those at risk
    binomial = 2 * 1.645 * np.sqrt(at_risk * kept * (1 - kept)) / SIZE
    assert (width[1:] >= binomial[1:]).all(), (width, binomial)
    assert (np.diff(width[last + 1 :]) > 0).all(), width
    # and the band is about as wide as that noise plus the parameters' doubt, no wider
    assert (width[1:] < 2.5 * binomial[1:]).all(), (width, binomial)


@pytest.mark.slow
def test_ninety_percent_intervals_hold_the_truth_about_ninety_percent_of_the_time() -> None:
    """Simulation-based calibration (Talts et al. 2018) on 40 synthetic cohorts of 1,000, each
    from parameters drawn from the prior: parameters' credible intervals and held-out periods'
    prediction bands each hold the truth 80-97 % of the time (90 % expected; 80 draws of the
    parameters give a standard error of about 3.4 points)."""
    rng = np.random.default_rng(2018)
    params, periods = [], []
    for k in range(40):
        unit, curves, batches = study(rng)
        truth = rng.random(2)
        alpha, beta = BOX.from_unit(truth[None, :])[0]
        observed = synthetic_cohort(survival(alpha, beta, PERIODS), SIZE, rng)
        result = check(unit, curves, batches, truth, observed, FIT, SIZE, seed=k)
        params.append(result.parameters_inside)
        periods.append(result.periods_inside)
    params_covered, periods_covered = np.mean(params), np.mean(periods)
    assert 0.80 <= params_covered <= 0.97, params_covered
    assert 0.80 <= periods_covered <= 0.97, periods_covered
