"""The Valentine deal against the same market without it, paired by replication: more
acquisitions in its window, less revenue per customer while its discounts are paid, a churn wave
when they end; and what it costs in revenue forgone."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sim import load_scenario, run
from sim.report.promotions import promotion_effects, promotion_measures, windows
from sim.running import RunResult

ROOT = Path(__file__).resolve().parents[2]
SIZE = {"reps": 6, "seed": 3, "consumers": 1_000, "steps": 200}


@pytest.fixture(scope="module")
def runs() -> tuple[RunResult, RunResult]:
    base = run(ROOT / "scenarios" / "baseline.toml", **SIZE)
    deal = run(ROOT / "scenarios" / "library" / "valentine_deal.toml", **SIZE)
    return base, deal


def test_the_window_and_its_wave_are_where_the_offer_puts_them() -> None:
    (w,) = windows(load_scenario(ROOT / "scenarios" / "library" / "valentine_deal.toml"))
    assert (w.brand, w.start, w.end) == ("aurora", 45, 72)  # 14 February, 13 March 2026
    assert (w.wave_start, w.wave_end, w.discounted_until) == (135, 192, 162)
    assert w.year_later == 72 + 365


def test_each_effect_goes_the_way_a_discount_should(runs: tuple[RunResult, RunResult]) -> None:
    base, deal = runs
    (w,) = windows(deal.scenario)
    effects = {r["measure"]: r for r in promotion_effects(base, deal, w).iter_rows(named=True)}
    assert effects["acquisitions_window"]["paired"]
    # every pair of replications agrees on the direction (the 90 % interval excludes zero)
    assert effects["acquisitions_window"]["lower"] > 0
    assert effects["revenue_per_customer"]["upper"] < 0
    assert effects["churn_wave"]["lower"] > 0
    # the same market, bit for bit, until the promotion starts (it draws on its own streams)
    same = ~pl.col("metric").str.starts_with("promotion_") & (pl.col("metric") != "revenue_forgone")
    before = pl.col("step") < w.start
    assert deal.metrics.filter(same & before).equals(base.metrics.filter(before))
    assert effects["revenue_forgone"]["level"] > 0
    assert effects["takeup_new"]["level"] > 0 and effects["takeup_existing"]["level"] > 0
    # those whose discount ends leave more often than customers do at an ordinary renewal
    assert effects["rolloff_churn"]["level"] > 0.1


def test_without_the_price_terms_the_wave_is_only_the_extra_customers(
    runs: tuple[RunResult, RunResult],
) -> None:
    """The churn wave comes from the reference price: with the terms at zero, those whose
    discount ends leave no more often than other customers, and the wave shrinks."""
    zero = {"retention": {"reference_loss": 0.0, "reference_gain": 0.0, "price_gap": 0.0}}
    deal_file = ROOT / "scenarios" / "library" / "valentine_deal.toml"
    plain = run(load_scenario(deal_file, zero), **SIZE)
    (w,) = windows(plain.scenario)
    with_terms = promotion_measures(runs[1], w).filter(pl.col("measure") == "rolloff_churn")
    without = promotion_measures(plain, w).filter(pl.col("measure") == "rolloff_churn")
    assert without["value"].mean() < 0.5 * with_terms["value"].mean()
