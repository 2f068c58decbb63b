"""The `journey` command: run scenarios, check scenario files, write reports."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from typer.exceptions import TyperException

from calibration import LIMITS, SAMPLERS, CalibrationError
from sim.engine.signals import ctrl_c_outside_numba
from sim.report.text import printable
from sim.running.seeds import MAX_REPLICATIONS, MAX_SEED
from sim.scenario import (
    MAX_CONSUMERS,
    MAX_STEPS,
    Scenario,
    ScenarioError,
    explanation,
    load_scenario,
    resized,
    warnings_of,
)
from sim.store.destination import OutputError, claim, default_run_dir

if TYPE_CHECKING:
    import polars as pl

    from calibration.calibrate import Outcome, Plan
    from sim.experiments.experiment import Plan as ExperimentPlan
    from sim.experiments.moments import MomentsPlan
    from sim.running.executors import Executor

app = typer.Typer(
    help="Moments of Truth: simulate the customer journey through the five moments of truth.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DEFAULT_SCENARIO = Path("scenarios/baseline.toml")
_REPO_SCENARIO = Path(__file__).resolve().parents[1] / DEFAULT_SCENARIO


INTERRUPTED = "interrupted: nothing was written"

# The calibration library names its settings by their keywords in `calibration.calibrate.plan`;
# these are their flags here. Only this module knows the command line's words.
FLAGS = {
    "data": "--data",
    "cohort": "--cohort",
    "cohort_size": "--cohort-size",
    "fit_periods": "--fit-periods",
    "horizon": "--horizon",
    "trials": "--trials",
    "reps": "--reps",
    "sampler": "--sampler",
    "storage": "--storage",
    "study": "--study",
    "workers": "--workers",
    "seed": "--seed",
}

Sampler = StrEnum("Sampler", [(name, name) for name in SAMPLERS])
"""The `--sampler` choices: the samplers the calibration library knows."""


class Refused(Exception):
    """Bad input from the command line: shown as one line, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C with something to say about what was kept: one line, exit status 130."""


# Options that several commands share.
Consumers = Annotated[
    int | None,
    typer.Option(
        "--consumers", min=1, max=MAX_CONSUMERS, help="Population size (overrides the scenario)."
    ),
]
Steps = Annotated[
    int | None,
    typer.Option("--steps", min=1, max=MAX_STEPS, help="Number of steps (overrides the scenario)."),
]
NoReport = Annotated[
    bool, typer.Option("--no-report", help="Do not write report.html and charts/.")
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        max=LIMITS["workers"],
        help="Local processes (default: all cores, as many as memory holds).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="A Dask scheduler's address, tcp://HOST:PORT."),
]


def _progress(counting: TextColumn) -> Progress:
    """A progress bar on stderr: what runs, the bar, done of total, `counting`, time left.

    Off when stderr is not a terminal: Rich would end it with an empty line there, and an
    error under the bar would not be one line.
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        counting,
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_interactive,
    )


def _default_scenario() -> Path:
    return DEFAULT_SCENARIO if DEFAULT_SCENARIO.is_file() else _REPO_SCENARIO


@app.command("run")
def run_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario file (default: scenarios/baseline.toml).")
    ] = None,
    reps: Annotated[
        int, typer.Option("--reps", min=1, max=MAX_REPLICATIONS, help="Replications.")
    ] = 10,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=MAX_SEED, help="Seed of the run's random streams.")
    ] = 0,
    consumers: Consumers = None,
    steps: Steps = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder to write (default: results/<scenario>-<UTC time>)."),
    ] = None,
    no_report: NoReport = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=LIMITS["workers"],
            help="Local processes running replications at once (default: all cores, as many "
            "as memory holds); the results are the same whatever the number.",
        ),
    ] = None,
) -> None:
    """Run a scenario's replications, write a results folder and its report, print a summary."""
    path = scenario or _default_scenario()
    spec = load_scenario(path)
    _warn(path, spec)
    sized = resized(spec, consumers, steps)
    workers = _local_workers(sized, workers, reps)
    _fits(path, sized, workers)
    if out_dir is not None and out_dir.exists():
        if not out_dir.is_dir():
            raise Refused(f"--out: {out_dir} already exists and is not a folder")
        if any(out_dir.iterdir()):
            raise Refused(f"--out: {out_dir} already exists and is not empty")
    target = out_dir or default_run_dir(Path("results"), spec.name)
    with claim(target):  # refused now, not after the run, if it cannot be written
        _start_local_workers(workers, None)
        _run_and_write(spec, target, reps, seed, consumers, steps, workers, no_report)


