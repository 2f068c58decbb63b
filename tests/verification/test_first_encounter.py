"""FMOT reach (issue "Model fidelity", point 7): a reach there is a share of the brand's first
encounters, a sum above 1 is warned about, and a sample or demo can also stimulate."""

from __future__ import annotations

import polars as pl
import pytest

from sim import run
from sim.scenario import ScenarioError, apply_overrides, warnings_of

SMALL = {"population": {"consumers": 5000}, "time": {"steps": 180}}


def test_reaches_above_one_are_warned_about(baseline) -> None:
    assert warnings_of(baseline) == []
    shelf = {"moment": "fmot", "reach": 0.4, "quality": 3.5}
    crowded = apply_overrides(baseline, {"brands": {"aurora": {"touchpoints": {"shelf": shelf}}}})
    (line,) = warnings_of(crowded)
    assert line.startswith("brands.aurora.touchpoints: first-encounter (fmot) reaches sum to 1.4")


def test_only_a_first_encounter_can_also_stimulate(baseline) -> None:
    ad = {"brands": {"aurora": {"touchpoints": {"tv_ad": {"stimulus_reach": 0.1}}}}}
    with pytest.raises(ScenarioError, match="only a first-encounter"):
        apply_overrides(baseline, ad)


@pytest.mark.slow
def test_a_sample_that_stimulates_brings_new_shoppers(baseline) -> None:
    plain = apply_overrides(baseline, SMALL)
    sample = {"moment": "fmot", "reach": 0.0, "stimulus_reach": 0.01, "quality": 4.2}
    sample |= {"trigger": 0.1, "weight": 0.2, "cost": 1.0}
    sampled = apply_overrides(plain, {"brands": {"aurora": {"touchpoints": {"sample": sample}}}})

    def totals(s) -> dict[str, float]:
        m = run(s, reps=2, seed=8).metrics
        campaign = m.filter((pl.col("metric") == "needs") & (pl.col("detail") == "campaign"))
        won = m.filter((pl.col("metric") == "acquisitions") & (pl.col("brand") == "aurora"))
        return {"campaign": campaign["value"].sum(), "won": won["value"].sum()}

    before, after = totals(plain), totals(sampled)
    # 5,000 x 180 x 1 % = ~9,000 sample contacts, a tenth of those out of the market spark a need
    assert after["campaign"] - before["campaign"] > 500
    assert after["won"] > before["won"] * 1.05
