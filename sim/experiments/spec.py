"""The experiment file: a scenario, a design over declared factors, replications, a seed and the
KPIs to record, validated like a scenario (one line naming the file, the key path and the
problem) before anything runs.

    scenario = "../scenarios/baseline.toml"   # relative to the experiment file
    design = "sobol"     # grid | oat | lhs | morris | sobol
    samples = 64         # Sobol base sample, Morris trajectories, LHS points, OAT steps
    reps = 4
    seed = 1
    kpis = ["retention_12", "customers_end", "margin"]
    [factors]            # any numeric scenario field by key path
    "brands.aurora.price" = { low = 8, high = 16 }
    "brands.aurora.touchpoints.tv_ad.reach" = { levels = [0.0, 0.01, 0.02] }
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.running.kpis import KPI_NAMES
from sim.scenario import (
    Scenario,
    ScenarioError,
    check_key_path,
    load_scenario,
    read_toml,
    resized,
)
from sim.scenario.errors import explain, unknown
from sim.scenario.schema import Section

__all__ = [
    "DESIGNS",
    "Design",
    "Experiment",
    "ExperimentError",
    "ExperimentFile",
    "Factor",
    "load_experiment",
]

Design = Literal["grid", "oat", "lhs", "morris", "sobol"]
DESIGNS: tuple[str, ...] = typing.get_args(Design)


class ExperimentError(ScenarioError):
    """An experiment file that cannot be run; str() is the one line shown to the user."""


class Factor(Section):
    """A scenario field varied by the design: a range (`low` < `high`) or explicit `levels`."""

    low: float | None = None
    high: float | None = None
    levels: list[float] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _range_or_levels(self) -> Factor:
        if self.levels is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low and high, or levels, not both")
            if len(set(self.levels)) < len(self.levels):
                raise ValueError("levels must differ from each other")
            return self
        if self.low is None or self.high is None:
            raise ValueError("needs low and high, or levels")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self

    @property
    def values(self) -> dict[str, float]:
        """The values the design may set, by name (for checking them against the scenario)."""
        if self.levels is not None:
            return {f"levels[{i}]": v for i, v in enumerate(self.levels)}
        return {"low": self.low, "high": self.high}  # type: ignore[dict-item]


class ExperimentFile(Section):
    """The experiment file as written."""

    name: str = ""
    scenario: str
    design: Design
    samples: int = Field(8, ge=1)
    reps: int = Field(1, ge=1)
    seed: int = Field(0, ge=0)
    brand: str = ""
    kpis: list[str] = Field(min_length=1)
    factors: dict[str, Factor] = Field(min_length=1)

    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in KPI_NAMES:
                raise ValueError(unknown("KPI", name, KPI_NAMES))
        if len(set(v)) < len(v):
            raise ValueError("a KPI is named twice")
        return v

    @model_validator(mode="after")
    def _samples_fit_the_design(self) -> ExperimentFile:
        n = self.samples
        if self.design == "sobol" and n & (n - 1):
            raise ValueError(f"samples: a Sobol design needs a power of 2, got {n}")
        if self.design == "morris" and n < 2:
            raise ValueError("samples: a Morris design needs at least 2 trajectories")
        return self


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the resolved scenario it varies and everything the design needs."""

    file: Path
    name: str
    scenario: Scenario
    design: str
    samples: int
    reps: int
    seed: int
    brand: str
    kpis: tuple[str, ...]
    factors: dict[str, Factor]
    integer: frozenset[str]  # factors that set an integer field

    def overrides(self, values: dict[str, float]) -> dict[str, Any]:
        """Factor values as key-path overrides, integers for integer fields."""
        return {k: round(float(v)) if k in self.integer else float(v) for k, v in values.items()}

    def source(self) -> dict[str, Any]:
        """The experiment as a TOML table, its scenario being `scenario.toml` beside it."""
        return {
            "name": self.name,
            "scenario": "scenario.toml",
            "design": self.design,
            "samples": self.samples,
            "reps": self.reps,
            "seed": self.seed,
            "brand": self.brand,
            "kpis": list(self.kpis),
            "factors": {
                k: f.model_dump(exclude_none=True) for k, f in sorted(self.factors.items())
            },
        }


def load_experiment(
    path: str | Path, *, consumers: int | None = None, steps: int | None = None
) -> Experiment:
    """Read and validate an experiment file and its scenario (with `consumers` and `steps`
    overriding the scenario's), or raise one ExperimentError (a ScenarioError for a problem
    in the scenario file itself)."""
    path = Path(path)
    data = read_toml(path, str(path), "experiment file")
    try:
        spec = ExperimentFile.model_validate(data, strict=True)
    except ValidationError as exc:
        e = explain(exc.errors()[0], path, ExperimentFile)
        raise ExperimentError(path, e.path, e.problem) from None
    scenario_path = path.parent / spec.scenario
    if not scenario_path.is_file():
        raise ExperimentError(path, "scenario", f"scenario file '{spec.scenario}' does not exist")
    scenario = resized(load_scenario(scenario_path), consumers, steps)
    if spec.brand and spec.brand not in scenario.brands:
        raise ExperimentError(path, "brand", unknown("brand", spec.brand, scenario.brand_names))
    integer = set()
    for key, factor in spec.factors.items():
        where = f'factors."{key}"'
        what = "levels" if factor.levels is not None else "bounds"
        try:
            kind = check_key_path(scenario, key, factor.values, path, where, what)
        except ScenarioError as exc:
            raise ExperimentError(path, exc.path, exc.problem) from None
        if kind is int:
            integer.add(key)
    return Experiment(
        file=path,
        name=spec.name or path.stem,
        scenario=scenario,
        design=spec.design,
        samples=spec.samples,
        reps=spec.reps,
        seed=spec.seed,
        brand=spec.brand or scenario.focal,
        kpis=tuple(spec.kpis),
        factors=dict(spec.factors),
        integer=frozenset(integer),
    )
