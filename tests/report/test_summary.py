from __future__ import annotations

import polars as pl
import pytest
from rich.console import Console

from sim import run
from sim.report.kpis import KPIS
from sim.report.summary import render, summarize
from sim.scenario import validate_scenario

SPEC = validate_scenario(
    {
        "name": "tiny",
        "time": {"steps": 60},
        "population": {"consumers": 600},
        "retention": {"period": 4},
        "market": {"focal": "b"},
        "brands": {
            "a": {
                "share": 0.2,
                "touchpoints": {"ad": {"moment": "pre_zmot", "reach": 0.05, "cost": 2.0}},
            },
            "b": {"share": 0.2},
        },
    }
)


def test_summary_gives_mean_and_interval_per_brand_and_kpi() -> None:
    result = run(SPEC, reps=4, seed=1)
    summary = summarize(result)
    assert summary.height == 2 * len(KPIS)
    assert (summary["lower"] <= summary["mean"]).all() and (
        summary["mean"] <= summary["upper"]
    ).all()
    end = result.metrics.filter((pl.col("metric") == "customers") & (pl.col("step") == 60))
    customers = summary.filter(pl.col("kpi") == "customers").sort("brand")["mean"].to_list()
    expected = end.group_by("brand").agg(pl.col("value").mean()).sort("brand")["value"].to_list()
    assert customers == expected
    cost = summary.filter((pl.col("kpi") == "acquisition_cost") & (pl.col("brand") == "a"))
    assert cost["mean"].item() > 0
    # brand b has no touchpoints: it acquires for nothing
    free = summary.filter((pl.col("kpi") == "acquisition_cost") & (pl.col("brand") == "b"))
    assert free["mean"].item() == 0
    revenue = summary.filter(pl.col("kpi") == "revenue").sort("brand")["mean"].to_list()
    paid = result.metrics.filter(pl.col("metric") == "revenue").group_by("brand", "replication")
    expected = paid.agg(pl.col("value").sum()).group_by("brand").agg(pl.col("value").mean())
    assert revenue == pytest.approx(expected.sort("brand")["value"].to_list())
    assert min(revenue) > 0


def test_the_table_marks_the_focal_brand_and_says_when_retention_is_not_observed() -> None:
    short = validate_scenario({**SPEC.model_dump(), "time": {"steps": 20}})
    result = run(short, reps=2, seed=1)
    console = Console(record=True, width=120)
    render(summarize(result), result, console)
    text = console.export_text()
    assert "b *" in text and "n/a" in text and "needs at least 52 steps" in text
