from __future__ import annotations

import numpy as np

from sim.engine.cohorts import cohort_retention


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
