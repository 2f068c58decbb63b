"""Docking with the Bass model: with research, FMOT, reviews and churn off, ads at rate p and word
of mouth at rate q in a fully mixed population reproduce Bass's closed-form adoption curve."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim import load_scenario, run
from sim.scenario import apply_overrides


def bass_curve(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Cumulative adoption share F(t) of the Bass (1969) model."""
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


@pytest.mark.parametrize(
    ("p", "q"),
    [
        (0.03, 0.38),  # meta-analytic means, Sultan, Farley & Lehmann (1990)
        (0.01, 0.60),  # a late, imitation-driven take-off
    ],
)
def test_mean_adoption_follows_bass_within_two_points(scenarios_dir, p: float, q: float) -> None:
    base = load_scenario(scenarios_dir / "verification" / "bass.toml")
    weeks = 52  # bass.toml has weekly steps; rates in the file are per step
    scenario = apply_overrides(
        base,
        {
            "brands": {"product": {"touchpoints": {"advertising": {"reach": p / weeks}}}},
            "wom": {"rate": q / weeks},
        },
    )
    n = scenario.population.consumers
    assert n >= 20_000
    result = run(scenario, reps=3, seed=2011)
    adopted = (
        result.metrics.filter(pl.col("metric") == "customers")
        .group_by("step")
        .agg(share=pl.col("value").mean() / n)
        .sort("step")
    )
    years = adopted["step"].to_numpy() / weeks
    gap = adopted["share"].to_numpy() - bass_curve(p, q, years)
    assert years[-1] >= 15
    assert np.abs(gap).max() < 0.02, f"largest gap {gap[np.abs(gap).argmax()]:+.4f}"
    # the curve is really traversed: from almost nobody to almost everybody
    assert adopted["share"][0] < 0.01 and adopted["share"][-1] > 0.95


def test_bass_scenario_switches_off_what_bass_leaves_out(scenarios_dir) -> None:
    s = load_scenario(scenarios_dir / "verification" / "bass.toml")
    assert not (s.zmot.enabled or s.fmot.enabled or s.umot.enabled or s.retention.enabled)
    assert s.network.kind == "fully_mixed"
    assert s.brands["product"].touchpoints["advertising"].reach == pytest.approx(0.03 / 52)
    assert s.wom.rate == pytest.approx(0.38 / 52)
