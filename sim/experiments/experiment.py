"""An experiment end to end: its design, its runs streamed to parts under the output folder,
their analysis, and the folder written whole at the end.

While it runs, `<out>/parts/` holds the finished tasks' parts and the plan; running again with
the same `<out>` resumes (finished runs are kept, none runs twice). At the end the folder is
replaced, atomically, by the results:

- `design.parquet`: point and one column per factor (the values set in the scenario);
- `kpis.parquet`: point, replication, kpi, value (the brand's KPIs of every run);
- `points.parquet`: per point and KPI, mean, lower and upper (5th and 95th percentile) over
  replications;
- `indices.parquet` (Sobol, Morris, LHS): factor, kpi, measure, value, conf;
- `experiment.toml` (runs as is, beside) `scenario.toml` (the resolved scenario), `manifest.json`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import tomli_w

from sim.experiments.analysis import indices, point_means
from sim.experiments.designs import Design, make_design
from sim.experiments.parts import FolderError, finish, open_parts, runs_done, whole
from sim.experiments.runner import run_all
from sim.experiments.spec import Experiment
from sim.running.executors import Executor
from sim.scenario import dump_scenario
from sim.store.atomic import parquet_bytes

__all__ = ["FolderError", "Outcome", "Plan", "plan", "run_experiment"]


@dataclass(frozen=True)
class Plan:
    """What an experiment will run: its design, its runs, and how many are already done."""

    experiment: Experiment
    design: Design
    out: Path
    runs: int
    done: int

    @property
    def parts(self) -> Path:
        return self.out / "parts"


@dataclass(frozen=True)
class Outcome:
    """What an experiment wrote."""

    out: Path
    runs: int
    resumed: int
    wall_time: float
    indices: pl.DataFrame | None


def _fingerprint(e: Experiment) -> dict[str, Any]:
    return {"experiment": e.source(), "scenario": e.scenario.model_dump(mode="json")}


def plan(e: Experiment, out: Path) -> Plan:
    """The experiment's design and runs, and the runs already done in `out` (resuming).

    `out` must be absent, an empty folder, or the unfinished folder of the same experiment.
    """
    design = make_design(e)
    done = runs_done(out, _fingerprint(e))
    return Plan(e, design, out, design.size * e.reps, done)


def run_experiment(
    p: Plan,
    executor: Executor,
    on_runs: Callable[[int], None] | None = None,
) -> Outcome:
    """Run what `p` has left to run on `executor`, analyse, and write the folder whole."""
    e = p.experiment
    started = time.perf_counter()
    open_parts(p.parts, _fingerprint(e))
    runs = [(point, rep) for point in range(p.design.size) for rep in range(e.reps)]
    ran = run_all(
        executor,
        e.scenario,
        e.brand,
        e.kpis,
        e.seed,
        lambda point: e.overrides(p.design.values(point)),
        runs,
        p.parts,
        on_runs,
    )
    kpis = whole(p.parts, p.runs)
    table = indices(e, p.design, kpis)
    wall = time.perf_counter() - started
    files = {
        "design.parquet": parquet_bytes(p.design.points),
        "kpis.parquet": parquet_bytes(kpis),
        "points.parquet": parquet_bytes(point_means(kpis)),
    }
    if table is not None:
        files["indices.parquet"] = parquet_bytes(table)
    files["experiment.toml"] = tomli_w.dumps(e.source()).encode()
    files["scenario.toml"] = dump_scenario(e.scenario).encode()
    manifest = {
        "experiment": e.name,
        "design": e.design,
        "samples": e.samples,
        "points": p.design.size,
        "replications": e.reps,
        "runs": p.runs,
        "runs_resumed": p.runs - ran,
        "seed": e.seed,
        "brand": e.brand,
        "kpis": list(e.kpis),
        "factors": list(e.factors),
        "consumers": e.scenario.population.consumers,
        "steps": e.scenario.time.steps,
    }
    finish(p.out, files, manifest, executor.description, wall)
    return Outcome(p.out, p.runs, p.runs - ran, wall, table)
