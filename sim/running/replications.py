"""Running replications: one seed, many independent streams, results gathered as frames.

Replication i draws from `SeedSequence(seed).spawn(reps)[i]`, so it is the same whether 5 or
500 replications are run, and two scenarios run with the same seed share their random numbers
(common random numbers), which sharpens comparisons between them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sim.engine.model import JourneyModel
from sim.scenario import Scenario, apply_overrides, load_scenario

__all__ = ["RunResult", "replication_seeds", "run", "run_replication"]


@dataclass(frozen=True)
class RunResult:
    """What a run produced: tidy frames keyed by replication, and how it was made."""

    scenario: Scenario
    seed: int
    replications: int
    metrics: pl.DataFrame
    cohorts: pl.DataFrame
    reviews: pl.DataFrame
    satisfaction: pl.DataFrame  # customers by satisfaction bin at the end
    wall_time: float


def replication_seeds(seed: int, reps: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(reps)


def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    replication: int = 0,
    on_step: Callable[[], None] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One replication: (metrics, cohorts, reviews, satisfaction), each with a `replication`
    column first."""
    model = JourneyModel(scenario, rng=np.random.default_rng(seed))
    for _ in range(scenario.time.steps):
        model.run_for(1)
        if on_step is not None:
            on_step()
    rep = pl.lit(replication, dtype=pl.Int32).alias("replication")
    return tuple(  # type: ignore[return-value]
        frame.select(rep, pl.all())
        for frame in (model.metrics(), model.cohorts(), model.reviews(), model.satisfaction())
    )


def run(
    scenario: Scenario | str | Path,
    *,
    reps: int = 10,
    seed: int = 0,
    consumers: int | None = None,
    steps: int | None = None,
    on_step: Callable[[], None] | None = None,
    on_replication: Callable[[int], None] | None = None,
) -> RunResult:
    """Run `reps` replications of a scenario (a file or a loaded Scenario)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    overrides: dict = {}
    if consumers is not None:
        overrides["population"] = {"consumers": consumers}
    if steps is not None:
        overrides["time"] = {"steps": steps}
    if overrides:
        scenario = apply_overrides(scenario, overrides)
    started = time.perf_counter()
    parts = []
    for i, child in enumerate(replication_seeds(seed, reps)):
        if on_replication is not None:
            on_replication(i)
        parts.append(run_replication(scenario, child, i, on_step))
    metrics, cohorts, reviews, satisfaction = (pl.concat(list(p)) for p in zip(*parts, strict=True))
    return RunResult(
        scenario=scenario,
        seed=seed,
        replications=reps,
        metrics=metrics,
        cohorts=cohorts,
        reviews=reviews,
        satisfaction=satisfaction,
        wall_time=time.perf_counter() - started,
    )
