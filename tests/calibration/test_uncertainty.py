"""Noise floor, accepted set, intervals, correlations, forecast band and hold-out."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from calibration.sbg import SbgFit
from calibration.uncertainty import (
    accepted_set,
    best_trial,
    correlations,
    forecast,
    holdout,
    intervals,
    noise_floor,
)


def trials(losses: list[float], xs: list[float], ys: list[float]) -> pl.DataFrame:
    n = len(losses)
    return pl.DataFrame(
        {
            "trial": range(n),
            "state": ["complete"] * (n - 1) + ["running"],
            "loss": losses,
            "x": xs,
            "y": ys,
        }
    )


def test_noise_floor_is_the_mean_spread_of_batch_losses_and_best_is_the_lowest_mean() -> None:
    rechecked = pl.DataFrame(
        {
            "trial": [3, 3, 3, 8, 8, 8],
            "batch": [0, 1, 2] * 2,
            "loss": [1.0, 2.0, 3.0, 0.5, 1.5, 1.0],
        }
    )
    assert noise_floor(rechecked) == pytest.approx((1.0 + 0.5) / 2)
    assert best_trial(rechecked) == 8


def test_accepted_set_is_within_the_floor_of_the_best_trials_search_loss() -> None:
    frame = trials([1.0, 1.2, 1.5, 3.0, 0.1], [0.0, 1.0, 2.0, 3.0, 9.0], [0.0, 2.0, 4.0, 6, 0])
    # trial 4 has the lowest loss but is still running: never accepted
    accepted = accepted_set(frame, best=1, floor=0.4)
    assert accepted["trial"].to_list() == [0, 1, 2]
    table = intervals(accepted, {"x": 1.0, "y": 2.0}, ["x", "y"])
    assert table.row(0) == ("x", 1.0, 0.0, 2.0)
    r = correlations(accepted, ["x", "y"])
    assert r["r"][0] == pytest.approx(1.0)
    assert correlations(accepted.head(2), ["x", "y"])["r"][0] is None  # too few to say


def test_forecast_band_spans_the_accepted_curves() -> None:
    curves = np.array([[1.0, 0.6, 0.40], [1.0, 0.5, 0.30], [1.0, 0.7, np.nan]])
    frame = forecast(curves, "c")
    assert frame.columns == ["cohort", "period", "mean", "lower", "upper"]
    assert frame["mean"].to_list() == pytest.approx([1.0, 0.6, 0.35])
    assert frame["lower"][1] == pytest.approx(np.quantile([0.6, 0.5, 0.7], 0.05))
    assert frame["upper"][2] == pytest.approx(np.quantile([0.4, 0.3], 0.95))
    assert (frame["lower"] <= frame["mean"]).all() and (frame["mean"] <= frame["upper"]).all()


def test_holdout_compares_later_periods_with_both_forecasts() -> None:
    predicted = forecast(np.array([[1.0, 0.6, 0.45, 0.40]]), "c")
    sbg = SbgFit(alpha=1.0, beta=1.0, log_likelihood=0.0)  # S(t) = 1 / (t + 1)
    observed = {0: 1.0, 1: 0.6, 2: 0.5, 3: 0.3, 4: 0.2}
    frame = holdout(predicted, observed, fit_end=1, sbg=sbg)
    assert frame["period"].to_list() == [2, 3]  # 4 is beyond the horizon
    assert frame["journey_error"].to_list() == pytest.approx([-5.0, 10.0])
    assert frame["sbg_error"].to_list() == pytest.approx([100 / 3 - 50, 25 - 30])
