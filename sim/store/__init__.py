"""Run and study folders on disk: one atomic writer, tidy Parquet, the resolved scenario and a
manifest with provenance; where outputs go, checked before any work and held while written.
Nothing here imports the engine."""

from sim.store.atomic import atomic_folder, parquet_bytes, write_atomic
from sim.store.destination import OutputError, check_writable, claim, sweep
from sim.store.provenance import git_commit, versions
from sim.store.runs import FILES, RunFolderError, default_run_dir, read_run, write_run

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
