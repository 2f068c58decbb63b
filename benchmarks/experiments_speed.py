"""Experiment throughput: runs per second of `journey experiment` with 1 and 2 workers, and of
EMA Workbench's MultiprocessingEvaluator running the same model function over the same design.

    uv run python benchmarks/experiments_speed.py              # 3 repeats (6-8 min, shared machine)
    uv run python benchmarks/experiments_speed.py --quick      # 1 repeat, 4 points, 2,000 consumers
    uv run python benchmarks/experiments_speed.py --no-ema     # ours only

The workload is a small Latin hypercube over two of aurora's settings (onboarding quality and
price) on the baseline scenario at 10,000 consumers and its 730 daily steps. Every repeat runs
the experiment in a fresh child process (this file with `--child`) into a fresh folder, and
times everything a user waits for once the command has started: starting the workers, the runs,
the analysis and writing the folder.

The peer, measured in the same run: EMA Workbench (not a dependency of the project: the child,
this file with `--child-ema`, runs under `uv run --with ema-workbench==<EMA_VERSION>`). It wraps
`journey_kpis`, one run done as `sim.experiments.runner.run_batch` does it, in a
`ReplicatorModel` (a `RealParameter` per factor with the experiment's ranges, a `ScalarOutcome`
per KPI, the same replications), evaluates our design's points as EMA `Sample`s with
`MultiprocessingEvaluator(model, n_processes=2)`, and times the pool's start, the runs and the
collection of the results. Both do the same runs with the same seeds, so their KPIs agree; the
script checks that they do.

Figures are medians over repeats; the measurements of a repeat are interleaved and their order
rotates from repeat to repeat, so load drifts hit each alike. The scaling efficiency is the
2-worker rate over twice the 1-worker rate. Results go to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BASELINE = ROOT / "scenarios" / "baseline.toml"

EMA_VERSION = "3.0.0"  # verified with Python 3.12, numpy 2.5 and polars 2.1 (2026-11-23)
EMA_REQUIREMENT = f"ema-workbench=={EMA_VERSION}"

KPIS = ("retention_12", "customers_end", "revenue", "margin", "rating", "acquisition_cost")
FACTORS = {  # EMA parameter name: (key path, low, high)
    "onboarding_quality": ("brands.aurora.touchpoints.onboarding.quality", 3.0, 4.8),
    "price": ("brands.aurora.price", 8, 16),
}

EXPERIMENT = """\
scenario = "{scenario}"
design = "lhs"
samples = {samples}
reps = {reps}
seed = 1
kpis = {kpis}

