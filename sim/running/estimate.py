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

__all__ = [
    "PROBE_SIZE",
    "Estimate",
    "Probe",
    "estimate",
    "estimate_from",
    "human_bytes",
    "human_seconds",
    "probe",
]

PROBE_SIZE = 20_000
PROBE_STEPS = 40
WORKER_START = 4.0  # seconds a fresh worker spends importing the engine


@dataclass(frozen=True)
class Estimate:
    """Expected wall time of all runs and peak memory of one worker."""

    seconds: float
    memory: int  # bytes a worker holds at its largest

    def line(self) -> str:
        return f"about {human_seconds(self.seconds)}, {human_bytes(self.memory)} per worker"


@dataclass(frozen=True)
class Probe:
    """What one run of a scenario costs on this machine."""

    seconds: float
    memory: int


def probe(scenario: Scenario) -> Probe:
    """Build the model and run a few steps at the scenario's size (at most `PROBE_SIZE`
    consumers, scaled beyond), timing them and tracing the build's memory."""
    from sim.engine.model import JourneyModel  # the engine is loaded only when asked

    n = scenario.population.consumers
    size = min(n, PROBE_SIZE)
    scale = n / size
    tracemalloc.start()
    try:
        model = JourneyModel(scenario, consumers=size, rng=np.random.default_rng(0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    started = time.perf_counter()
    model = JourneyModel(scenario, consumers=size, rng=np.random.default_rng(0))
    built = time.perf_counter()
    steps = min(PROBE_STEPS, scenario.time.steps)
    model.run_for(steps)
    per_step = (time.perf_counter() - built) / steps
    # a step's cost is part fixed, part per consumer: scale it sublinearly beyond the probe
    seconds = (built - started) * scale + per_step * scenario.time.steps * scale**0.8
    ledger = scenario.time.steps * 64 * 8 * len(scenario.brands)  # metrics kept per step
    return Probe(seconds, _resident() + int(peak * scale) + ledger)


def estimate_from(one: Probe, runs: int, workers: int) -> Estimate:
    """Runs spread over workers in waves, plus the workers' start."""
    waves = -(-runs // max(workers, 1))
    start = WORKER_START if workers > 1 else 0.0
    return Estimate(waves * one.seconds + start, one.memory)


def estimate(scenario: Scenario, runs: int, workers: int) -> Estimate:
    """Time and memory of `runs` runs of `scenario` on `workers` workers, from a probe."""
    return estimate_from(probe(scenario), runs, workers)


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
