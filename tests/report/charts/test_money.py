from __future__ import annotations

import polars as pl
import pytest

from sim.report.charts import money
from sim.report.charts.export import chart_spec
from sim.running import RunResult
from tests.report.charts.checks import encoding

pytest_plugins = ["tests.report.charts.fixtures"]


def test_cumulative_margin_ends_at_revenue_less_cost(result: RunResult) -> None:
    margin = money.margin_frame(result.metrics)
    last = margin.filter(pl.col("step") == pl.col("step").max())
    m = result.metrics.filter(pl.col("brand") == "aurora")
    for rep in range(result.replications):
        mine = m.filter(pl.col("replication") == rep)
        revenue = mine.filter(pl.col("metric") == "revenue")["value"].sum()
        cost = mine.filter(pl.col("metric") == "cost")["value"].sum()
        got = last.filter((pl.col("replication") == rep) & (pl.col("brand") == "aurora"))
        assert got["value"].item() == pytest.approx(revenue - cost)


def test_cost_chart_has_one_bar_per_touchpoint(result: RunResult) -> None:
    s = result.scenario
    spec = chart_spec(money.cost_chart(result.metrics, s.brand_names))
    bars, whiskers = spec["layer"]
    assert bars["mark"]["type"] == "bar" and whiskers["mark"]["type"] == "rule"
    (rows,) = spec["datasets"].values()
    assert len(rows) == sum(len(b.touchpoints) for b in s.brands.values())
    assert "currency" in bars["encoding"]["x"]["title"]


def test_revenue_and_margin_charts(result: RunResult) -> None:
    brands = result.scenario.brand_names
    for chart in (
        money.revenue_chart(result.metrics, brands, 30, "day"),
        money.margin_chart(result.metrics, brands, "day"),
    ):
        spec = chart_spec(chart)
        assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
        assert encoding(spec, "color")["field"] == "brand"
