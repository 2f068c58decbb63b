"""Aggregation over replications: the same floats on every call, and the 90 % bands every
summary, comparison and chart reports."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sim.running.aggregation import stable_group_by

__all__ = ["LOWER", "UPPER", "bands", "stable_group_by"]

LOWER, UPPER = 0.05, 0.95  # the 90 % interval over replications


def bands(frame: pl.DataFrame, keys: Sequence[str], value: str = "value") -> pl.DataFrame:
    """Mean, lower (5th percentile) and upper (95th) of `value` over the rows of each key, sorted
    by key; NaN counts as missing."""
    v = pl.col(value).fill_nan(None)
    return (
        stable_group_by(frame, *keys)
        .agg(
            mean=v.mean(),
            lower=v.quantile(LOWER, interpolation="linear"),
            upper=v.quantile(UPPER, interpolation="linear"),
        )
        .sort(keys)
    )
