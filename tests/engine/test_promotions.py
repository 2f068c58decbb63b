"""Promotions: who takes a discount, what is paid, and that nothing else moves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sim import JourneyModel, load_scenario, run
from sim.engine.journey import Moment
from sim.engine.promotions import Promotions, due_price, hearing_chance, offers
from sim.scenario import apply_overrides, validate_scenario

ROOT = Path(__file__).resolve().parents[2]
VALENTINE = ROOT / "scenarios" / "library" / "valentine_deal.toml"
START, END = 45, 72  # 14 February and 13 March 2026


def test_offers_take_the_largest_running_new_customer_discount() -> None:
    s = validate_scenario(
        {
            "brands": {
                "a": {
                    "promotions": {
                        "small": {"start": 1, "end": 9, "discount": 0.1, "periods": 2,
                                  "audience": "new"},
                        "big": {"start": 5, "end": 9, "discount": 0.4, "periods": 3,
                                "take_up": 0.1},
                        "old": {"start": 1, "end": 9, "discount": 0.9, "take_up": 0.5,
                                "audience": "existing"},
                    }
                },
                "b": {},
            }
        }
    )  # fmt: skip
    p = Promotions.from_scenario(s)
    assert offers(p, 2)[0].tolist() == [0.0, 0.0]
    p.running[:] = True
    discount, periods = offers(p, 2)
    assert discount.tolist() == [0.4, 0.0] and periods.tolist() == [3, 0]


def test_the_discount_lasts_while_discounted_periods_are_left() -> None:
    price = due_price(np.full(3, 12.0), np.array([0.5, 0.5, 0.0]), np.array([2, 0, 0]))
    assert price.tolist() == [6.0, 12.0, 12.0]
    assert hearing_chance(np.array([0.5, 0.5])) == pytest.approx(0.75)


@pytest.fixture(scope="module")
def valentine() -> JourneyModel:
    s = load_scenario(VALENTINE, {"population": {"consumers": 2_000}})
    model = JourneyModel(s, rng=4)
    model.run_for(START - 1)
    return model


def test_shoppers_choose_on_the_discounted_price_while_it_runs(valentine: JourneyModel) -> None:
    model = valentine
    assert model.offer_prices().tolist() == [12.0, 10.0, 7.0]
    model.run_for(1)  # step 45, 14 February
    assert model.offer_prices().tolist() == [6.0, 10.0, 7.0]


def test_new_customers_pay_half_for_three_periods_then_the_list_price(
    valentine: JourneyModel,
) -> None:
    model, pop = valentine, valentine.population
    model.run_for(END - model.t)
    new = np.flatnonzero((pop.acquired >= START) & (pop.moment >= Moment.SMOT) & (pop.brand == 0))
    assert new.size > 20
    assert (pop.paid[new] == 6.0).all() and (pop.discount_left[new] == 2).all()
    acquired = pop.acquired[new].copy()
    # the same spells three periods on: they have paid a third discounted period, then full
    model.run_for(END + 3 * 30 + 1 - model.t)
    same = (pop.moment[new] >= Moment.SMOT) & (pop.acquired[new] == acquired)
    still = new[same]
    assert still.size > 10
    assert (pop.paid[still] == 12.0).all() and (pop.discount_left[still] == 0).all()


def test_revenue_counts_what_is_paid_and_forgone_what_is_not() -> None:
    result = run(VALENTINE, reps=1, seed=2, consumers=1_500, steps=200)
    m = result.metrics.filter(pl.col("brand") == "aurora")
    wide = m.filter(pl.col("metric").is_in(["revenue", "revenue_forgone"])).pivot(
        "metric", index="step", values="value"
    )
    total = (wide["revenue"] + wide["revenue_forgone"]).to_numpy()
    assert np.allclose(total / 12, np.round(total / 12))  # full payments at the list price
    forgone = wide.filter(pl.col("revenue_forgone") > 0)["step"]
    assert forgone.min() >= START and wide["revenue_forgone"].sum() > 0
    takeup = m.filter(pl.col("metric") == "promotion_takeup")
    new = takeup.filter(pl.col("detail") == "new")
    assert new.filter(pl.col("value") > 0)["step"].is_between(START, END).all()
    assert takeup.filter(pl.col("detail") == "existing")["value"].sum() > 0


def test_existing_customers_take_it_up_with_their_chance() -> None:
    """With no touchpoint to carry it, every customer hears of it on its first day, and a share
    `take_up` of them takes it (within binomial sampling error)."""
    s = validate_scenario(
        {
            "time": {"steps": 12, "start": date(2026, 2, 1)},
            "population": {"consumers": 4_000},
            "brands": {
                "a": {
                    "share": 0.5,
                    "price": 10.0,
                    "promotions": {
                        "p": {"start": date(2026, 2, 10), "end": date(2026, 2, 11),
                              "audience": "existing", "discount": 0.2, "periods": 2,
                              "take_up": 0.3}
                    },
                },
                "b": {},
            },
        }
    )  # fmt: skip
    model = JourneyModel(s, rng=1)
    model.run_for(9)
    customers = int(model.customer_counts[0])
    model.run_for(1)
    took = model.ledger.values[9, model.cols.takeup[1]]
    sd = np.sqrt(0.3 * 0.7 / customers)
    assert abs(took / customers - 0.3) < 4 * sd
    assert (model.population.discount == 0.2).sum() == took


def test_a_promotion_nobody_takes_leaves_every_other_number_as_it_was() -> None:
    """Its draws come from streams of its own: an offer to existing customers that nobody takes
    leaves the market bit for bit where it was."""
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    promo = {"start": START, "end": END, "audience": "existing", "discount": 0.5,
             "periods": 3, "take_up": 0.0}  # fmt: skip
    nobody = apply_overrides(base, {"brands": {"aurora": {"promotions": {"x": promo}}}})
    size = {"reps": 1, "seed": 9, "consumers": 800, "steps": 120}
    a, b = run(base, **size), run(nobody, **size)
    kept = b.metrics.filter(~pl.col("metric").str.starts_with("promotion_")).filter(
        pl.col("metric") != "revenue_forgone"
    )
    assert kept.equals(a.metrics)
    assert b.reviews.equals(a.reviews)
