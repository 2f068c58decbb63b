"""Retention measures: pooled and chained, from the same cohort cells."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.engine.cohorts import cohort_retention
from sim.running.retention import chained_retention, pooled_retention


def test_pooled_retention_pools_the_cohorts_observed_that_long() -> None:
    # period 10 steps, run of 40 steps; brand a: cohort 0 = steps 1..10 (three), cohort 1 (one)
    brand = np.array([0, 0, 0, 0, 1])
    acquired = np.array([1, 5, 10, 12, 3])
    ended = np.array([11, 35, 41, 41, 41])  # 41 = still active at the end
    t = cohort_retention(brand, acquired, ended, ["a", "b"], period=10, steps=40)
    pooled = pooled_retention(t)
    a = pooled.filter(brand="a")
    assert a["period"].to_list() == [0, 1, 2, 3]
    assert a["retained"].to_list() == pytest.approx([1.0, (2 + 1) / (3 + 1), 3 / 4, 1 / 3])
    assert pooled.filter(brand="b")["retained"].to_list() == [1.0] * 4


def cells(rows: list[tuple[int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["cohort", "period", "active"], orient="row")


def test_chained_retention_multiplies_pooled_renewal_rates() -> None:
    # cohort 0: 100 -> 50 -> 40; cohort 1: 200 -> 150 (not yet observed at period 2)
    frame = cells([(0, 0, 100), (0, 1, 50), (0, 2, 40), (1, 0, 200), (1, 1, 150)])
    curve = chained_retention(frame, 3)
    assert curve[0] == 1.0
    assert curve[1] == pytest.approx(200 / 300)  # both cohorts: (50 + 150) / (100 + 200)
    assert curve[2] == pytest.approx(200 / 300 * 40 / 50)  # only cohort 0 reached period 2
    assert np.isnan(curve[3])  # no cohort reached period 3


def test_both_definitions_agree_when_every_cohort_is_seen_as_long() -> None:
    frame = cells([(0, 0, 100), (0, 1, 60), (0, 2, 30), (1, 0, 50), (1, 1, 40), (1, 2, 35)])
    chained = chained_retention(frame, 2)
    pooled = pooled_retention(
        frame.with_columns(size=pl.when(pl.col("cohort") == 0).then(100).otherwise(50))
    )
    assert chained[1] == pytest.approx(pooled["retained"][1])  # one step: the same pool
    # two steps: chained multiplies rates, pooled takes the share; equal when all reach period 2
    assert chained[2] == pytest.approx(pooled["retained"][2])