def _run_and_write(
    spec: Scenario,
    target: Path,
    reps: int,
    seed: int,
    consumers: int | None,
    steps: int | None,
    workers: int,
    no_report: bool,
) -> None:
    """`journey run` once its destination is held: run, write the folder, summary, report."""
    from sim.report.summary import render, summarize
    from sim.running import run
    from sim.store.runs import write_run

    n_steps = steps or spec.time.steps
    if workers > 1:  # replications in parallel: progress by finished replication
        with _progress(TextColumn("replications")) as bar:
            task = bar.add_task(f"{spec.name}: {workers} processes", total=reps)
            result = run(
                spec,
                reps=reps,
                seed=seed,
                consumers=consumers,
                steps=steps,
                on_replication=lambda i: bar.advance(task),
                workers=workers,
            )
    else:
        with _progress(TextColumn("steps")) as bar:
            task = bar.add_task(spec.name, total=reps * n_steps)
            result = run(
                spec,
                reps=reps,
                seed=seed,
                consumers=consumers,
                steps=steps,
                on_step=lambda: bar.advance(task),
                on_replication=lambda i: bar.update(
                    task, description=f"{spec.name}: replication {i + 1}/{reps}"
                ),
            )
    written = write_run(result, target)
    render(summarize(result), result, out)
    out.print(f"Results in {written} ({result.wall_time:.1f} s)")
    if not no_report:
        _report_of(written)


def _report(folders: list[Path], out_dir: Path | None, kpi: str | None = None) -> None:
    """Write the report of run folders, or of one experiment or moments folder, and say where
    it is; `kpi` leads a comparison's tiles and sentences, or ranks a moments analysis."""
    import time

    from sim.report.experiment import (
        ExperimentFolderError,
        is_experiment_folder,
        write_experiment_report,
    )
    from sim.report.moments import MomentsFolderError, is_moments_folder
    from sim.report.moments import write_report as write_moments_report
    from sim.report.page import report_dir, write_report
    from sim.store.runs import RunFolderError

    started = time.perf_counter()
    # the destination is held while the report is written; folders that are not there are
    # refused below by the reader, before anything is made for them
    held = claim(out_dir or report_dir(folders)) if all(f.is_dir() for f in folders) else None
    try:
        with held or contextlib.nullcontext(), err.status("writing the report", spinner="dots"):
            if len(folders) == 1 and is_experiment_folder(folders[0]):
                page = write_experiment_report(folders[0], out_dir)
            elif len(folders) == 1 and is_moments_folder(folders[0]):
                moments_kpi = "customers_end" if kpi == "customers" else kpi
                page = write_moments_report(folders[0], kpi=moments_kpi, out=out_dir)
            else:
                page = write_report(folders, out_dir, kpi=kpi)
    except (RunFolderError, ExperimentFolderError, MomentsFolderError) as exc:
        raise Refused(str(exc)) from None
    _say(f"Report in {page} ({time.perf_counter() - started:.1f} s)", out)


def _report_of(results: Path) -> None:
    """The report of a results folder just written: Ctrl-C keeps the results, and says so."""
    try:
        _report([results], None)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the results are in {results}, without a report; `journey report "
            f"{results}` writes it"
        ) from None
    except OutputError as exc:
        raise Refused(
            f"{exc}; the results are in {results}, without a report; `journey report "
            f"{results}` writes it"
        ) from None


