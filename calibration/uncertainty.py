"""After the search: the noise floor, the accepted set, the forecast and the hold-out check.

A loss estimated from R replications is noisy, so a single best trial overstates what the data
pin down. The best few trials are re-evaluated on fresh seeds, batch by batch; the spread of
their batch losses is the noise floor. Every trial whose loss is within that floor of the best
is accepted: the accepted set is the calibration's answer, with per-parameter ranges and
correlations, and it carries the forecast band.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import optuna
import polars as pl

from calibration.objective import Problem
from calibration.sbg import SbgFit
from calibration.study import completed
from sim.running.aggregation import bands
from sim.running.processes import die_with_parent

__all__ = [
    "RECHECK_BATCHES",
    "RECHECK_TOP",
    "accepted_set",
    "correlations",
    "forecast",
    "holdout",
    "importance",
    "intervals",
    "recheck",
    "trials_frame",
]

RECHECK_TOP = 5
"""How many of the best trials are re-evaluated to measure the noise floor."""
RECHECK_BATCHES = 4
"""Independent batches of R fresh replications per re-evaluated trial."""


def trials_frame(study: optuna.Study, params: list[str]) -> pl.DataFrame:
    """Every trial of the study: number, state, loss, duration and parameter values."""
    rows = [
        {
            "trial": t.number,
            "state": t.state.name.lower(),
            "loss": t.value,
            "seconds": t.duration.total_seconds() if t.duration else None,
            "worker": t.user_attrs.get("worker"),
            **{p: t.params.get(p) for p in params},
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
    return pl.DataFrame(rows, schema={**schema, **dict.fromkeys(params, pl.Float64)})


def _batch_loss(problem: Problem, params: dict[str, float], seeds: list) -> float:
    return problem.loss(problem.simulate(params, seeds))


def recheck(
    study: optuna.Study,
    problem: Problem,
    reps: int,
    seed: int,
    workers: int = 1,
    on_done: Callable[[], None] | None = None,
) -> pl.DataFrame:
    """Loss of the best trials on RECHECK_BATCHES batches of R fresh replications each.

    The fresh seeds follow the search's R in the same spawned sequence, so they never overlap.
    """
    best = sorted(completed(study), key=lambda t: t.value)[:RECHECK_TOP]
    fresh = np.random.SeedSequence(seed).spawn(reps * (1 + RECHECK_BATCHES))[reps:]
    jobs = [(t.number, b) for t in best for b in range(RECHECK_BATCHES)]
    params = {t.number: t.params for t in best}
    args = [(problem, params[n], fresh[b * reps : (b + 1) * reps]) for n, b in jobs]
    losses = []
    if workers == 1:
        for a in args:
            losses.append(_batch_loss(*a))
            if on_done is not None:
                on_done()
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
            for loss in pool.map(_batch_loss, *zip(*args, strict=True)):
                losses.append(loss)
                if on_done is not None:
                    on_done()
    return pl.DataFrame(
        {"trial": [n for n, _ in jobs], "batch": [b for _, b in jobs], "loss": losses},
        schema={"trial": pl.Int64, "batch": pl.Int64, "loss": pl.Float64},
    )


def noise_floor(rechecked: pl.DataFrame) -> float:
    """Mean over re-evaluated trials of the standard deviation of their batch losses."""
    spread = rechecked.group_by("trial").agg(pl.col("loss").std())
    return float(spread["loss"].mean() or 0.0)


def best_trial(rechecked: pl.DataFrame) -> int:
    """The re-evaluated trial with the lowest mean loss over its fresh batches."""
    means = rechecked.group_by("trial").agg(pl.col("loss").mean()).sort("loss", "trial")
    return int(means["trial"][0])


def accepted_set(trials: pl.DataFrame, best: int, floor: float) -> pl.DataFrame:
    """Completed trials whose search loss is within the noise floor of the best trial's.

    Search losses share their seeds (common random numbers), so they compare like with like.
    """
    done = trials.filter(pl.col("state") == "complete")
    threshold = done.filter(pl.col("trial") == best)["loss"][0] + floor
    return done.filter(pl.col("loss") <= threshold).sort("loss", "trial")


def intervals(accepted: pl.DataFrame, best: dict[str, float], params: list[str]) -> pl.DataFrame:
    """Per parameter: the best value and the range over the accepted set."""
    return pl.DataFrame(
        {
            "parameter": params,
            "best": [float(best[p]) for p in params],
            "low": [float(accepted[p].min()) for p in params],
            "high": [float(accepted[p].max()) for p in params],
        }
    )


def correlations(accepted: pl.DataFrame, params: list[str]) -> pl.DataFrame:
    """Pearson correlations between parameters over the accepted set (null if undefined)."""
    values = accepted.select(params).to_numpy()
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


def forecast(curves: np.ndarray, cohort: str) -> pl.DataFrame:
    """Retention by period from the accepted set's curves (rows): mean and 90 % band
    (`sim.running.aggregation.bands`); null where no curve observed the period."""
    periods = np.arange(curves.shape[1])
    long = pl.DataFrame({"period": np.tile(periods, curves.shape[0]), "value": curves.ravel()})
    return (
        pl.DataFrame({"period": periods})
        .join(bands(long, ["period"]), on="period", how="left")
        .select(pl.lit(cohort).alias("cohort"), "period", "mean", "lower", "upper")
    )


def holdout(
    predicted: pl.DataFrame, observed: dict[int, float], fit_end: int, sbg: SbgFit
) -> pl.DataFrame:
    """Observed periods after the fit periods: observed, both forecasts and their errors."""
    later = [t for t in sorted(observed) if t > fit_end and t <= predicted["period"].max()]
    journey = dict(zip(predicted["period"].to_list(), predicted["mean"].to_list(), strict=True))
    frame = pl.DataFrame(
        {
            "period": later,
            "observed": [observed[t] for t in later],
            "journey": [journey[t] for t in later],
            "sbg": sbg.survival(np.array(later, dtype=float)).tolist() if later else [],
        },
        schema={"period": pl.Int64, **dict.fromkeys(("observed", "journey", "sbg"), pl.Float64)},
    )
    return frame.with_columns(
        journey_error=100 * (pl.col("journey") - pl.col("observed")),
        sbg_error=100 * (pl.col("sbg") - pl.col("observed")),
    )
