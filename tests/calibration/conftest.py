"""A small annual-subscription scenario with one free parameter, and data it generated itself."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from calibration.objective import Problem, mean_curve
from sim.running import replication_seeds
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TRUTH = {"retention.base": 1.2}
"""The parameter that made the synthetic data; the search range is [-1, 3]."""
SIZE = 5000
"""Customers behind the synthetic data: ten runs' customers, pooled (the cohort size given)."""


def small_scenario_text(free: str = '"retention.base" = { low = -1.0, high = 3.0 }') -> str:
    """The shipped annual subscription, smaller and shorter, with its own [calibration] table."""
    text = (SCENARIOS / "annual_subscription.toml").read_text(encoding="utf-8")
    text = text[: text.index("\n[calibration]\n")] + "\n"
    text = text.replace('name = "annual_subscription"', 'name = "small"')
    text = text.replace("consumers = 4_000", "consumers = 1_500")
    text = text.replace("steps = 108 ", "steps = 60 ")
    return text + f"[calibration]\n{free}\n"


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(small_scenario_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def truth_data(small: Path) -> Path:
    """Retention at periods 0..6 simulated at TRUTH on 10 replications whose seeds no
    calibration uses (seed 1234), written as observed data."""
    problem = Problem.build(load_scenario(small), {0: 1.0}, [1], 6)
    curve = mean_curve(problem.simulate(TRUTH, replication_seeds(1234, 10)))
    path = small.parent / "truth.csv"
    pl.DataFrame({"cohort": "synthetic", "period": range(7), "retained": curve}).write_csv(path)
    return path
