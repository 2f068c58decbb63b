"""Designs: the points an experiment runs, each a value for every factor.

- `grid`: every combination of the factors' levels (a range gives its two ends).
- `oat`: one factor at a time from the midpoint: the midpoint, then each factor alone over its
  levels (a range: `samples` evenly spaced values, ends included).
- `lhs`, `morris`, `sobol`: SALib's Latin hypercube, Morris trajectories (4 levels) and Saltelli's
  Sobol' sample (first and total order), seeded by the experiment's seed.

SALib samples in its own units: a range is sampled as is, a factor with levels as [0, k) and
mapped to its level. The analysis needs those units, so a design keeps them beside the values.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from SALib.sample import latin, morris, sobol

from sim.experiments.spec import Experiment, Factor

__all__ = ["MORRIS_LEVELS", "Design", "make_design", "problem"]

MORRIS_LEVELS = 4
"""Levels of the Morris grid (SALib's default, and what its analysis assumes unless told)."""


@dataclass(frozen=True)
class Design:
    """The points of an experiment: `points` (point, one column per factor, values as set in
    the scenario) and, for SALib's designs, the sample in SALib's units (`unit`)."""

    points: pl.DataFrame
    unit: np.ndarray | None

    @property
    def size(self) -> int:
        return self.points.height

    def values(self, point: int) -> dict[str, float]:
        """The factor values of one point, by key path."""
        row = self.points.row(point, named=True)
        return {k: v for k, v in row.items() if k != "point"}


def problem(e: Experiment) -> dict[str, Any]:
    """SALib's problem specification: factor names and bounds, in the experiment's order."""
    bounds = [
        [0.0, float(len(f.levels))] if f.levels is not None else [f.low, f.high]
        for f in e.factors.values()
    ]
    return {"num_vars": len(e.factors), "names": list(e.factors), "bounds": bounds}


def _levels(f: Factor, n: int) -> list[float]:
    if f.levels is not None:
        return list(f.levels)
    if n == 1:
        return [_mid(f)]
    return [float(v) for v in np.linspace(f.low, f.high, n)]  # type: ignore[arg-type]


def _mid(f: Factor) -> float:
    if f.levels is not None:
        return f.levels[(len(f.levels) - 1) // 2]
    return (f.low + f.high) / 2  # type: ignore[operator]


def _from_unit(f: Factor, column: np.ndarray) -> np.ndarray:
    if f.levels is None:
        return column
    index = np.minimum(np.floor(column).astype(np.int64), len(f.levels) - 1)
    return np.asarray(f.levels, dtype=np.float64)[index]


def make_design(e: Experiment) -> Design:
    """The experiment's points, the same for the same experiment file."""
    names = list(e.factors)
    unit = None
    if e.design == "grid":
        rows = list(itertools.product(*(_levels(f, 2) for f in e.factors.values())))
    elif e.design == "oat":
        centre = [_mid(f) for f in e.factors.values()]
        rows = [tuple(centre)]
        for i, f in enumerate(e.factors.values()):
            for v in _levels(f, e.samples):
                if v != centre[i]:
                    rows.append(tuple(v if j == i else c for j, c in enumerate(centre)))
    else:
        spec = problem(e)
        if e.design == "lhs":
            unit = latin.sample(spec, e.samples, seed=e.seed)
        elif e.design == "morris":
            unit = morris.sample(spec, e.samples, num_levels=MORRIS_LEVELS, seed=e.seed)
        else:
            unit = sobol.sample(spec, e.samples, calc_second_order=False, seed=e.seed)
        columns = [_from_unit(f, unit[:, i]) for i, f in enumerate(e.factors.values())]
        rows = list(zip(*(c.tolist() for c in columns), strict=True))
    values = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(names))
    for i, name in enumerate(names):
        if name in e.integer:
            values[:, i] = np.round(values[:, i])
    points = pl.DataFrame(
        {"point": pl.Series(range(len(rows)), dtype=pl.Int32)}
        | {name: pl.Series(values[:, i], dtype=pl.Float64) for i, name in enumerate(names)}
    )
    return Design(points=points, unit=unit)
