from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.cohorts import SCHEMA, cohort_retention


def test_cohort_table_counts_survivors_of_fully_observed_periods() -> None:
    # period 10 steps, run of 40 steps; cohort 0 = acquired in steps 1..10
    brand = np.array([0, 0, 0, 0, 1])
    acquired = np.array([1, 5, 10, 12, 3])
    ended = np.array([11, 35, 41, 41, 41])  # 41 = still active at the end
    t = cohort_retention(brand, acquired, ended, ["a", "b"], period=10, steps=40)
    a0 = t.filter(brand="a", cohort=0).sort("period")
    assert a0["period"].to_list() == [0, 1, 2, 3]  # period 3 needs (0+1+3)*10 <= 40
    assert a0["size"].to_list() == [3, 3, 3, 3]
    assert a0["active"].to_list() == [3, 2, 2, 1]
    a1 = t.filter(brand="a", cohort=1)
    assert a1["period"].max() == 2


def test_customers_at_the_start_are_not_a_cohort() -> None:
    t = cohort_retention(np.array([0]), np.array([0]), np.array([41]), ["a"], period=10, steps=40)
    assert t.height == 0


def by_period(brand, acquired, ended, brands, period, steps) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """The table the definition gives, period by period (a filter and a group-by each): the
    reference `cohort_retention` must equal."""
    keep = acquired >= 1
    frame = pl.DataFrame(
        {"brand_i": brand[keep].astype(np.int32), "acquired": acquired[keep], "ended": ended[keep]}
    ).with_columns(cohort=((pl.col("acquired") - 1) // period).cast(pl.Int32))
    rows = []
    for k in range(steps // period + 1):
        observable = frame.filter((pl.col("cohort") + 1 + k) * period <= steps)
        rows.append(
            observable.group_by("brand_i", "cohort")
            .agg(
                size=pl.len().cast(pl.Int64),
                active=(pl.col("ended") > pl.col("acquired") + k * period).sum().cast(pl.Int64),
            )
            .with_columns(period=pl.lit(k, pl.Int32))
        )
    return (
        pl.concat(rows)
        .with_columns(
            brand=pl.col("brand_i").replace_strict(dict(enumerate(brands)), return_dtype=pl.String),
            retained=pl.col("active") / pl.col("size"),
        )
        .select(list(SCHEMA))
        .sort("brand", "cohort", "period")
    )


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 200),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200), st.integers(0, 260)), max_size=60),
)
def test_the_cohort_table_is_the_definition_period_by_period(
    period: int, steps: int, spells: list[tuple[int, int, int]]
) -> None:
    brand, acquired, lasting = (
        (np.array(x, dtype=np.int64) for x in zip(*spells, strict=True))
        if spells
        else (np.empty(0, np.int64),) * 3
    )
    acquired = np.minimum(acquired, steps)
    ended = acquired + lasting  # a spell may end at once, or run past the end (still active)
    got = cohort_retention(brand, acquired, ended, ["a", "b", "c"], period, steps)
    assert got.equals(by_period(brand, acquired, ended, ["a", "b", "c"], period, steps))
