"""Trait distributions: how a segment's consumers differ from one another.

A scenario gives each consumer trait as a distribution (or a bare number, a constant); the
population draws one value per consumer from it with the model's random generator.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "DISTRIBUTIONS",
    "Beta",
    "Constant",
    "Distribution",
    "Gamma",
    "LogNormal",
    "Normal",
    "Poisson",
    "Uniform",
]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw n values."""
        raise NotImplementedError


class Constant(_Dist):
    """Every consumer has the same value."""

    dist: Literal["constant"] = "constant"
    value: float

    def bounds(self) -> tuple[float, float]:
        return (self.value, self.value)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


class Beta(_Dist):
    """A share or probability that varies between consumers (support [0, 1])."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def bounds(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a, self.b, n)


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Normal(_Dist):
    """Normal, optionally truncated by clipping to [low, high]."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float = Field(-np.inf, allow_inf_nan=True)
    high: float = Field(np.inf, allow_inf_nan=True)

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.clip(rng.normal(self.mean, self.sd, n), self.low, self.high)


class _Positive(_Dist):
    """A distribution of values in [0, inf)."""

    def bounds(self) -> tuple[float, float]:
        return (0.0, np.inf)


class LogNormal(_Positive):
    """Positive and right-skewed: given by its median and the sd of its logarithm."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.lognormal(np.log(self.median), self.sigma, n)


class Gamma(_Positive):
    """Positive and right-skewed with an exponential right tail (lighter than the log-normal's):
    given by its mean and shape (1: exponential; large: close to normal)."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    shape: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.gamma(self.shape, self.mean / self.shape, n)


class Poisson(_Positive):
    """A count, such as the number of reviews a consumer reads."""

    dist: Literal["poisson"]
    mean: float = Field(ge=0, le=1e6)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.poisson(self.mean, n).astype(np.float64)


def _number_is_constant(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    Constant | Beta | Uniform | Normal | LogNormal | Gamma | Poisson,
    Field(discriminator="dist"),
    BeforeValidator(_number_is_constant),
]
DISTRIBUTIONS: dict[str, type[_Dist]] = {
    "constant": Constant,
    "beta": Beta,
    "uniform": Uniform,
    "normal": Normal,
    "lognormal": LogNormal,
    "gamma": Gamma,
    "poisson": Poisson,
}
"""Each distribution by the `dist` tag that names it in a scenario file."""
