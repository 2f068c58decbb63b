"""The engine: the journey model and its mechanisms, built from a validated scenario.

`model.JourneyModel` owns the state (population arrays, touchpoints, review pages, ledger) and
the schedule; `step` writes the order of a step, `moments/` holds one module per moment of
truth, `retention` the renew-or-churn decision, `transitions` the moves along the journey and
`choice` the brand choice.
The engine imports only the scenario layer; nothing here knows about runs on disk or reports.
Names load on first use, so importing a pure module of the engine does not import Mesa.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.engine.model import Consumer, JourneyModel

__all__ = ["Consumer", "JourneyModel"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("sim.engine.model"), name)
    raise AttributeError(f"module 'sim.engine' has no attribute {name!r}")
