"""Retention by acquisition cohort: the share of a cohort still active k periods later.

A cohort is everyone a brand acquired in the same renewal period (cohort 0 = steps 1..period).
Only fully observed cells are kept: period k of a cohort appears once its last member has been
a customer for k periods by the end of the run.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["cohort_retention"]

SCHEMA = {
    "brand": pl.String,
    "cohort": pl.Int32,
    "period": pl.Int32,
    "size": pl.Int64,
    "active": pl.Int64,
    "retained": pl.Float64,
}


def cohort_retention(
    brand: np.ndarray,
    acquired: np.ndarray,
    ended: np.ndarray,
    brands: list[str],
    period: int,
    steps: int,
) -> pl.DataFrame:
    """Spells (brand, step acquired, step ended or > steps if still active) to a cohort table.

    A customer acquired at step a is active at period k if its spell has not ended by a + k*period.
    """
    keep = acquired >= 1  # customers at the start have no known acquisition date
    brand, acquired, ended = brand[keep], acquired[keep], ended[keep]
    frame = pl.DataFrame(
        {"brand_i": brand.astype(np.int32), "acquired": acquired, "ended": ended}
    ).with_columns(cohort=((pl.col("acquired") - 1) // period).cast(pl.Int32))
    last_period = (steps - 1) // period  # cohort c's last member arrives at (c+1)*period
    rows = []
    for k in range(last_period + 1):
        observable = frame.filter((pl.col("cohort") + 1 + k) * period <= steps)
        if observable.height == 0:
            break
        rows.append(
            observable.group_by("brand_i", "cohort")
            .agg(
                size=pl.len().cast(pl.Int64),
                active=(pl.col("ended") > pl.col("acquired") + k * period).sum().cast(pl.Int64),
            )
            .with_columns(period=pl.lit(k, pl.Int32))
        )
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    return (
        pl.concat(rows)
        .with_columns(
            brand=pl.col("brand_i").replace_strict(dict(enumerate(brands)), return_dtype=pl.String),
            retained=pl.col("active") / pl.col("size"),
        )
        .select(list(SCHEMA))
        .sort("brand", "cohort", "period")
    )
