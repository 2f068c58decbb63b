"""Kernels' arguments kept per model: built once, built again when the model replaces what
they hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import JourneyModel, load_scenario
from sim.engine import retention, transitions
from sim.engine.arguments import kept
from sim.engine.moments import fmot
from sim.scenario import apply_overrides

ROOT = Path(__file__).resolve().parents[2]
VALENTINE = ROOT / "scenarios" / "library" / "valentine_deal.toml"
START = 45  # the promotion's first step, 14 February 2026


def _model(consumers: int = 300) -> JourneyModel:
    return JourneyModel(load_scenario(VALENTINE), consumers=consumers, rng=3)


def test_a_kept_tuple_is_built_once_for_each_model() -> None:
    built: list[JourneyModel] = []

    @kept
    def arguments(model: JourneyModel) -> tuple:
        built.append(model)
        return (model.population.moment, model.t)

    a, b = _model(), _model()
    assert arguments(a) is arguments(a)
    assert arguments(b) is not arguments(a)
    assert built == [a, b]


def test_a_promotion_starting_or_ending_gives_the_kernels_the_new_offers() -> None:
    model = _model()
    model.run_for(START - 1)
    before = transitions.acquire_arguments(model)
    assert not model.offer.any()
    model.run_for(1)  # the promotion starts: the model replaces its offers
    offered = model.offer_prices()
    assert model.offer.any()
    after = transitions.acquire_arguments(model)
    assert after is not before
    assert any(x is model.offer for x in after) and not any(x is model.offer for x in before)
    hazard = retention._hazard_arguments(model)
    assert any(x is offered for x in hazard if isinstance(x, np.ndarray))


def test_the_ledger_keeps_one_row_the_kernels_hold_and_stores_each_step() -> None:
    model = _model()
    row = model.ledger.row
    held = transitions.move_arguments(model)
    model.run_for(5)
    assert model.ledger.row is row and held[2] is row
    assert not row.any()  # zeroed for the next step
    assert model.ledger.values[:5].any(axis=1).all()  # each step stored before


def test_a_touchpoint_starting_on_a_date_joins_fmot_s_plan() -> None:
    """FMOT's kept plan of the running touchpoints by brand is made again when a dated change
    starts one (it would miss the new touchpoint if the model did not forget it)."""
    s = apply_overrides(
        load_scenario(ROOT / "scenarios" / "baseline.toml"),
        {"brands": {"aurora": {"touchpoints": {"free_trial": {"start": 10}}}}},
    )
    model = JourneyModel(s, consumers=300, rng=3)
    trial = model.touchpoints.index(model.brands.index("aurora"), "free_trial")
    model.run_for(9)
    (_, _, _, _, _, _, _, which, *_), _ = fmot._meeting_arguments(model)
    assert trial not in which
    model.run_for(1)  # step 10: the trial starts
    (_, _, _, _, _, _, _, which, *_), counting = fmot._meeting_arguments(model)
    assert trial in which and counting[-1] is which
