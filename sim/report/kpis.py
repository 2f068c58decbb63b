"""The KPIs: one table of their names, formats and units, and their values per replication.

The terminal summary, the report's tiles, sentences and difference chart all take a KPI's title
and format from `KPIS`, so a figure reads the same everywhere. The values are computed below the
report, in `sim.running.kpis` (experiments use them too); the report shows those named in `KPIS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sim.running.kpis import RETENTION_PERIOD
from sim.running.kpis import kpis as all_kpis
from sim.running.result import RunResult
from sim.scenario import Scenario

__all__ = [
    "KPIS",
    "RETENTION_PERIOD",
    "Kpi",
    "format_diff",
    "format_value",
    "kpi_info",
    "kpi_title",
    "kpis",
    "period_name",
    "retention_observed",
]


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
    "margin": Kpi("Margin over the run", "margin\nover the run", "{:,.0f}"),
}


SAME_AS: dict[str, str] = {"customers_end": "customers"}
"""KPIs known by another name elsewhere (experiments say `customers_end`), shown the same."""


def kpi_info(kpi: str) -> Kpi:
    """How a KPI is named and shown, also under a name in `SAME_AS`."""
    return KPIS[SAME_AS.get(kpi, kpi)]


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
    return kpi_info(kpi).title


def format_value(kpi: str, value: float | None) -> str:
    """A value in display units, e.g. '48.8 %'; 'n/a' when undefined."""
    if value is None or value != value:  # None or NaN
        return "n/a"
    k = kpi_info(kpi)
    return k.fmt.format(value * k.scale) + k.suffix


def format_diff(kpi: str, value: float | None, unit: bool = True) -> str:
    """A signed difference in display units, e.g. '+4.1 points'."""
    if value is None:
        return "n/a"
    k = kpi_info(kpi)
    sign = "+" if value >= 0 else "\u2212"
    return sign + k.fmt.format(abs(value * k.scale)) + (k.unit if unit else "")


def retention_observed(s: Scenario) -> bool:
    """Whether a run is long enough to observe retention after `RETENTION_PERIOD` periods."""
    return s.time.steps >= (RETENTION_PERIOD + 1) * s.retention.period


def kpis(result: RunResult) -> pl.DataFrame:
    """The KPIs the report shows (those in `KPIS`), one row per replication, brand and KPI:
    replication, brand, kpi, value (computed by `sim.running.kpis.kpis`)."""
    return all_kpis(result).filter(pl.col("kpi").is_in(list(KPIS)))
