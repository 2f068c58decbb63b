"""Do the calibration's 90 % intervals hold the truth 90 % of the time, on the journey model?

    uv run python benchmarks/calibration_coverage.py               # 24 data sets (~10 min, 2 cores)
    uv run python benchmarks/calibration_coverage.py --datasets 20 --trials 128   # quicker

Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788) of `journey calibrate`'s
inference on `scenarios/annual_subscription.toml` and its [calibration] box:

1. One design of trials: `--trials` scrambled Sobol points over the box (the prior), each
   simulated on the same R seeds as a study's trials are (common random numbers), and the recheck
   batches (5 of those points x 4 batches of R fresh seeds). The design does not depend on any
   data, so one set of simulations serves every synthetic data set. The emulator makes the
   posterior independent of how trials were placed (a study places them by TPE), which is what
   this shortcut relies on.
2. Each synthetic data set: parameters drawn from the prior, their curve simulated on seeds of
   its own (mean of `--truth-reps` runs), and a cohort of `--size` customers drawn from it
   (multinomial churn periods). Fitted on years 1-4; years 5-7 held out.
3. Counted: each parameter's 90 % credible interval holding its true value, and each held-out
   year's 90 % prediction band holding the synthetic cohort's retention. Target: 80-97 %.

Two methods on the same trials: the shipped one (kernel ABC through the Gaussian-process
emulator, `calibration.posterior.fit`) and plain kernel ABC over the trials' own curves (the
same kernel, no emulator: the design points weighted by it; valid here because Sobol points are
draws from the prior). Results also go to benchmarks/out/calibration_coverage.json; the
simulated curves are kept beside it, so the same command again only re-analyses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from calibration.coverage import check, synthetic_cohort
from calibration.emulator import logit_rates
from calibration.objective import Problem, mean_curve
from calibration.posterior import (
    DRAWS,
    LEVEL,
    Box,
    Cohort,
    forecast_bands,
    noise_variance,
    predictive_paths,
    simulation_noise,
    trial_log_likelihood,
    weighted_quantile,
)
from calibration.study import WORKER_MODULES
from sim.running import replication_seeds
from sim.running.executors import LocalProcesses
from sim.scenario import load_scenario
from sim.store import git_commit

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "annual_subscription.toml"
OUT = ROOT / "benchmarks" / "out"
FIT, HORIZON, BATCHES, RECHECKED = (1, 2, 3, 4), 7, 4, 5


def git_tree(path: Path) -> str:
    """A short digest of a file's text: simulations cached for one scenario are not reused for
    another."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _simulate(problem: Problem, params: dict[str, float], seeds: list) -> np.ndarray:
    return mean_curve(problem.simulate(params, seeds))


def simulate_all(problem: Problem, jobs: list[tuple[dict, list]], workers: int) -> np.ndarray:
    """Mean curves of every (parameters, seeds) job, in order, on `workers` processes forked
    from the calibration's fork server. Ctrl-C stops them at once (a pool's `with` used to run
    every job still queued before letting go)."""
    if workers == 1:
        return np.array([_simulate(problem, p, s) for p, s in jobs])
    with LocalProcesses(workers, preload=WORKER_MODULES) as pool:
        futures = [pool.submit(_simulate, problem, p, s) for p, s in jobs]
        return np.array([future.result() for future in futures])


