"""Running replications of a scenario in one process, gathered into a RunResult.

Each replication draws from its own seed stream (`sim.running.seeds`), so replication i is the
same whatever the number of replications, and scenarios run with the same seed share their
random numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from sim.running.executors import LocalProcesses
from sim.running.result import FRAMES, RunResult
from sim.running.seeds import MAX_REPLICATIONS, MAX_SEED, replication_seeds
from sim.scenario import Scenario, load_scenario, resized

__all__ = ["run", "run_replication"]


def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    replication: int = 0,
    on_step: Callable[[], None] | None = None,
) -> dict[str, pl.DataFrame]:
    """One replication's output frames by name (see `FRAMES`), each with a `replication`
    column first."""
    # imported here: a run whose replications all go to workers never loads the engine (Mesa,
    # pandas, numba: seconds) in the process that only gathers their frames
    from sim.engine.model import JourneyModel

    model = JourneyModel(scenario, rng=np.random.default_rng(seed))
    for _ in range(scenario.time.steps):
        model.run_for(1)
        if on_step is not None:
            on_step()
    rep = pl.lit(replication, dtype=pl.Int32).alias("replication")
    return {name: getattr(model, name)().select(rep, pl.all()) for name in FRAMES}


def run(
    scenario: Scenario | str | Path,
    *,
    reps: int = 10,
    seed: int = 0,
    consumers: int | None = None,
    steps: int | None = None,
    on_step: Callable[[], None] | None = None,
    on_replication: Callable[[int], None] | None = None,
    workers: int = 1,
) -> RunResult:
    """Run `reps` replications of a scenario (a file or a loaded Scenario).

    With `workers` > 1 the replications run in that many local processes, each on its own seed
    stream, and are gathered in order: the same frames as one after another. `on_step` is then
    not called, and `on_replication(i)` is called as replication i finishes rather than starts.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed: must be between 0 and {MAX_SEED}, got {seed}")
    if not 1 <= reps <= MAX_REPLICATIONS:
        raise ValueError(f"reps: must be between 1 and {MAX_REPLICATIONS:,}, got {reps}")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario = resized(scenario, consumers, steps)
    started = time.perf_counter()
    seeds = replication_seeds(seed, reps)
    if workers > 1:
        parts = _in_processes(scenario, seeds, workers, on_replication)
    else:
        parts = []
        for i, child in enumerate(seeds):
            if on_replication is not None:
                on_replication(i)
            parts.append(run_replication(scenario, child, i, on_step))
    return RunResult(
        scenario=scenario,
        seed=seed,
        replications=reps,
        wall_time=time.perf_counter() - started,
        **{name: pl.concat([part[name] for part in parts]) for name in FRAMES},
    )


def _in_processes(
    scenario: Scenario,
    seeds: list[np.random.SeedSequence],
    workers: int,
    on_replication: Callable[[int], None] | None,
) -> list[dict[str, pl.DataFrame]]:
    """Every replication's frames, run in `workers` local processes, in replication order."""
    with LocalProcesses(min(workers, len(seeds))) as pool:
        futures = [pool.submit(run_replication, scenario, s, i) for i, s in enumerate(seeds)]
        index = {id(f): i for i, f in enumerate(futures)}
        for future in pool.as_completed(futures):
            future.result()
            if on_replication is not None:
                on_replication(index[id(future)])
        return [f.result() for f in futures]
