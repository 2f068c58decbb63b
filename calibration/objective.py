"""The objective: how far the journey model's retention is from the observed, for one parameter
vector, over a fixed set of replications (common random numbers).

Distance: the root mean square difference, in percentage points, between observed retention
and the focal brand's simulated retention (chained over its acquisition cohorts, averaged over
the replications) at each fit period. A period the simulation cannot observe (no customer
acquired early enough) counts as 100 points off, so the loss stays finite and comparable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import optuna
import polars as pl

from sim.engine.model import JourneyModel
from sim.running.retention import chained_retention
from sim.scenario import Scenario, apply_overrides, key_path_overrides

__all__ = [
    "MISSING",
    "Problem",
    "mean_curve",
    "retention_curve",
    "rmse_points",
]

MISSING = 100.0
"""Points off for a fit period the simulation does not observe."""


def retention_curve(scenario: Scenario, seed: np.random.SeedSequence, periods: int) -> np.ndarray:
    """One replication: the focal brand's retention at periods 0..periods (NaN if unseen).

    Chained over the acquisition cohorts: period k's renewal rate pools every cohort observed
    that long (active at k over active at k-1), and retention is the product of the rates. Each
    period uses all the cohorts that reached it, so the curve falls monotonically and its tail
    does not rest on the first cohort alone.
    """
    model = JourneyModel(scenario, rng=np.random.default_rng(seed))
    model.run_for(scenario.time.steps)
    cells = model.cohorts().filter(pl.col("brand") == scenario.focal)
    return chained_retention(cells, periods)


def rmse_points(simulated: np.ndarray, observed: Mapping[int, float], fit: Sequence[int]) -> float:
    """Root mean square difference over the fit periods, in percentage points."""
    gaps = np.array([100 * (simulated[t] - observed[t]) for t in fit])
    return float(np.sqrt(np.mean(np.where(np.isnan(gaps), MISSING, gaps) ** 2)))


@dataclass(frozen=True)
class Problem:
    """A calibration problem: the scenario, its free parameters, the target and the horizon.

    Picklable, so that worker processes can rebuild the objective.
    """

    scenario: Scenario
    observed: dict[int, float]
    fit: tuple[int, ...]
    horizon: int
    integers: frozenset[str]

    @classmethod
    def build(
        cls, scenario: Scenario, observed: dict[int, float], fit: Sequence[int], horizon: int
    ) -> Problem:
        """Lengthen the run if needed so that the first cohort is observed to the horizon."""
        period = scenario.retention.period
        steps = max(scenario.time.steps, (horizon + 1) * period)
        scenario = apply_overrides(scenario, {"time": {"steps": steps}})
        data = scenario.model_dump()
        integers = set()
        for path in scenario.calibration:
            node = data
            for key in path.split("."):
                node = node[key]
            if isinstance(node, int):
                integers.add(path)
        return cls(scenario, observed, tuple(fit), horizon, frozenset(integers))

    def suggest(self, trial: optuna.Trial) -> dict[str, float]:
        """The trial's parameter vector, from the scenario's [calibration] table."""
        values: dict[str, float] = {}
        for path, free in self.scenario.calibration.items():
            if path in self.integers:
                values[path] = trial.suggest_int(path, int(free.low), int(free.high), log=free.log)
            else:
                values[path] = trial.suggest_float(path, free.low, free.high, log=free.log)
        return values

    def simulate(
        self, params: Mapping[str, float], seeds: Sequence[np.random.SeedSequence]
    ) -> np.ndarray:
        """Retention curves (replications x periods 0..horizon) at a parameter vector."""
        scenario = apply_overrides(self.scenario, key_path_overrides(params))
        return np.stack([retention_curve(scenario, s, self.horizon) for s in seeds])

    def loss(self, curves: np.ndarray) -> float:
        """The distance of the replications' mean curve from the observed."""
        return rmse_points(mean_curve(curves), self.observed, self.fit)


def mean_curve(curves: np.ndarray) -> np.ndarray:
    """Mean over replications (rows) of the periods each observed; NaN where none did."""
    seen = np.isfinite(curves)
    n = seen.sum(axis=0)
    return np.where(n > 0, np.where(seen, curves, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)
