"""Advertising wears out (issue "Model fidelity", point 6): awareness and attitude built by a
campaign fade once it stops, at the pace of its half-life (ad-stock, Broadbent 1979)."""

from __future__ import annotations

import polars as pl

from sim import run
from sim.scenario import validate_scenario


def market(half_life: float) -> dict:
    """One brand nobody knows, a 30-day campaign, and a long wait with needs switched off."""
    return {
        "name": "campaign",
        "time": {"steps": 150},
        "population": {
            "consumers": 3000,
            "segments": {"all": {"need_rate": 0.0, "initial_attitude": 3.0}},
        },
        "brands": {
            "solo": {
                "awareness": 0.0,
                "touchpoints": {
                    "ad": {
                        "moment": "pre_zmot",
                        "reach": 0.05,
                        "quality": 4.5,
                        "weight": 0.2,
                        "end": 30,
                        "half_life": half_life,
                    }
                },
            }
        },
    }


def awareness(spec: dict) -> dict[int, float]:
    m = run(validate_scenario(spec), reps=1, seed=4).metrics
    rows = m.filter(pl.col("metric") == "awareness")
    return dict(zip(rows["step"].to_list(), rows["value"].to_list(), strict=True))


def test_awareness_fades_after_a_campaign_and_lasts_without_a_half_life() -> None:
    fading, lasting = awareness(market(20)), awareness(market(0))
    # the campaign reaches 1 - 0.95^30 = 79 % of consumers in 30 days either way
    assert fading[30] > 0.6 and lasting[30] > 0.6
    assert lasting[150] == lasting[31]  # nothing fades without a half-life
    # 20 days after the last contact a trace has halved: by day 150 everyone has forgotten
    assert fading[60] < fading[30] and fading[150] == 0.0
