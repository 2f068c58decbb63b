"""The Valentine deal against the same market without it, paired by replication: more
acquisitions in its window, less revenue per customer while its discounts are paid, a churn wave
when they end; and what it costs in revenue forgone."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from sim import load_scenario, run
from sim.report.charts import market
from sim.report.charts.calendar import timed
from sim.report.page import Run, promotion_sentences, run_figures, sections
from sim.report.promotions import MEASURES, promotion_effects, promotion_measures, windows
from sim.running import RunResult
from sim.scenario import apply_overrides

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


def _runs(runs: tuple[RunResult, RunResult]) -> list[Run]:
    return [Run("baseline", Path("base"), runs[0]), Run("valentine_deal", Path("deal"), runs[1])]


def test_the_comparison_reports_take_up_forgone_revenue_and_the_wave(
    runs: tuple[RunResult, RunResult],
) -> None:
    parts, _ = sections(_runs(runs))
    (promoted,) = [p for p in parts if p.heading == "Promotions"]
    assert [f.name for f in promoted.figures] == ["compare_churn"]
    levels, effects = promoted.tables
    assert "14 February 2026 to 13 March 2026" in levels.heading
    assert [r[0] for r in levels.rows] == [
        MEASURES[m] for m in ("takeup_new", "takeup_existing", "revenue_forgone", "rolloff_churn")
    ]
    verdicts = {r[0]: r[-1] for r in effects.rows}
    assert verdicts[MEASURES["acquisitions_window"]] == "better"
    assert verdicts[MEASURES["churn_wave"]] == "worse"
    (said,) = promotion_sentences(_runs(runs))
    assert said.startswith("Valentine deal's valentine promotion (aurora, 14 February 2026")
    assert "(90 %: +" in said and "the run ends before a year after it" in said


def test_time_charts_carry_dates_and_shade_the_promotion(
    runs: tuple[RunResult, RunResult],
) -> None:
    figures = {f.name: f for f in run_figures(Run("valentine_deal", Path("deal"), runs[1]))}
    spec = json.dumps(figures["customers"].chart.to_dict())
    assert "timeFormat(datetime(2026, 0, 1 + (datum.value - 1) * 1)" in spec
    assert "aurora: valentine" in spec and "2026-02-14" in spec and "2026-03-13" in spec
    assert "timeFormat" not in json.dumps(figures["funnel"].chart.to_dict())  # not over time


def test_without_a_calendar_or_promotions_charts_are_as_they_were(
    runs: tuple[RunResult, RunResult],
) -> None:
    undated = apply_overrides(runs[0].scenario, {"population": {"consumers": 100}})
    undated = undated.model_copy(update={"time": undated.time.model_copy(update={"start": None})})
    chart = market.customers_chart(runs[0].metrics, undated.brand_names, "day")
    assert timed(chart, [undated]).to_dict() == chart.to_dict()
