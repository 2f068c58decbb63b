"""Moments of Truth: an agent-based simulation of the customer journey.

from sim import load_scenario, JourneyModel, run
"""

from sim.journey import Moment
from sim.model import Consumer, JourneyModel
from sim.runner import RunResult, run
from sim.scenario import Scenario, ScenarioError, load_scenario

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
