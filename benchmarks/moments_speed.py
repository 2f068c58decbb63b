"""Wall time of `journey moments` on the baseline, against `journey run` measured alongside.

    uv run python benchmarks/moments_speed.py                 # 1 repeat (about 10 minutes)
    uv run python benchmarks/moments_speed.py --repeats 3
    uv run python benchmarks/moments_speed.py --consumers 2000 --reps 3   # a quick look

The workload is the issue's: every touchpoint of aurora and every moment, 3 changes, 10
replications of 10,000 consumers over 730 days, on 2 local workers, no report. The reference
is `journey run` on the same scenario (10 replications, 2 workers, no report) in the same
session, so the ratio says how many plain runs of the scenario the ranking costs. Each command
runs as a user would start it, in a fresh process; figures are medians over repeats. Results go
to benchmarks/out/. Goal: the ranking in under 3 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def timed(args: list[str]) -> float:
    """Seconds one `journey` command takes, start to exit."""
    started = time.perf_counter()
    subprocess.run(["uv", "run", "journey", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--consumers", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    size = ["--consumers", str(args.consumers), "--reps", str(args.reps)]
    common = [*size, "--workers", str(args.workers), "--no-report"]
    moments, runs = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(timed(["run", *common, "--out", f"{tmp}/run"]))
            moments.append(timed(["moments", *common, "--out", f"{tmp}/moments"]))
            manifest = json.loads(Path(f"{tmp}/moments/manifest.json").read_text())
        print(f"journey run {runs[-1]:.1f} s, journey moments {moments[-1]:.1f} s")
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "consumers": args.consumers,
        "replications": args.reps,
        "workers": args.workers,
        "runs": manifest["runs"],
        "moments_seconds": statistics.median(moments),
        "run_seconds": statistics.median(runs),
        "ratio": statistics.median(moments) / statistics.median(runs),
        "repeats": args.repeats,
    }
    print(
        f"journey moments: {result['moments_seconds']:.0f} s for {result['runs']} runs "
        f"({result['runs'] / result['moments_seconds']:.2f} runs/s); journey run: "
        f"{result['run_seconds']:.0f} s; ratio {result['ratio']:.1f}"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "moments_speed.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
