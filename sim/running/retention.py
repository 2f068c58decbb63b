"""Retention measures over cohort tables, two definitions named apart (the report reads them
through `sim.running.retention`; the KPIs in `sim.running.kpis` use the pooled one).

- **pooled** (`pooled_retention`): of all customers acquired early enough to be seen k periods
  later, the share still active at k (active / size, summed over cohorts). The run summary,
  the report's tiles, the funnel and the retention charts show this one.
- **chained** (`chained_retention`): the product of the period-on-period renewal rates, each
  pooled over every cohort that reached that period. Calibration fits this one: each period
  uses all the cohorts that reached it, so the curve falls monotonically and its tail does not
  rest on the first cohort alone.

Both come from the same cells (`cohorts.parquet`) and agree when every cohort is observed for
as long; with staggered cohorts they differ, the chained curve being the smoother tail.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["chained_retention", "pooled_retention"]


def pooled_retention(cohorts: pl.DataFrame) -> pl.DataFrame:
    """Cohort cells to pooled retention per (replication, brand, when present) and period:
    the share of all customers observed that long who are still active, as `retained`."""
    keys = [c for c in ("replication", "brand") if c in cohorts.columns]
    return (
        cohorts.group_by(*keys, "period")
        .agg(retained=pl.col("active").sum() / pl.col("size").sum())
        .sort(*keys, "period")
    )


def chained_retention(cells: pl.DataFrame, periods: int) -> np.ndarray:
    """Retention at 0..periods from cohort cells (cohort, period, active): the product of the
    pooled period-on-period renewal rates; NaN from the first period no cohort reached."""
    pairs = (
        cells.sort("cohort", "period")
        .with_columns(before=pl.col("active").shift(1).over("cohort"))
        .filter((pl.col("period") >= 1) & (pl.col("period") <= periods))
        .group_by("period")
        .agg(rate=pl.col("active").sum() / pl.col("before").sum())
    )
    rate = np.full(periods + 1, np.nan)
    rate[0] = 1.0
    rate[pairs["period"].to_numpy()] = pairs["rate"].to_numpy()
    return np.cumprod(rate)
