"""What a run produced: the registry of output frames and the RunResult that holds them.

This module imports neither the engine nor Mesa, so the store and the report can hold and read
results without loading the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sim.scenario import Scenario

__all__ = ["FRAMES", "RunResult"]

FRAMES: dict[str, str] = {
    "metrics": "tidy time series: replication, step, metric, brand, detail, value",
    "cohorts": "retention by acquisition cohort: replication, brand, cohort, period, size, "
    "active, retained",
    "reviews": "every review: replication, step, brand, stars, author",
    "satisfaction": "customers at the end by satisfaction bin: replication, brand, bin, customers",
}
"""The output frames, in order: each is a `JourneyModel` method of that name (one replication),
a `RunResult` field (all replications, `replication` column first) and `<name>.parquet`."""


@dataclass(frozen=True)
class RunResult:
    """What a run produced: tidy frames keyed by replication, and how it was made."""

    scenario: Scenario
    seed: int
    replications: int
    metrics: pl.DataFrame
    cohorts: pl.DataFrame
    reviews: pl.DataFrame
    satisfaction: pl.DataFrame
    wall_time: float

    def frames(self) -> dict[str, pl.DataFrame]:
        """The output frames by name, in the order of `FRAMES`."""
        return {name: getattr(self, name) for name in FRAMES}
