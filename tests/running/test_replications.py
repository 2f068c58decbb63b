"""Replications and reproducibility: same scenario and seed give bit-identical results."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from sim import run
from sim.running import replication_seeds
from sim.scenario import validate_scenario
from sim.store.runs import write_run

SPEC = validate_scenario(
    {
        "name": "tiny",
        "time": {"steps": 50},
        "population": {"consumers": 400},
        "brands": {
            "a": {"share": 0.2, "touchpoints": {"ad": {"moment": "pre_zmot", "reach": 0.05}}},
            "b": {"share": 0.2},
        },
    }
)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_replication_streams_do_not_depend_on_how_many_are_run() -> None:
    five = replication_seeds(9, 5)
    fifty = replication_seeds(9, 50)
    for a, b in zip(five, fifty[:5], strict=True):
        assert (a.generate_state(4) == b.generate_state(4)).all()


def test_same_seed_gives_bit_identical_parquet_whatever_the_number_of_replications(
    tmp_path,
) -> None:
    three = run(SPEC, reps=3, seed=42)
    again = run(SPEC, reps=3, seed=42)
    two = run(SPEC, reps=2, seed=42)
    for name in ("metrics", "cohorts", "reviews"):
        a, b, c = getattr(three, name), getattr(again, name), getattr(two, name)
        assert a.equals(b)
        assert a.filter(pl.col("replication") < 2).equals(c)
    p1 = write_run(three, tmp_path / "one")
    p2 = write_run(again, tmp_path / "two")
    for name in ("metrics.parquet", "cohorts.parquet", "reviews.parquet", "scenario.toml"):
        assert digest(p1 / name) == digest(p2 / name)


def test_replications_differ_from_each_other() -> None:
    r = run(SPEC, reps=2, seed=1).metrics.filter(pl.col("metric") == "customers")
    a, b = (r.filter(pl.col("replication") == i)["value"].to_numpy() for i in (0, 1))
    assert not np.array_equal(a, b)


def test_metrics_are_tidy() -> None:
    m = run(SPEC, reps=1, seed=1).metrics
    assert m.columns == ["replication", "step", "metric", "brand", "detail", "value"]
    assert m.select("replication", "step", "metric", "brand", "detail").is_duplicated().sum() == 0
    expected = {
        "consumers", "flow", "needs", "researched", "acquisitions", "adoptions", "churn",
        "customers", "share", "revenue", "reviews", "rating", "satisfaction", "awareness",
        "problems", "recovered", "wom", "wom_former", "contacts", "cost",
    }  # fmt: skip
    assert set(m["metric"].unique()) == expected


@pytest.mark.slow
def test_replications_in_two_processes_give_the_same_bytes(tmp_path) -> None:
    finished: list[int] = []
    parallel = run(SPEC, reps=3, seed=42, workers=2, on_replication=finished.append)
    assert sorted(finished) == [0, 1, 2]
    p1 = write_run(run(SPEC, reps=3, seed=42), tmp_path / "one")
    p2 = write_run(parallel, tmp_path / "two")
    for name in ("metrics", "cohorts", "reviews", "satisfaction"):
        assert digest(p1 / f"{name}.parquet") == digest(p2 / f"{name}.parquet"), name
