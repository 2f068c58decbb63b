"""Running: replications of a scenario with their seed streams, gathered as a RunResult."""

from sim.running.replications import RunResult, replication_seeds, run, run_replication

__all__ = ["RunResult", "replication_seeds", "run", "run_replication"]
