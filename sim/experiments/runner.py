"""Running many runs: a run is (point, replication); runs are batched into tasks, tasks go to one
of three interchangeable executors (`sim.running.executors`: this process, local processes, a
Dask cluster), and each task writes its own part as it finishes. Quick runs are batched into
about ten tasks per worker, as EMA Workbench's Dask evaluator does, because a scheduler's cost
per task is large next to a run; a task writes its part on the worker, so results are not
shipped back.

Seeds: run (point, replication) draws from `SeedSequence(seed, spawn_key=(replication,))`,
replication r's stream in `sim.running.run` with that seed (`sim.running.seeds`). It depends
on nothing but the run, so results are the same whatever the executor, worker count or order;
and replication r shares its random numbers across points (common random numbers), so what
differs between points is the factors, not the noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from sim.experiments.parts import done_runs, write_part
from sim.running.executors import Executor, LocalProcesses
from sim.running.kpis import SPEND, touchpoint_spend
from sim.running.kpis import kpis as run_kpis
from sim.running.result import RunResult
from sim.scenario import Scenario, apply_overrides, key_path_overrides

__all__ = [
    "MAX_BATCH",
    "TASKS_PER_WORKER",
    "Work",
    "batches",
    "run_all",
    "run_batch",
    "run_seed",
]

TASKS_PER_WORKER = 10
MAX_BATCH = 25  # runs per task at most, so progress moves and an interruption loses little

Work = tuple[int, int, dict[str, Any]]
"""One run: point, replication and the point's factor values as key-path overrides."""


def run_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of a replication, the same at every point (see the module's note)."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def run_batch(
    scenario: Scenario,
    brand: str,
    kpis: tuple[str, ...],
    seed: int,
    work: list[Work],
    parts: str,
) -> int:
    """Run a batch of runs and write their KPIs of `brand` (and touchpoint spend, for names
    `spend:<touchpoint>`) as one part; return the runs done."""
    from sim.running.replications import run_replication  # loads the engine in the worker

    frames = []
    for point, rep, values in work:
        s = apply_overrides(scenario, key_path_overrides(values)) if values else scenario
        out = run_replication(s, run_seed(seed, rep), rep)
        result = RunResult(scenario=s, seed=seed, replications=1, wall_time=0.0, **out)
        k = run_kpis(result)
        if any(name.startswith(SPEND) for name in kpis):
            k = pl.concat([k, touchpoint_spend(result)], how="vertical_relaxed")
        k = k.filter((pl.col("brand") == brand) & pl.col("kpi").is_in(kpis))
        point_column = pl.lit(point, pl.Int32).alias("point")
        frames.append(k.select(point_column, "replication", "kpi", "value"))
    write_part(Path(parts), [(p, r) for p, r, _ in work], pl.concat(frames))
    return len(work)


def batches(runs: list[tuple[int, int]], workers: int) -> list[list[tuple[int, int]]]:
    """Consecutive runs in about `TASKS_PER_WORKER` tasks per worker, at most `MAX_BATCH` each."""
    if not runs:
        return []
    size = max(1, min(MAX_BATCH, math.ceil(len(runs) / (TASKS_PER_WORKER * workers))))
    return [runs[i : i + size] for i in range(0, len(runs), size)]


def run_all(
    executor: Executor,
    scenario: Scenario,
    brand: str,
    kpis: tuple[str, ...],
    seed: int,
    points: Callable[[int], dict[str, Any]],
    runs: Iterable[tuple[int, int]],
    parts: Path,
    on_runs: Callable[[int], None] | None = None,
    attempts: int = 3,
) -> int:
    """Run every run not already in `parts`; return how many were run here.

    A local worker that dies breaks its pool; the runs without a part are then sent again to a
    fresh pool, up to `attempts` times. Ctrl-C stops the workers and keeps the parts written.
    """
    wanted = list(runs)
    ran = 0
    current = executor
    try:
        for attempt in range(attempts):
            done = done_runs(parts)
            todo = [r for r in wanted if r not in done]
            if not todo:
                break
            futures = [
                current.submit(
                    run_batch,
                    scenario,
                    brand,
                    kpis,
                    seed,
                    [(p, r, points(p)) for p, r in batch],
                    str(parts.resolve()),  # workers may have another working folder
                )
                for batch in batches(todo, current.workers)
            ]
            try:
                for future in current.as_completed(futures):
                    n = future.result()
                    ran += n
                    if on_runs is not None:
                        on_runs(n)
            except BrokenProcessPool:
                if attempt == attempts - 1 or not isinstance(current, LocalProcesses):
                    raise
                current.close(cancel=True)
                current = LocalProcesses(current.workers)
                continue
            break
    except BaseException:
        current.close(cancel=True)
        raise
    current.close(cancel=False)
    return ran