def trials_only(
    unit: np.ndarray,
    curves: np.ndarray,
    batches: list[np.ndarray],
    truth: np.ndarray,
    observed: dict[int, float],
    size: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Plain kernel ABC over the design: parameters and held-out years inside, and the ESS."""
    cohort = Cohort(observed, FIT, size)
    noise = simulation_noise(batches)
    log_w = trial_log_likelihood(curves, noise, cohort)
    log_w = np.where(np.isfinite(log_w), log_w, -np.inf)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    q = ((1 - LEVEL) / 2, (1 + LEVEL) / 2)
    inside = []
    for j in range(unit.shape[1]):
        lo, hi = weighted_quantile(unit[:, j], w, q)
        inside.append(lo <= truth[j] <= hi)
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(w), size=DRAWS, p=w)
    logits = logit_rates(curves[picked])
    var = noise_variance(logits, noise)
    paths = predictive_paths(logits, var, size, rng, (FIT[-1], observed[FIT[-1]]))
    band = forecast_bands(paths, "synthetic")
    held = [t for t in observed if t > FIT[-1]]
    seen = np.array([observed[t] for t in held])
    periods = (band["lower"].to_numpy()[held] <= seen) & (seen <= band["upper"].to_numpy()[held])
    return np.array(inside), periods, float(1 / np.sum(w * w))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=24)
    parser.add_argument("--trials", type=int, default=256, help="design points (a power of 2)")
    parser.add_argument("--reps", type=int, default=4, help="replications per trial")
    parser.add_argument("--truth-reps", type=int, default=4)
    parser.add_argument("--size", type=int, default=1000, help="customers per synthetic cohort")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args()
    started = time.perf_counter()
    spec = load_scenario(SCENARIO)
    box = Box.of(spec.calibration)
    problem = Problem.build(spec, {0: 1.0}, [1], HORIZON)
    rng = np.random.default_rng(a.seed)

    def params(u: np.ndarray) -> dict[str, float]:
        return dict(zip(box.names, box.from_unit(u[None, :])[0].tolist(), strict=True))

    unit = qmc.Sobol(len(box.names), scramble=True, seed=rng).random(a.trials)
    truths = rng.random((a.datasets, len(box.names)))
    search = replication_seeds(a.seed, a.reps)
    fresh = np.random.SeedSequence(a.seed).spawn(a.reps * (1 + BATCHES))[a.reps :]
    checked = rng.choice(a.trials, RECHECKED, replace=False)
    jobs = [(params(u), search) for u in unit]
    jobs += [
        (params(unit[i]), fresh[b * a.reps : (b + 1) * a.reps])
        for i in checked
        for b in range(BATCHES)
    ]
    jobs += [
        (params(t), np.random.SeedSequence([a.seed, 1, k]).spawn(a.truth_reps))
        for k, t in enumerate(truths)
    ]
    key = f"{a.trials}-{a.reps}-{a.truth_reps}-{a.datasets}-{a.seed}-{git_tree(SCENARIO)}"
    cache = OUT / f"calibration_coverage-{key}.npy"
    if cache.exists():  # the same design and truths simulated before: analyse again only
        curves = np.load(cache)
    else:
        print(f"simulating {len(jobs)} parameter vectors x their replications ...", flush=True)
        curves = simulate_all(problem, jobs, a.workers)
        OUT.mkdir(exist_ok=True)
        np.save(cache, curves)
    simulated = time.perf_counter() - started
    design, rest = curves[: a.trials], curves[a.trials :]
    batches = [rest[k * BATCHES : (k + 1) * BATCHES] for k in range(RECHECKED)]
    truth_curves = rest[RECHECKED * BATCHES :]

    rows = []
    for k, (truth, curve) in enumerate(zip(truths, truth_curves, strict=True)):
        if not np.isfinite(curve).all():
            rows.append({"dataset": k, "skipped": "the truth's curve is not observed to year 7"})
            continue
        observed = synthetic_cohort(curve, a.size, rng)
        ours = check(unit, design, batches, truth, observed, FIT, a.size, seed=k)
        p_in, y_in, ess = trials_only(unit, design, batches, truth, observed, a.size, k)
        rows.append(
            {
                "dataset": k,
                "truth": params(truth),
                "observed": observed,
                "emulator": {
                    "parameters_inside": ours.parameters_inside.tolist(),
                    "years_inside": ours.periods_inside.tolist(),
                    "band_width_points": (100 * ours.band_width).round(2).tolist(),
                    "ess": ours.ess,
                },
                "trials_only": {
                    "parameters_inside": p_in.tolist(),
                    "years_inside": y_in.tolist(),
                    "ess": ess,
                },
            }
        )
        print(
            f"data set {k:2d}: emulator {int(ours.parameters_inside.sum())}/{len(truth)} "
            f"parameters, {int(ours.periods_inside.sum())}/3 years; trials only "
            f"{int(p_in.sum())}/{len(truth)}, {int(y_in.sum())}/3 (ESS {ess:.1f})",
            flush=True,
        )
    used = [r for r in rows if "skipped" not in r]
    summary = {}
    for method in ("emulator", "trials_only"):
        p = np.array([r[method]["parameters_inside"] for r in used])
        y = np.array([r[method]["years_inside"] for r in used])
        summary[method] = {
            "parameters_covered": float(p.mean()),
            "per_parameter": dict(zip(box.names, p.mean(axis=0).tolist(), strict=True)),
            "years_covered": float(y.mean()),
            "per_year": dict(zip(["5", "6", "7"], y.mean(axis=0).tolist(), strict=True)),
        }
    widths = np.array([r["emulator"]["band_width_points"] for r in used])
    result = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "settings": vars(a),
        "datasets_used": len(used),
        "skipped": len(rows) - len(used),
        "summary": summary,
        "mean_band_width_points_by_year": widths.mean(axis=0).round(2).tolist(),
        "simulation_seconds": simulated,
        "seconds": time.perf_counter() - started,
        "datasets": rows,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "calibration_coverage.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{len(used)} data sets ({len(rows) - len(used)} skipped), target 80-97 %:")
    for method, s in summary.items():
        print(
            f"  {method:<12} parameters {100 * s['parameters_covered']:.0f} % "
            f"({', '.join(f'{100 * v:.0f}' for v in s['per_parameter'].values())}), "
            f"held-out years {100 * s['years_covered']:.0f} % "
            f"({', '.join(f'{100 * v:.0f}' for v in s['per_year'].values())})"
        )
    print(f"band width by year (points, mean): {result['mean_band_width_points_by_year']}")
    print(f"{time.perf_counter() - started:.0f} s ({simulated:.0f} s simulating)")


if __name__ == "__main__":
    main()