# The KPI names `sim.report.kpis.REPORT_KPIS` fixes (a test holds them equal), written out so
# that `journey --help` does not load polars.
ReportKpi = StrEnum(
    "ReportKpi",
    [
        (k, k)
        for k in (
            "retention_12",
            "customers_end",
            "customers",
            "revenue",
            "margin",
            "rating",
            "acquisition_cost",
        )
    ],
)
"""The `--kpi` choices of `journey report`."""


@app.command("report")
def report_command(
    run_dirs: Annotated[
        list[Path],
        typer.Argument(
            help="Run folders, the first the baseline the others are compared with; or one "
            "experiment or moments folder."
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for report.html and charts/ (default: the run folder; for several, "
            "compare-<runs> inside the first).",
        ),
    ] = None,
    kpi: Annotated[
        ReportKpi | None,
        typer.Option(
            "--kpi",
            help="KPI the tiles and each scenario's sentence lead with (default: margin); for "
            "a moments folder, the KPI it is ranked on.",
        ),
    ] = None,
) -> None:
    """Write the executive report (offline HTML) and every chart as PNG and SVG; given an
    experiment folder, its experiment report."""
    if len(set(p.resolve() for p in run_dirs)) < len(run_dirs):
        raise Refused("run folders: the same folder is given twice")
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise Refused(f"--out: {out_dir} exists and is not a folder")
    _report(run_dirs, out_dir, None if kpi is None else kpi.value)


@app.command("calibrate")
def calibrate_command(
    # help is rich markup: an unescaped "[calibration]" would be taken for a tag and vanish
    scenario: Annotated[Path, typer.Argument(help="Scenario with a \\[calibration] table.")],
    data: Annotated[
        Path, typer.Option("--data", help="Observed retention: CSV or Parquet (see README).")
    ],
    cohort: Annotated[
        list[str] | None,
        typer.Option(
            "--cohort",
            help="Observed cohort to fit (needed if several); repeat it to calibrate several, "
            "one study each.",
        ),
    ] = None,
    cohort_size: Annotated[
        int | None,
        typer.Option(
            "--cohort-size",
            min=1,
            max=LIMITS["cohort_size"],
            help="Customers the cohort started with (needed when the data give shares): the "
            "prediction band holds a cohort that size's sampling noise.",
        ),
    ] = None,
    fit_periods: Annotated[
        str,
        typer.Option("--fit-periods", help="Periods fitted, FIRST-LAST; later ones are held out."),
    ] = "1-4",
    horizon: Annotated[
        int | None,
        typer.Option("--horizon", help="Forecast up to this period (default: the last observed)."),
    ] = None,
    trials: Annotated[
        int,
        typer.Option(
            "--trials",
            min=1,
            max=LIMITS["trials"],
            help="Trials of the sampler the study should have (a fifth more are then drawn "
            "from the posterior).",
        ),
    ] = 200,
    reps: Annotated[
        int,
        typer.Option(
            "--reps", min=1, max=LIMITS["reps"], help="Replications per trial (same seeds in each)."
        ),
    ] = 5,
    sampler: Annotated[Sampler, typer.Option("--sampler", help="Optuna's sampler.")] = Sampler.tpe,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage", help="Optuna storage URL (default: SQLite in results/calibration/)."
        ),
    ] = None,
    study: Annotated[
        str | None, typer.Option("--study", help="Study name (default: <scenario>-<cohort>).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, max=LIMITS["workers"], help="Processes working on the study."
        ),
    ] = 1,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", min=0, max=MAX_SEED, help="Seed of the replications and the sampler."
        ),
    ] = 0,
) -> None:
    """Calibrate a scenario's free parameters to observed cohort retention with Optuna.

    Running the same command again continues the study where it stopped.
    """
    from calibration.calibrate import plan
    from calibration.report import render
    from calibration.study import WORKER_MODULES

    cohorts = list(dict.fromkeys(cohort)) if cohort else [None]
    if study is not None and len(cohorts) > 1:
        raise Refused(
            "--study: names one study; with several cohorts leave it out (each cohort's study "
            "is <scenario>-<cohort>)"
        )
    plans = [  # every cohort's settings checked before any study starts
        plan(
            scenario,
            data,
            cohort=c,
            cohort_size=cohort_size,
            fit_periods=fit_periods,
            horizon=horizon,
            trials=trials,
            reps=reps,
            sampler=sampler.value,
            storage=storage,
            study=study,
            workers=workers,
            seed=seed,
        )
        for c in cohorts
    ]
    for p in plans:
        _fits(scenario, p.problem.scenario, p.workers)
    _start_local_workers(max(p.workers for p in plans), None, WORKER_MODULES)
    for p in plans:
        render(_calibrate_one(p), out)


