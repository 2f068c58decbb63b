"""`journey calibrate`: from a scenario and observed retention to calibrated parameters.

`plan` checks everything the command was given, before anything is written; `calibrate` runs
(or continues) the study, measures the noise floor, and writes the study's folder.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import tomli_w
from optuna.exceptions import StorageInternalError
from sqlalchemy.exc import SQLAlchemyError

from calibration import LIMITS, SAMPLERS, CalibrationError, charts
from calibration.objective import Problem
from calibration.observed import MAX_PERIOD, cohort_curve, read_observed
from calibration.observed import cohort_size as size_in_data
from calibration.posterior import LEVEL, Cohort, forecast_bands
from calibration.refine import enqueue_draws, round_targets
from calibration.sbg import SbgFit, fit_sbg
from calibration.study import completed, open_study, queue_lock, redact, search, setup_of
from calibration.uncertainty import (
    Inference,
    accepted_set,
    best_trial,
    correlations,
    holdout,
    importance,
    infer,
    intervals,
    noise_floor,
    recheck,
    trials_frame,
)
from sim.report.charts.export import save_chart
from sim.running.seeds import MAX_SEED
from sim.scenario import key_path_overrides, load_scenario
from sim.store import (
    atomic_folder,
    check_writable,
    claim,
    git_commit,
    parquet_bytes,
    versions,
)
from sim.store.destination import remove_empty

__all__ = ["Outcome", "Plan", "calibrate", "plan"]

DEFAULT_ROOT = Path("results/calibration")


@dataclass(frozen=True)
class Plan:
    """A checked calibration: what to fit, how, and where the study and its outputs go."""

    scenario_file: Path
    data_file: Path
    problem: Problem
    cohort: str
    observed: dict[int, float]
    cohort_size: int
    trials: int
    reps: int
    sampler: str
    workers: int
    seed: int
    study: str
    storage: str
    out: Path

    @property
    def params(self) -> list[str]:
        return list(self.problem.scenario.calibration)

    @property
    def total_trials(self) -> int:
        """Completed trials the study will have: the sampler's, then those drawn from the
        posterior (`calibration.refine`)."""
        return round_targets(self.trials)[-1]

    @property
    def target(self) -> Cohort:
        """The observed cohort as the posterior sees it: retention, fit periods, size."""
        return Cohort(self.observed, self.problem.fit, self.cohort_size)


def _fit_periods(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not m:
        raise CalibrationError("fit_periods", f"expected FIRST-LAST such as 1-4, got '{text}'")
    first, last = (int(m[1]), int(m[2])) if m[2] else (1, int(m[1]))
    if first < 1 or last < first:
        raise CalibrationError("fit_periods", f"need 1 <= FIRST <= LAST, got '{text}'")
    return first, last


def _cohort_size(given: int | None, in_data: int | None, data: Path, cohort: str) -> int:
    """The observed cohort's size: from the data's counts, or as given (they must agree)."""
    if given is not None and not 1 <= given <= LIMITS["cohort_size"]:
        raise CalibrationError(
            "cohort_size", f"must be between 1 and {LIMITS['cohort_size']:,}, got {given}"
        )
    if in_data is not None and given is not None and given != in_data:
        raise CalibrationError(
            "cohort_size", f"cohort '{cohort}' in {data} has {in_data:,} customers, not {given:,}"
        )
    if in_data is None and given is None:
        raise CalibrationError(
            "cohort_size",
            f"{data} gives shares for cohort '{cohort}', not counts: give the number of "
            "customers it started with (the prediction band holds a cohort that size's noise)",
        )
    return int(in_data if in_data is not None else given)  # type: ignore[arg-type]


def plan(
    scenario: Path,
    data: Path,
    *,
    cohort: str | None = None,
    cohort_size: int | None = None,
    fit_periods: str = "1-4",
    horizon: int | None = None,
    trials: int = 200,
    reps: int = 5,
    sampler: str = "tpe",
    storage: str | None = None,
    study: str | None = None,
    workers: int = 1,
    seed: int = 0,
    root: Path = DEFAULT_ROOT,
) -> Plan:
    """Check the settings and decide names and places.

    `cohort_size` is the number of customers in the observed cohort at period 0: the prediction
    band holds the sampling noise of a cohort that size. A file of counts gives it; a file of
    shares needs it given.

    A setting that cannot be used raises a one-line `CalibrationError` naming it by its keyword
    here (`fit_periods`, `reps` ...); bad observed data raises `DataError`, naming the file.
    """
    for setting, value in (("trials", trials), ("reps", reps), ("workers", workers)):
        if not 1 <= value <= LIMITS[setting]:
            raise CalibrationError(
                setting, f"must be between 1 and {LIMITS[setting]:,}, got {value}"
            )
    if not 0 <= seed <= MAX_SEED:
        raise CalibrationError("seed", f"must be between 0 and {MAX_SEED}, got {seed}")
    if sampler not in SAMPLERS:
        raise CalibrationError(
            "sampler", f"unknown sampler '{sampler}'; one of {', '.join(SAMPLERS)}"
        )
    spec = load_scenario(scenario)
    if not spec.calibration:
        raise CalibrationError(
            None,
            f"{scenario}: calibration: no free parameters; add a [calibration] table such as "
            '"retention.base" = { low = -4.0, high = 1.0 }',
        )
    observed = read_observed(data)
    cohorts = observed["cohort"].unique(maintain_order=True).to_list()
    if cohort is None:
        if len(cohorts) > 1:
            raise CalibrationError(
                "cohort", f"{data} holds cohorts {', '.join(cohorts)}; choose one"
            )
        cohort = cohorts[0]
    elif cohort not in cohorts:
        raise CalibrationError(
            "cohort", f"no cohort '{cohort}' in {data}; it holds {', '.join(cohorts)}"
        )
    curve = cohort_curve(observed, cohort)
    first, last = _fit_periods(fit_periods)
    for t in range(first - 1, last + 1):
        if t not in curve:
            raise CalibrationError(
                "fit_periods",
                f"{first}-{last} needs periods {first - 1}-{last}, but cohort '{cohort}' in "
                f"{data} has no observation at period {t}",
            )
    horizon = max(curve) if horizon is None else horizon
    if horizon > MAX_PERIOD:
        raise CalibrationError("horizon", f"must be at most {MAX_PERIOD}, got {horizon}")
    if horizon < last:
        raise CalibrationError(
            "horizon", f"must be at least the last fit period ({last}), got {horizon}"
        )
    name = study or f"{spec.name}-{cohort}"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise CalibrationError(
            "study", f"'{name}' cannot name a folder; use letters, digits, '_', '-' and '.'"
        )
    size = _cohort_size(cohort_size, size_in_data(observed, cohort), data, cohort)
    url = storage or f"sqlite:///{(root / f'{name}.db').resolve()}"
    problem = Problem.build(spec, curve, range(first, last + 1), horizon)
    return Plan(
        scenario_file=Path(scenario),
        data_file=Path(data),
        problem=problem,
        cohort=cohort,
        observed=curve,
        cohort_size=size,
        trials=trials,
        reps=reps,
        sampler=sampler,
        workers=workers,
        seed=seed,
        study=name,
        storage=url,
        out=root / name,
    )


@dataclass
class Outcome:
    """What a calibration found, as frames and numbers (also written to its folder)."""

    plan: Plan
    trials: pl.DataFrame
    rechecked: pl.DataFrame
    accepted: pl.DataFrame
    parameters: pl.DataFrame
    correlations: pl.DataFrame
    forecast: pl.DataFrame
    holdout: pl.DataFrame
    sbg: SbgFit
    best_trial: int
    best: dict[str, float]
    best_loss: float
    noise_floor: float
    importance: dict[str, float]
    inference: Inference
    search_seconds: float
    simulations: int
    recheck_simulations: int = 0

    @property
    def posterior(self) -> pl.DataFrame:
        """Equally weighted draws from the posterior: draw, one column per parameter."""
        return self.inference.draws

    @property
    def threshold(self) -> float | None:
        """Largest search loss among the accepted trials (the 90 % likelihood region)."""
        return None if self.accepted.height == 0 else float(self.accepted["loss"].max())

    @property
    def mae(self) -> tuple[float | None, float | None]:
        """Mean absolute hold-out error (points) of the journey model and of sBG."""
        if self.holdout.height == 0:
            return None, None
        return (
            float(self.holdout["journey_error"].abs().mean()),
            float(self.holdout["sbg_error"].abs().mean()),
        )

    @property
    def inside(self) -> tuple[int, int]:
        """Held-out periods inside the 90 % prediction band, and held-out periods."""
        return int(self.holdout["inside"].sum()), self.holdout.height


def calibrate(
    p: Plan,
    on_trial: Callable[[int, float | None], None] | None = None,
    on_recheck: Callable[[], None] | None = None,
) -> Outcome:
    """Run or continue the study to `p.trials` completed trials of the sampler's, then to
    `p.total_trials` with trials drawn from the posterior; then analyse and write.

    The recheck is kept in the study: on a finished study nothing is simulated again, and the
    analysis (emulator, posterior, forecast) takes seconds.
    """
    made = check_writable(p.out)  # refused now, not after the search, if it cannot be written
    setup = setup_of(p.problem, p.reps, p.seed, str(p.data_file), p.cohort)
    try:
        study = open_study(p.storage, p.study, setup, p.sampler, p.seed)
    except BaseException:
        remove_empty(made)
        raise
    before = len(completed(study))
    started = time.perf_counter()
    batches = 0

    def rechecked_one() -> None:
        nonlocal batches
        batches += 1
        if on_recheck is not None:
            on_recheck()

    def run_to(target: int) -> None:
        search(
            study,
            p.storage,
            p.problem,
            trials=target,
            reps=p.reps,
            seed=p.seed,
            sampler=p.sampler,
            workers=p.workers,
            on_progress=on_trial,
        )

    try:
        run_to(p.trials)
        for k, target in enumerate(round_targets(p.trials)):  # trials from the posterior
            if len(completed(study)) >= target:
                continue
            rechecked = recheck(study, p.problem, p.reps, p.seed, p.workers, rechecked_one)
            draws = infer(completed(study), rechecked, p.problem, p.target, p.seed).draws
            enqueue_draws(
                study, draws, p.problem, target, seed=p.seed + k, lock=queue_lock(p.storage)
            )
            run_to(target)
    except (SQLAlchemyError, StorageInternalError) as exc:  # a full disk, a lost server
        cause = exc.__cause__ if isinstance(exc, StorageInternalError) and exc.__cause__ else exc
        text = str(cause).strip()
        first = text.splitlines()[0] if text else type(cause).__name__
        raise CalibrationError("storage", f"{redact(p.storage)}: {first}") from None
    searched = time.perf_counter() - started
    ran = len(completed(study)) - before

    rechecked = recheck(study, p.problem, p.reps, p.seed, p.workers, rechecked_one)
    trials = trials_frame(study, p.params)
    chosen = best_trial(rechecked)
    done = completed(study)
    best = next(t for t in done if t.number == chosen).params
    inference = infer(done, rechecked, p.problem, p.target, p.seed)
    fit_end = p.problem.fit[-1]
    sbg = fit_sbg(p.observed, p.problem.fit[0], fit_end)
    predicted = forecast_bands(inference.paths, p.cohort)
    accepted = accepted_set(
        trials, [t.number for t in done], inference.trial_log_likelihood, len(p.params)
    )
    outcome = Outcome(
        plan=p,
        trials=trials,
        rechecked=rechecked,
        accepted=accepted,
        parameters=intervals(inference.draws, best, p.params),
        correlations=correlations(inference.draws, p.params),
        forecast=predicted,
        holdout=holdout(predicted, p.observed, fit_end, sbg),
        sbg=sbg,
        best_trial=chosen,
        best=best,
        best_loss=float(rechecked.filter(pl.col("trial") == chosen)["loss"].mean()),
        noise_floor=noise_floor(rechecked),
        importance=importance(study),
        inference=inference,
        search_seconds=searched,  # the sampler's trials and those drawn from the posterior
        simulations=ran * p.reps,
        recheck_simulations=batches * p.reps,
    )
    write_outputs(outcome)
    return outcome


def calibrated_toml(o: Outcome) -> str:
    """A what-if on the scenario with the best parameters, runnable by `journey run`."""
    p = o.plan
    base = os.path.relpath(p.scenario_file.resolve(), p.out.resolve())
    body: dict[str, Any] = {
        "base": base,
        "name": f"{p.problem.scenario.name}_calibrated",
        "description": f"Calibrated to cohort '{p.cohort}' of {p.data_file.name}",
    }
    body.update(key_path_overrides(o.best))
    head = (
        f"# Written by `journey calibrate` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC), study "
        f"'{p.study}':\n# trial {o.best_trial}, loss {o.best_loss:.2f} points (RMSE over periods "
        f"{p.problem.fit[0]}-{p.problem.fit[-1]}), noise floor {o.noise_floor:.2f}; "
        f"the posterior (posterior.parquet) and its 90 % intervals are beside this file.\n"
    )
    return head + tomli_w.dumps(body)


def summary(o: Outcome) -> dict[str, Any]:
    """The outcome's numbers as plain data (summary.json)."""
    p = o.plan
    ours, theirs = o.mae
    return {
        "study": p.study,
        "storage": redact(p.storage),
        "scenario": str(p.scenario_file),
        "data": str(p.data_file),
        "cohort": p.cohort,
        "fit_periods": [p.problem.fit[0], p.problem.fit[-1]],
        "horizon": p.problem.horizon,
        "replications": p.reps,
        "seed": p.seed,
        "sampler": p.sampler,
        "trials_completed": int((o.trials["state"] == "complete").sum()),
        "best_trial": o.best_trial,
        "best": o.best,
        "best_loss_points": o.best_loss,
        "noise_floor_points": o.noise_floor,
        "accepted": o.accepted.height,
        "cohort_size": p.cohort_size,
        "posterior": {
            "method": "kernel ABC over the trials through a Gaussian-process emulator; kernel: "
            "the cohort's sampling noise, the simulation's noise, the emulator's uncertainty",
            "level": LEVEL,
            "draws": o.posterior.height,
            "effective_sample_size": o.inference.posterior.ess,
            "importance_rounds": o.inference.posterior.rounds,
            "log_evidence": o.inference.posterior.log_evidence,
            "emulator_length_scales": dict(
                zip(p.params, o.inference.emulator.lengths.tolist(), strict=True)
            ),
        },
        "parameters": o.parameters.to_dicts(),
        "correlations": o.correlations.to_dicts(),
        "importance": o.importance,
        "holdout_mae_points": {"journey": ours, "sbg": theirs},
        "holdout_inside_band": {"inside": o.inside[0], "periods": o.inside[1]},
        "sbg": {"alpha": o.sbg.alpha, "beta": o.sbg.beta},
        "search_seconds": o.search_seconds,
        "simulations_this_run": o.simulations,
        "recheck_simulations_this_run": o.recheck_simulations,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "versions": versions(),
    }


