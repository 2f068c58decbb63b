"""After the search: the recheck, the posterior, parameter intervals, forecast and hold-out.

A loss estimated from R replications is noisy. The best few trials are re-evaluated on fresh
seeds, batch by batch (the recheck, kept in the study so that it is never redone): the spread
of their batches measures the simulation's noise, both as the noise floor of the loss and as
the noise on each renewal rate of a simulated curve. The answer is the posterior
(`calibration.posterior`): kernel ABC over the trials through a Gaussian-process emulator
(`calibration.emulator`), with the cohort's sampling noise, the simulation's noise and the
emulator's uncertainty in the kernel. Its draws give the parameter intervals and correlations
and, with a cohort of the observed size drawn from each, the forecast's prediction band.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import optuna
import polars as pl
from scipy.stats import chi2

from calibration.emulator import Emulator
from calibration.objective import Problem, mean_curve
from calibration.posterior import (
    LEVEL,
    Box,
    Cohort,
    Fitted,
    Posterior,
    fit,
    trial_log_likelihood,
)
from calibration.sbg import SbgFit
from calibration.study import WORKER_MODULES, completed
from sim.running.executors import LocalProcesses

__all__ = [
    "RECHECK_BATCHES",
    "RECHECK_TOP",
    "Inference",
    "accepted_set",
    "best_trial",
    "correlations",
    "curves_of",
    "holdout",
    "importance",
    "infer",
    "intervals",
    "noise_floor",
    "recheck",
    "trials_frame",
]

RECHECK_TOP = 5
"""How many of the best trials are re-evaluated to measure the simulation's noise."""
RECHECK_BATCHES = 4
"""Independent batches of R fresh replications per re-evaluated trial."""
_STORED = "recheck"  # the study's user attribute holding every re-evaluation made


def trials_frame(study: optuna.Study, params: list[str]) -> pl.DataFrame:
    """Every trial of the study: number, state, loss, duration, worker, parameter values, and
    its stage: `sampler` (the search) or `posterior` (drawn from it, `calibration.refine`)."""
    rows = [
        {
            "trial": t.number,
            "state": t.state.name.lower(),
            "loss": t.value,
            "seconds": t.duration.total_seconds() if t.duration else None,
            "worker": t.user_attrs.get("worker"),
            **{p: t.params.get(p) for p in params},
            "stage": t.user_attrs.get("stage", "sampler"),
        }
        for t in study.get_trials(deepcopy=False)
    ]
    schema = {
        "trial": pl.Int64,
        "state": pl.String,
        "loss": pl.Float64,
        "seconds": pl.Float64,
        "worker": pl.Int64,
    }
    return pl.DataFrame(
        rows, schema={**schema, **dict.fromkeys(params, pl.Float64), "stage": pl.String}
    )


def _batch(problem: Problem, params: dict[str, float], seeds: list) -> tuple[float, list]:
    """One re-evaluation: the loss and the mean curve (None where unobserved) of R runs."""
    curves = problem.simulate(params, seeds)
    curve = mean_curve(curves)
    return problem.loss(curves), [None if np.isnan(v) else float(v) for v in curve]


