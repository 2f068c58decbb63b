"""The study's samplers, each trial drawing from a stream of its own.

Trial *n* of a study samples with `SeedSequence([seed, n])`. The storage gives out trial
numbers one at a time, so no two trials of a study share a stream: not two workers of one
command, not two commands working on one study at once (which, seeded alike, used to evaluate
the same parameter vectors). A single command is as reproducible as before: the same seed on
the same study gives the same trials. QMC's points must come from one scrambled sequence, so its
scrambling uses the study's seed and trial *n* takes point *n* of the sequence (instead of a
counter in the study that two processes could read at once); its first point, drawn at random,
uses the trial's stream.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.exceptions import ExperimentalWarning
from optuna.trial import FrozenTrial, TrialState

from calibration import SAMPLERS, CalibrationError

__all__ = ["PerTrial", "make_sampler", "trial_seed"]


class _QMCByTrial(optuna.samplers.QMCSampler):
    """QMC taking point <trial number> of its sequence: distinct in every process."""

    number = 0

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.number = trial.number
        super().before_trial(study, trial)

    def _find_sample_id(self, study: optuna.Study, search_space: dict[str, Any]) -> int:
        return self.number


def make_sampler(name: str, seed: int, trial: int | None = None) -> optuna.samplers.BaseSampler:
    """A seeded sampler by its name (one of `SAMPLERS`); for `trial` (a trial number), the one
    that trial samples with."""
    if name not in SAMPLERS:
        raise CalibrationError("sampler", f"unknown sampler '{name}'; one of {', '.join(SAMPLERS)}")
    own = seed if trial is None else trial_seed(seed, trial)
    with warnings.catch_warnings():  # QMC is marked experimental; we choose it knowingly
        warnings.simplefilter("ignore", ExperimentalWarning)
        match name:
            case "tpe":
                return optuna.samplers.TPESampler(seed=own)
            case "cmaes":
                return optuna.samplers.CmaEsSampler(seed=own)
            case "random":
                return optuna.samplers.RandomSampler(seed=own)
            case _:  # qmc: one scrambled sequence for the study; the first point drawn at random
                first = optuna.samplers.RandomSampler(seed=own)
                return _QMCByTrial(seed=seed, scramble=True, independent_sampler=first)


def trial_seed(seed: int, number: int) -> int:
    """The seed of trial `number` in a study run with `seed`."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


class PerTrial(optuna.samplers.BaseSampler):
    """The sampler `name`, made afresh for every trial with that trial's seed.

    Optuna's samplers keep what they learn in the study (TPE reads the past trials, CMA-ES
    stores its state in them), so a fresh one per trial samples as a long-lived one would,
    but from the trial's own stream.
    """

    def __init__(self, name: str, seed: int) -> None:
        self.name, self.seed = name, seed
        self._inner = make_sampler(name, seed)  # checks the name now

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._inner = make_sampler(self.name, self.seed, trial.number)
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._inner.reseed_rng()