WRITE_WAIT = 300.0
"""Seconds the final write waits for another command on the same study to finish writing."""


def write_outputs(o: Outcome) -> Path:
    """Write the study's folder whole: a temporary folder renamed over the previous one.

    Several commands may work on one study at once; each writes its analysis in turn (the
    folder is held while written), the last one's stays.
    """
    p = o.plan
    parameters = o.parameters.with_columns(
        importance=pl.col("parameter").replace_strict(
            o.importance, default=None, return_dtype=pl.Float64
        )
    ).select("parameter", "best", "low", "high", "importance", "mean")
    frames = {
        "trials": o.trials,
        "accepted": o.accepted,
        "recheck": o.rechecked,
        "parameters": parameters,
        "posterior": o.posterior,
        "correlations": o.correlations,
        "forecast": o.forecast,
        "holdout": o.holdout,
    }
    with claim(p.out, wait=WRITE_WAIT), atomic_folder(p.out, replace=True) as tmp:
        for name, frame in frames.items():
            (tmp / f"{name}.parquet").write_bytes(parquet_bytes(frame))
        (tmp / "calibrated.toml").write_text(calibrated_toml(o), encoding="utf-8")
        (tmp / "summary.json").write_text(json.dumps(summary(o), indent=2) + "\n")
        _write_charts(o, tmp / "charts")
    return p.out


def _write_charts(o: Outcome, folder: Path) -> None:
    folder.mkdir()
    p = o.plan
    observed = pl.DataFrame({"period": list(p.observed), "retained": list(p.observed.values())})
    periods = np.arange(p.problem.horizon + 1, dtype=float)
    sbg = pl.DataFrame({"period": periods, "retained": o.sbg.survival(periods)})
    fit = f"{p.problem.fit[0]}-{p.problem.fit[-1]}"
    title = f"Retention of cohort '{p.cohort}', fitted on periods {fit}"
    made = {
        "fit": charts.fit_chart(o.forecast, observed, sbg, p.problem.fit[-1], title, p.cohort_size),
        "history": charts.history_chart(o.trials, o.threshold),
        "importance": charts.importance_chart(o.importance),
    }
    for name, chart in made.items():
        save_chart(chart, folder, name)
