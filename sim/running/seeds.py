"""Seed streams: one seed, one independent stream per replication.

Replication i draws from `SeedSequence(seed).spawn(reps)[i]`, so it is the same whether 5 or
500 replications are run, and two scenarios run with the same seed share their random numbers
(common random numbers), which sharpens comparisons between them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_REPLICATIONS", "MAX_SEED", "replication_seeds"]

MAX_REPLICATIONS = 10_000  # a run's replications; more is a typo (each is a whole simulation)
MAX_SEED = 2**32 - 1  # seeds are 32-bit everywhere (Optuna's samplers refuse larger ones)


def replication_seeds(seed: int, reps: int) -> list[np.random.SeedSequence]:
    """The seed sequences of replications 0..reps-1 of a run with `seed`."""
    return np.random.SeedSequence(seed).spawn(reps)