def _calibrate_one(p: Plan) -> Outcome:
    """Run one planned calibration with its progress bars."""
    from calibration.calibrate import calibrate
    from calibration.study import redact

    with _progress(TextColumn("{task.fields[best]}")) as bar:
        search = bar.add_task(f"{p.study}: trials", total=p.total_trials, best="")
        check = bar.add_task("noise floor: re-evaluations", total=None, best="", visible=False)

        def on_trial(done: int, best: float | None) -> None:
            shown = f"best loss {best:.2f}" if best is not None else ""
            bar.update(search, completed=done, best=shown)

        def on_recheck() -> None:
            bar.update(check, visible=True)
            bar.advance(check)

        try:
            return calibrate(p, on_trial=on_trial, on_recheck=on_recheck)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted: the study is kept in {redact(p.storage)}; run the same command "
                "to continue"
            ) from None


@app.command("experiment")
def experiment_command(
    file: Annotated[Path, typer.Argument(help="Experiment file (TOML): design over factors.")],
    workers: Workers = None,
    scheduler: Scheduler = None,
    consumers: Consumers = None,
    steps: Steps = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write (default: results/experiment-<name>-<UTC time>); the same "
            "folder again resumes an unfinished experiment.",
        ),
    ] = None,
    no_report: NoReport = False,
) -> None:
    """Run a design over an experiment's factors; write runs, KPIs, sensitivity indices and
    the experiment report.

    Running the same command again with the same --out resumes where it stopped.
    """
    from sim.experiments import load_experiment
    from sim.experiments.experiment import FolderError, plan

    _one_pool(workers, scheduler)
    e = load_experiment(file, consumers=consumers, steps=steps)
    workers = _pool(file, e.scenario, workers, scheduler)
    try:
        target = out_dir or default_run_dir(Path("results"), f"experiment-{e.name}")
    except ValueError:
        raise Refused(
            f"{file}: name: {e.name!r} cannot name a folder inside results; rename it or give --out"
        ) from None
    with claim(target):  # refused now, not after the runs, if it cannot be written
        _start_local_workers(workers, scheduler)
        try:
            p = plan(e, target)
        except FolderError as exc:
            raise Refused(f"--out: {exc}") from None
        _experiment(p, workers, scheduler, no_report)


