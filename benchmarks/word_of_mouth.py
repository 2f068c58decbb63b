"""Word of mouth in a new-category launch: where needs come from, and the implied Bass p and q.

    uv run python benchmarks/word_of_mouth.py                  # 10 seeds (about a minute)
    uv run python benchmarks/word_of_mouth.py --seeds 3 --set wom.rate=0.02

Runs `scenarios/verification/launch.toml` (the baseline's mechanisms, ads and word of mouth;
nobody aware at the start) once per seed and prints, per quarter, the needs by source and word
of mouth's share of the needs stimulated from outside, `word_of_mouth / (word_of_mouth +
campaign)` (median and 90 % range over seeds), then the Bass p and q per year fitted to each
seed's cumulative first purchases (`sim.report.diffusion.fit_bass`), with their medians and
ranges. Targets: word of mouth overtakes campaigns within two years (Goldenberg, Libai & Muller
2001); p in 0.01-0.05 and q in 0.2-0.6 per year around the meta-analytic means p = 0.03,
q = 0.38 (Sultan, Farley & Lehmann 1990).
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import numpy as np
import polars as pl

from sim import load_scenario, run
from sim.report.diffusion import STEPS_PER_YEAR, adoption_curve, fit_bass, needs_by_period
from sim.scenario import apply_overrides, key_path_overrides

LAUNCH = Path(__file__).resolve().parent.parent / "scenarios" / "verification" / "launch.toml"


def measure(scenario, seed: int) -> tuple[pl.DataFrame, tuple[float, float]]:
    """One replication: needs by quarter, and the Bass fit of its adoption curve."""
    metrics = run(scenario, reps=1, seed=seed).metrics
    per_year = STEPS_PER_YEAR[scenario.time.step]
    quarters = needs_by_period(metrics, per_year // 4).filter(
        pl.col("period") <= scenario.time.steps // (per_year // 4)
    )
    curve = adoption_curve(metrics)
    years = curve["step"].to_numpy() / per_year
    fit = fit_bass(years, curve["adopted"].to_numpy(), scenario.population.consumers)
    return quarters.with_columns(seed=pl.lit(seed)), fit


def launch(scenario, seeds: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Seeds 1..`seeds` of `scenario`: needs per quarter (medians over seeds, with word of
    mouth's share and its 90 % range), and each seed's Bass p and q per year."""
    quarters, fits = [], []
    for seed in range(1, seeds + 1):
        q, fit = measure(scenario, seed)
        quarters.append(q)
        fits.append(fit)
    table = (
        pl.concat(quarters)
        .group_by("period")
        .agg(
            *(pl.col(c).median() for c in ("own", "campaign", "word_of_mouth")),
            wom_share=pl.col("wom_share").median(),
            wom_share_5=pl.col("wom_share").quantile(0.05),
            wom_share_95=pl.col("wom_share").quantile(0.95),
        )
        .sort("period")
        .rename({"period": "quarter"})
    )
    p, q = (np.array(x) for x in zip(*fits, strict=True))
    return table, p, q


def overtaking_quarter(table: pl.DataFrame) -> int | None:
    """The first quarter in which word of mouth's median share of outside needs passes half."""
    over = table.filter(pl.col("wom_share") > 0.5)["quarter"]
    return int(over[0]) if len(over) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="replications (seeds 1..N)")
    parser.add_argument("--scenario", type=Path, default=LAUNCH)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="e.g. wom.rate=0.02"
    )
    args = parser.parse_args()
    overrides = {k: ast.literal_eval(v) for k, v in (item.split("=", 1) for item in args.set)}
    scenario = apply_overrides(load_scenario(args.scenario), key_path_overrides(overrides))

    table, p, q = launch(scenario, args.seeds)
    n = scenario.population.consumers
    print(f"{scenario.name}: {n} consumers, {scenario.time.steps} steps, {args.seeds} seeds")
    print("needs per quarter (medians over seeds); wom_share = wom / (wom + campaign)")
    with pl.Config(tbl_rows=-1, float_precision=3, tbl_hide_dataframe_shape=True):
        print(table)
    over = overtaking_quarter(table)
    print("word of mouth overtakes campaigns (median) in quarter:", "-" if over is None else over)
    print(f"Bass fit of cumulative first purchases, m = {n} (everyone):")
    for name, x in (("p per year", p), ("q per year", q)):
        lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95])
        print(f"{name:14s} median {mid:.3f}   90 %: {lo:.3f} to {hi:.3f}")


if __name__ == "__main__":
    main()
