"""Running: replications of a scenario with their seed streams, gathered as a RunResult.

`result` (RunResult and the registry of output frames) and `seeds` load without the engine;
`run` and `run_replication` load the model on first use, and RunResult polars on first use
(so that `sim.running.seeds` alone, which the command line needs, is quick to import).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sim.running.seeds import MAX_REPLICATIONS, MAX_SEED, replication_seeds

if TYPE_CHECKING:
    from sim.running.replications import run, run_replication
    from sim.running.result import FRAMES, RunResult

__all__ = [
    "FRAMES",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "RunResult",
    "replication_seeds",
    "run",
    "run_replication",
]


def __getattr__(name: str) -> Any:
    if name in ("run", "run_replication"):
        return getattr(import_module("sim.running.replications"), name)
    if name in ("FRAMES", "RunResult"):
        return getattr(import_module("sim.running.result"), name)
    raise AttributeError(f"module 'sim.running' has no attribute {name!r}")