def _experiment(
    p: ExperimentPlan, workers: int | None, scheduler: str | None, no_report: bool
) -> None:
    """`journey experiment` once its folder is held and planned: run, analyse, report."""
    from sim.experiments.experiment import run_experiment
    from sim.running.estimate import estimate_from, probe

    e, target = p.experiment, p.out
    one = probe(e.scenario)  # while the workers' fork server warms up (`_start_local_workers`)
    executor = _executor(workers, scheduler)
    resumed = f", {p.done:,} already done in {target}" if p.done else ""
    reps = f"{e.reps} replication{'s' if e.reps > 1 else ''}"
    guess = estimate_from(one, p.runs - p.done, executor.workers)
    _say(
        f"{e.name}: {p.runs:,} runs ({p.design.size:,} points x {reps} of "
        f"{e.scenario.population.consumers:,} consumers x {e.scenario.time.steps} steps)"
        f"{resumed}; {executor.description}; {guess.line()}",
        out,
    )
    outcome = _run_many(
        e.name, p.runs, p.done, p.parts, target, lambda on: run_experiment(p, executor, on)
    )
    _indices_table(outcome.indices, e.scenario)
    _say(f"Results in {outcome.out} ({outcome.wall_time:.1f} s)", out)
    if not no_report:
        _report_of(outcome.out)


def _indices_table(indices: pl.DataFrame | None, s: Scenario) -> None:
    """The headline index of every factor on every KPI (Sobol ST, Morris mu*, LHS Spearman),
    each KPI under its title from the glossary, as in the report."""
    if indices is None or indices.is_empty():
        return
    import polars as pl
    from rich.table import Table

    from sim.report.kpis import GLOSSARY, SAME_AS, kpi_column

    headline = {"ST": "total-order Sobol index", "mu_star": "Morris mu*", "spearman": "Spearman"}
    measure = next(m for m in headline if m in set(indices["measure"]))
    rows = indices.filter(pl.col("measure") == measure)
    kpis = list(dict.fromkeys(rows["kpi"]))
    table = Table(title=f"{headline[measure]} (± 95 % bootstrap half-width)")
    table.add_column("factor", overflow="fold")
    for kpi in kpis:
        known = SAME_AS.get(kpi, kpi) in GLOSSARY
        table.add_column(kpi_column(kpi, s) if known else kpi, justify="right", no_wrap=True)
    for factor in dict.fromkeys(rows["factor"]):
        cells = []
        for kpi in kpis:
            one = rows.filter((pl.col("factor") == factor) & (pl.col("kpi") == kpi))
            value, conf = one["value"].item(), one["conf"].item()
            if value is None or value != value:
                cells.append("n/a")
            else:
                cells.append(f"{value:.3g}" + (f" ± {conf:.2g}" if conf is not None else ""))
        table.add_row(factor, *cells)
    out.print(table)


def _run_many[T](
    name: str, runs: int, done: int, parts: Path, target: Path, go: Callable[[Callable], T]
) -> T:
    """Run many runs under a progress bar (runs done, runs per second, time left); Ctrl-C says
    how many runs are kept in `parts` and how to resume."""
    import time

    from sim.experiments.parts import done_runs

    started = time.perf_counter()
    with _progress(TextColumn("{task.fields[rate]}")) as bar:
        task = bar.add_task(f"{name}: runs", total=runs, completed=done, rate="")
        ran = 0

        def on_runs(n: int) -> None:
            nonlocal ran
            ran += n
            rate = ran / max(time.perf_counter() - started, 1e-9)
            bar.update(task, advance=n, rate=f"{rate:.1f} runs/s")

        try:
            return go(on_runs)
        except KeyboardInterrupt:
            kept = len(done_runs(parts))
            raise Interrupted(
                f"interrupted: {kept:,} of {runs:,} runs are kept in {parts}; run the same "
                f"command with --out {target} to resume"
            ) from None


# The KPI names `sim.experiments.moments.MOMENT_KPIS` fixes (a test holds them equal), written
# out so that `journey --help` does not load polars.
MomentKpi = StrEnum(
    "MomentKpi",
    [
        (k, k)
        for k in (
            "retention_12",
            "customers_end",
            "revenue",
            "margin",
            "rating",
            "acquisition_cost",
        )
    ],
)
"""The `--kpi` choices of `journey moments`."""


