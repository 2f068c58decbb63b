from __future__ import annotations

import polars as pl

from sim.report.charts import journey
from sim.report.charts.export import chart_spec
from sim.running import RunResult

pytest_plugins = ["tests.report.charts.fixtures"]


def test_moments_add_up_to_the_population(result: RunResult) -> None:
    frame = journey.moments_frame(result.metrics)
    steps = result.scenario.time.steps
    assert frame.height == 5 * steps
    totals = frame.group_by("step").agg(pl.col("mean").sum())["mean"]
    assert (totals - result.scenario.population.consumers).abs().max() < 1e-9
    assert set(frame["moment"]) == {"<ZMOT", "ZMOT", "FMOT", "SMOT", "UMOT"}
    assert (frame["lower"] <= frame["mean"]).all() and (frame["mean"] <= frame["upper"]).all()


def test_moments_chart_is_a_stacked_area_by_moment(result: RunResult) -> None:
    spec = chart_spec(journey.moments_chart(result.metrics, "day"))
    assert spec["mark"]["type"] == "area"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "step" and enc["x"]["title"] == "Day"
    assert enc["y"]["field"] == "mean" and enc["y"]["stack"] == "zero"
    assert enc["color"]["field"] == "moment"
    assert enc["color"]["scale"]["domain"] == ["<ZMOT", "ZMOT", "FMOT", "SMOT", "UMOT"]
    assert {t["field"] for t in enc["tooltip"]} >= {"moment", "step", "mean", "lower", "upper"}
    assert spec["params"][0]["bind"] == "legend"
    (rows,) = spec["datasets"].values()
    assert len(rows) == 5 * result.scenario.time.steps


def test_flows_are_run_totals_per_edge(result: RunResult) -> None:
    frame = journey.flows_frame(result.metrics)
    flows = result.metrics.filter(pl.col("metric") == "flow")
    mean = flows.filter(pl.col("detail") == "fmot>smot")["value"].sum() / result.replications
    row = frame.filter((pl.col("source") == "FMOT") & (pl.col("target") == "SMOT"))
    assert row["mean"].item() == mean
    assert frame.filter(pl.col("source") == "<ZMOT")["target"].to_list() == ["ZMOT"]
    spec = chart_spec(journey.flows_chart(result.metrics))
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]
