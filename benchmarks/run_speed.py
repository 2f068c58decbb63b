"""`journey run` on the default scenario, from command to written results (report excluded).

    uv run python benchmarks/run_speed.py                 # 3 repeats, the default and 1 worker
    uv run python benchmarks/run_speed.py --repeats 5 --workers 1

Each measurement is the real command in a fresh process, `journey run --no-report --out <tmp>`
(the default scenario: 10 replications of 10,000 consumers over 730 days), timed from start to
exit: interpreter start, imports, the replications, writing the Parquet folder and printing
the summary. `default` passes no `--workers` (the command then runs its replications in as many
local processes as the machine has cores, 2 here), `1` runs every replication in the command's
own process, `2` in two local processes. Interleaved, medians over repeats.
The target of the engine-speed issue is under 5 s. The same repeats time `journey --help` and
`journey validate` on the default scenario (the installed command, as `uv run journey` starts it
after its own check of the environment), whose target is under 1 s. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
TARGET_SECONDS = 5.0
STARTUP_TARGET_SECONDS = 1.0
STARTUP = {"--help": ["--help"], "validate": ["validate", "scenarios/baseline.toml"]}


def once(workers: str) -> float:
    """Seconds of one `journey run --no-report` in a fresh process."""
    out = Path(tempfile.mkdtemp(prefix="run-speed-")) / "run"
    cmd = [sys.executable, "-m", "sim.cli", "run", "--no-report", "--out", str(out)]
    if workers != "default":
        cmd += ["--workers", workers]
    try:
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"journey run failed (exit {proc.returncode})")
    return seconds


def startup(args: list[str]) -> float:
    """Seconds of the installed `journey` command with `args`, in a fresh process."""
    journey = Path(sys.executable).with_name("journey")
    started = time.perf_counter()
    proc = subprocess.run([str(journey), *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"journey {' '.join(args)} failed (exit {proc.returncode})")
    return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--workers",
        nargs="+",
        default=["default", "1"],
        help="numbers, or 'default' (no --workers)",
    )
    p.add_argument("--no-json", action="store_true", help="do not write benchmarks/out/*.json")
    args = p.parse_args()
    started = datetime.now(UTC)
    times: dict[str, list[float]] = {w: [] for w in args.workers}
    starts: dict[str, list[float]] = {name: [] for name in STARTUP}
    for r in range(args.repeats):
        for w in args.workers:
            times[w].append(once(w))
            print(f"  repeat {r + 1}: workers {w:>7}: {times[w][-1]:6.2f} s", flush=True)
        for name, command in STARTUP.items():
            starts[name].append(startup(command))
            print(f"  repeat {r + 1}: journey {name:>8}: {starts[name][-1]:6.2f} s", flush=True)
    for w, ts in times.items():
        median = statistics.median(ts)
        met = "met" if median < TARGET_SECONDS else "not met"
        print(f"workers {w}: median {median:.2f} s ({min(ts):.2f}-{max(ts):.2f}); <5 s: {met}")
    for name, ts in starts.items():
        median = statistics.median(ts)
        met = "met" if median < STARTUP_TARGET_SECONDS else "not met"
        print(f"journey {name}: median {median:.2f} s ({min(ts):.2f}-{max(ts):.2f}); <1 s: {met}")
    if not args.no_json:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"run-speed-{started:%Y%m%dT%H%M%SZ}.json"
        report = {
            "started_utc": started.isoformat(),
            "command": "journey run --no-report (default scenario)",
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "seconds": times,
            "medians": {w: statistics.median(ts) for w, ts in times.items()},
            "target_seconds": TARGET_SECONDS,
            "startup_seconds": starts,
            "startup_medians": {name: statistics.median(ts) for name, ts in starts.items()},
            "startup_target_seconds": STARTUP_TARGET_SECONDS,
        }
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
