"""The run summary: per brand, the numbers a strategist asks for first, with their spread.

Each figure is the mean over replications with a 90 % interval (the 5th to 95th percentile of
the replications), so the interval shows how much the outcome varies from run to run. Columns
carry the KPIs' titles from the glossary (`sim.report.kpis`), as the report's tiles do.
"""

from __future__ import annotations

import polars as pl
from rich.console import Console
from rich.table import Table

from sim.report.kpis import (
    KPIS,
    RETENTION_PERIOD,
    format_value,
    kpi_column,
    kpi_title,
    kpis,
    retention_observed,
)
from sim.report.text import markup_safe
from sim.running.aggregation import bands
from sim.running.result import RunResult

__all__ = ["TABLE", "render", "summarize"]

# The console table leaves revenue to the report: six columns do not fit 80 characters.
TABLE = ("customers", "retention_12", "rating", "acquisition_cost")


def summarize(result: RunResult) -> pl.DataFrame:
    """Per brand and KPI: mean, lower (5th percentile) and upper (95th) over replications."""
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


def _cell(kpi: str, row: dict | None) -> str:
    if row is None or row["mean"] is None:
        return "n/a"
    lower, upper = format_value(kpi, row["lower"]), format_value(kpi, row["upper"])
    return f"{format_value(kpi, row['mean'])}\n[dim]{lower} to {upper}[/dim]"


def render(summary: pl.DataFrame, result: RunResult, console: Console) -> None:
    s = result.scenario
    table = Table(
        title=f"{markup_safe(s.name)}: {result.replications} replications x "
        f"{s.population.consumers:,} consumers x {s.time.steps} {s.time.step}s\n"
        "mean over replications, 90 % interval below",
    )
    table.add_column("brand", no_wrap=True)
    for k in TABLE:
        table.add_column(kpi_column(k, s), justify="right", no_wrap=True)
    for brand in s.brand_names:
        rows = {r["kpi"]: r for r in summary.filter(pl.col("brand") == brand).iter_rows(named=True)}
        name = markup_safe(brand) + (" *" if brand == s.focal else "")
        table.add_row(name, *(_cell(k, rows.get(k)) for k in TABLE))
    console.print(table)
    console.print("* focal brand", style="dim")
    if not retention_observed(s):
        console.print(
            f"{kpi_title('retention_12', s)} needs at least "
            f"{(RETENTION_PERIOD + 1) * s.retention.period} steps."
        )
