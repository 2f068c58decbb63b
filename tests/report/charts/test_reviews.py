from __future__ import annotations

import polars as pl
import pytest

from sim.report.charts import reviews
from sim.report.charts.export import chart_spec
from sim.running import RunResult
from tests.report.charts.checks import encoding

pytest_plugins = ["tests.report.charts.fixtures"]


def test_star_shares_sum_to_one_per_brand(result: RunResult) -> None:
    brands = result.scenario.brand_names
    frame = reviews.stars_frame(result.reviews, brands)
    assert frame.height == 5 * len(brands)
    sums = frame.group_by("brand").agg(pl.col("mean").sum())["mean"]
    assert ((sums - 1).abs() < 1e-9).all()
    # self-selected reviews: the ends outnumber the middle (the J shape, pooled over brands)
    pooled = result.reviews.group_by("stars").len().sort("stars")["len"].to_list()
    assert pooled[0] + pooled[4] > pooled[2]


def test_stars_chart_groups_bars_by_brand(result: RunResult) -> None:
    spec = chart_spec(reviews.stars_chart(result.reviews, result.scenario.brand_names))
    bars, whiskers = spec["layer"]
    assert bars["mark"]["type"] == "bar" and whiskers["mark"]["type"] == "rule"
    assert encoding(spec, "x")["field"] == "stars"
    assert encoding(spec, "xOffset")["field"] == "brand"
    assert (whiskers["encoding"]["y"]["field"], whiskers["encoding"]["y2"]["field"]) == (
        "lower",
        "upper",
    )


def test_volume_is_summed_per_period(result: RunResult) -> None:
    s = result.scenario
    spec = chart_spec(reviews.volume_chart(result.metrics, s.brand_names, 30, "day"))
    (rows,) = spec["datasets"].values()
    data = pl.DataFrame(rows)
    assert sorted(data["step"].unique()) == list(range(30, s.time.steps + 1, 30))
    total = result.metrics.filter((pl.col("metric") == "reviews") & (pl.col("step") <= 390))[
        "value"
    ].sum()
    assert data["mean"].sum() * result.replications == pytest.approx(total)
    assert "per 30 days" in spec["layer"][0]["encoding"]["y"]["title"]
