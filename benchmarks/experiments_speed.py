"""Experiment throughput: runs per second of `journey experiment` with 1 and 2 workers.

    uv run python benchmarks/experiments_speed.py              # 3 repeats (a few minutes)
    uv run python benchmarks/experiments_speed.py --repeats 1  # a quick look

The workload is a small Latin hypercube over two of aurora's settings (onboarding quality and
price) on the baseline scenario at 10,000 consumers and its 730 daily steps. Every repeat runs
the experiment in a fresh child process (this file with `--child`) into a fresh folder, and
times everything a user waits for once the command has started: starting the workers, the runs,
the analysis and writing the folder. Figures are medians over repeats; the scaling efficiency is
the 2-worker rate over twice the 1-worker rate. Results go to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BASELINE = ROOT / "scenarios" / "baseline.toml"

EXPERIMENT = """\
scenario = "{scenario}"
design = "lhs"
samples = {samples}
reps = {reps}
seed = 1
kpis = ["retention_12", "customers_end", "revenue", "margin", "rating", "acquisition_cost"]

[factors]
"brands.aurora.touchpoints.onboarding.quality" = {{ low = 3.0, high = 4.8 }}
"brands.aurora.price" = {{ low = 8, high = 16 }}
"""


def child(file: Path, out: Path, workers: int, consumers: int) -> None:
    """One measurement: run the experiment, print runs and wall time as JSON."""
    from sim.experiments import load_experiment
    from sim.experiments.experiment import plan, run_experiment
    from sim.running.executors import executor_for

    started = time.perf_counter()
    p = plan(load_experiment(file, consumers=consumers), out)
    outcome = run_experiment(p, executor_for(workers))
    wall = time.perf_counter() - started
    print(json.dumps({"runs": outcome.runs, "wall": wall, "runs_per_s": outcome.runs / wall}))


def measure(file: Path, workers: int, consumers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        command = ["--child", str(file), str(Path(tmp) / "out"), str(workers)]
        out = subprocess.run(
            [sys.executable, __file__, *command, "--consumers", str(consumers)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=8, help="LHS points")
    parser.add_argument("--reps", type=int, default=2, help="replications per point")
    parser.add_argument("--consumers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", nargs=3, metavar=("FILE", "OUT", "WORKERS"))
    args = parser.parse_args()
    if args.child:
        file, out, workers = args.child
        child(Path(file), Path(out), int(workers), args.consumers)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "lhs.toml"
        text = EXPERIMENT.format(scenario=BASELINE.as_posix(), samples=args.samples, reps=args.reps)
        file.write_text(text, encoding="utf-8")
        runs: dict[int, list[dict]] = {w: [] for w in args.workers}
        for repeat in range(args.repeats):
            for w in args.workers:  # interleaved, so load drifts hit both alike
                r = measure(file, w, args.consumers)
                runs[w].append(r)
                print(
                    f"repeat {repeat + 1}, {w} worker(s): {r['runs']} runs in {r['wall']:.1f} s"
                    f" = {r['runs_per_s']:.2f} runs/s",
                    flush=True,
                )
    medians = {w: statistics.median(r["runs_per_s"] for r in rs) for w, rs in runs.items()}
    print(
        f"\nLHS {args.samples} points x {args.reps} replications, baseline at "
        f"{args.consumers:,} consumers (medians of {args.repeats}):"
    )
    for w, rate in medians.items():
        line = f"  {w} worker(s): {rate:.2f} runs/s"
        if w != 1 and 1 in medians:
            efficiency = rate / (w * medians[1])
            line += f"  (x{rate / medians[1]:.2f}; scaling efficiency {efficiency:.0%})"
        print(line)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {
        "settings": vars(args),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "medians_runs_per_s": medians,
        "runs": runs,
    }
    (OUT / f"experiments_speed-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
