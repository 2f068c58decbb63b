from __future__ import annotations

import polars as pl
import pytest

from sim.report.kpis import KPIS
from sim.report.kpis import kpis as report_kpis
from sim.running import run
from sim.running.kpis import KPI_NAMES, kpis
from sim.scenario import validate_scenario

SPEC = validate_scenario(
    {
        "time": {"steps": 40},
        "population": {"consumers": 300},
        "brands": {
            "a": {
                "share": 0.2,
                "touchpoints": {
                    "ad": {"moment": "pre_zmot", "reach": 0.05, "cost": 2.0},
                    "support": {"moment": "smot", "reach": 0.1, "cost": 1.5},
                    "ask": {"moment": "umot", "kind": "review_request", "reach": 0.5, "cost": 0.5},
                },
            },
            "b": {"share": 0.2},
        },
    }
)


def test_every_kpi_for_every_replication_and_brand() -> None:
    result = run(SPEC, reps=2, seed=3)
    frame = kpis(result)
    assert frame.group_by("replication", "brand").len()["len"].to_list() == [len(KPI_NAMES)] * 4
    assert set(frame["kpi"]) == set(KPI_NAMES)


def test_margin_is_revenue_minus_every_touchpoint_cost_and_customers_end_is_customers() -> None:
    result = run(SPEC, reps=2, seed=3)
    wide = (
        kpis(result)
        .pivot("kpi", index=["replication", "brand"], values="value")
        .sort("replication", "brand")
    )
    cost = (
        result.metrics.filter(pl.col("metric") == "cost")
        .group_by("replication", "brand")
        .agg(pl.col("value").sum())
        .sort("replication", "brand")
    )
    a = wide.filter(pl.col("brand") == "a")
    assert cost["value"].min() > 0  # both touchpoints were paid for
    expected = a["revenue"] - cost.filter(pl.col("brand") == "a")["value"]
    assert a["margin"].to_list() == pytest.approx(expected.to_list())
    b = wide.filter(pl.col("brand") == "b")
    assert b["margin"].to_list() == b["revenue"].to_list()  # no touchpoints, no cost
    assert wide["customers_end"].to_list() == wide["customers"].to_list()


def test_acquisition_cost_is_the_spend_before_purchase_per_customer_won() -> None:
    result = run(SPEC, reps=1, seed=3)
    m = result.metrics.filter(pl.col("brand") == "a")
    spend = m.filter(pl.col("metric") == "cost").group_by("detail").agg(pl.col("value").sum())
    spend = dict(spend.iter_rows())
    assert min(spend.values()) > 0  # the ad, the support line and the review request were paid
    won = m.filter(pl.col("metric") == "acquisitions")["value"].sum()
    cost = kpis(result).filter((pl.col("brand") == "a") & (pl.col("kpi") == "acquisition_cost"))
    # only the <ZMOT ad: support (SMOT) and the review request (UMOT) serve customers
    assert cost["value"][0] == pytest.approx(spend["ad"] / won)


def test_the_report_shows_the_kpis_of_its_table() -> None:
    result = run(SPEC, reps=1, seed=3)
    assert set(report_kpis(result)["kpi"]) == set(KPIS)
    assert set(KPIS) <= set(KPI_NAMES)
