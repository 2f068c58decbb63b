"""Aggregation over replications: group-bys whose float sums and means are the same bit for bit
on every call, and the 90 % bands (mean, 5th and 95th percentile) that every summary,
comparison, chart and experiment reports."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from polars.dataframe.group_by import GroupBy

__all__ = ["LOWER", "UPPER", "bands", "stable_group_by"]

LOWER, UPPER = 0.05, 0.95  # the 90 % interval over replications


def stable_group_by(frame: pl.DataFrame, *keys: str) -> GroupBy:
    """`frame.group_by(keys)` whose float sums and means are the same bit for bit every time.

    Polars' parallel group-by adds a group's values in an order set by thread scheduling; rows
    sorted first and groups kept in that order make the order of additions fixed.
    """
    return frame.sort(pl.all()).group_by(*keys, maintain_order=True)


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
