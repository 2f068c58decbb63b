"""The run summary: per brand, the numbers a strategist asks for first, with their spread.

Each figure is the mean over replications with a 90 % interval (the 5th to 95th percentile of
the replications), so the interval shows how much the outcome varies from run to run.
"""

from __future__ import annotations

import polars as pl
from rich.console import Console
from rich.table import Table

from sim.engine.cohorts import pooled_retention
from sim.report.frames import bands, stable_group_by
from sim.running import RunResult

__all__ = ["RETENTION_PERIOD", "kpis", "render", "summarize"]

RETENTION_PERIOD = 12
KPIS = {
    "customers": "customers\nat the end",
    "retention_12": f"retention after\n{RETENTION_PERIOD} periods",
    "rating": "average\nrating",
    "acquisition_cost": "acquisition\ncost",
    "revenue": "revenue\nover the run",
}
# The console table leaves revenue to the report: six columns do not fit 80 characters.
TABLE = ("customers", "retention_12", "rating", "acquisition_cost")


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
    retention = grid.join(
        pooled_retention(result.cohorts, RETENTION_PERIOD), on=["replication", "brand"], how="left"
    ).select("replication", "brand", kpi=pl.lit("retention_12"), value=pl.col("retained"))
    return pl.concat([end, retention, cost, revenue], how="vertical_relaxed").with_columns(
        pl.col("replication").cast(pl.Int32)
    )


def summarize(result: RunResult) -> pl.DataFrame:
    """Per brand and KPI: mean, low (5th percentile) and high (95th) over replications."""
    order = {b: i for i, b in enumerate(result.scenario.brand_names)}
    return (
        bands(kpis(result), ["brand", "kpi"])
        .with_columns(
            order=pl.col("brand").replace_strict(order, return_dtype=pl.Int32),
            k=pl.col("kpi").replace_strict(
                {k: i for i, k in enumerate(KPIS)}, return_dtype=pl.Int32
            ),
        )
        .sort("order", "k")
        .drop("order", "k")
    )


def _fmt(kpi: str, mean: float | None, low: float | None, high: float | None) -> str:
    if mean is None:
        return "n/a"
    fmt = {
        "customers": "{:,.0f}",
        "retention_12": "{:.1%}",
        "rating": "{:.2f}",
        "acquisition_cost": "{:,.2f}",
    }[kpi]
    return f"{fmt.format(mean)}\n[dim]{fmt.format(low)} to {fmt.format(high)}[/dim]"


def render(summary: pl.DataFrame, result: RunResult, console: Console) -> None:
    s = result.scenario
    table = Table(
        title=f"{s.name}: {result.replications} replications x {s.population.consumers:,} "
        f"consumers x {s.time.steps} {s.time.step}s\nmean over replications, 90 % interval below",
    )
    table.add_column("brand", no_wrap=True)
    for label in (KPIS[k] for k in TABLE):
        table.add_column(label, justify="right", no_wrap=True)
    for brand in s.brand_names:
        rows = {r["kpi"]: r for r in summary.filter(pl.col("brand") == brand).iter_rows(named=True)}
        name = f"{brand} *" if brand == s.focal else brand
        table.add_row(
            name,
            *(
                _fmt(k, *(rows[k][c] for c in ("mean", "low", "high"))) if k in rows else "n/a"
                for k in TABLE
            ),
        )
    console.print(table)
    console.print("* focal brand", style="dim")
    if s.time.steps < (RETENTION_PERIOD + 1) * s.retention.period:
        console.print(
            f"{RETENTION_PERIOD}-period retention needs at least "
            f"{(RETENTION_PERIOD + 1) * s.retention.period} steps."
        )
