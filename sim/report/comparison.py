"""Scenario against baseline: each KPI's difference with its 90 % interval.

Runs made with the same seed share their random numbers replication by replication (common
random numbers, see `sim.running.seeds`), so the difference is taken per replication, pairing
replication i of the scenario with replication i of the baseline: the noise both share cancels
and the interval is tight. Runs with different seeds or replication counts are not paired:
every replication of one is compared with every replication of the other.
"""

from __future__ import annotations

import polars as pl

from sim.running import RunResult
from sim.running.aggregation import bands

__all__ = ["can_pair", "differences"]


def can_pair(base: RunResult, other: RunResult) -> bool:
    """Whether replication i of both runs drew the same random streams."""
    return base.seed == other.seed and base.replications == other.replications


def differences(base: pl.DataFrame, other: pl.DataFrame, *, paired: bool) -> pl.DataFrame:
    """KPI frames (replication, brand, kpi, value) to other - base per brand and KPI:
    brand, kpi, mean, lower, upper (5th and 95th percentile of the differences), paired.

    Replications where a KPI is undefined (e.g. retention not yet observed) are left out.
    """
    keys = ["brand", "kpi"]
    b = base.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    o = other.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    if paired:
        pairs = o.join(b, on=["replication", *keys], suffix="_base")
    else:
        pairs = o.join(b.drop("replication"), on=keys, suffix="_base")
    diff = pairs.with_columns(value=pl.col("value") - pl.col("value_base"))
    return bands(diff, keys).with_columns(paired=pl.lit(paired))
