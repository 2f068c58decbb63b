from __future__ import annotations

import polars as pl
import pytest

from sim.report.charts import retention
from sim.report.charts.export import chart_spec
from sim.running import RunResult

pytest_plugins = ["tests.report.charts.fixtures"]


def test_bands_pool_cohorts_per_replication(result: RunResult) -> None:
    bands = retention.retention_bands(result.cohorts)
    assert bands.filter(pl.col("period") == 0)["mean"].to_list() == [1.0, 1.0, 1.0]
    c = result.cohorts.filter((pl.col("brand") == "aurora") & (pl.col("period") == 3))
    per_rep = c.group_by("replication").agg(pl.col("active").sum() / pl.col("size").sum())
    row = bands.filter((pl.col("brand") == "aurora") & (pl.col("period") == 3))
    assert row["mean"].item() == pytest.approx(per_rep["active"].mean())
    assert row["lower"].item() <= row["mean"].item() <= row["upper"].item()


def test_observed_points_are_drawn_on_top(result: RunResult) -> None:
    observed = pl.DataFrame(
        {"cohort": [0, 0, 1, 1], "period": [0, 1, 0, 1], "retained": [1.0, 0.8, 1.0, 0.6]}
    )
    sim = retention.retention_bands(result.cohorts)
    brands = result.scenario.brand_names
    plain = chart_spec(retention.retention_chart(sim, brands, "month"))
    assert len(plain["layer"]) == 2
    spec = chart_spec(retention.retention_chart(sim, brands, "month", observed=observed))
    assert len(spec["layer"]) == 3
    top = spec["layer"][-1]
    assert top["mark"]["type"] == "line" and top["mark"]["color"] == "black"
    assert top["mark"]["point"]["color"] == "black"
    rows = spec["datasets"][top["data"]["name"]]
    assert [(r["period"], r["retained"]) for r in rows] == [(0, 1.0), (1, pytest.approx(0.7))]
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Months since acquisition"


def test_observed_curve_weights_cohorts_by_size() -> None:
    observed = pl.DataFrame(
        {"cohort": [0, 1], "period": [1, 1], "retained": [0.5, 1.0], "size": [300, 100]}
    )
    assert retention.observed_curve(observed)["retained"].item() == pytest.approx(0.625)