def recheck(
    study: optuna.Study,
    problem: Problem,
    reps: int,
    seed: int,
    workers: int = 1,
    on_done: Callable[[], None] | None = None,
) -> pl.DataFrame:
    """Loss and mean curve of the best trials on RECHECK_BATCHES batches of R fresh replications.

    The fresh seeds follow the search's R in the same spawned sequence, so they never overlap,
    and batch b has the same seeds for every trial. Every re-evaluation is kept in the study
    (a user attribute, as it finishes), so a study that gained no better trial is not rechecked
    again, and one that did is rechecked only for its new best trials.
    """
    best = sorted(completed(study), key=lambda t: t.value)[:RECHECK_TOP]
    fresh = np.random.SeedSequence(seed).spawn(reps * (1 + RECHECK_BATCHES))[reps:]
    stored: dict[str, dict] = dict(study.user_attrs.get(_STORED, {}))
    jobs = [(t.number, b) for t in best for b in range(RECHECK_BATCHES)]
    todo = [(n, b) for n, b in jobs if f"{n}:{b}" not in stored]
    params = {t.number: t.params for t in best}
    args = [(problem, params[n], fresh[b * reps : (b + 1) * reps]) for n, b in todo]

    def keep(job: tuple[int, int], result: tuple[float, list]) -> None:
        stored[f"{job[0]}:{job[1]}"] = {"loss": result[0], "retention": result[1]}
        study.set_user_attr(_STORED, stored)
        if on_done is not None:
            on_done()

    if workers == 1 or len(args) <= 1:
        for job, a in zip(todo, args, strict=True):
            keep(job, _batch(*a))
    else:
        # Ctrl-C ends the workers at once; the batches kept so far stay stored
        with LocalProcesses(min(workers, len(args)), preload=WORKER_MODULES) as pool:
            futures = [pool.submit(_batch, *a) for a in args]
            for job, future in zip(todo, futures, strict=True):
                keep(job, future.result())
    rows = [stored[f"{n}:{b}"] for n, b in jobs]
    return pl.DataFrame(
        {
            "trial": [n for n, _ in jobs],
            "batch": [b for _, b in jobs],
            "loss": [r["loss"] for r in rows],
            "retention": [r["retention"] for r in rows],
        },
        schema={
            "trial": pl.Int64,
            "batch": pl.Int64,
            "loss": pl.Float64,
            "retention": pl.List(pl.Float64),
        },
    )


def noise_floor(rechecked: pl.DataFrame) -> float:
    """Mean over re-evaluated trials of the standard deviation of their batch losses."""
    spread = rechecked.group_by("trial").agg(pl.col("loss").std())
    return float(spread["loss"].mean() or 0.0)


def best_trial(rechecked: pl.DataFrame) -> int:
    """The re-evaluated trial with the lowest mean loss over its fresh batches."""
    means = rechecked.group_by("trial").agg(pl.col("loss").mean()).sort("loss", "trial")
    return int(means["trial"][0])


def curves_of(trials: Sequence[optuna.trial.FrozenTrial]) -> np.ndarray:
    """The mean retention curves (trials x periods 0..H) the search kept, NaN where unseen."""
    return np.array(
        [[np.nan if v is None else v for v in t.user_attrs["retention"]] for t in trials],
        dtype=float,
    )


def _batch_curves(rechecked: pl.DataFrame) -> list[np.ndarray]:
    return [
        np.array(group["retention"].to_list(), dtype=float)
        for _, group in rechecked.group_by("trial", maintain_order=True)
    ]


@dataclass(frozen=True)
class Inference:
    """The posterior and what it gives (`calibration.posterior.Fitted`), with the draws as a
    frame of parameter values and the kernel at each completed trial's own curve."""

    box: Box
    fitted: Fitted
    draws: pl.DataFrame  # draw, one column per parameter: DRAWS equally weighted draws
    trial_log_likelihood: np.ndarray

    @property
    def posterior(self) -> Posterior:
        return self.fitted.posterior

    @property
    def emulator(self) -> Emulator:
        return self.fitted.emulator

    @property
    def paths(self) -> np.ndarray:
        """Retention paths of a cohort of the observed size, one per draw (DRAWS, H + 1)."""
        return self.fitted.paths


def infer(
    done: Sequence[optuna.trial.FrozenTrial],
    rechecked: pl.DataFrame,
    problem: Problem,
    cohort: Cohort,
    seed: int,
) -> Inference:
    """From the completed trials and the recheck to the posterior and the forecast's paths.

    Deterministic given `seed`. Integer parameters are searched as integers but sampled as
    real numbers here, then rounded in the draws.
    """
    box = Box.of(problem.scenario.calibration)
    x = np.array([[t.params[n] for n in box.names] for t in done], dtype=float)
    curves = curves_of(done)
    fitted = fit(box.to_unit(x), curves, _batch_curves(rechecked), cohort, seed)
    values = box.from_unit(fitted.draws)
    columns = {}
    for j, name in enumerate(box.names):
        columns[name] = np.round(values[:, j]) if name in problem.integers else values[:, j]
    return Inference(
        box=box,
        fitted=fitted,
        draws=pl.DataFrame({"draw": np.arange(values.shape[0]), **columns}),
        trial_log_likelihood=trial_log_likelihood(curves, fitted.simulation_noise, cohort),
    )


