"""Seed streams: one seed, one independent stream per replication.

Replication i draws from `SeedSequence(seed).spawn(reps)[i]`, so it is the same whether 5 or
500 replications are run, and two scenarios run with the same seed share their random numbers
(common random numbers), which sharpens comparisons between them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["replication_seeds"]


def replication_seeds(seed: int, reps: int) -> list[np.random.SeedSequence]:
    """The seed sequences of replications 0..reps-1 of a run with `seed`."""
    return np.random.SeedSequence(seed).spawn(reps)