@app.command("moments")
def moments_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario file (default: scenarios/baseline.toml).")
    ] = None,
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand to analyse (default: the focal brand).")
    ] = None,
    kpi: Annotated[
        MomentKpi, typer.Option("--kpi", help="KPI the ranking and its sentence are about.")
    ] = MomentKpi.retention_12,
    reps: Annotated[
        int,
        typer.Option("--reps", min=2, max=MAX_REPLICATIONS, help="Replications of every change."),
    ] = 10,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=MAX_SEED, help="Seed of the runs' random streams.")
    ] = 0,
    consumers: Consumers = None,
    steps: Steps = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write (default: results/moments-<scenario>-<UTC time>); the same "
            "folder again resumes an unfinished analysis.",
        ),
    ] = None,
    no_report: NoReport = False,
) -> None:
    """Rank a brand's touchpoints and moments: remove each, make it better (+0.5 stars) or
    consistent (half the spread), against the unchanged scenario on the same seeds."""
    from sim.experiments.moments import plan_moments
    from sim.experiments.parts import FolderError

    _one_pool(workers, scheduler)
    path = scenario or _default_scenario()
    s = resized(load_scenario(path), consumers, steps)
    _warn(path, s)
    workers = _pool(path, s, workers, scheduler)
    name = brand or s.focal
    if name not in s.brands:
        raise Refused(f"--brand: no brand {name!r} in {path} (brands: {', '.join(s.brand_names)})")
    target = out_dir or default_run_dir(Path("results"), f"moments-{s.name}")
    with claim(target):  # refused now, not after the runs, if it cannot be written
        _start_local_workers(workers, scheduler)
        try:
            p = plan_moments(s, name, reps, seed, target)
        except FolderError as exc:
            raise Refused(f"--out: {exc}") from None
        if not p.changes:
            raise Refused(f"--brand: {name} has no touchpoint or moment to change in {path}")
        _moments(p, kpi.value, workers, scheduler, no_report)


def _moments(
    p: MomentsPlan, kpi: str, workers: int | None, scheduler: str | None, no_report: bool
) -> None:
    """`journey moments` once its folder is held and planned: run, rank, report."""
    from sim.experiments.moments import run_moments
    from sim.report.moments import read_analysis, render
    from sim.running.estimate import estimate_from, probe

    s, name, reps, target = p.scenario, p.brand, p.reps, p.out
    one = probe(s)  # while the workers' fork server warms up (`_start_local_workers`)
    executor = _executor(workers, scheduler)
    guess = estimate_from(one, p.runs - p.done, executor.workers)
    resumed = f", {p.done:,} already done in {target}" if p.done else ""
    _say(
        f"{name}: {len(p.changes)} changes, {p.runs:,} runs ({len(p.points)} points x {reps} "
        f"replications of {s.population.consumers:,} consumers x {s.time.steps} steps){resumed}; "
        f"{executor.description}; {guess.line()}",
        out,
    )
    outcome = _run_many(
        name, p.runs, p.done, p.parts, target, lambda on: run_moments(p, executor, on, kpi)
    )
    analysis = read_analysis(outcome.out)
    render(analysis, kpi, out)
    if not no_report:
        _report_of(outcome.out)
    _say(f"Results in {outcome.out} ({outcome.wall_time:.1f} s)", out)


@app.command("validate")
def validate_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file to check.")],
    explain: Annotated[
        bool, typer.Option("--explain", help="Show rates given with a unit and dates as steps.")
    ] = False,
) -> None:
    """Check a scenario file (and its base files) without running it."""
    s = load_scenario(scenario)
    _warn(scenario, s)
    _say(
        f"{scenario}: ok — '{s.name}', {s.population.consumers:,} consumers, "
        f"{len(s.brands)} brands, {sum(len(b.touchpoints) for b in s.brands.values())} "
        f"touchpoints, {s.time.steps} {s.time.step}s",
        out,
    )
    if explain:
        for line in explanation(scenario, s):
            _say(f"  {line}", out)


