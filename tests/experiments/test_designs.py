"""Designs: the points of grid, OAT, LHS, Morris and Sobol designs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.experiments import load_experiment
from sim.experiments.designs import make_design
from tests.experiments.conftest import DOMINANT, FACTORS, IDLE

LEVELS = {"levels": [0.0, 0.1, 0.3]}
TV = "brands.a.touchpoints.idle.reach"


def test_grid_is_every_combination_of_levels_and_ends(
    experiment_file: Callable[..., Path],
) -> None:
    e = load_experiment(
        experiment_file(design="grid", factors={DOMINANT: FACTORS[DOMINANT], TV: LEVELS})
    )
    points = make_design(e).points
    assert points["point"].to_list() == list(range(6))
    pairs = set(zip(points[DOMINANT], points[TV], strict=True))
    assert pairs == {(q, r) for q in (1.5, 4.5) for r in (0.0, 0.1, 0.3)}


def test_oat_moves_one_factor_at_a_time_from_the_midpoint(
    experiment_file: Callable[..., Path],
) -> None:
    e = load_experiment(
        experiment_file(design="oat", samples=3, factors={DOMINANT: FACTORS[DOMINANT], TV: LEVELS})
    )
    points = make_design(e).points
    assert points.row(0) == (0, 3.0, 0.1)  # the midpoint (middle level)
    rows = [points.row(i)[1:] for i in range(1, points.height)]
    assert rows == [(1.5, 0.1), (4.5, 0.1), (3.0, 0.0), (3.0, 0.3)]


@pytest.mark.parametrize(("design", "size"), [("lhs", 8), ("morris", 8 * 3), ("sobol", 8 * 4)])
def test_salib_designs_have_their_sizes_and_stay_in_bounds(
    design: str, size: int, experiment_file: Callable[..., Path]
) -> None:
    e = load_experiment(experiment_file(design=design, samples=8))
    d = make_design(e)
    assert d.size == size and d.unit is not None and d.unit.shape == (size, 2)
    for name, bounds in FACTORS.items():
        assert d.points[name].min() >= bounds["low"] and d.points[name].max() <= bounds["high"]
    again = make_design(e)
    assert again.points.equals(d.points)  # seeded: the same file, the same points
    other = make_design(
        load_experiment(experiment_file("other.toml", design=design, samples=8, seed=2))
    )
    assert not other.points.equals(d.points)


def test_levels_and_integer_fields_in_a_sampled_design(
    experiment_file: Callable[..., Path],
) -> None:
    factors = {TV: LEVELS, "population.consumers": {"low": 100, "high": 200}, IDLE: FACTORS[IDLE]}
    d = make_design(load_experiment(experiment_file(design="lhs", samples=30, factors=factors)))
    assert set(d.points[TV]) == {0.0, 0.1, 0.3}
    consumers = d.points["population.consumers"].to_numpy()
    assert np.array_equal(consumers, np.round(consumers)) and len(set(consumers)) > 10
