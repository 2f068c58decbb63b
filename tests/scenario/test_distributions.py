"""Trait distributions draw what their parameters say."""

import numpy as np
import pytest

from sim.scenario import apply_overrides, load_scenario
from sim.scenario.distributions import Gamma


@pytest.mark.parametrize(("mean", "shape"), [(1.5, 0.5), (2.0, 3.0), (0.4, 20.0)])
def test_gamma_draws_have_its_mean_and_variance(mean: float, shape: float) -> None:
    """Mean `mean`, variance mean² / shape, within 4 standard errors of 200,000 draws."""
    n = 200_000
    x = Gamma(dist="gamma", mean=mean, shape=shape).sample(np.random.default_rng(7), n)
    variance = mean**2 / shape
    assert x.min() > 0
    assert abs(x.mean() - mean) < 4 * np.sqrt(variance / n)
    # the sample variance's standard error: sqrt((mu4 - sigma^4) / n), mu4 = 3(1 + 2/k) sigma^4
    se_var = variance * np.sqrt((3 * (1 + 2 / shape) - 1) / n)
    assert abs(x.var() - variance) < 4 * se_var


def test_a_scenario_gives_a_trait_as_a_gamma() -> None:
    spec = load_scenario("scenarios/baseline.toml")
    gamma = {"dist": "gamma", "mean": 1.2, "shape": 2.5}
    regular = {"population": {"segments": {"regular": {"tolerance": gamma}}}}
    spec = apply_overrides(spec, regular)
    assert spec.population.segments["regular"].tolerance == Gamma(dist="gamma", mean=1.2, shape=2.5)
