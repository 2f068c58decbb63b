from __future__ import annotations

import numpy as np

import sim.engine.memory as memory
import sim.engine.metrics as metrics
from benchmarks.step_calls import arrays_in, border_costs, census, counting


def test_arrays_are_counted_in_tuples_at_any_depth() -> None:
    a = np.zeros(3)
    assert arrays_in((a, 1, (a, (a, "x")), 2.0)) == 3
    assert arrays_in(a) == 1 and arrays_in(None) == 0


def test_a_step_calls_the_fading_pass_and_the_census_once_each() -> None:
    """The census counts what a step does: the fading pass is one call of its eight arrays
    (ages, fades, factors, attitudes, priors, awareness, own brands, awareness counts) and
    returns none; measuring is one call a step too."""
    kernels = census(consumers=300, steps=12)
    forget = kernels["memory._forget"]
    assert {k: forget[k] for k in ("calls", "in", "out")} == {"calls": 1.0, "in": 8.0, "out": 0.0}
    assert forget["us"] > 0  # the time of its calls
    assert kernels["metrics._measure"]["calls"] == 1.0
    assert kernels["smot._living"]["out"] == 4.0  # who, brand, quality, surprise


def test_the_kernels_are_put_back_after_counting() -> None:
    forget, measure = memory._forget, metrics._measure
    with counting():
        assert memory._forget is not forget
    assert memory._forget is forget and metrics._measure is measure


def test_the_border_costs_are_positive_times() -> None:
    cost = border_costs()
    assert 0 < cost["call"] < 100_000 and 0 < cost["array_in"] < 100_000
