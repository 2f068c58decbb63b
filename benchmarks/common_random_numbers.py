"""Common random numbers: how much pairing two scenarios by seed cuts the variance of their
difference, against independent seeds.

    uv run python benchmarks/common_random_numbers.py            # 10 replications, ~1 minute
    uv run python benchmarks/common_random_numbers.py --reps 30 --consumers 10000

Runs `scenarios/baseline.toml` and `scenarios/whatif_better_onboarding.toml` on the same seeds
and reports, for each KPI of the focal brand, the variance ratio
`(Var(A) + Var(B)) / Var(A - B)`: the variance of a difference of independent runs over that
of runs paired by replication. Every draw of the engine is a function of (run, mechanism,
touchpoint, step, consumer) (`sim.engine.draws`), so a change in one touchpoint leaves the
draws of everything else where they were. Goal: ratio >= 5 on customers at the end.
The ratio itself is estimated from `reps` pairs; the script prints its 90 % interval from the
F distribution (the two variances treated as independent chi-square estimates).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

from sim import load_scenario, run
from sim.running.kpis import kpis

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def focal_kpis(path: Path, reps: int, seed: int, consumers: int) -> pl.DataFrame:
    """Per-replication KPIs of the scenario's focal brand."""
    s = load_scenario(path)
    result = run(s, reps=reps, seed=seed, consumers=consumers)
    return kpis(result).filter(pl.col("brand") == s.focal).select("replication", "kpi", "value")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--consumers", type=int, default=5000)
    args = ap.parse_args()
    a = focal_kpis(SCENARIOS / "baseline.toml", args.reps, args.seed, args.consumers)
    whatif = SCENARIOS / "whatif_better_onboarding.toml"
    b = focal_kpis(whatif, args.reps, args.seed, args.consumers)
    both = a.join(b, on=["replication", "kpi"], suffix="_b")
    print(f"{args.reps} paired replications, {args.consumers:,} consumers, seed {args.seed}")
    head = f"{'kpi':<18}{'effect':>10}{'Var(A)+Var(B)':>16}{'Var(A-B)':>12}{'ratio':>8}"
    print(f"{head}  90 % interval")
    df = args.reps - 1
    for kpi, g in both.group_by("kpi", maintain_order=True):
        x, y = g["value"].to_numpy(), g["value_b"].to_numpy()
        independent = x.var(ddof=1) + y.var(ddof=1)
        paired = (y - x).var(ddof=1)
        ratio = independent / paired if paired > 0 else np.inf
        low, high = ratio / stats.f.ppf(0.95, df, df), ratio / stats.f.ppf(0.05, df, df)
        print(
            f"{kpi[0]:<18}{(y - x).mean():>10.4g}{independent:>16.4g}{paired:>12.4g}"
            f"{ratio:>8.1f}  {low:.1f} to {high:.1f}"
        )


if __name__ == "__main__":
    main()
