"""Invariants that hold at every step of every valid scenario (property-based, hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.facts.verification import collisions_market, moves_miscounted
from sim import JourneyModel
from sim.engine.journey import EDGE_INDEX, EDGES, Moment
from sim.scenario import validate_scenario

ALLOWED = {(int(a), int(b)) for a, b in EDGES}
prob = st.floats(0, 1)


@st.composite
def touchpoints(draw) -> dict:
    moment = draw(st.sampled_from(["pre_zmot", "zmot", "fmot", "smot", "umot"]))
    tp = {
        "moment": moment,
        "reach": draw(st.floats(0, 0.5)),
        "quality": draw(st.floats(1, 5)),
        "quality_sd": draw(st.floats(0, 1.5)),
        "weight": draw(prob),
        "cost": draw(st.floats(0, 5)),
        "trigger": draw(prob),
        "audience": draw(st.sampled_from(["prospects", "customers", "new_customers", "all"])),
    }
    if moment == "umot":  # asking customers for reviews, or answering complaints
        tp["kind"] = draw(st.sampled_from(["review_request", "review_response"]))
        if tp["kind"] == "review_response":
            del tp["audience"]
            tp["max_stars"] = draw(st.integers(1, 3))
        elif tp["audience"] == "prospects":
            tp["audience"] = "customers"
    if draw(st.booleans()):
        start = draw(st.integers(0, 30))
        tp["start"], tp["end"] = start, start + draw(st.integers(0, 30))
    return tp


@st.composite
def scenarios(draw) -> dict:
    n_brands = draw(st.integers(1, 3))
    brands = {}
    for b in range(n_brands):
        brands[f"b{b}"] = {
            "quality": draw(st.floats(1, 5)),
            "quality_sd": draw(st.floats(0, 1.5)),
            "price": draw(st.floats(0, 20)),
            "awareness": draw(prob),
            "share": draw(st.floats(0, 1 / n_brands)),
            "touchpoints": {f"t{i}": draw(touchpoints()) for i in range(draw(st.integers(0, 3)))},
        }
    return {
        "name": "generated",
        "time": {"steps": draw(st.integers(5, 40))},
        "population": {
            "consumers": draw(st.integers(20, 300)),
            "segments": {
                "a": {"share": 0.5, "need_rate": draw(st.floats(0, 0.2))},
                "b": {"share": 0.5, "tolerance": draw(st.floats(-2, 2))},
            },
        },
        "network": {"kind": draw(st.sampled_from(["fully_mixed", "small_world", "scale_free"]))},
        "brands": brands,
        "zmot": {
            "enabled": draw(st.booleans()),
            "give_up": draw(prob),
            "answered_weight": draw(prob),
        },
        "fmot": {"enabled": draw(st.booleans()), "retry": draw(prob)},
        "smot": {"usage_rate": draw(prob), "negativity": draw(st.floats(1, 4))},
        "wom": {
            "enabled": draw(st.booleans()),
            "rate": draw(prob),
            "trigger": draw(prob),
            "intensity": draw(st.floats(0, 5)),
            "negative_intensity": draw(st.floats(0, 5)),
            "after_churn": draw(st.integers(0, 10)),
        },
        "umot": {
            "enabled": draw(st.booleans()),
            "self_selected": draw(st.booleans()),
            "herding": draw(prob),
            "herding_negative": draw(prob),
            "herding_window": draw(st.integers(1, 5)),
            "solicited_posting": draw(st.floats(0, 20)),
        },
        "retention": {
            "enabled": draw(st.booleans()),
            "mode": draw(st.sampled_from(["subscription", "repurchase"])),
            "period": draw(st.integers(1, 20)),
            "reenter": draw(prob),
        },
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_every_step_keeps_the_invariants(spec: dict, seed: int) -> None:
    model = JourneyModel(validate_scenario(spec), rng=seed)
    pop, n = model.population, model.population.size
    for _ in range(model.spec.time.steps):
        before = pop.moment.copy()
        model.run_for(1)
        after = pop.moment
        # the population is conserved, and the running counts agree with the arrays
        counts = np.bincount(after, minlength=len(Moment))
        assert counts.sum() == n
        assert (counts == model.counts).all()
        # consumers move only along the journey's edges, at most one edge per step (renewal
        # events included): every move the ledger counted is one consumer's whole move, so a
        # double move (UMOT -> SMOT -> UMOT, SMOT -> UMOT -> churn) shows as a surplus flow
        moved = before != after
        pairs = set(zip(before[moved].tolist(), after[moved].tolist(), strict=True))
        assert pairs <= ALLOWED, pairs - ALLOWED
        edge = [
            EDGE_INDEX[(Moment(a), Moment(b))]
            for a, b in zip(before[moved], after[moved], strict=True)
        ]
        flows = model.ledger.values[model.t - 1][model.cols.flow]
        assert (flows == np.bincount(edge, minlength=len(EDGES))).all(), (model.t, flows)
        # a brand is held exactly from the first encounter on, and customer counts agree
        holds = after >= Moment.FMOT
        assert ((pop.brand >= 0) == holds).all()
        customers = pop.brand[after >= Moment.SMOT]
        assert (np.bincount(customers, minlength=len(model.brands)) == model.customer_counts).all()
        row = model.ledger.values[model.t - 1]
        share = row[model.cols.share]
        assert ((share >= 0) & (share <= 1)).all()
        assert model.customer_counts.sum() == 0 or np.isclose(share.sum(), 1)
        # an ended spell leaves its brand and step; first purchases are purchases; talks by
        # ex-customers are among all talks
        assert ((pop.former >= 0) == (pop.left >= 0)).all()
        assert (row[model.cols.adoptions] <= row[model.cols.acquisitions]).all()
        for valence in ("positive", "negative"):
            assert row[model.cols.wom_former[valence]] <= row[model.cols.wom[valence]]
    reviews = model.reviews()
    assert reviews["stars"].is_between(1, 5).all()
    assert (reviews.filter(pl.col("answered"))["stars"] <= 3).all()  # only complaints answered
    assert model.metrics()["value"].is_infinite().sum() == 0
    assert model.ledger.values[:, model.cols.adoptions].sum() <= n


@pytest.mark.parametrize("mode", ["subscription", "repurchase"])
def test_reviews_and_renewals_falling_together_still_move_one_edge(mode: str) -> None:
    """Customers who review every other step and decide every other step collide often: a
    poster must not churn in the same step, a returning poster must not post again."""
    model = JourneyModel(collisions_market(mode, consumers=400, steps=30), rng=7)
    # every flow the ledger counts is one consumer's one start-to-end edge (renewals included)
    assert moves_miscounted(model, 30) == []
    flows = (
        model.metrics()
        .filter(pl.col("metric") == "flow")
        .group_by("detail")
        .agg(pl.col("value").sum())
    )
    total = dict(flows.iter_rows())
    # the collisions did happen: many reviews, and churn among those who might have posted
    assert total["smot>umot"] > 100, total
    assert total["smot>zmot"] + total["umot>zmot"] > 10, total
