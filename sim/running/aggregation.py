"""Group-bys whose float sums and means are the same bit for bit on every call, so the same
runs give the same bytes (KPIs here, bands and charts in the report)."""

from __future__ import annotations

import polars as pl
from polars.dataframe.group_by import GroupBy

__all__ = ["stable_group_by"]


def stable_group_by(frame: pl.DataFrame, *keys: str) -> GroupBy:
    """`frame.group_by(keys)` whose float sums and means are the same bit for bit every time.

    Polars' parallel group-by adds a group's values in an order set by thread scheduling; rows
    sorted first and groups kept in that order make the order of additions fixed.
    """
    return frame.sort(pl.all()).group_by(*keys, maintain_order=True)
