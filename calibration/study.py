"""The Optuna study: storage, samplers, and the search run by one or several processes.

A study lives in an Optuna storage (SQLite under results/calibration/ by default, or any storage
URL), so it is resumable: the same command run again continues it, and several worker processes
can share it. Every trial evaluates its parameter vector on the same replication seeds
(common random numbers); the study records the setup that made its losses, and a command whose
setup differs is refused rather than mixed in.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.trial import FrozenTrial, TrialState

from calibration import SAMPLERS, CalibrationError, StudyMismatch
from calibration.objective import Problem, mean_curve
from sim.running import replication_seeds
from sim.scenario import dump_scenario

__all__ = ["SAMPLERS", "completed", "open_study", "redact", "search", "setup_of"]

optuna.logging.set_verbosity(optuna.logging.ERROR)  # our own lines say what happened


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    """A seeded sampler by its name (one of `SAMPLERS`)."""
    with warnings.catch_warnings():  # QMC is marked experimental; we choose it knowingly
        warnings.simplefilter("ignore", ExperimentalWarning)
        match name:
            case "tpe":
                return optuna.samplers.TPESampler(seed=seed)
            case "cmaes":
                return optuna.samplers.CmaEsSampler(seed=seed)
            case "random":
                return optuna.samplers.RandomSampler(seed=seed)
            case "qmc":
                return optuna.samplers.QMCSampler(seed=seed, scramble=True)
    raise CalibrationError("sampler", f"unknown sampler '{name}'; one of {', '.join(SAMPLERS)}")


def redact(url: str) -> str:
    """A storage URL fit to show: the password, if any, replaced by `***`."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if not (sep and at and colon):
        return url
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """An Optuna RDB storage. A SQLite file's folder is created, and a lock held by another
    worker is waited for instead of failing."""
    kwargs = None
    if url.startswith("sqlite:///"):
        kwargs = {"connect_args": {"timeout": 120}}
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    except Exception as exc:  # SQLAlchemy and drivers raise many kinds: all mean "cannot open"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        shown = redact(url)
        if url != shown:  # a driver may quote the URL back
            first = first.replace(url, shown)
        raise CalibrationError("storage", f"cannot open {shown}: {first}") from None


def setup_of(problem: Problem, reps: int, seed: int, data: str, cohort: str) -> dict[str, Any]:
    """What makes a study's losses comparable: the resolved scenario and target, R and the seed."""
    digest = hashlib.sha256(dump_scenario(problem.scenario).encode()).hexdigest()[:16]
    return {
        "scenario": digest,
        "data": data,
        "cohort": cohort,
        "fit": f"{problem.fit[0]}-{problem.fit[-1]}",
        "horizon": problem.horizon,
        "reps": reps,
        "seed": seed,
    }


# A setup's keys are the settings of `calibration.calibrate.plan` they come from, but for this one
# ("scenario" is the digest of the resolved scenario, not a setting's value but named alike).
_SETTING = {"fit": "fit_periods"}


def open_study(url: str, name: str, setup: dict[str, Any], sampler: str, seed: int) -> optuna.Study:
    """Create the study, or load it and check that it was made with the same setup."""
    study = optuna.create_study(
        storage=open_storage(url),
        study_name=name,
        direction="minimize",
        load_if_exists=True,
        sampler=make_sampler(sampler, seed),
    )
    stored = study.user_attrs.get("setup")
    if stored is None:
        study.set_user_attr("setup", setup)
    elif stored != setup:
        key = next(k for k in setup if stored.get(k) != setup[k])
        raise StudyMismatch(name, redact(url), _SETTING.get(key, key), stored.get(key), setup[key])
    return study


def completed(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def objective(
    problem: Problem, reps: int, seed: int, worker: int = 0
) -> Callable[[optuna.Trial], float]:
    """Optuna's objective: simulate on the fixed seeds, keep the mean curve with the trial."""
    seeds = replication_seeds(seed, reps)

    def evaluate(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", worker)
        curves = problem.simulate(problem.suggest(trial), seeds)
        curve = mean_curve(curves)
        trial.set_user_attr("retention", [None if np.isnan(v) else float(v) for v in curve])
        return problem.loss(curves)

    return evaluate


def _sampler_for(name: str, seed: int, worker: int, done: int) -> optuna.samplers.BaseSampler:
    """A sampler seed per worker and per resumption, so no two draw the same random points.

    QMC and CMA-ES keep their state in the study, so all their workers share the run's seed.
    """
    if name not in ("qmc", "cmaes"):
        seed = int(np.random.SeedSequence([seed, worker, done]).generate_state(1)[0])
    return make_sampler(name, seed)


def _work(
    url: str, name: str, problem: Problem, reps: int, seed: int, sampler: str, worker: int, n: int
) -> None:
    """A worker process's share of the trials; Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    study = optuna.load_study(storage=open_storage(url), study_name=name)
    study.sampler = _sampler_for(sampler, seed, worker, len(completed(study)))
    study.optimize(objective(problem, reps, seed, worker), n_trials=n, gc_after_trial=False)


def search(
    study: optuna.Study,
    url: str,
    problem: Problem,
    *,
    trials: int,
    reps: int,
    seed: int,
    sampler: str,
    workers: int,
    on_progress: Callable[[int, float | None], None] | None = None,
) -> None:
    """Run trials until the study has `trials` completed ones, split across `workers` processes.

    `on_progress(completed, best_loss)` is called as trials finish.
    """
    name = study.study_name
    remaining = trials - len(completed(study))
    if on_progress is not None:
        on_progress(trials - remaining, _best(study))
    if remaining <= 0:
        return
    shares = [remaining // workers + (w < remaining % workers) for w in range(workers)]
    shares = [n for n in shares if n]
    if len(shares) == 1:
        callbacks = []
        if on_progress is not None:
            callbacks.append(lambda s, _: on_progress(len(completed(s)), _best(s)))
        study.sampler = _sampler_for(sampler, seed, 0, trials - remaining)
        study.optimize(
            objective(problem, reps, seed),
            n_trials=remaining,
            callbacks=callbacks,
            gc_after_trial=False,
        )
        return
    context = multiprocessing.get_context("spawn")
    procs = [
        context.Process(
            target=_work,
            args=(url, name, problem, reps, seed, sampler, w, n),
            name=f"journey-calibrate-{w}",
        )
        for w, n in enumerate(shares)
    ]
    for p in procs:
        p.start()
    try:
        while any(p.is_alive() for p in procs):
            time.sleep(0.5)
            if on_progress is not None:
                on_progress(len(completed(study)), _best(study))
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()
    failed = [p for p in procs if p.exitcode not in (0, None)]
    if failed:
        raise CalibrationError(
            None, f"{len(failed)} worker process(es) failed (exit {failed[0].exitcode})"
        )
    if on_progress is not None:
        on_progress(len(completed(study)), _best(study))


def _best(study: optuna.Study) -> float | None:
    done = completed(study)
    return min(t.value for t in done) if done else None
