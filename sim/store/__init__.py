"""Run and study folders on disk: tidy Parquet, the resolved scenario and a manifest."""

from sim.store.runs import FILES, RunFolderError, default_run_dir, read_run, write_run

__all__ = ["FILES", "RunFolderError", "default_run_dir", "read_run", "write_run"]
