"""Forecasting the shipped cohorts' later years: `journey calibrate` against sBG, and its band.

    uv run python benchmarks/calibration_holdout.py                     # both cohorts, 3 windows
    uv run python benchmarks/calibration_holdout.py --cohorts regular --windows 1-4
    uv run python benchmarks/calibration_holdout.py --seeds 1 2          # a study per seed
    uv run python benchmarks/calibration_holdout.py --variants gamma tolerance propensity both \\
        --windows 1-4 --trials 120 --reps 4                             # which heterogeneity

For each variant of `scenarios/annual_subscription.toml`, cohort of Fader & Hardie's (2007) data
(`calibration/data/fader_hardie_2007.csv`, 1,000 customers each) and fit window, it runs the
calibration the command runs (`calibration.calibrate.plan` and `calibrate`: TPE, `--trials`
trials of `--reps` replications, `--workers` processes; the command's defaults, 200 and 5) and
compares the forecast of the held-out years (those after the window, up to year 7) with what
was observed: the mean absolute error of
the journey model's forecast and of the sBG model fitted by maximum likelihood on the same
years, and whether each held-out year fell inside the 90 % prediction band. Studies are kept in
benchmarks/out/holdout/ (the same command again only re-analyses them); results accumulate in
benchmarks/out/calibration_holdout.json, each study's as it ends (two benchmarks at once keep
each other's). Goal (issue 9): MAE no worse than sBG's, and at least
80 % of held-out years inside the band.

Variants, for the choice between tolerance- and propensity-driven heterogeneity:

* `tolerance`: log-normal tolerance of disappointment, no churn propensity; free: the churn
  log-odds, tolerance's median and sigma, the product's quality (shipped until 2026-12-07).
* `gamma`: gamma tolerance instead, no churn propensity; free: the churn log-odds, tolerance's
  mean and shape, the product's quality.
* `propensity`: the same tolerance for everyone (1.0), a Beta churn propensity, base log-odds 0;
  free: the propensity's a and b, the product's quality.
* `both` (what the scenario ships, used as it is): log-normal tolerance and a Beta propensity,
  base log-odds 0; free: tolerance's median and sigma, the propensity's a and b, the product's
  quality.

The log evidence (the posterior's mean importance weight: the probability of the fitted years
under the variant's prior and kernel) compares variants on the fitted years alone.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from calibration.calibrate import calibrate, plan
from sim.store import git_commit
from sim.store.atomic import write_atomic

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "annual_subscription.toml"
DATA = ROOT / "calibration" / "data" / "fader_hardie_2007.csv"
OUT = ROOT / "benchmarks" / "out"
MEMBERS = "population.segments.members"
TOLERANCE = {"dist": "lognormal", "median": 1.0, "sigma": 0.5}
PROPENSITY = {"dist": "beta", "a": 1.0, "b": 3.0}
GAMMA = {"dist": "gamma", "mean": 1.0, "shape": 2.0}
FREE = {
    "retention.base": {"low": -3.0, "high": 3.0},
    f"{MEMBERS}.tolerance.median": {"low": 0.2, "high": 5.0, "log": True},
    f"{MEMBERS}.tolerance.sigma": {"low": 0.1, "high": 1.5},
    f"{MEMBERS}.churn_propensity.a": {"low": 0.05, "high": 20.0, "log": True},
    f"{MEMBERS}.churn_propensity.b": {"low": 0.05, "high": 50.0, "log": True},
    "brands.meridian.quality": {"low": 3.0, "high": 5.0},
    f"{MEMBERS}.tolerance.mean": {"low": 0.2, "high": 5.0, "log": True},
    f"{MEMBERS}.tolerance.shape": {"low": 0.2, "high": 20.0, "log": True},
}
VARIANTS = {
    "tolerance": (TOLERANCE, None, [0, 1, 2, 5]),
    "propensity": (1.0, PROPENSITY, [3, 4, 5]),
    "both": (TOLERANCE, PROPENSITY, [1, 2, 3, 4, 5]),
    "gamma": (GAMMA, None, [0, 6, 7, 5]),
}
SHIPPED = "both"


def variant_file(name: str, folder: Path) -> Path:
    """The scenario for a variant: `SHIPPED` is the shipped file as it is (checked), the
    others are written as standalone files."""
    tolerance, propensity, free = VARIANTS[name]
    if name == SHIPPED:
        shipped = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))
        keys = list(FREE)
        if list(shipped["calibration"]) != [keys[i] for i in free]:
            raise SystemExit(f"{SCENARIO} no longer frees the {name} variant's parameters")
        return SCENARIO
    data: dict[str, Any] = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))
    members = data["population"]["segments"]["members"]
    members["tolerance"] = tolerance
    members.pop("churn_propensity", None)
    if propensity is not None:
        members["churn_propensity"] = propensity
        data["retention"]["base"] = 0.0
    data["name"] = f"annual_subscription_{name}"
    keys = list(FREE)
    data["calibration"] = {keys[i]: FREE[keys[i]] for i in free}
    # Atomic: two benchmarks at once (one per cohort) write the same variant's file.
    return write_atomic(folder / f"{name}.toml", tomli_w.dumps(data))


def one(
    variant: str, cohort: str, window: str, trials: int, reps: int, workers: int, seed: int
) -> dict[str, Any]:
    root = OUT / "holdout"
    scenario = variant_file(variant, root / "scenarios")
    p = plan(
        scenario,
        DATA,
        cohort=cohort,
        cohort_size=1000,
        fit_periods=window,
        horizon=7,
        trials=trials,
        reps=reps,
        workers=workers,
        seed=seed,
        study=f"{variant}-{cohort}-{window}-r{reps}" + (f"-s{seed}" if seed else ""),
        root=root,
    )
    started = time.perf_counter()
    o = calibrate(p)
    ours, sbg = o.mae
    return {
        "variant": variant,
        "cohort": cohort,
        "fit_periods": window,
        "trials": trials,
        "reps": reps,
        "seed": seed,
        "seconds": time.perf_counter() - started,
        "search_simulations": o.simulations,
        "log_evidence": o.inference.posterior.log_evidence,
        "ess": o.inference.posterior.ess,
        "best_loss_points": o.best_loss,
        "mae_journey": ours,
        "mae_sbg": sbg,
        "held_out": o.holdout.select(
            "period", "observed", "journey", "sbg", "lower", "upper", "inside"
        ).to_dicts(),
        "parameters": o.parameters.select("parameter", "mean", "low", "high").to_dicts(),
    }


def pooled(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Over every held-out year of the rows: MAE of both models (points), share inside."""
    years = [y for r in rows for y in r["held_out"]]
    return {
        "held_out_years": len(years),
        "mae_journey": float(np.mean([100 * abs(y["journey"] - y["observed"]) for y in years])),
        "mae_sbg": float(np.mean([100 * abs(y["sbg"] - y["observed"]) for y in years])),
        "inside": float(np.mean([y["inside"] for y in years])),
        "mean_band_width_points": float(np.mean([100 * (y["upper"] - y["lower"]) for y in years])),
    }


