"""Run and study folders on disk: one atomic writer, tidy Parquet, the resolved scenario and a
manifest with provenance. Nothing here imports the engine."""

from sim.store.atomic import atomic_folder, write_atomic
from sim.store.provenance import git_commit, versions
from sim.store.runs import FILES, RunFolderError, default_run_dir, read_run, write_run

__all__ = [
    "FILES",
    "RunFolderError",
    "atomic_folder",
    "default_run_dir",
    "git_commit",
    "read_run",
    "versions",
    "write_atomic",
    "write_run",
]
