"""Trials drawn from the posterior, so that the emulator knows the curve where the posterior lives.

The sampler (TPE by default) crowds its trials around the best fit; the posterior is usually
wider, above all in the directions the fitted periods leave open, and there the emulator can
only guess and says so: the forecast band widens with its doubt. After the search, a fifth as
many trials again are drawn from the posterior in two rounds (each round's posterior from the
trials so far) and simulated like any other: sequential design for emulator-based ABC, as
Wilkinson (2014, "Accelerating ABC methods using Gaussian processes", AISTATS) refines the
emulator in waves. On Fader & Hardie's high-end cohort fitted on years 1-4 this halved the
band's width in years 5-7 (calibration/README.md).

They are ordinary trials of the study (enqueued with fixed parameters, marked with the user
attribute `stage = "posterior"`), so an interrupted refinement resumes like the search does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import polars as pl
from optuna.trial import TrialState

from calibration.objective import Problem
from calibration.study import owner, taking_turns

__all__ = ["REFINE_ROUNDS", "REFINE_SHARE", "enqueue_draws", "round_targets"]

REFINE_SHARE = 0.2
"""Trials drawn from the posterior, as a share of the sampler's trials."""
REFINE_ROUNDS = 2
"""Rounds of drawing; each round's posterior comes from every trial before it."""
STAGE = {"stage": "posterior"}


def round_targets(trials: int) -> list[int]:
    """Completed trials the study should have after each round of refinement."""
    per_round = max(1, round(trials * REFINE_SHARE / REFINE_ROUNDS))
    return [trials + per_round * (k + 1) for k in range(REFINE_ROUNDS)]


def enqueue_draws(
    study: optuna.Study,
    draws: pl.DataFrame,
    problem: Problem,
    target: int,
    seed: int,
    lock: Path | None = None,
) -> int:
    """Enqueue posterior draws (rows of `draws`, one column per parameter) so that completed
    and waiting trials reach `target`; returns how many were enqueued.

    A draw already in the study (queued by another command on it at the same time, with the
    same seed) is skipped: the search fills its place with a trial of the sampler. Counting
    and queuing are one turn of the study's `lock`, so two commands never queue one draw twice."""
    with taking_turns(lock):
        return _enqueue(study, draws, problem, target, seed)


def _enqueue(
    study: optuna.Study, draws: pl.DataFrame, problem: Problem, target: int, seed: int
) -> int:
    waiting = (TrialState.COMPLETE, TrialState.WAITING)
    have = len(study.get_trials(deepcopy=False, states=waiting))
    n = max(0, target - have)
    if n == 0:
        return 0
    for row in draws.sample(n, seed=seed).iter_rows(named=True):
        params = {}
        for path, free in problem.scenario.calibration.items():
            value = float(np.clip(row[path], free.low, free.high))
            params[path] = round(value) if path in problem.integers else value
        study.enqueue_trial(params, user_attrs=owner(**STAGE), skip_if_exists=True)
    return len(study.get_trials(deepcopy=False, states=waiting)) - have
