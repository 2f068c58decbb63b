"""Results on disk: a run folder of tidy Parquet, the resolved scenario and a manifest.

The folder is written under a temporary name and renamed when complete, so a run folder is
either whole or absent, also when the run is interrupted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from sim.running.result import FRAMES, RunResult
from sim.scenario import Scenario, dump_scenario, load_scenario
from sim.scenario.calendar import dates
from sim.store.atomic import atomic_folder, parquet_bytes
from sim.store.destination import default_run_dir
from sim.store.provenance import git_commit, versions

__all__ = [
    "DATE",
    "FILES",
    "RunFolderError",
    "default_run_dir",
    "read_run",
    "with_dates",
    "write_run",
]

FILES = (*(f"{name}.parquet" for name in FRAMES), "scenario.toml", "manifest.json")


DATE = "date"
"""The column of the date a step begins on, beside `step` in the Parquet files of a scenario
with a calendar (`time.start`); derived from `step`, so reading a run drops it again."""


def with_dates(frame: pl.DataFrame, s: Scenario) -> pl.DataFrame:
    """`frame` with a `date` column right after `step` when the scenario has a calendar."""
    if s.time.start is None or "step" not in frame.columns or DATE in frame.columns:
        return frame
    last = max(int(frame["step"].max() or 0), s.time.steps)
    table = pl.DataFrame(
        {
            "step": pl.Series(range(1, last + 1), dtype=frame.schema["step"]),
            DATE: pl.Series(dates(last, s.time.start, s.time.step), dtype=pl.Date),
        }
    )
    out = frame.join(table, on="step", how="left", maintain_order="left")
    at = frame.columns.index("step") + 1
    return out.select([*frame.columns[:at], DATE, *frame.columns[at:]])


def manifest(result: RunResult) -> dict:
    s = result.scenario
    return {
        "scenario": s.name,
        "seed": result.seed,
        "replications": result.replications,
        "consumers": s.population.consumers,
        "steps": s.time.steps,
        "step": s.time.step,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_time_seconds": round(result.wall_time, 3),
        "git_commit": git_commit(),
        "versions": versions(),
        "files": list(FILES),
    } | ({"start": s.time.start.isoformat()} if s.time.start is not None else {})


def write_run(result: RunResult, path: str | Path) -> Path:
    """Write the run folder at `path` (a `str` or a `Path`) atomically and return it."""
    path = Path(path)
    with atomic_folder(path) as tmp:
        for name, frame in result.frames().items():
            frame = with_dates(frame, result.scenario)
            (tmp / f"{name}.parquet").write_bytes(parquet_bytes(frame))
        (tmp / "scenario.toml").write_text(dump_scenario(result.scenario), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest(result), indent=2) + "\n")
    return path


class RunFolderError(ValueError):
    """A run folder that cannot be read: missing, incomplete or damaged (one line)."""


def read_run(path: str | Path) -> RunResult:
    """Read a run folder written by `write_run` (a `str` or a `Path`) back into a RunResult."""
    path = Path(path)
    if not path.is_dir():
        raise RunFolderError(f"{path}: no such run folder")
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise RunFolderError(f"{path}: incomplete run folder, missing {', '.join(missing)}")
    info = _read_manifest(path / "manifest.json")
    frames = {}
    for name in FRAMES:
        try:
            frames[name] = pl.read_parquet(path / f"{name}.parquet").drop(DATE, strict=False)
        except (OSError, pl.exceptions.PolarsError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RunFolderError(f"{path / f'{name}.parquet'}: unreadable ({first})") from None
    return RunResult(
        scenario=load_scenario(path / "scenario.toml"),
        seed=info["seed"],
        replications=info["replications"],
        wall_time=info["wall_time_seconds"],
        **frames,
    )


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFolderError(f"{path}: not a readable manifest ({exc})") from None
    need = {"seed": int, "replications": int, "wall_time_seconds": (int, float)}
    for key, kind in need.items():
        if not isinstance(info, dict) or not isinstance(info.get(key), kind):
            raise RunFolderError(f"{path}: {key}: missing or not a number")
    return info
