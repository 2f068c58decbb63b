"""Stylized facts the model must reproduce without being told to."""

from __future__ import annotations

import numpy as np

from benchmarks.facts.verification import tenure_retention
from sim import run
from sim.scenario import apply_overrides


def star_counts(scenario, seed: int) -> np.ndarray:
    stars = run(scenario, reps=1, seed=seed).reviews["stars"].to_numpy()
    return np.bincount(stars, minlength=6)[1:]


def clearly_above(a: int, b: int) -> bool:
    """a > b by more than three standard errors of the difference of two Poisson counts."""
    return a - b > 3 * np.sqrt(a + b)


def share_at_least(count: int, total: int, share: float) -> bool:
    """count / total is above `share` by more than three binomial standard errors."""
    p = count / total
    return p - 3 * np.sqrt(p * (1 - p) / total) > share


# The baseline market for two years; ratings of every brand (Hu, Pavlou & Zhang 2009). About
# 7,000 self-selected reviews: 1 star's lead over 2 stars (about 2 points) is then 4 standard
# errors wide.
TWO_YEARS = {"population": {"consumers": 8000}, "time": {"steps": 730}}


def test_self_selected_reviews_are_j_shaped(baseline) -> None:
    s = apply_overrides(baseline, TWO_YEARS)
    assert s.umot.self_selected
    counts = star_counts(s, seed=5)
    one, two, three, four, five = counts
    assert counts.sum() > 1000
    # 5 stars the mode, 4 stars clearly present, 1 star above 2 and 3: the J
    assert all(clearly_above(five, c) for c in (one, two, three, four)), counts
    assert share_at_least(four, counts.sum(), 0.10), counts
    assert clearly_above(one, two) and clearly_above(one, three), counts


def test_reviews_by_everyone_are_unimodal(baseline) -> None:
    s = apply_overrides(baseline, {**TWO_YEARS, "umot": {"self_selected": False}})
    counts = star_counts(s, seed=5)
    peak = int(counts.argmax())
    assert peak in (2, 3), counts  # an interior mode: 3 or 4 stars
    # one peak: counts rise to it and fall after it, each step beyond sampling noise
    noise = 3 * np.sqrt(counts[:-1] + counts[1:])
    rising, falling = np.diff(counts[: peak + 1]), -np.diff(counts[peak:])
    assert (rising > noise[:peak]).all() and (falling > noise[peak:]).all(), counts


def test_retention_rises_with_tenure_only_through_heterogeneity() -> None:
    # tenure.toml as it is, and with every consumer's tolerance 0 (same seed)
    mixed, same = tenure_retention(seed=7)

    early, late, se = mixed
    assert late - early > 10 * se  # the ruse of heterogeneity
    early, late, se = same
    assert abs(late - early) < 5 * se  # no heterogeneity, no rise: the rule itself is constant
