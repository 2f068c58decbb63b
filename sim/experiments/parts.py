"""Results streamed to disk: each finished task writes one Parquet part, so memory does not grow
with the number of runs and an interrupted experiment keeps what it finished.

A part holds the KPIs of a batch of runs (`point, replication, kpi, value`) and is written
through the atomic writer, so a part on disk is whole. `<out>/parts/plan.json` records which
experiment the parts belong to; the runs done are read back from the parts themselves, and at
the end they are consolidated into one frame sorted by point, replication and KPI, and the
results folder is written whole in their place (`finish`).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from sim.store.atomic import atomic_folder, write_atomic
from sim.store.provenance import git_commit, versions

__all__ = [
    "PLAN",
    "SCHEMA",
    "FolderError",
    "PartsMismatchError",
    "consolidate",
    "done_runs",
    "finish",
    "has_plan",
    "open_parts",
    "part_name",
    "runs_done",
    "whole",
    "write_part",
]

SCHEMA = {"point": pl.Int32, "replication": pl.Int32, "kpi": pl.String, "value": pl.Float64}
PLAN = "plan.json"


class PartsMismatchError(ValueError):
    """The parts folder holds the parts of another experiment."""


class FolderError(ValueError):
    """The output folder holds something other than this experiment's unfinished parts."""


def runs_done(out: Path, plan: dict[str, Any], what: str = "experiment") -> int:
    """How many runs of `plan` the output folder `out` already holds (resuming), checking that
    `out` is absent, empty, or the unfinished folder of the same plan."""
    if out.exists():
        if not out.is_dir():
            raise FolderError(f"{out} exists and is not a folder")
        if (out / "manifest.json").exists():
            raise FolderError(f"{out} holds a finished {what}")
        if any(out.iterdir()) and not (out / "parts" / PLAN).is_file():
            raise FolderError(f"{out} is not empty and holds no unfinished {what}")
    parts = out / "parts"
    try:
        return len(done_runs(parts)) if has_plan(parts, plan) else 0
    except PartsMismatchError:
        raise FolderError(f"{out} holds the parts of another {what}") from None


def _text(plan: dict[str, Any]) -> str:
    return json.dumps(plan, indent=2, sort_keys=True) + "\n"


def has_plan(parts: Path, plan: dict[str, Any]) -> bool:
    """Whether `parts` holds parts, of this plan; PartsMismatchError if of another one."""
    file = parts / PLAN
    if not file.is_file():
        return False
    if file.read_text(encoding="utf-8") != _text(plan):
        raise PartsMismatchError(f"{parts} holds the parts of another experiment")
    return True


def open_parts(parts: Path, plan: dict[str, Any]) -> None:
    """Create the parts folder with its plan, or check that an existing one has the same plan
    and remove the temporaries of parts a killed worker was writing (before any worker runs:
    workers on other machines write there, and their process ids mean nothing here)."""
    if not has_plan(parts, plan):
        write_atomic(parts / PLAN, _text(plan))
    for stale in parts.glob(".part-*.partial"):
        stale.unlink(missing_ok=True)


def part_name(runs: list[tuple[int, int]]) -> str:
    """A part's file name, from its first run (batches never share a run)."""
    point, rep = runs[0]
    return f"part-p{point:07d}-r{rep:05d}-n{len(runs)}.parquet"


def write_part(parts: Path, runs: list[tuple[int, int]], frame: pl.DataFrame) -> Path:
    """Write a batch's KPIs as one part, whole or not at all."""
    buffer = io.BytesIO()
    frame.select(list(SCHEMA)).cast(SCHEMA).write_parquet(buffer)  # type: ignore[arg-type]
    return write_atomic(parts / part_name(runs), buffer.getvalue(), clean=False)


def _files(parts: Path) -> list[Path]:
    return sorted(parts.glob("part-*.parquet"))


def done_runs(parts: Path) -> set[tuple[int, int]]:
    """The (point, replication) of every run found in the parts."""
    files = _files(parts)
    if not files:
        return set()
    frame = pl.read_parquet(files, columns=["point", "replication"]).unique()
    return set(frame.iter_rows())


def consolidate(parts: Path) -> pl.DataFrame:
    """Every part in one frame, sorted by point, replication and KPI."""
    files = _files(parts)
    if not files:
        return pl.DataFrame(schema=SCHEMA)
    return pl.read_parquet(files).cast(SCHEMA).sort("point", "replication", "kpi")  # type: ignore[arg-type]


def whole(parts: Path, runs: int) -> pl.DataFrame:
    """`consolidate`, every one of a design's `runs` there (a missing one is an error)."""
    kpis = consolidate(parts)
    missing = runs - kpis.select("point", "replication").unique().height
    if missing:
        raise RuntimeError(f"{missing} runs have no results in {parts}")
    return kpis


def finish(
    out: Path, files: dict[str, bytes], manifest: dict[str, Any], runner: str, wall: float
) -> None:
    """The results folder `out`, written whole in place of the parts: `files` and
    manifest.json, `manifest` with what every design's says of its run (where it ran, when,
    how long, the commit and versions, the files)."""
    manifest |= {
        "runner": runner,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_time_seconds": round(wall, 3),
        "git_commit": git_commit(),
        "versions": versions(),
        "files": [*files, "manifest.json"],
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    with atomic_folder(out, replace=True) as tmp:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
