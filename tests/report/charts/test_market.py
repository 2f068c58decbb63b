from __future__ import annotations

import polars as pl

from sim.report.charts import market
from sim.report.charts.export import chart_spec
from sim.report.charts.theme import BRAND_COLORS
from sim.running import RunResult
from tests.report.charts.checks import encoding

pytest_plugins = ["tests.report.charts.fixtures"]


def test_customers_chart_draws_mean_and_band_per_brand(result: RunResult) -> None:
    brands = result.scenario.brand_names
    spec = chart_spec(market.customers_chart(result.metrics, brands, "day"))
    band, line = spec["layer"]
    assert band["mark"]["type"] == "area" and line["mark"]["type"] == "line"
    assert (band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == ("lower", "upper")
    assert line["encoding"]["y"]["field"] == "mean"
    color = encoding(spec, "color")
    assert color["field"] == "brand"
    assert color["scale"] == {"domain": brands, "range": list(BRAND_COLORS[: len(brands)])}
    assert "Customers" in band["encoding"]["y"]["title"]
    (rows,) = spec["datasets"].values()
    data = pl.DataFrame(rows)
    assert data.height == len(brands) * result.scenario.time.steps
    end = result.metrics.filter(
        (pl.col("metric") == "customers") & (pl.col("step") == pl.col("step").max())
    )
    expected = end.group_by("brand").agg(pl.col("value").mean()).sort("brand")
    got = data.filter(pl.col("step") == pl.col("step").max()).sort("brand")
    assert got["mean"].to_list() == expected["value"].to_list()


def test_shares_are_fractions(result: RunResult) -> None:
    spec = chart_spec(market.share_chart(result.metrics, result.scenario.brand_names))
    (rows,) = spec["datasets"].values()
    data = pl.DataFrame(rows)
    assert data["upper"].max() <= 1 and data["lower"].min() >= 0
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ".0%"
