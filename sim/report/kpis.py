"""The KPIs: one table of their names, formats and units, and their values per replication.

The terminal summary, the report's tiles, sentences and difference chart all take a KPI's title
and format from `KPIS`, so a figure reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sim.report.frames import stable_group_by
from sim.report.retention import pooled_retention
from sim.running.result import RunResult
from sim.scenario import Scenario

__all__ = [
    "KPIS",
    "RETENTION_PERIOD",
    "Kpi",
    "format_diff",
    "format_value",
    "kpi_title",
    "kpis",
    "period_name",
    "retention_observed",
]

RETENTION_PERIOD = 12
"""Renewal periods after acquisition at which retention is reported (pooled over cohorts)."""


@dataclass(frozen=True)
class Kpi:
    """How a KPI is named and shown."""

    title: str  # as a heading: "Customers at the end"
    column: str  # as a terminal column: two short lines
    fmt: str  # format of a value in display units
    scale: float = 1.0  # display units per model unit (100 for a share shown in %)
    suffix: str = ""  # after a value, e.g. " %"
    unit: str = ""  # of a difference, e.g. " points"


KPIS: dict[str, Kpi] = {
    "customers": Kpi("Customers at the end", "customers\nat the end", "{:,.0f}"),
    "retention_12": Kpi(
        f"Retention after {RETENTION_PERIOD} periods",
        f"retention after\n{RETENTION_PERIOD} periods",
        "{:.1f}",
        scale=100.0,
        suffix=" %",
        unit=" points",
    ),
    "rating": Kpi("Average rating", "average\nrating", "{:.2f}", unit=" stars"),
    "acquisition_cost": Kpi("Acquisition cost", "acquisition\ncost", "{:,.2f}"),
    "revenue": Kpi("Revenue over the run", "revenue\nover the run", "{:,.0f}"),
}


def period_name(s: Scenario) -> str:
    """What a renewal period is called: month, week, year, or 'n-day period'."""
    step, period = s.time.step, s.retention.period
    known = {("day", 7): "week", ("day", 30): "month", ("day", 365): "year", ("week", 52): "year"}
    if (step, period) in known:
        return known[(step, period)]
    return step if period == 1 else f"{period}-{step} period"


def kpi_title(kpi: str, s: Scenario) -> str:
    """A KPI's heading, with retention's period named for the scenario (e.g. 12-month)."""
    if kpi == "retention_12":
        return f"{RETENTION_PERIOD}-{period_name(s)} retention"
    return KPIS[kpi].title


def format_value(kpi: str, value: float | None) -> str:
    """A value in display units, e.g. '48.8 %'; 'n/a' when undefined."""
    if value is None:
        return "n/a"
    k = KPIS[kpi]
    return k.fmt.format(value * k.scale) + k.suffix


def format_diff(kpi: str, value: float | None, unit: bool = True) -> str:
    """A signed difference in display units, e.g. '+4.1 points'."""
    if value is None:
        return "n/a"
    k = KPIS[kpi]
    sign = "+" if value >= 0 else "\u2212"
    return sign + k.fmt.format(abs(value * k.scale)) + (k.unit if unit else "")


def retention_observed(s: Scenario) -> bool:
    """Whether a run is long enough to observe retention after `RETENTION_PERIOD` periods."""
    return s.time.steps >= (RETENTION_PERIOD + 1) * s.retention.period


def kpis(result: RunResult) -> pl.DataFrame:
    """One row per replication, brand and KPI: replication, brand, kpi, value."""
    s, m = result.scenario, result.metrics
    last = m.filter(pl.col("step") == pl.col("step").max())
    end = last.filter(pl.col("metric").is_in(["customers", "rating"])).select(
        "replication", "brand", kpi=pl.col("metric"), value=pl.col("value")
    )
    # Acquisition spending: every touchpoint before purchase (<ZMOT, ZMOT, FMOT).
    acquisition = pl.DataFrame(
        [
            (brand, name)
            for brand, spec in s.brands.items()
            for name, tp in spec.touchpoints.items()
            if tp.moment != "smot"
        ],
        schema={"brand": pl.String, "detail": pl.String},
        orient="row",
    )
    spend = (
        m.filter(pl.col("metric") == "cost")
        .join(acquisition, on=["brand", "detail"], how="semi")
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
    grid = won.select("replication", "brand")
    at = pooled_retention(result.cohorts).filter(pl.col("period") == RETENTION_PERIOD)
    retention = grid.join(at, on=["replication", "brand"], how="left").select(
        "replication", "brand", kpi=pl.lit("retention_12"), value=pl.col("retained")
    )
    return pl.concat([end, retention, cost, revenue], how="vertical_relaxed").with_columns(
        pl.col("replication").cast(pl.Int32)
    )
