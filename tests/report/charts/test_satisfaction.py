from __future__ import annotations

import polars as pl

from sim.report.charts import satisfaction
from sim.report.charts.export import chart_spec
from sim.running import RunResult
from tests.report.charts.checks import encoding

pytest_plugins = ["tests.report.charts.fixtures"]


def test_satisfaction_shares_sum_to_one_per_brand(result: RunResult) -> None:
    brands = result.scenario.brand_names
    frame = satisfaction.satisfaction_frame(result.satisfaction, brands)
    sums = frame.group_by("brand").agg(pl.col("mean").sum())["mean"]
    assert ((sums - 1).abs() < 1e-9).all()
    bins = frame["bin"].unique().sort()
    assert ((bins / 0.25).round() * 0.25 == bins).all()
    end = result.metrics.filter(
        (pl.col("metric") == "customers") & (pl.col("step") == result.scenario.time.steps)
    )
    assert result.satisfaction["customers"].sum() == end["value"].sum()


def test_satisfaction_chart_marks_zero(result: RunResult) -> None:
    spec = chart_spec(satisfaction.satisfaction_chart(result.satisfaction, ["aurora"]))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "line", "rule"]
    assert encoding(spec, "x")["field"] == "bin"


def test_word_of_mouth_by_valence(result: RunResult) -> None:
    spec = chart_spec(satisfaction.wom_chart(result.metrics, 30, "day"))
    assert encoding(spec, "color")["scale"]["domain"] == ["positive", "negative"]
    (rows,) = spec["datasets"].values()
    assert {r["valence"] for r in rows} == {"positive", "negative"}
