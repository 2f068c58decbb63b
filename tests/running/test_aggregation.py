"""Stable aggregation: the same floats on every call."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.running.aggregation import LOWER, UPPER, bands, stable_group_by


def test_float_sums_are_the_same_every_call() -> None:
    rng = np.random.default_rng(7)
    n = 400_000
    frame = pl.DataFrame(
        {
            "group": rng.integers(0, 40, n),
            "value": rng.lognormal(0.0, 3.0, n),  # wide magnitudes: addition order shows
        }
    ).sample(fraction=1.0, shuffle=True, seed=1)
    first = stable_group_by(frame, "group").agg(
        total=pl.col("value").sum(), mean=pl.col("value").mean()
    )
    for _ in range(20):
        again = stable_group_by(frame, "group").agg(
            total=pl.col("value").sum(), mean=pl.col("value").mean()
        )
        assert again.equals(first)
    plain = frame.group_by("group").agg(pl.col("value").sum()).sort("group")
    np.testing.assert_allclose(first.sort("group")["total"], plain["value"], rtol=1e-12)


def test_groups_come_in_sorted_order_whatever_the_input_order() -> None:
    frame = pl.DataFrame({"k": ["b", "a", "c", "a"], "v": [1.0, 2.0, 3.0, 4.0]})
    shuffled = frame.reverse()
    for f in (frame, shuffled):
        out = stable_group_by(f, "k").agg(pl.col("v").sum())
        assert out["k"].to_list() == ["a", "b", "c"]
        assert out["v"].to_list() == [6.0, 1.0, 3.0]


def test_bands_are_the_mean_and_the_5th_and_95th_percentile_per_key() -> None:
    rng = np.random.default_rng(3)
    values = {"b": rng.normal(10.0, 2.0, 20), "a": rng.normal(-1.0, 1.0, 20)}
    frame = pl.DataFrame(
        {
            "k": ["b"] * 20 + ["a"] * 20 + ["a"],
            "value": [*values["b"], *values["a"], float("nan")],  # NaN: not a number to count
        }
    )
    out = bands(frame, ["k"])
    assert out["k"].to_list() == ["a", "b"]
    for row in out.iter_rows(named=True):
        v = values[row["k"]]
        assert row["mean"] == pytest.approx(v.mean(), rel=1e-12)
        assert row["lower"] == pytest.approx(np.quantile(v, LOWER), rel=1e-12)
        assert row["upper"] == pytest.approx(np.quantile(v, UPPER), rel=1e-12)
