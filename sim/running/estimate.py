"""How long many runs will take and how much memory each worker needs, from a short probe.

The probe builds the model and runs a few steps at the scenario's size (at most `PROBE_SIZE`
consumers, scaled linearly beyond), so the estimate is of this machine, not of a table.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

__all__ = ["PROBE_SIZE", "Estimate", "estimate", "human_bytes", "human_seconds"]

PROBE_SIZE = 20_000
PROBE_STEPS = 40
WORKER_START = 4.0  # seconds a fresh worker spends importing the engine


@dataclass(frozen=True)
class Estimate:
    """Expected wall time of all runs and peak memory of one run."""

    seconds: float
    memory: int  # bytes one run holds at its largest

    def line(self) -> str:
        return f"about {human_seconds(self.seconds)}, {human_bytes(self.memory)} per worker"


def estimate(scenario: Scenario, runs: int, workers: int) -> Estimate:
    """Time and memory of `runs` runs of `scenario` on `workers` workers, from a probe."""
    from sim.engine.model import JourneyModel  # the engine is loaded only when asked

    n = scenario.population.consumers
    probe = min(n, PROBE_SIZE)
    scale = n / probe
    tracemalloc.start()
    try:
        model = JourneyModel(scenario, consumers=probe, rng=np.random.default_rng(0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    started = time.perf_counter()
    model = JourneyModel(scenario, consumers=probe, rng=np.random.default_rng(0))
    built = time.perf_counter()
    steps = min(PROBE_STEPS, scenario.time.steps)
    model.run_for(steps)
    stepped = time.perf_counter()
    per_step = (stepped - built) / steps
    # a step's cost is part fixed, part per consumer: scale it sublinearly beyond the probe
    per_run = (built - started) * scale + per_step * scenario.time.steps * scale**0.8
    waves = -(-runs // max(workers, 1))
    seconds = waves * per_run + (WORKER_START if workers > 1 else 0.0)
    ledger = scenario.time.steps * 64 * 8 * len(scenario.brands)  # metrics kept per step
    return Estimate(seconds, _resident() + int(peak * scale) + ledger)


def _resident() -> int:
    """This process's resident memory: what a worker holds once the engine is imported."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 200_000_000


def human_seconds(seconds: float) -> str:
    """'40 s', '3 min', '2.5 h'."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def human_bytes(size: float) -> str:
    """'35 MB', '1.2 GB'."""
    if size < 1e9:
        return f"{max(1, round(size / 1e6))} MB"
    return f"{size / 1e9:.1f} GB"
