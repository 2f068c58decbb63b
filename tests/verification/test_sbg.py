"""Docking with the shifted-beta-geometric model: with the journey's own churn terms switched off
and a Beta-distributed churn propensity, mean survival follows sBG's closed form (Fader & Hardie
2007), as the Bass docking does for diffusion (Rand & Rust 2011)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from calibration.sbg import survival
from sim import JourneyModel, load_scenario, run
from sim.scenario import apply_overrides

YEARS = np.arange(1, 13)


def surviving(scenario, seed: int) -> np.ndarray:
    """Share of the consumers still customers after each of 12 yearly renewals."""
    n = scenario.population.consumers
    customers = (
        run(scenario, reps=1, seed=seed)
        .metrics.filter(pl.col("metric") == "customers")
        .sort("step")["value"]
        .to_numpy()
    )
    return customers[12 * YEARS - 1] / n  # step 12t: every customer has renewed t times


@pytest.mark.parametrize(
    ("alpha", "beta"),
    [(0.704, 1.182), (0.668, 3.806)],  # Fader & Hardie (2007): "regular", "high end", years 1-7
)
def test_mean_survival_follows_sbg_within_one_point(scenarios_dir, alpha, beta) -> None:
    base = load_scenario(scenarios_dir / "verification" / "sbg.toml")
    propensity = {"dist": "beta", "a": alpha, "b": beta}
    scenario = apply_overrides(
        base, {"population": {"segments": {"everyone": {"churn_propensity": propensity}}}}
    )
    assert scenario.population.consumers == 20_000
    gap = surviving(scenario, seed=2007) - survival(alpha, beta, YEARS)
    # one binomial standard error of a share near 0.5 among 20,000 is 0.35 points
    assert np.abs(gap).max() < 0.01, f"largest gap {100 * gap[np.abs(gap).argmax()]:+.2f} points"


def test_without_heterogeneity_survival_is_geometric_and_far_from_sbg(scenarios_dir) -> None:
    """The docking is not vacuous: everyone with the sBG mean chance theta = 0.373 gives the
    geometric curve (1 - theta)^t, several points off sBG from the third year on."""
    base = load_scenario(scenarios_dir / "verification" / "sbg.toml")
    theta = 0.704 / (0.704 + 1.182)
    flat = apply_overrides(
        base, {"population": {"segments": {"everyone": {"churn_propensity": theta}}}}
    )
    shares = surviving(flat, seed=2007)
    assert np.abs(shares - (1 - theta) ** YEARS).max() < 0.01
    assert (np.abs(shares - survival(0.704, 1.182, YEARS))[2:] > 0.05).all()


def test_the_propensity_is_drawn_apart_from_every_other_trait(scenarios_dir) -> None:
    """Adding a churn propensity leaves every other trait of every consumer as it was (its own
    generator), so scenarios without one keep their results exactly."""
    base = load_scenario(scenarios_dir / "verification" / "tenure.toml")
    beta = {"dist": "beta", "a": 2.0, "b": 3.0}
    withit = apply_overrides(
        base, {"population": {"segments": {"everyone": {"churn_propensity": beta}}}}
    )
    a = JourneyModel(base, consumers=500, rng=3).population
    b = JourneyModel(withit, consumers=500, rng=3).population
    for name in ("need_rate", "tolerance", "attitude", "aware", "segment", "next_renewal"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.churn_logit == 0).all()
    theta = 1 / (1 + np.exp(-b.churn_logit))
    assert theta.mean() == pytest.approx(0.4, abs=3 * 0.2 / np.sqrt(500))  # Beta(2, 3): sd 0.2
