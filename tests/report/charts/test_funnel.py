from __future__ import annotations

import polars as pl
import pytest

from sim.report.charts import funnel
from sim.report.charts.export import chart_spec
from sim.running import RunResult
from tests.report.charts.checks import encoding

pytest_plugins = ["tests.report.charts.fixtures"]


def stages(r: RunResult) -> pl.DataFrame:
    return funnel.funnel_stages(r.metrics, r.cohorts, r.reviews, r.satisfaction)


def test_every_stage_is_counted_per_replication(result: RunResult) -> None:
    counts = stages(result)
    assert counts.height == len(funnel.STAGES) * result.replications
    bought = counts.filter(pl.col("stage") == "purchased").sort("replication")["count"]
    acquisitions = (
        result.metrics.filter(pl.col("metric") == "acquisitions")
        .group_by("replication")
        .agg(pl.col("value").sum())
        .sort("replication")["value"]
    )
    assert bought.to_list() == acquisitions.to_list()


def test_conversions_are_shares_of_their_parent_stage(result: RunResult) -> None:
    frame = funnel.funnel_frame(stages(result))
    assert frame["stage"].to_list() == list(funnel.STAGES)
    rates = frame.drop_nulls("conversion")
    assert ((rates["conversion"] > 0) & (rates["conversion_upper"] <= 1)).all()
    row = frame.filter(pl.col("stage") == "purchased").row(0, named=True)
    encounters = frame.filter(pl.col("stage") == "first encounter")["mean"].item()
    assert row["parent"] == "first encounter"
    assert row["conversion"] == pytest.approx(row["mean"] / encounters, rel=0.02)


def test_funnel_chart_bars_whiskers_and_labels(result: RunResult) -> None:
    spec = chart_spec(funnel.funnel_chart(funnel.funnel_frame(stages(result))))
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule", "text"]
    assert encoding(spec, "y")["sort"] == list(funnel.STAGES)
    (rows,) = spec["datasets"].values()
    labels = [r["label"] for r in rows]
    assert labels[0] == "" and labels[3].endswith("%)") and "of first encounter" in labels[3]