def _one_pool(workers: int | None, scheduler: str | None) -> None:
    """Local workers or a Dask cluster, not both."""
    if workers is not None and scheduler is not None:
        raise Refused("--workers and --scheduler: give one or the other")


def _pool(path: Path, s: Scenario, workers: int | None, scheduler: str | None) -> int | None:
    """The local workers of a design's runs (none on a cluster), checked to fit in memory."""
    if scheduler is None:
        workers = _local_workers(s, workers)
    _fits(path, s, workers or os.cpu_count() or 1)
    return workers


def _executor(workers: int | None, scheduler: str | None) -> Executor:
    """Where a design's runs go (`executor_for`); a cluster that does not answer is refused."""
    from sim.running.executors import executor_for

    try:
        return executor_for(workers, scheduler)
    except (OSError, TimeoutError) as exc:
        raise Refused(f"--scheduler: cannot reach {scheduler} ({exc})") from None


def _start_local_workers(
    workers: int | None, scheduler: str | None, preload: tuple[str, ...] | None = None
) -> None:
    """Start the fork server of the local workers a checked command will run (`executor_for`'s,
    warmed, or with the command's own `preload`), so it imports the engine while the command
    imports and plans."""
    from sim.running.executors import WARMED, start_workers

    if scheduler is None and (workers or os.cpu_count() or 1) > 1:
        start_workers(WARMED if preload is None else preload)


def _local_workers(s: Scenario, workers: int | None, runs: int | None = None) -> int:
    """The local processes a command runs `s` in: `workers` when given (`_fits` then
    refuses them if memory cannot hold them), else one per core (at most one per run), as
    many as memory holds (`_workers_that_fit`)."""
    if workers is not None:
        return workers
    cores = os.cpu_count() or 1
    return _workers_that_fit(s, cores if runs is None else min(runs, cores))


def _workers_that_fit(s: Scenario, most: int) -> int:
    """The most local processes, up to `most`, whose runs of `s` fit in memory at once (1 if
    none do: `_fits` then refuses)."""
    from sim.running.estimate import too_big

    n = most
    while n > 1 and too_big(s, n) is not None:
        n -= 1
    return n


def _fits(path: Path, s: Scenario, workers: int) -> None:
    """Refuse, before any work, runs the machine's memory cannot hold."""
    from sim.running.estimate import too_big

    problem = too_big(s, workers)
    if problem is not None:
        raise Refused(f"{path}: population.consumers: {problem}")


def _warn(path: Path, s: Scenario) -> None:
    """One line on stderr per thing in the scenario that probably is not what was meant."""
    for line in warnings_of(s):
        _say(f"warning: {path}: {line}")


def _say(line: str, console: Console = err) -> None:
    """One line as it is: no markup, highlighting or wrapping (a file name may hold '['), and
    no control character (a name may hold a terminal escape)."""
    console.print(printable(line), highlight=False, markup=False, soft_wrap=True)


def flag(setting: str) -> str:
    """The command line's word for a calibration setting (the setting itself if it has no flag,
    such as `scenario`, the argument)."""
    return FLAGS.get(setting, setting)


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input becomes one line on stderr and exit status 2."""
    try:
        with ctrl_c_outside_numba():
            status = app(args=argv, standalone_mode=False)
    except CalibrationError as exc:
        _say(f"error: {exc.message(flag)}")
        return 2
    except (ScenarioError, Refused, OutputError) as exc:
        _say(f"error: {exc}")
        return 2
    except Interrupted as exc:
        _say(str(exc))
        return 130

    except TyperException as exc:  # a malformed command line (or no command: help shown)
        if exc.format_message():
            _say(f"error: {exc.format_message()}")
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        _say(INTERRUPTED)
        return 130
    if status == 130:  # Typer turns Ctrl-C during a command into exit status 130
        _say(INTERRUPTED)
    return status if isinstance(status, int) else 0


def entry() -> None:
    """Console script: exit with main()'s status."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
