"""The review facts the model must reproduce: J-shaped and unimodal ratings, and herding.

    uv run python benchmarks/stylized_facts.py [--consumers 4000] [--steps 365] [--seeds 5]

1. Star shares of every review posted in the baseline market (`scenarios/baseline.toml`, a
   smaller population and one year by default), self-selected and with everyone reviewing
   (`umot.self_selected = false`). Hu, Pavlou & Zhang (2009): self-selected ratings are
   J-shaped (5 stars the mode, 1 star above 2 and 3), everyone's are unimodal.
2. Herding (Muchnik, Aral & Taylor 2013: one prior up-vote raised the likelihood of a positive
   rating by 32 %; negative priors were corrected). A market where every consumer is a customer
   of one brand, aurora, and reviews readily; its page starts empty (control), with ten reviews
   averaging 4.5 stars (high) or 2.5 (low). The ratings posted in the first step are paired
   across the arms (same seed: same experiences, same draws), and the script prints the share of
   4-5 star ratings in each arm and its relative change against the control, with a 95 %
   interval from the sampling error of the shares (treated as independent: conservative).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim import JourneyModel, Scenario, load_scenario, run
from sim.scenario import apply_overrides

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
ARMS = {"control": [], "high": [4, 5] * 5, "low": [2, 3] * 5}


def star_shares(scenario: Scenario, seed: int) -> np.ndarray:
    """Counts of 1-5 star reviews over one run."""
    stars = run(scenario, reps=1, seed=seed).reviews["stars"].to_numpy()
    return np.bincount(stars, minlength=6)[1:]


def rating_counts(base: Scenario, consumers: int, steps: int, self_selected: bool) -> np.ndarray:
    """Counts of 1-5 star reviews in the baseline market at `consumers` and `steps`, seed 5,
    reviews self-selected or posted by everyone."""
    small = apply_overrides(
        base,
        {
            "population": {"consumers": consumers},
            "time": {"steps": steps},
            "umot": {"self_selected": self_selected},
        },
    )
    return star_shares(small, 5)


def herding_market(base: Scenario, consumers: int, quality: float) -> Scenario:
    """Everyone a customer of aurora, of middling `quality`, reviewing readily, for one step."""
    return apply_overrides(
        base,
        {
            "population": {
                "consumers": consumers,
                "segments": {
                    name: {"review_propensity": {"dist": "beta", "a": 1, "b": 1}}
                    for name in base.population.segments
                },
            },
            "time": {"steps": 1},
            "brands": {
                "aurora": {"share": 1.0, "quality": quality},
                "boreal": {"share": 0.0},
                "cirrus": {"share": 0.0},
            },
        },
    )


def first_step_ratings(scenario: Scenario, seed: int, seeded: list[int]) -> np.ndarray:
    """Stars of the reviews posted for aurora in the first step, its page seeded with `seeded`."""
    model = JourneyModel(scenario, rng=seed)
    aurora = model.brands.index("aurora")
    if seeded:
        model.pages.seed(aurora, np.array(seeded))
    model.run_for(1)
    reviews = model.reviews()
    return reviews.filter(reviews["brand"] == "aurora")["stars"].to_numpy()


def herding_effect(
    base: Scenario, consumers: int, quality: float, seeds: list[int]
) -> dict[str, tuple]:
    """Per arm: (ratings, share of 4-5 stars, relative change vs control, its 95 % half-width)."""
    scenario = herding_market(base, consumers, quality)
    stars = {
        arm: np.concatenate([first_step_ratings(scenario, s, seeded) for s in seeds])
        for arm, seeded in ARMS.items()
    }
    n0, p0 = stars["control"].size, float(np.mean(stars["control"] >= 4))
    out = {}
    for arm, x in stars.items():
        n, p = x.size, float(np.mean(x >= 4))
        ratio = p / p0
        se = ratio * np.sqrt((1 - p) / (n * p) + (1 - p0) / (n0 * p0))
        out[arm] = (n, p, ratio - 1, 1.96 * se)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=4000)
    parser.add_argument("--steps", type=int, default=365)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--herding-consumers", type=int, default=20_000)
    parser.add_argument("--herding-quality", type=float, default=3.4)
    args = parser.parse_args()
    base = load_scenario(BASELINE)
    print(f"Star shares, baseline market, {args.consumers} consumers, {args.steps} steps, seed 5")
    print(f"{'':<16}{'reviews':>8}" + "".join(f"{k}*".rjust(7) for k in range(1, 6)))
    for label, selected in (("self-selected", True), ("everyone", False)):
        counts = rating_counts(base, args.consumers, args.steps, selected)
        shares = "".join(f"{100 * c / counts.sum():6.1f}%" for c in counts)
        print(f"{label:<16}{counts.sum():>8}{shares}")

    seeds = list(range(1, args.seeds + 1))
    print(
        f"\nHerding: first-step ratings of aurora (quality {args.herding_quality}), "
        f"{args.herding_consumers} customers, "
        f"seeds {seeds[0]}-{seeds[-1]} (paired)"
    )
    print(f"{'page':<10}{'ratings':>8}{'4-5 stars':>11}{'vs control':>12}{'95 %':>10}")
    for arm, (n, p, change, half) in herding_effect(
        base, args.herding_consumers, args.herding_quality, seeds
    ).items():
        vs = "" if arm == "control" else f"{100 * change:+11.1f}%{100 * half:>8.1f}pt"
        print(f"{arm:<10}{n:>8}{100 * p:>10.1f}%{vs}")


if __name__ == "__main__":
    main()
