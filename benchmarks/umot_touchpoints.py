"""The UMOT touchpoints' effects: asking customers for reviews and answering complaints.

    uv run python benchmarks/umot_touchpoints.py [--consumers 5000] [--steps 730] [--seeds 4]
        [--quality 3.3] [--ask 0.3] [--answer 1.0]

The baseline market (`scenarios/baseline.toml`) with aurora's quality set to `--quality` (3.3
by default: a brand drawing complaints, the market of `tests/verification/
test_umot_touchpoints.py`; 3.8 is the baseline as shipped) runs in three arms on the same seeds
(common random numbers): aurora neither asks nor answers (quiet), asks customers for a review
with reach `--ask` (ask), or answers 1-2 star reviews with reach `--answer` (answer); the
baseline's other settings (`zmot.answered_weight`, `umot.solicited_posting`) as shipped.

Per arm it prints aurora's reviews over the run (count per run and pooled star shares), its
share of the choices shoppers make in ZMOT, its acquisitions, its conversion (acquisitions per
choice), its customers and rating at the end; then each arm's paired difference from quiet,
mean over seeds with a 90 % t interval.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

from sim import JourneyModel, Moment, Scenario, load_scenario
from sim.scenario import apply_overrides

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
MEASURES = (
    "reviews",
    "3-4 stars",
    "1 or 5 stars",
    "choice share",
    "acquisitions",
    "conversion",
    "customers",
    "rating",
)


PERCENT = ("3-4 stars", "1 or 5 stars", "choice share", "conversion")


def market(
    base: Scenario, consumers: int, steps: int, quality: float, request: float, response: float
) -> Scenario:
    """The baseline at `consumers` and `steps`, aurora at `quality` asking for reviews with
    reach `request` and answering 1-2 star ones with reach `response`."""
    return apply_overrides(
        base,
        {
            "population": {"consumers": consumers},
            "time": {"steps": steps},
            "brands": {
                "aurora": {
                    "quality": quality,
                    "touchpoints": {
                        "review_request": {"reach": request},
                        "review_responses": {"reach": response},
                    },
                }
            },
        },
    )


def measure(scenario: Scenario, seed: int) -> tuple[dict[str, float], np.ndarray]:
    """Aurora's measures over one run, and the counts of its 1-5 star reviews."""
    model = JourneyModel(scenario, rng=seed)
    pop, chosen = model.population, np.zeros(len(model.brands), dtype=np.int64)
    for _ in range(scenario.time.steps):
        model.run_for(1)
        chosen += np.bincount(pop.brand[pop.moment == Moment.FMOT], minlength=chosen.size)
    reviews = model.reviews().filter(pl.col("brand") == "aurora")
    stars = np.bincount(reviews["stars"].to_numpy(), minlength=6)[1:]
    m = model.metrics().filter(pl.col("brand") == "aurora")
    won = m.filter(pl.col("metric") == "acquisitions")["value"].sum()
    last = m.filter(pl.col("step") == scenario.time.steps)
    n = max(stars.sum(), 1)
    return {
        "reviews": float(stars.sum()),
        "3-4 stars": stars[2:4].sum() / n,
        "1 or 5 stars": stars[[0, 4]].sum() / n,
        "choice share": chosen[0] / max(chosen.sum(), 1),
        "acquisitions": won,
        "conversion": won / max(chosen[0], 1),
        "customers": last.filter(pl.col("metric") == "customers")["value"][0],
        "rating": last.filter(pl.col("metric") == "rating")["value"][0],
    }, stars


Run = tuple[dict[str, float], np.ndarray]


def touchpoint_runs(
    base: Scenario,
    consumers: int,
    steps: int,
    quality: float,
    ask: float,
    answer: float,
    seeds: list[int],
) -> dict[str, list[Run]]:
    """`measure` of each arm (quiet, ask, answer) on each seed: common random numbers."""
    arms = {"quiet": (0.0, 0.0), "ask": (ask, 0.0), "answer": (0.0, answer)}
    return {
        name: [measure(market(base, consumers, steps, quality, *arm), s) for s in seeds]
        for name, arm in arms.items()
    }


def arm_means(results: list[Run]) -> dict[str, float]:
    """Each measure's mean over the seeds of one arm."""
    return {k: float(np.mean([r[k] for r, _ in results])) for k in MEASURES}


def paired_difference(runs: dict[str, list[Run]], name: str, k: str) -> tuple[float, float, float]:
    """Arm `name`'s difference from quiet in measure `k`, paired by seed: the mean over seeds
    and its 90 % t interval (nan with one seed), unscaled."""
    d = np.array([a[k] - q[k] for (a, _), (q, _) in zip(runs[name], runs["quiet"], strict=True)])
    t = stats.t.ppf(0.95, d.size - 1) if d.size > 1 else float("nan")
    half = t * d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else float("nan")
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=730)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--quality", type=float, default=3.3)
    parser.add_argument("--ask", type=float, default=0.3)
    parser.add_argument("--answer", type=float, default=1.0)
    args = parser.parse_args()
    base = load_scenario(BASELINE)
    seeds = list(range(1, args.seeds + 1))
    runs = touchpoint_runs(
        base, args.consumers, args.steps, args.quality, args.ask, args.answer, seeds
    )

    print(
        f"aurora (quality {args.quality}), {args.consumers} consumers, {args.steps} steps, "
        f"seeds {seeds[0]}-{seeds[-1]}; ask reach {args.ask}, answer reach {args.answer}"
    )
    print(
        f"{'arm':<8}{'reviews':>9}"
        + "".join(f"{k}*".rjust(7) for k in range(1, 6))
        + f"{'choice':>9}{'won':>8}{'conv.':>8}{'cust.':>8}{'rating':>8}"
    )
    for name, results in runs.items():
        stars = np.sum([s for _, s in results], axis=0)
        mean = arm_means(results)
        shares = "".join(f"{100 * c / stars.sum():6.1f}%" for c in stars)
        print(
            f"{name:<8}{mean['reviews']:>9.0f}{shares}{100 * mean['choice share']:>8.1f}%"
            f"{mean['acquisitions']:>8.0f}{100 * mean['conversion']:>7.1f}%"
            f"{mean['customers']:>8.0f}{mean['rating']:>8.2f}"
        )
    print("\npaired difference from quiet: mean over seeds (90 % t interval)")
    for name in ("ask", "answer"):
        for k in MEASURES:
            mean, lo, hi = paired_difference(runs, name, k)
            scale = 100 if k in PERCENT else 1
            unit = " pt" if scale == 100 else ""
            print(
                f"  {name:<7}{k:<14}{scale * mean:+9.2f}{unit}"
                f"  ({scale * lo:+.2f} to {scale * hi:+.2f})"
            )


if __name__ == "__main__":
    main()
