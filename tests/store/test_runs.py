"""A run folder appears whole or not at all."""

from __future__ import annotations

import json

import polars as pl
import pytest

from sim import load_scenario, run
from sim.scenario import validate_scenario
from sim.store.runs import FILES, default_run_dir, write_run

SPEC = validate_scenario(
    {"name": "tiny", "time": {"steps": 20}, "population": {"consumers": 200}, "brands": {"a": {}}}
)


def test_run_folder_holds_every_file(tmp_path) -> None:
    result = run(SPEC, reps=2, seed=3)
    path = write_run(result, default_run_dir(tmp_path, "tiny"))
    assert sorted(p.name for p in path.iterdir()) == sorted(FILES)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["replications"] == 2
    assert {"mesa", "numpy", "polars"} <= set(manifest["versions"])
    assert pl.read_parquet(path / "metrics.parquet").equals(result.metrics)
    assert load_scenario(path / "scenario.toml") == SPEC  # the resolved scenario, reloadable


def test_an_interrupted_write_leaves_nothing(tmp_path, monkeypatch) -> None:
    result = run(SPEC, reps=1, seed=3)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.DataFrame, "write_parquet", boom)
    with pytest.raises(KeyboardInterrupt):
        write_run(result, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_run_folder_names_do_not_collide(tmp_path) -> None:
    first = default_run_dir(tmp_path, "x")
    first.mkdir()
    assert default_run_dir(tmp_path, "x") != first


def test_a_calendar_puts_the_date_beside_the_step(tmp_path) -> None:
    from datetime import date

    from sim.store.runs import read_run

    dated = validate_scenario(
        {
            "name": "dated",
            "time": {"steps": 10, "step": "week", "start": date(2026, 2, 14)},
            "population": {"consumers": 100},
            "brands": {"a": {}},
        }
    )
    result = run(dated, reps=1, seed=3)
    path = write_run(result, tmp_path / "dated")
    metrics = pl.read_parquet(path / "metrics.parquet")
    assert metrics.columns[:3] == ["replication", "step", "date"]
    firsts = metrics.group_by("step").agg(pl.col("date").first()).sort("step")
    assert firsts["date"][0] == date(2026, 2, 14) and firsts["date"][1] == date(2026, 2, 21)
    assert read_run(path).metrics.equals(result.metrics)  # derived from step, dropped on reading
    undated = write_run(run(SPEC, reps=1, seed=3), tmp_path / "undated")
    assert "date" not in pl.read_parquet(undated / "metrics.parquet").columns
