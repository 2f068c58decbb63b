"""Differences from the baseline: paired by replication when the runs share random numbers."""

from __future__ import annotations

import polars as pl
import pytest

from sim.report.comparison import differences


def kpi_frame(values: list[float], kpi: str = "customers") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "replication": pl.Series(range(len(values)), dtype=pl.Int32),
            "brand": ["a"] * len(values),
            "kpi": [kpi] * len(values),
            "value": values,
        }
    )


# replications vary a lot, but the scenario adds exactly 5 in each: the common-random-numbers case
BASE = kpi_frame([100.0, 140.0, 90.0, 160.0, 120.0])
OTHER = kpi_frame([105.0, 145.0, 95.0, 165.0, 125.0])


def test_paired_differences_cancel_the_shared_noise() -> None:
    d = differences(BASE, OTHER, paired=True).row(0, named=True)
    assert (d["mean"], d["lower"], d["upper"], d["paired"]) == (5.0, 5.0, 5.0, True)


def test_unpaired_differences_keep_the_noise_but_not_the_mean() -> None:
    d = differences(BASE, OTHER, paired=False).row(0, named=True)
    assert d["mean"] == pytest.approx(5.0)
    assert d["lower"] < -40 and d["upper"] > 50 and d["paired"] is False


def test_undefined_values_are_left_out() -> None:
    base = kpi_frame([0.5, None, 0.7], "retention_12")  # type: ignore[list-item]
    other = kpi_frame([0.6, 0.9, float("nan")], "retention_12")
    d = differences(base, other, paired=True).row(0, named=True)
    assert d["mean"] == pytest.approx(0.1)
