"""`benchmarks/event_floor.py`: the floor kernel does one draw and one write per event, at
the rates it is given, and a run's events are read from its ledger."""

from __future__ import annotations

import math

import numpy as np

from benchmarks.event_floor import KINDS, _floor, engine_run


def test_the_floor_kernel_makes_each_kind_s_events_at_its_rate() -> None:
    n, steps = 20_000, 50
    rates = np.array([0.1, 0.02, 0.0, 0.3, 0.001])
    state = np.zeros(n)
    _floor(state, steps, rates, -1)
    # each event adds a uniform (mean 1/2, variance 1/12) to the consumer it falls on
    events = n * steps * rates.sum()
    se = math.sqrt(n * steps * (rates * (1 - rates)).sum() / 4 + events / 12)
    assert abs(state.sum() - events / 2) < 4 * se
    again = np.zeros(n)
    _floor(again, steps, rates, -1)
    assert np.array_equal(state, again)  # counter-based draws: the same events each time


def test_a_run_s_events_come_from_its_ledger() -> None:
    run = engine_run(2_000, 60, seed=0)
    events = run["events"]
    assert set(events) == set(KINDS)
    assert events["contacts"] > 0 and events["experiences"] > 0
    assert all(v >= 0 for v in events.values())
    assert run["steps_s"] > run["fading_s"] > 0