STORE = OUT / "calibration_holdout.json"
KEY = ("variant", "cohort", "fit_periods", "trials", "reps", "seed")
"""What names a study's run in the store: a run with the same key replaces it."""


def record(runs: list[dict[str, Any]], summary: dict[str, Any] | None = None) -> None:
    """Merge `runs` (and, given, this invocation's `summary`) into the store: read and written
    under a lock, the file replaced whole, so two benchmarks at once keep each other's runs
    and a benchmark stopped midway keeps those it finished."""
    STORE.parent.mkdir(parents=True, exist_ok=True)
    with open(STORE.with_name(STORE.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        old = json.loads(STORE.read_text()) if STORE.exists() else {}
        fresh = {tuple(r[k] for k in KEY) for r in runs}
        kept = [r for r in old.get("runs", []) if tuple(r.get(k, 0) for k in KEY) not in fresh]
        document = {
            "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "git_commit": git_commit(),
            "last_summary": summary if summary is not None else old.get("last_summary"),
            "runs": kept + runs,
        }
        partial = STORE.with_name(STORE.name + ".partial")
        partial.write_text(json.dumps(document, indent=2) + "\n")
        os.replace(partial, STORE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=[SHIPPED], choices=list(VARIANTS))
    parser.add_argument("--cohorts", nargs="+", default=["regular", "high_end"])
    parser.add_argument("--windows", nargs="+", default=["1-4", "1-5", "1-6"])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--seeds", nargs="+", type=int, default=[0], help="one study per seed (0: the command's)"
    )
    a = parser.parse_args()
    runs = []
    for variant in a.variants:
        for cohort in a.cohorts:
            for window in a.windows:
                for seed in a.seeds:
                    r = one(variant, cohort, window, a.trials, a.reps, a.workers, seed)
                    runs.append(r)
                    record([r])
                    inside = sum(y["inside"] for y in r["held_out"])
                    print(
                        f"{variant:<10} {cohort:<8} fit {window} seed {seed}: "
                        f"MAE {r['mae_journey']:.2f} points "
                        f"(sBG {r['mae_sbg']:.2f}), {inside}/{len(r['held_out'])} held-out years "
                        f"in the band, log evidence {r['log_evidence']:.2f} ({r['seconds']:.0f} s)",
                        flush=True,
                    )
    summary = {
        variant: pooled([r for r in runs if r["variant"] == variant]) for variant in a.variants
    }
    record([], {"settings": vars(a), "by_variant": summary})
    for variant, s in summary.items():
        print(
            f"{variant}: {s['held_out_years']} held-out years, MAE {s['mae_journey']:.2f} points "
            f"(sBG {s['mae_sbg']:.2f}), {100 * s['inside']:.0f} % inside the 90 % band "
            f"(mean width {s['mean_band_width_points']:.1f} points)"
        )


if __name__ == "__main__":
    main()
