"""The sBG baseline: its survival function and the published maximum-likelihood fits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.observed import cohort_curve, read_observed
from calibration.sbg import fit_sbg, survival

SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "data" / "fader_hardie_2007.csv"


@pytest.mark.parametrize(
    ("cohort", "alpha", "beta"),
    [("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)],  # Fader & Hardie (2007), years 1-7
)
def test_reproduces_the_published_fits(cohort: str, alpha: float, beta: float) -> None:
    fit = fit_sbg(cohort_curve(read_observed(SHIPPED), cohort), 1, 7)
    assert fit.alpha == pytest.approx(alpha, abs=0.0015)  # published to three decimals
    assert fit.beta == pytest.approx(beta, abs=0.0015)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.05, 20), st.floats(0.05, 20))
def test_survival_follows_the_churn_recursion(alpha: float, beta: float) -> None:
    t = np.arange(12)
    s = survival(alpha, beta, t)
    assert s[0] == pytest.approx(1.0)
    churn = -np.diff(s)  # P(T = t) for t = 1, 2, ...
    assert np.all(churn > 0)
    assert churn[0] == pytest.approx(alpha / (alpha + beta), rel=1e-9)
    k = np.arange(2, 12)
    ratio = (beta + k - 2) / (alpha + beta + k - 1)
    np.testing.assert_allclose(churn[1:], churn[:-1] * ratio, rtol=1e-9)


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 2.0), (1.3, 0.9), (3.0, 8.0)])
def test_recovers_the_parameters_of_an_exact_curve(alpha: float, beta: float) -> None:
    curve = dict(enumerate(survival(alpha, beta, np.arange(9)).tolist()))
    fit = fit_sbg(curve, 1, 8)
    assert fit.alpha == pytest.approx(alpha, rel=1e-4)
    assert fit.beta == pytest.approx(beta, rel=1e-4)


def test_fits_only_the_periods_it_is_given() -> None:
    curve = cohort_curve(read_observed(SHIPPED), "regular")
    early = fit_sbg(curve, 1, 4)
    changed = {**curve, 5: 0.1, 6: 0.05, 7: 0.01}
    assert fit_sbg(changed, 1, 4) == early
    assert fit_sbg(changed, 1, 7) != fit_sbg(curve, 1, 7)
    assert early.log_likelihood < 0
