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
    "memory_available",
    "memory_needed",
    "probe",
    "too_big",
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


BYTES_PER_CONSUMER = 700  # arrays, a Mesa agent, its share of reviews (measured: 620-680)
BASE_MEMORY = 250_000_000  # an interpreter with the engine imported


def memory_needed(scenario: Scenario) -> int:
    """Bytes one run of `scenario` needs at its largest, estimated without building anything:
    per consumer, its arrays and agent plus its network ties; per step, the metrics kept."""
    n = scenario.population.consumers
    ties = 16 * scenario.network.mean_degree if scenario.network.kind != "fully_mixed" else 0
    ledger = scenario.time.steps * 64 * 8 * len(scenario.brands)
    return int(BASE_MEMORY + n * (BYTES_PER_CONSUMER + ties) + ledger)


def memory_available() -> int | None:
    """Bytes the machine can give now (MemAvailable), None where it cannot say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def too_big(scenario: Scenario, workers: int = 1) -> str | None:
    """Why `workers` runs of `scenario` at once would not fit in memory, or None if they fit."""
    available = memory_available()
    need = memory_needed(scenario) * workers
    if available is None or need <= available:
        return None
    each = memory_needed(scenario) - scenario.population.consumers * BYTES_PER_CONSUMER
    room = (available // workers - each) // BYTES_PER_CONSUMER
    runs = f" ({workers} at once)" if workers > 1 else ""
    return (
        f"{scenario.population.consumers:,} consumers need about {human_bytes(need)}{runs}; "
        f"this machine has {human_bytes(available)} available (at most about "
        f"{max(room, 0):,} consumers)"
    )


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
