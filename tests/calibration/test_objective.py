"""The objective: chained cohort retention, the distance, common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration.objective import MISSING, Problem, mean_curve, rmse_points
from sim.running import replication_seeds
from sim.scenario import load_scenario


def test_rmse_points_and_missing_periods() -> None:
    observed = {0: 1.0, 1: 0.6, 2: 0.5}
    assert rmse_points(np.array([1.0, 0.62, 0.46]), observed, [1, 2]) == pytest.approx(
        np.sqrt((2**2 + 4**2) / 2)
    )
    unseen = rmse_points(np.array([1.0, 0.6, np.nan]), observed, [1, 2])
    assert unseen == pytest.approx(np.sqrt(MISSING**2 / 2))


def test_mean_curve_ignores_replications_that_did_not_observe_a_period() -> None:
    curves = np.array([[1.0, 0.5, np.nan], [1.0, 0.7, 0.4], [1.0, 0.6, np.nan]])
    mean = mean_curve(curves)
    assert mean == pytest.approx([1.0, 0.6, 0.4])
    assert np.isnan(mean_curve(np.array([[1.0, np.nan]])))[1]


def test_common_random_numbers_make_the_loss_a_deterministic_function(small: Path) -> None:
    """Same parameters and seeds: identical curves; a changed parameter moves the curve the way
    the churn log-odds say (a higher base churns more)."""
    problem = Problem.build(load_scenario(small), {0: 1.0, 1: 0.6}, [1], 3)
    seeds = replication_seeds(7, 2)
    a = problem.simulate({"retention.base": -1.5}, seeds)
    b = problem.simulate({"retention.base": -1.5}, seeds)
    worse = problem.simulate({"retention.base": 0.0}, seeds)
    assert np.array_equal(a, b, equal_nan=True)
    assert a.shape == (2, 4)
    assert np.all(mean_curve(worse)[1:] < mean_curve(a)[1:])


def test_build_lengthens_the_run_to_observe_the_horizon(small: Path) -> None:
    scenario = load_scenario(small)
    assert scenario.time.steps == 60
    problem = Problem.build(scenario, {0: 1.0}, [1], 9)
    assert problem.scenario.time.steps == 10 * scenario.retention.period
    assert Problem.build(scenario, {0: 1.0}, [1], 2).scenario.time.steps == 60
