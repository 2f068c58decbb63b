"""Moments of Truth: an agent-based simulation of the customer journey.

    from sim import load_scenario, JourneyModel, run

The model and runner load on first use, so `journey validate` starts without importing Mesa.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sim.engine.journey import Moment
from sim.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.engine.model import Consumer, JourneyModel
    from sim.running import RunResult, run

__all__ = [
    "Consumer",
    "JourneyModel",
    "Moment",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run",
]
_LAZY = {
    "Consumer": "sim.engine.model",
    "JourneyModel": "sim.engine.model",
    "RunResult": "sim.running.result",
    "run": "sim.running.replications",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
