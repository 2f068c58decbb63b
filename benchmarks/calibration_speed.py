"""Calibration benchmark: `journey calibrate` on the shipped example, wall time and simulations/s.

    uv run python benchmarks/calibration_speed.py    # 3 repeats of 200 trials x 5 reps, 2 workers
    uv run python benchmarks/calibration_speed.py --repeats 1 --trials 40   # a quick look

Each repeat runs the real command in a fresh process on a fresh study (SQLite in a temporary
folder): `journey calibrate scenarios/annual_subscription.toml --data
calibration/data/fader_hardie_2007.csv --cohort regular --cohort-size 1000 --trials N --reps R
--workers K`.
Wall time covers everything the user waits for: start-up, search, the noise-floor recheck,
analysis, charts. The peer, measured before every repeat and once at the end in its own process,
is the same scenario simulated one replication after another in one process: `x peer` is the
calibration's simulations per second of search over the peer's, i.e. what the workers and the
study's overhead make of the machine. Figures are medians over repeats; the target is < 180 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SCENARIO = ROOT / "scenarios" / "annual_subscription.toml"
DATA = ROOT / "calibration" / "data" / "fader_hardie_2007.csv"
TARGET_SECONDS = 180.0

PEER = """
import json, time
from calibration.objective import Problem
from calibration.observed import cohort_curve, read_observed
from sim.running import replication_seeds
from sim.scenario import load_scenario
spec = load_scenario({scenario!r})
problem = Problem.build(spec, cohort_curve(read_observed({data!r}), "regular"), [1, 2, 3, 4], 7)
params = {{p: (f.low + f.high) / 2 for p, f in spec.calibration.items()}}
problem.simulate(params, replication_seeds(99, 1))  # warm-up
t = time.perf_counter()
problem.simulate(params, replication_seeds(0, {n}))
print(json.dumps({{"sims_per_s": {n} / (time.perf_counter() - t)}}))
"""


def peer(n: int = 20) -> float:
    code = PEER.format(scenario=str(SCENARIO), data=str(DATA), n=n)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout)["sims_per_s"]


def calibrate(trials: int, reps: int, workers: int, k: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            sys.executable, "-m", "sim.cli", "calibrate", str(SCENARIO), "--data", str(DATA),
            "--cohort", "regular", "--cohort-size", "1000", "--trials", str(trials),
            "--reps", str(reps),
            "--workers", str(workers), "--study", f"bench{k}",
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(args, cwd=tmp, check=True, capture_output=True)
        wall = time.perf_counter() - started
        summary = json.loads(
            (Path(tmp) / "results" / "calibration" / f"bench{k}" / "summary.json").read_text()
        )
    return {
        "wall_s": wall,
        "search_s": summary["search_seconds"],
        "search_sims_per_s": summary["simulations_this_run"] / summary["search_seconds"],
        "all_sims_per_s": (
            summary["simulations_this_run"] + summary["recheck_simulations_this_run"]
        )
        / wall,
        "holdout_mae_journey": summary["holdout_mae_points"]["journey"],
        "holdout_mae_sbg": summary["holdout_mae_points"]["sbg"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    a = parser.parse_args()
    peers, runs = [], []
    for k in range(a.repeats):
        peers.append(peer())
        runs.append(calibrate(a.trials, a.reps, a.workers, k))
        print(f"repeat {k + 1}: {json.dumps({key: round(v, 3) for key, v in runs[-1].items()})}")
    peers.append(peer())
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    peer_rate = statistics.median(peers)
    result = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": vars(a),
        "median": med,
        "peer_sims_per_s": peer_rate,
        "x_peer": med["search_sims_per_s"] / peer_rate,
        "runs": runs,
        "peers": peers,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "calibration.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"median wall {med['wall_s']:.0f} s (target < {TARGET_SECONDS:.0f} s) for {a.trials} "
        f"trials x {a.reps} reps on {a.workers} workers; search {med['search_sims_per_s']:.1f} "
        f"simulations/s = {result['x_peer']:.2f} x peer (one process, {peer_rate:.1f}/s); "
        f"hold-out MAE {med['holdout_mae_journey']:.2f} points vs sBG {med['holdout_mae_sbg']:.2f}"
    )
    return 0 if med["wall_s"] < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
