"""Run and study folders on disk: one atomic writer, tidy Parquet, the resolved scenario and a
manifest with provenance; where outputs go, checked before any work and held while written.
Nothing here imports the engine.

The names below load their module on first use (PEP 562), so a command that only claims its
output folder (`sim.store.destination`, imported by the command line) does not import polars.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.store.atomic import atomic_folder, parquet_bytes, write_atomic
    from sim.store.destination import OutputError, check_writable, claim, default_run_dir, sweep
    from sim.store.provenance import git_commit, versions
    from sim.store.runs import FILES, RunFolderError, read_run, write_run

_MODULE = {
    "atomic_folder": "atomic",
    "parquet_bytes": "atomic",
    "write_atomic": "atomic",
    "OutputError": "destination",
    "check_writable": "destination",
    "claim": "destination",
    "sweep": "destination",
    "git_commit": "provenance",
    "versions": "provenance",
    "FILES": "runs",
    "RunFolderError": "runs",
    "default_run_dir": "destination",
    "read_run": "runs",
    "write_run": "runs",
}

__all__ = [
    "FILES",
    "OutputError",
    "RunFolderError",
    "atomic_folder",
    "check_writable",
    "claim",
    "default_run_dir",
    "git_commit",
    "parquet_bytes",
    "read_run",
    "sweep",
    "versions",
    "write_atomic",
    "write_run",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULE[name]}"), name)
