"""Differences from the baseline: paired by replication when the runs share random numbers."""

from __future__ import annotations

import polars as pl
import pytest

from sim.report.comparison import MIN_EXTRA_SPEND, differences, return_on_spend


def kpi_frame(values: list[float], kpi: str = "customers") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "replication": pl.Series(range(len(values)), dtype=pl.Int32),
            "brand": ["a"] * len(values),
            "kpi": [kpi] * len(values),
            "value": values,
        }
    )


# replications vary a lot, but the scenario adds exactly 5 in each: the common-random-numbers case
BASE = kpi_frame([100.0, 140.0, 90.0, 160.0, 120.0])
OTHER = kpi_frame([105.0, 145.0, 95.0, 165.0, 125.0])


def test_paired_differences_cancel_the_shared_noise() -> None:
    d = differences(BASE, OTHER, paired=True).row(0, named=True)
    assert (d["mean"], d["lower"], d["upper"], d["paired"]) == (5.0, 5.0, 5.0, True)


def test_unpaired_differences_keep_the_noise_but_not_the_mean() -> None:
    d = differences(BASE, OTHER, paired=False).row(0, named=True)
    assert d["mean"] == pytest.approx(5.0)
    assert d["lower"] < -40 and d["upper"] > 50 and d["paired"] is False


def test_undefined_values_are_left_out() -> None:
    base = kpi_frame([0.5, None, 0.7], "retention_12")  # type: ignore[list-item]
    other = kpi_frame([0.6, 0.9, float("nan")], "retention_12")
    d = differences(base, other, paired=True).row(0, named=True)
    assert d["mean"] == pytest.approx(0.1)


def money(margin: list[float], spend: list[float], brand: str = "a") -> pl.DataFrame:
    """A KPI frame of margin and spend per replication."""
    n = len(margin)
    return pl.DataFrame(
        {
            "replication": pl.Series([*range(n), *range(n)], dtype=pl.Int32),
            "brand": [brand] * 2 * n,
            "kpi": ["margin"] * n + ["spend"] * n,
            "value": [*margin, *spend],
        }
    )


def test_return_on_spend_is_margin_gained_per_unit_of_extra_spending() -> None:
    base = money([1_000.0, 1_200.0, 900.0], [100.0, 110.0, 90.0])
    # the campaign spends 50, 60, 40 more and gains 100, 90, 120 of margin
    other = money([1_100.0, 1_290.0, 1_020.0], [150.0, 170.0, 130.0])
    r = return_on_spend(base, other, paired=True).row(0, named=True)
    assert r["extra_spend"] == pytest.approx(50.0) and r["extra_margin"] == pytest.approx(
        103.33, 1e-3
    )
    assert r["mean"] == pytest.approx(103.333 / 50.0, 1e-4)
    # the interval is that of each pair's own ratio: 2.0, 1.5, 3.0
    assert r["lower"] == pytest.approx(1.55) and r["upper"] == pytest.approx(2.9)
    assert r["base_spend"] == pytest.approx(100.0)


def test_no_extra_spending_has_no_return_on_spend() -> None:
    base = money([1_000.0, 1_200.0], [100.0, 100.0])
    same = return_on_spend(base, money([1_300.0, 1_500.0], [100.0, 100.0]), paired=True)
    less = return_on_spend(base, money([1_300.0, 1_500.0], [60.0, 70.0]), paired=True)
    crumbs = return_on_spend(base, money([1_300.0, 1_500.0], [100.5, 100.5]), paired=True)
    for frame in (same, less, crumbs):
        r = frame.row(0, named=True)
        assert (r["mean"], r["lower"], r["upper"]) == (None, None, None)
        assert r["extra_margin"] == pytest.approx(300.0)
    assert less["extra_spend"].item() == pytest.approx(-35.0)
    assert crumbs["extra_spend"].item() < MIN_EXTRA_SPEND * 100.0


def test_a_brand_without_touchpoints_spends_nothing_and_unpaired_runs_compare_all_pairs() -> None:
    base = money([1_000.0, 1_100.0], [0.0, 0.0])
    other = money([1_050.0, 1_250.0], [10.0, 30.0])
    r = return_on_spend(base, other, paired=False).row(0, named=True)
    # four pairs: extra spend 10, 10, 30, 30; extra margin 50, -50, 250, 150
    assert r["extra_spend"] == pytest.approx(20.0) and r["extra_margin"] == pytest.approx(100.0)
    assert r["mean"] == pytest.approx(5.0)
    assert r["lower"] < 0 < r["upper"]  # one pair loses money
    # one pair spending less: the ratio per pair is meaningless, so no interval
    mixed = return_on_spend(
        money([1.0, 2.0], [10.0, 10.0]), money([5.0, 6.0], [30.0, 5.0]), paired=True
    )
    assert mixed["mean"].item() == pytest.approx(4.0 / 7.5) and mixed["lower"].item() is None


def test_spending_is_what_margin_takes_off_revenue() -> None:
    from sim.report.comparison import spending
    from sim.report.kpis import kpis
    from sim.running import run
    from tests.running.test_kpis import SPEC

    result = run(SPEC, reps=2, seed=3)
    spend = spending(result).sort("replication", "brand")
    assert spend["brand"].to_list() == ["a", "b", "a", "b"]
    assert spend.filter(pl.col("brand") == "b")["value"].to_list() == [0.0, 0.0]
    wide = kpis(result).pivot(on="kpi", index=["replication", "brand"]).sort("replication", "brand")
    assert (wide["revenue"] - wide["margin"]).to_list() == pytest.approx(spend["value"].to_list())
    assert spend.filter(pl.col("brand") == "a")["value"].min() > 0
