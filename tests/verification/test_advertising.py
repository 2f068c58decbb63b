"""Advertising wears out (issue "Model fidelity", point 6): awareness and attitude built by a
campaign fade once it stops, at the pace of its half-life (ad-stock, Broadbent 1979)."""

from __future__ import annotations

from benchmarks.facts.verification import awareness, campaign_market


def test_awareness_fades_after_a_campaign_and_lasts_without_a_half_life() -> None:
    fading, lasting = awareness(campaign_market(20)), awareness(campaign_market(0))
    # the campaign reaches 1 - 0.95^30 = 79 % of consumers in 30 days either way
    assert fading[30] > 0.6 and lasting[30] > 0.6
    assert lasting[150] == lasting[31]  # nothing fades without a half-life
    # 20 days after the last contact a trace has halved: by day 150 everyone has forgotten
    assert fading[60] < fading[30] and fading[150] == 0.0
