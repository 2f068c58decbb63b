"""The KPIs of a run, per replication and brand: their names and how they are computed.

How a KPI is titled and formatted is the report's business (`sim.report.kpis`); the numbers
live here, below the report, so experiments compute exactly what the report shows.
"""

from __future__ import annotations

import polars as pl

from sim.running.aggregation import stable_group_by
from sim.running.result import RunResult
from sim.running.retention import pooled_retention

__all__ = ["KPI_NAMES", "RETENTION_PERIOD", "SPEND", "kpis", "touchpoint_spend"]

RETENTION_PERIOD = 12
"""Renewal periods after acquisition at which retention is reported (pooled over cohorts)."""

KPI_NAMES: tuple[str, ...] = (
    "customers",
    "customers_end",
    "retention_12",
    "rating",
    "acquisition_cost",
    "revenue",
    "margin",
)
"""Every KPI `kpis` computes. `customers_end` is `customers` (active at the end) under the name
experiments and rankings use; `margin` is revenue minus the brand's touchpoint cost."""


SPEND = "spend:"
"""`spend:<touchpoint>`: what a touchpoint cost over the run (`touchpoint_spend`)."""


def touchpoint_spend(result: RunResult) -> pl.DataFrame:
    """What each touchpoint cost over the run: replication, brand, kpi (`spend:<touchpoint>`),
    value."""
    return (
        result.metrics.filter(pl.col("metric") == "cost")
        .pipe(stable_group_by, "replication", "brand", "detail")
        .agg(value=pl.col("value").sum())
        .select(
            pl.col("replication").cast(pl.Int32),
            "brand",
            kpi=pl.lit(SPEND) + pl.col("detail"),
            value="value",
        )
    )


def kpis(result: RunResult) -> pl.DataFrame:
    """One row per replication, brand and KPI (see `KPI_NAMES`): replication, brand, kpi, value."""
    s, m = result.scenario, result.metrics
    last = m.filter(pl.col("step") == pl.col("step").max())
    end = last.filter(pl.col("metric").is_in(["customers", "rating"])).select(
        "replication", "brand", kpi=pl.col("metric"), value=pl.col("value")
    )
    customers_end = end.filter(pl.col("kpi") == "customers").with_columns(
        kpi=pl.lit("customers_end")
    )
    # Acquisition spending: every touchpoint before purchase (<ZMOT, ZMOT, FMOT), not those
    # with customers (SMOT, UMOT).
    acquisition = pl.DataFrame(
        [
            (brand, name)
            for brand, spec in s.brands.items()
            for name, tp in spec.touchpoints.items()
            if tp.moment not in ("smot", "umot")
        ],
        schema={"brand": pl.String, "detail": pl.String},
        orient="row",
    )
    costs = m.filter(pl.col("metric") == "cost")
    spend = (
        costs.join(acquisition, on=["brand", "detail"], how="semi")
        .pipe(stable_group_by, "replication", "brand")
        .agg(spend=pl.col("value").sum())
    )
    totals = (
        m.filter(pl.col("metric").is_in(["acquisitions", "revenue"]))
        .pipe(stable_group_by, "replication", "brand", "metric")
        .agg(pl.col("value").sum())
    )
    won = totals.filter(pl.col("metric") == "acquisitions").select(
        "replication", "brand", won=pl.col("value")
    )
    revenue = totals.filter(pl.col("metric") == "revenue").select(
        "replication", "brand", kpi=pl.col("metric"), value=pl.col("value")
    )
    cost = won.join(spend, on=["replication", "brand"], how="left").select(
        "replication",
        "brand",
        kpi=pl.lit("acquisition_cost"),
        value=pl.when(pl.col("won") > 0).then(pl.col("spend").fill_null(0) / pl.col("won")),
    )
    touchpoint_cost = costs.pipe(stable_group_by, "replication", "brand").agg(
        cost=pl.col("value").sum()
    )
    margin = revenue.join(touchpoint_cost, on=["replication", "brand"], how="left").select(
        "replication",
        "brand",
        kpi=pl.lit("margin"),
        value=pl.col("value") - pl.col("cost").fill_null(0.0),
    )
    grid = won.select("replication", "brand")
    at = pooled_retention(result.cohorts).filter(pl.col("period") == RETENTION_PERIOD)
    retention = grid.join(at, on=["replication", "brand"], how="left").select(
        "replication", "brand", kpi=pl.lit("retention_12"), value=pl.col("retained")
    )
    return pl.concat(
        [end, customers_end, retention, cost, revenue, margin], how="vertical_relaxed"
    ).with_columns(pl.col("replication").cast(pl.Int32))
