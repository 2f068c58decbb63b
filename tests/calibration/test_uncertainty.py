"""Noise floor, accepted set, intervals, correlations, forecast band and hold-out."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import optuna
import polars as pl
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from calibration.objective import Problem
from calibration.sbg import SbgFit
from calibration.uncertainty import (
    accepted_set,
    best_trial,
    correlations,
    holdout,
    intervals,
    noise_floor,
    recheck,
)
from sim.scenario import load_scenario


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


def test_accepted_trials_are_those_inside_the_likelihood_region() -> None:
    """Wilks: 2 x (best - own log-likelihood) within the chi-square 90 % quantile with one degree
    of freedom per parameter (2 parameters: 4.61, so within 2.30 of the best)."""
    frame = trials([1.0, 1.2, 1.5, 3.0, 0.1], [0.0, 1.0, 2.0, 3.0, 9.0], [0.0, 2.0, 4.0, 6, 0])
    # trial 4 is still running: never accepted, whatever its likelihood
    log_lik = np.array([-1.0, -3.2, -3.4, -9.0, 5.0])
    accepted = accepted_set(frame, [0, 1, 2, 3, 4], log_lik, dims=2)
    assert accepted["trial"].to_list() == [0, 1]
    assert accepted["log_likelihood"].to_list() == [-1.0, -3.2]
    assert accepted_set(frame, [0, 1], np.array([np.nan, np.nan]), dims=2).height == 0


def test_intervals_and_correlations_come_from_the_posterior_draws() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 20_000)
    draws = pl.DataFrame({"draw": range(x.size), "x": x, "y": 2 * x + 1})
    table = intervals(draws, {"x": 0.3, "y": 1.6}, ["x", "y"])
    assert table.columns == ["parameter", "best", "low", "high", "mean"]
    row = table.row(0, named=True)
    assert row["best"] == 0.3
    assert (row["low"], row["high"], row["mean"]) == pytest.approx((0.05, 0.95, 0.5), abs=0.01)
    assert table.row(1, named=True)["high"] == pytest.approx(2 * row["high"] + 1)
    r = correlations(draws, ["x", "y"])
    assert r["r"][0] == pytest.approx(1.0)
    assert correlations(draws.head(2), ["x", "y"])["r"][0] is None  # too few to say


def test_holdout_compares_later_periods_with_both_forecasts_and_the_band() -> None:
    predicted = pl.DataFrame(
        {
            "cohort": "c",
            "period": [0, 1, 2, 3],
            "mean": [1.0, 0.6, 0.45, 0.40],
            "lower": [1.0, 0.55, 0.40, 0.33],
            "upper": [1.0, 0.65, 0.52, 0.47],
        }
    )
    sbg = SbgFit(alpha=1.0, beta=1.0, log_likelihood=0.0)  # S(t) = 1 / (t + 1)
    observed = {0: 1.0, 1: 0.6, 2: 0.5, 3: 0.3, 4: 0.2}
    frame = holdout(predicted, observed, fit_end=1, sbg=sbg)
    assert frame.columns == [
        "period", "observed", "journey", "sbg", "journey_error", "sbg_error", "lower", "upper",
        "inside",
    ]  # fmt: skip
    assert frame["period"].to_list() == [2, 3]  # 4 is beyond the horizon
    assert frame["journey_error"].to_list() == pytest.approx([-5.0, 10.0])
    assert frame["sbg_error"].to_list() == pytest.approx([100 / 3 - 50, 25 - 30])
    assert frame["inside"].to_list() == [True, False]


class _Stop(Exception):
    """Ctrl-C, raised where the first batch is stored."""


def test_a_recheck_with_workers_stopped_midway_ends_at_once_and_keeps_what_it_stored(
    small: Path, tmp_path: Path
) -> None:
    """The batches in the workers are ended, not run to the end first (as a pool's own exit
    did: Ctrl-C then waited for every batch submitted); the batch stored stays stored."""
    problem = Problem.build(load_scenario(small), {0: 1.0, 1: 0.8, 2: 0.7}, [1, 2], 6)
    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}", study_name="s")
    space = {"retention.base": FloatDistribution(-1.0, 3.0)}
    for k, x in enumerate([0.8, 1.0, 1.2, 1.4, 1.6]):
        study.add_trial(create_trial(params={"retention.base": x}, distributions=space, value=k))
    times: list[float] = [time.perf_counter()]

    def first_stored() -> None:
        times.append(time.perf_counter())
        raise _Stop

    with pytest.raises(_Stop):
        recheck(study, problem, reps=16, seed=0, workers=2, on_done=first_stored)
    took, ending = times[1] - times[0], time.perf_counter() - times[1]
    # the 19 batches left would take over four times as long as the first one did
    assert ending < took, (ending, took)
    assert list(study.user_attrs["recheck"]) == ["0:0"]  # the best trial's first batch
