"""Prices after purchase: the reference-price and price-gap terms of the churn odds, and that
with them at zero every shipped market gives the results it gave before they existed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sim import load_scenario, run
from sim.engine.retention import churn_probability, price_logit
from sim.running.result import RunResult

ROOT = Path(__file__).resolve().parents[2]
ZERO = {"retention": {"reference_loss": 0.0, "reference_gain": 0.0, "price_gap": 0.0}}

# sha256 of every output frame with the price terms at zero: (file, consumers, steps) -> digest
# of 2 replications, seed 11. Until commit ee0bdda they were those of the engine before
# promotions and price terms existed (the numba engine of branch `speed`, commit 3250061), so
# the terms at zero changed nothing; from branch `spd-draws` on they are recomputed with the
# terms at zero on that branch's engine, which draws different consumers on purpose: own needs
# by the rung of each need rate (`draws.Rungs`), and SMOT's touchpoints above a reach of 0.04
# by a uniform per customer (`smot._MEMBERWISE`). The annual subscription's was recomputed on
# 2026-12-07 (commit after 705875a) when the example gained a churn propensity: the scenario
# changed there, not the engine.
BEFORE = {
    ("baseline.toml", 800, 400): "029266d7c39226954c62541d4aed610547b7564e182ad61a4f989e6f1adeeebd",
    ("annual_subscription.toml", 800, 60): (
        "8da9323769871379ed6b5b23c0ddb5c199c20aba1f8ec7a0d5727bbf6697ebe2"
    ),
    ("whatif_better_onboarding.toml", 500, 200): (
        "cbcd901631d5a9450c012f720cbe7c1ac8a6d3821989f481c8de64edd5642d66"
    ),
}


def digest(result: RunResult) -> str:
    """sha256 of the frames' columns, values as stored (numbers as bytes, text joined)."""
    h = hashlib.sha256()
    for frame in (result.metrics, result.cohorts, result.reviews, result.satisfaction):
        for c in frame.columns:
            col = frame[c]
            if col.dtype.is_numeric():
                h.update(col.to_numpy().tobytes())
            else:
                h.update("|".join(map(str, col.to_list())).encode())
    return h.hexdigest()


@pytest.mark.parametrize(("case", "expected"), BEFORE.items(), ids=[k[0] for k in BEFORE])
def test_with_the_price_terms_at_zero_results_are_as_before_bit_for_bit(
    case: tuple[str, int, int], expected: str
) -> None:
    """If this fails after an intended change of the engine's draws (e.g. a faster kernel that
    draws differently), recompute the digests with the terms at zero on the commit before it."""
    file, consumers, steps = case
    s = load_scenario(ROOT / "scenarios" / file, ZERO)
    assert digest(run(s, reps=2, seed=11, consumers=consumers, steps=steps)) == expected


def test_a_price_above_the_reference_weighs_more_than_one_below() -> None:
    ref = np.full(5, 10.0)
    due = np.array([6.0, 8.0, 10.0, 12.0, 14.0])
    logit = price_logit(due, ref, np.full(5, np.nan), np.full(5, 0.25), 1.0, 0.5, 0.25)
    assert logit[2] == 0.0
    assert (np.diff(logit) > 0).all()
    assert logit[3] == pytest.approx(-2 * logit[1])  # a loss of 2 weighs twice a gain of 2
    # paying more than the best known rival adds its own term; no rival known, none
    gap = price_logit(np.full(2, 12.0), np.full(2, 12.0), np.array([10.0, 14.0]),
                      np.full(2, 0.2), 1.0, 0.5, 0.25)  # fmt: skip
    assert gap.tolist() == pytest.approx([0.2 * 0.25 * 2, 0.0])
    # the term is additive on the log-odds: nothing for a customer paying as before
    zero = np.zeros(3)
    kw = {"base": -3.0, "slope": 2.0, "competition": 1.0}
    none = churn_probability(zero, zero, zero, **kw)
    same = churn_probability(zero, zero, zero, **kw, price=np.zeros(3))
    assert (none == same).all()
    higher = churn_probability(zero, zero, zero, **kw, price=np.array([0.0, 0.5, 1.0]))
    assert (np.diff(higher) > 0).all()


def test_a_price_rise_by_an_event_raises_churn_at_the_next_renewals() -> None:
    """An [events] price change is a rise against every customer's reference price: churn rises
    in the period after it, then settles as the new price becomes the reference."""
    s = load_scenario(ROOT / "scenarios" / "baseline.toml")
    rise = {"events": {"rise": {"at": 61, "brand": "aurora", "set": {"price": 18.0}}}}
    size = {"reps": 4, "seed": 2, "consumers": 1_500, "steps": 150}
    base = run(s, **size).metrics
    risen = run(load_scenario(ROOT / "scenarios" / "baseline.toml", rise), **size).metrics

    def churn(m: pl.DataFrame, lo: int, hi: int) -> float:
        rows = m.filter(
            (pl.col("metric") == "churn")
            & (pl.col("brand") == "aurora")
            & pl.col("step").is_between(lo, hi)
        )
        return float(rows["value"].sum())

    assert churn(risen, 1, 60) == churn(base, 1, 60)  # the same until the rise
    first = churn(risen, 61, 90) - churn(base, 61, 90)  # every customer's first renewal at 18
    later = churn(risen, 91, 150) - churn(base, 91, 150)  # 18 is now their reference price
    assert first > 0.5 * churn(base, 61, 90)
    assert first / 30 > later / 60  # a wave, not a new level
