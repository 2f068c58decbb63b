from __future__ import annotations

import numpy as np

from benchmarks.large_passes import _arrays, same_results, scan
from sim import JourneyModel, load_scenario
from sim.engine.memory import _forget


def _model() -> JourneyModel:
    model = JourneyModel(load_scenario("scenarios/baseline.toml"), consumers=3000, rng=4)
    model.run_for(40)
    return model


def test_the_threaded_pass_leaves_every_array_as_the_engine_does() -> None:
    assert same_results(_arrays(_model()))


def test_the_scan_forgets_what_the_engine_forgets_and_leaves_attitudes_alone() -> None:
    model = _model()
    engine, lazy = _arrays(model), _arrays(model)
    # a step where some traces are due, or the comparison shows nothing
    due = engine[0][engine[0] != np.iinfo(np.int32).max].min()
    engine, lazy = (*engine[:7], int(due), engine[8]), (*lazy[:7], int(due), lazy[8])
    before = lazy[3].copy()
    _forget(*engine)
    scan(*lazy)
    assert (engine[5] != _arrays(model)[5]).any()  # someone forgot a brand
    for k in (0, 5, 8):  # traces, awareness, awareness counts
        assert np.array_equal(engine[k], lazy[k])
    assert lazy[3].tobytes() == before.tobytes()