def accepted_set(
    trials: pl.DataFrame, numbers: Sequence[int], log_likelihood: np.ndarray, dims: int
) -> pl.DataFrame:
    """Completed trials inside the 90 % likelihood region of the kernel at their own curves:
    2 x (best log-likelihood - theirs) within the chi-square quantile with one degree of freedom
    per parameter (Wilks). The posterior is not made from them: they are the simulated points
    that fit the data, shown in the history chart and kept in accepted.parquet."""
    scores = pl.DataFrame(
        {"trial": list(numbers), "log_likelihood": log_likelihood},
        schema={"trial": pl.Int64, "log_likelihood": pl.Float64},
    ).drop_nans()
    done = trials.filter(pl.col("state") == "complete").join(scores, on="trial")
    if done.height == 0:
        return done
    cut = done["log_likelihood"].max() - chi2.ppf(LEVEL, dims) / 2
    return done.filter(pl.col("log_likelihood") >= cut).sort(
        "log_likelihood", "trial", descending=[True, False]
    )


def intervals(draws: pl.DataFrame, best: dict[str, float], params: list[str]) -> pl.DataFrame:
    """Per parameter: the best trial's value, the 90 % credible interval (5th to 95th
    percentile of the posterior draws) and the posterior mean."""
    lo, hi = (1 - LEVEL) / 2, (1 + LEVEL) / 2
    return pl.DataFrame(
        {
            "parameter": params,
            "best": [float(best[p]) for p in params],
            "low": [float(draws[p].quantile(lo, "linear")) for p in params],
            "high": [float(draws[p].quantile(hi, "linear")) for p in params],
            "mean": [float(draws[p].mean()) for p in params],
        }
    )


def correlations(draws: pl.DataFrame, params: list[str]) -> pl.DataFrame:
    """Pearson correlations between parameters over the posterior draws (null if undefined)."""
    values = draws.select(params).to_numpy()
    rows = []
    for i, a in enumerate(params):
        for b in params[i + 1 :]:
            x, y = values[:, i], values[:, params.index(b)]
            ok = len(x) >= 3 and x.std() > 0 and y.std() > 0
            rows.append({"a": a, "b": b, "r": float(np.corrcoef(x, y)[0, 1]) if ok else None})
    return pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String, "r": pl.Float64})


def importance(study: optuna.Study) -> dict[str, float]:
    """Optuna's parameter importance (fANOVA); empty when there are too few trials."""
    try:
        return optuna.importance.get_param_importances(study)
    except (ValueError, RuntimeError):
        return {}


def holdout(
    predicted: pl.DataFrame, observed: dict[int, float], fit_end: int, sbg: SbgFit
) -> pl.DataFrame:
    """Observed periods after the fit periods: observed, both forecasts, their errors (points),
    the prediction band and whether the observation fell inside it."""
    later = [t for t in sorted(observed) if t > fit_end and t <= predicted["period"].max()]
    rows = {r["period"]: r for r in predicted.iter_rows(named=True)}
    frame = pl.DataFrame(
        {
            "period": later,
            "observed": [observed[t] for t in later],
            "journey": [rows[t]["mean"] for t in later],
            "sbg": sbg.survival(np.array(later, dtype=float)).tolist() if later else [],
            "lower": [rows[t]["lower"] for t in later],
            "upper": [rows[t]["upper"] for t in later],
        },
        schema={
            "period": pl.Int64,
            **dict.fromkeys(("observed", "journey", "sbg", "lower", "upper"), pl.Float64),
        },
    )
    return frame.with_columns(
        journey_error=100 * (pl.col("journey") - pl.col("observed")),
        sbg_error=100 * (pl.col("sbg") - pl.col("observed")),
        inside=pl.col("observed").is_between(pl.col("lower"), pl.col("upper")),
    ).select(
        "period", "observed", "journey", "sbg", "journey_error", "sbg_error", "lower", "upper",
        "inside",
    )  # fmt: skip
