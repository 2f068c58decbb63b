"""Aggregation that gives the same floats on every call."""

from __future__ import annotations

import polars as pl
from polars.dataframe.group_by import GroupBy


def stable_group_by(frame: pl.DataFrame, *keys: str) -> GroupBy:
    """`frame.group_by(keys)` whose float sums and means are the same bit for bit every time.

    Polars' parallel group-by adds a group's values in an order set by thread scheduling; rows
    sorted first and groups kept in that order make the order of additions fixed.
    """
    return frame.sort(pl.all()).group_by(*keys, maintain_order=True)
