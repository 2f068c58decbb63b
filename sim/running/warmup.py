"""A fork server's warm-up: a small market run once, so that every kernel it uses is loaded from
numba's cache (or compiled) once, before workers are forked, instead of in every worker (about
a second each, more while the cache is cold).

Imported by a fork server (`executors.WARMED`), never by a command: importing it runs the
market. The engine starts no thread, so none is copied half-held into a worker.
"""

from __future__ import annotations

from pathlib import Path

from sim.engine.model import JourneyModel
from sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
CONSUMERS, STEPS = 300, 140  # past the first renewals and a campaign (steps 105-135)


def warm() -> None:
    """Run the baseline market briefly (nothing, where the package has no scenarios beside it)."""
    if SCENARIO.is_file():
        JourneyModel(load_scenario(SCENARIO), consumers=CONSUMERS, rng=0).run_for(STEPS)


warm()
