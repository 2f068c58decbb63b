"""Calibration of the journey model to observed cohort retention with Optuna (`journey calibrate`).

Modules: `observed` (the data), `objective` (the distance, on common random numbers), `study`
(Optuna storage, trials, workers), `samplers` (a random stream per trial), `emulator` (a
Gaussian process of the curve over the trials), `posterior` (kernel ABC, prediction band),
`uncertainty` (recheck, posterior and forecast of a study, hold-out), `sbg` (the statistical
baseline), `charts`, `report`, and `calibrate` (the command).

Errors name settings by their keyword in `calibration.calibrate.plan` (`fit_periods`, `reps`,
`sampler` ...), never by a command-line flag: the command line maps settings to its flags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["LIMITS", "SAMPLERS", "CalibrationError", "StudyMismatch"]

SAMPLERS = ("tpe", "cmaes", "random", "qmc")
"""The samplers a study can use, by name."""

LIMITS = {"trials": 100_000, "reps": 1000, "workers": 256, "cohort_size": 100_000_000}
"""Largest accepted value of each count setting: beyond them a value is a typo, not a plan."""

Namer = Callable[[str], str]
"""How a setting is named in a message: the library names it as it is; a front end may map it."""


def _as_is(setting: str) -> str:
    return setting


class CalibrationError(ValueError):
    """A calibration that cannot run as asked: the setting it is about, and the problem.

    `setting` is a keyword of `calibration.calibrate.plan` (`fit_periods`, `horizon`, `cohort`,
    `cohort_size`, `trials`, `reps`, `workers`, `seed`, `sampler`, `storage`, `study`, `data`) or
    None when the error is about no one setting (the problem then names what it is about, such
    as a file). str() is the one line shown to the user: "<setting>: <problem>", or the problem
    alone.
    """

    def __init__(self, setting: str | None, problem: str) -> None:
        super().__init__(setting, problem)
        self.setting = setting
        self.problem = problem

    def message(self, name: Namer = _as_is) -> str:
        """The one line, with every setting it names written as `name(setting)`."""
        return self.problem if self.setting is None else f"{name(self.setting)}: {self.problem}"

    def __str__(self) -> str:
        return self.message()


class StudyMismatch(CalibrationError):
    """A stored study made with another value of a setting: its losses are not comparable.

    `setting` is the first setting that differs (`scenario` when the scenario itself changed).
    """

    setting: str

    def __init__(self, study: str, storage: str, setting: str, stored: Any, now: Any) -> None:
        self.study, self.storage, self.stored, self.now = study, storage, stored, now
        self.setting = setting
        super().__init__(setting, self.message())
        self.args = (study, storage, setting, stored, now)

    def message(self, name: Namer = _as_is) -> str:
        return (
            f"study '{self.study}' in {self.storage} was made with a different "
            f"{name(self.setting)} ({self.stored!r}, now {self.now!r}); "
            f"give another {name('study')} to start afresh"
        )