[factors]
{factors}
"""


def experiment_text(samples: int, reps: int) -> str:
    factors = "\n".join(
        f'"{path}" = {{ low = {low}, high = {high} }}' for path, low, high in FACTORS.values()
    )
    return EXPERIMENT.format(
        scenario=BASELINE.as_posix(),
        samples=samples,
        reps=reps,
        kpis=json.dumps(list(KPIS)),
        factors=factors,
    )


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("numpy", "polars", "mesa", "ema-workbench"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


# --- ours --------------------------------------------------------------------------------------


def child(file: Path, out: Path, workers: int, consumers: int) -> None:
    """One measurement: run the experiment as `journey experiment` does (its fork server
    started once the file is read, the time estimate's probe run while it warms up), print
    runs, wall time and KPI means as JSON."""
    import polars as pl

    from sim.experiments import load_experiment
    from sim.experiments.experiment import plan, run_experiment
    from sim.running.estimate import probe
    from sim.running.executors import WARMED, executor_for, start_workers

    started = time.perf_counter()
    e = load_experiment(file, consumers=consumers)
    if workers > 1:
        start_workers(WARMED)
    p = plan(e, out)
    probe(e.scenario)
    outcome = run_experiment(p, executor_for(workers))
    wall = time.perf_counter() - started
    kpis = pl.read_parquet(out / "kpis.parquet")
    means: dict[str, dict[str, float]] = {}
    for point, kpi, value in kpis.group_by("point", "kpi").agg(pl.col("value").mean()).rows():
        means.setdefault(str(point), {})[kpi] = value
    print(
        json.dumps(
            {
                "runs": outcome.runs,
                "wall": wall,
                "runs_per_s": outcome.runs / wall,
                "means": means,
                "versions": versions(),
            }
        )
    )


# --- the peer: EMA Workbench -------------------------------------------------------------------


@functools.cache
def _base_scenario(scenario_file: str, consumers: int) -> Any:
    from sim.scenario import load_scenario, resized

    return resized(load_scenario(scenario_file), consumers)


def journey_kpis(
    onboarding_quality: float,
    price: float,
    replication: int,
    scenario_file: str,
    consumers: int,
    seed: int,
    brand: str,
) -> dict[str, float]:
    """The model function EMA runs: one run of the scenario with the two factors set, done as
    `sim.experiments.runner.run_batch` does it; its KPIs of `brand` by name."""
    import polars as pl

    from sim.experiments.runner import run_seed
    from sim.running.kpis import kpis as run_kpis
    from sim.running.replications import run_replication  # loads the engine in the worker
    from sim.running.result import RunResult
    from sim.scenario import apply_overrides, key_path_overrides

    values = {"onboarding_quality": onboarding_quality, "price": price}
    overrides = {FACTORS[name][0]: float(v) for name, v in values.items()}
    s = apply_overrides(_base_scenario(scenario_file, consumers), key_path_overrides(overrides))
    out = run_replication(s, run_seed(seed, replication), replication)
    result = RunResult(scenario=s, seed=seed, replications=1, wall_time=0.0, **out)
    k = run_kpis(result).filter((pl.col("brand") == brand) & pl.col("kpi").is_in(KPIS))
    return dict(zip(k["kpi"].to_list(), k["value"].to_list(), strict=True))


def ema_child(design_file: Path, processes: int, start_method: str | None) -> None:
    """One measurement of the peer: EMA evaluates our design's points; print as `child` does.

    The design comes as JSON from the parent (`design_json`), so this process runs no polars
    query before EMA forks its workers: a fork after polars has started its thread pool can
    leave the workers deadlocked in polars.
    """
    import multiprocessing
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        import ema_workbench as ema
    import numpy as np

    from sim.experiments.experiment import plan, run_experiment  # noqa: F401 (as ours imports)

    if start_method:
        multiprocessing.set_start_method(start_method, force=True)
    d = json.loads(design_file.read_text(encoding="utf-8"))

    started = time.perf_counter()
    model = ema.ReplicatorModel("journey", function=journey_kpis)
    model.uncertainties = [ema.RealParameter(n, lo, hi) for n, (lo, hi) in d["ranges"].items()]
    model.constants = [
        ema.Constant("scenario_file", d["scenario_file"]),
        ema.Constant("consumers", d["consumers"]),
        ema.Constant("seed", d["seed"]),
        ema.Constant("brand", d["brand"]),
    ]
    model.replications = [{"replication": r} for r in range(d["reps"])]
    model.outcomes = [ema.ScalarOutcome(k, function=np.mean) for k in d["kpis"]]
    samples = [ema.Sample(str(point), **values) for point, values in enumerate(d["points"])]
    with ema.MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=samples)
    wall = time.perf_counter() - started

    runs = len(experiments) * d["reps"]
    means = {
        str(point): {k: float(outcomes[k][i]) for k in d["kpis"]}
        for i, point in enumerate(experiments["scenario"])
    }
    print(
        json.dumps(
            {
                "runs": runs,
                "wall": wall,
                "runs_per_s": runs / wall,
                "means": means,
                "versions": versions(),
                "start_method": multiprocessing.get_start_method(),
            }
        )
    )


def design_json(file: Path, consumers: int) -> dict[str, Any]:
    """What EMA needs of the experiment: its design's points by EMA parameter name, the
    factors' ranges, the replications, seed, brand and KPIs, and the scenario."""
    from sim.experiments import load_experiment
    from sim.experiments.designs import make_design

    e = load_experiment(file, consumers=consumers)
    design = make_design(e)
    name_of = {path: name for name, (path, _, _) in FACTORS.items()}
    return {
        "scenario_file": BASELINE.as_posix(),
        "consumers": consumers,
        "reps": e.reps,
        "seed": e.seed,
        "brand": e.brand,
        "kpis": list(e.kpis),
        "ranges": {name_of[k]: [f.low, f.high] for k, f in e.factors.items()},
        "points": [
            {name_of[k]: v for k, v in design.values(point).items()} for point in range(design.size)
        ],
    }


# --- the parent --------------------------------------------------------------------------------


def measure(file: Path, kind: str, workers: int, consumers: int, start_method: str) -> dict:
    """One measurement in a fresh child process; `kind` is "ours" or "ema" (then `file` is the
    design as JSON)."""
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "ours":
            prefix = [sys.executable]
            command = ["--child", str(file), str(Path(tmp) / "out"), str(workers)]
        else:
            uv = os.environ.get("UV") or shutil.which("uv") or "uv"
            prefix = [uv, "run", "--frozen", "--with", EMA_REQUIREMENT, "python"]
            command = ["--child-ema", str(file), str(workers), start_method]
        out = subprocess.run(
            [*prefix, __file__, *command, "--consumers", str(consumers)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the {kind} child failed (exit status {out.returncode})")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_average"] = os.getloadavg()
    return result


def same_kpis(a: dict, b: dict, rel: float = 1e-9) -> float | None:
    """The largest relative difference between two sets of KPI means (NaN equal to NaN), or
    None if they do not cover the same points and KPIs."""
    if a.keys() != b.keys() or any(a[p].keys() != b[p].keys() for p in a):
        return None
    worst = 0.0
    for point, kpis in a.items():
        for kpi, x in kpis.items():
            y = b[point][kpi]
            if x is None or y is None or math.isnan(x) or math.isnan(y):
                if not ((x is None or math.isnan(x)) and (y is None or math.isnan(y))):
                    return math.inf
                continue
            worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=8, help="LHS points")
    parser.add_argument("--reps", type=int, default=2, help="replications per point")
    parser.add_argument("--consumers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ema-processes", type=int, nargs="+", default=[2])
    parser.add_argument("--no-ema", action="store_true", help="leave the EMA Workbench peer out")
    parser.add_argument(
        "--quick", action="store_true", help="1 repeat, 4 points, 2,000 consumers (a smoke check)"
    )
    parser.add_argument("--child", nargs=3, metavar=("FILE", "OUT", "WORKERS"))
    parser.add_argument(
        "--ema-start-method",
        choices=["default", "fork", "spawn", "forkserver"],
        default="default",
        help="how EMA's pool starts its workers (default: Python's, fork on Linux with 3.12)",
    )
    parser.add_argument("--child-ema", nargs=3, metavar=("DESIGN", "PROCESSES", "START"))
    args = parser.parse_args()
    if args.child:
        file, out, workers = args.child
        child(Path(file), Path(out), int(workers), args.consumers)
        return 0
    if args.child_ema:
        file, processes, start = args.child_ema
        ema_child(Path(file), int(processes), None if start == "default" else start)
        return 0
    if args.quick:
        args.repeats, args.samples, args.consumers = 1, 4, 2_000
    if args.no_ema:
        args.ema_processes = []

    plan = [("ours", w) for w in args.workers] + [("ema", n) for n in args.ema_processes]
    started_by = "" if args.ema_start_method == "default" else f", {args.ema_start_method}"
    label = {("ours", w): f"ours, {w} worker(s)" for w in args.workers} | {
        ("ema", n): f"EMA Workbench {EMA_VERSION}, {n} processes{started_by}"
        for n in args.ema_processes
    }
    runs: dict[tuple[str, int], list[dict]] = {m: [] for m in plan}
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "lhs.toml"
        file.write_text(experiment_text(args.samples, args.reps), encoding="utf-8")
        design = Path(tmp) / "design.json"
        design.write_text(json.dumps(design_json(file, args.consumers)), encoding="utf-8")
        inputs = {"ours": file, "ema": design}
        for repeat in range(args.repeats):
            turn = repeat % len(plan)  # the order rotates, so drifts in load hit each alike
            for m in plan[turn:] + plan[:turn]:
                kind, n = m
                r = measure(inputs[kind], kind, n, args.consumers, args.ema_start_method)
                runs[m].append(r)
                print(
                    f"repeat {repeat + 1}, {label[m]}: {r['runs']} runs in {r['wall']:.1f} s"
                    f" = {r['runs_per_s']:.2f} runs/s",
                    flush=True,
                )

    medians = {m: statistics.median(r["runs_per_s"] for r in rs) for m, rs in runs.items()}
    print(
        f"\nLHS {args.samples} points x {args.reps} replications, baseline at "
        f"{args.consumers:,} consumers (medians of {args.repeats}):"
    )
    ours_one = medians.get(("ours", 1))
    for m, rate in medians.items():
        line = f"  {label[m]}: {rate:.3f} runs/s"
        if m[0] == "ours" and m[1] != 1 and ours_one:
            line += f"  (x{rate / ours_one:.2f}; scaling efficiency {rate / (m[1] * ours_one):.0%})"
        print(line)

    comparisons = []
    for n in args.ema_processes:
        ours = ("ours", n) if ("ours", n) in runs else None
        if ours is None:
            continue
        paired = [
            o["runs_per_s"] / p["runs_per_s"]
            for o, p in zip(runs[ours], runs[("ema", n)], strict=True)
        ]
        comparisons.append(
            {
                "processes": n,
                "ratio_of_medians": medians[ours] / medians[("ema", n)],
                "paired_ratios": paired,
            }
        )
        ratio = medians[ours] / medians[("ema", n)]
        goal = "met" if ratio >= 1 else "missed"
        print(
            f"  ours / EMA at {n} processes: {ratio:.2f} (per repeat"
            f" {', '.join(f'{x:.2f}' for x in paired)}; goal >= 1 {goal})"
        )

    # Both sides ran the same runs with the same seeds: their KPI means must agree.
    reference = runs[plan[0]][0]["means"]
    diffs = [same_kpis(reference, r["means"]) for rs in runs.values() for r in rs]
    agreed = all(d is not None and d < 1e-9 for d in diffs)
    worst = max((math.inf if d is None else d for d in diffs), default=0.0)
    print(
        f"  same KPIs in every measurement: {'yes' if agreed else 'NO'}"
        f" (largest relative difference from the first: {worst:.1e})"
    )
    ema_versions = [r["versions"] for m, rs in runs.items() if m[0] == "ema" for r in rs[:1]]
    ours_versions = [r["versions"] for m, rs in runs.items() if m[0] == "ours" for r in rs[:1]]
    for v in ema_versions:
        shared = {k: v[k] for k in ("python", "numpy", "polars", "mesa")}
        if ours_versions and any(ours_versions[0].get(k) != x for k, x in shared.items()):
            print(f"  note: EMA's child ran other versions: {shared} against {ours_versions[0]}")

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {
        "settings": vars(args),
        "ema_requirement": EMA_REQUIREMENT,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "versions": {"ours": ours_versions[:1], "ema": ema_versions[:1]},
        "medians_runs_per_s": {label[m]: rate for m, rate in medians.items()},
        "scaling_efficiency": {
            label[m]: rate / (m[1] * ours_one)
            for m, rate in medians.items()
            if m[0] == "ours" and m[1] != 1 and ours_one
        },
        "ours_over_ema": comparisons,
        "kpis_agree": agreed,
        "kpis_largest_relative_difference": worst,
        "runs": {label[m]: rs for m, rs in runs.items()},
    }
    (OUT / f"experiments_speed-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0 if agreed else 1


if __name__ == "__main__":
    sys.exit(main())
