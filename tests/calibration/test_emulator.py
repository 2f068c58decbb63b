"""The Gaussian-process emulator: it interpolates, knows where it is unsure, and keeps curves
falling and inside (0, 1)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from calibration.emulator import fit_emulator, logit_rates, survival_of


def smooth(x: np.ndarray) -> np.ndarray:
    """Two outputs of two inputs, smooth on [0, 1]^2 (a stand-in for renewal-rate logits)."""
    return np.column_stack([np.sin(3 * x[:, 0]) + x[:, 1] ** 2, 2 * x[:, 0] * x[:, 1] - x[:, 1]])


def test_interpolates_a_smooth_function_and_its_band_holds_the_truth() -> None:
    x = qmc.Sobol(2, seed=1).random(64)
    emulator = fit_emulator(x, smooth(x), seed=0)
    new = np.random.default_rng(2).random((500, 2))
    mean, var = emulator.predict(new)
    error = mean - smooth(new)
    assert np.abs(error).max() < 0.05  # the outputs span about 2
    z = error / np.sqrt(var + emulator.nugget * emulator.signal * emulator.scale**2)
    assert np.mean(np.abs(z) < 1.645) > 0.8  # its 90 % band is not overconfident
    at_trials, var_at_trials = emulator.predict(x)
    assert np.abs(at_trials - smooth(x)).max() < 1e-3
    # where the curve is known the only doubt left is the trials' own jitter (the nugget)
    assert (var_at_trials <= emulator.nugget * emulator.signal * emulator.scale**2 + 1e-15).all()


def test_it_is_unsure_far_from_every_trial() -> None:
    x = np.random.default_rng(3).random((40, 2)) * 0.3  # trials in one corner only
    emulator = fit_emulator(x, smooth(x), seed=0)
    _, near = emulator.predict(np.array([[0.15, 0.15]]))
    _, far = emulator.predict(np.array([[0.95, 0.95]]))
    assert (far > 100 * near).all()


def test_rows_with_a_missing_output_are_left_out() -> None:
    x = qmc.Sobol(2, seed=4).random(32)
    y = smooth(x)
    y[5, 1] = np.nan
    emulator = fit_emulator(x, y)
    assert emulator.x.shape == (31, 2)
    with pytest.raises(ValueError, match="at least 2 complete trials"):
        fit_emulator(x[:1], y[:1])


def test_renewal_rate_logits_and_curves_are_inverse() -> None:
    curves = np.array([[1.0, 0.63, 0.47, 0.38, 0.33], [1.0, 0.87, 0.74, 0.65, 0.59]])
    logits = logit_rates(curves)
    assert logits.shape == (2, 4)
    np.testing.assert_allclose(survival_of(logits), curves, rtol=1e-12)
    # any logits give a falling curve inside (0, 1]
    anything = np.random.default_rng(5).normal(0, 5, (100, 6))
    s = survival_of(anything)
    assert (s[:, 0] == 1).all() and (np.diff(s, axis=1) <= 0).all() and (s > 0).all()
