"""Docking with the Bass model: with research, FMOT, reviews and churn off, ads at rate p and word
of mouth at rate q in a fully mixed population reproduce Bass's closed-form adoption curve.

The measurement is `benchmarks.facts.verification.bass_docking`, which the facts table in
`docs/model.md` reports too."""

from __future__ import annotations

import pytest

from benchmarks.facts.verification import bass_docking
from sim import load_scenario


@pytest.mark.parametrize(
    ("p", "q"),
    [
        (0.03, 0.38),  # meta-analytic means, Sultan, Farley & Lehmann (1990)
        (0.01, 0.60),  # a late, imitation-driven take-off
    ],
)
def test_mean_adoption_follows_bass_within_two_points(p: float, q: float) -> None:
    docked = bass_docking(p, q, reps=3, seed=2011)
    assert docked.consumers >= 20_000
    assert docked.years >= 15
    assert abs(docked.gap) < 0.02, f"largest gap {docked.gap:+.4f}"
    # the curve is really traversed: from almost nobody to almost everybody
    assert docked.first < 0.01 and docked.last > 0.95


def test_bass_scenario_switches_off_what_bass_leaves_out(scenarios_dir) -> None:
    s = load_scenario(scenarios_dir / "verification" / "bass.toml")
    assert not (s.zmot.enabled or s.fmot.enabled or s.umot.enabled or s.retention.enabled)
    assert s.network.kind == "fully_mixed"
    assert s.brands["product"].touchpoints["advertising"].reach == pytest.approx(0.03 / 52)
    assert s.wom.rate == pytest.approx(0.38 / 52)
