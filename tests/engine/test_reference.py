"""Today's engine against its stored reference distributions: a faster or restructured engine
may draw its random numbers differently, but the distribution of every KPI must stay the same
within sampling error.

    uv run python -m tests.engine.test_reference   # rewrites the fixture (about 2 minutes)

For each case (the baseline, the Bass docking and the tenure case, at sizes a test can afford)
the fixture holds the resolved scenario and the KPIs of `REFERENCE_REPS` replications, so later
edits to the scenario files do not move the reference. Regenerate it only when a change of the
model's behaviour is intended, and say so in the commit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from sim import load_scenario, run
from sim.running.kpis import kpis
from sim.scenario import Scenario, dump_scenario, resized

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).resolve().parent / "reference"
CASES = {
    "baseline": (ROOT / "scenarios" / "baseline.toml", 3_000, 400),
    "bass": (ROOT / "scenarios" / "verification" / "bass.toml", 3_000, 260),
    "tenure": (ROOT / "scenarios" / "verification" / "tenure.toml", 3_000, 400),
}
REFERENCE_REPS, REFERENCE_SEED = 30, 2026
REPS = 10
LEVEL = 0.001  # per test; about 40 tests in all, so a false alarm in ~4 % of engines


def measure(s: Scenario, reps: int, seed: int) -> pl.DataFrame:
    """The focal brand's KPIs per replication, and its customers halfway (the diffusion's
    shape): replication, kpi, value."""
    result = run(s, reps=reps, seed=seed)
    halfway = result.metrics.filter(
        (pl.col("metric") == "customers")
        & (pl.col("brand") == s.focal)
        & (pl.col("step") == s.time.steps // 2)
    ).select("replication", kpi=pl.lit("customers_halfway"), value="value")
    k = kpis(result).filter(pl.col("brand") == s.focal).select("replication", "kpi", "value")
    return pl.concat([k, halfway], how="vertical_relaxed")


def _values(frame: pl.DataFrame, kpi: str) -> np.ndarray:
    values = frame.filter(pl.col("kpi") == kpi)["value"].drop_nulls().to_numpy()
    return values[np.isfinite(values)]  # a rating without reviews is NaN


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_kpi_distributions_agree_with_the_reference(case: str) -> None:
    reference = pl.read_parquet(REFERENCE / "kpis.parquet").filter(pl.col("case") == case)
    now = measure(load_scenario(REFERENCE / f"{case}.toml"), REPS, seed=7)
    checked = 0
    for kpi in sorted(set(reference["kpi"])):
        old, new = _values(reference, kpi), _values(now, kpi)
        if old.size < 2 or new.size < 2:
            continue
        if old.std() == 0 and new.std() == 0:
            assert new[0] == pytest.approx(old[0]), kpi
            continue
        welch = stats.ttest_ind(old, new, equal_var=False).pvalue
        ks = stats.ks_2samp(old, new).pvalue
        assert welch > LEVEL and ks > LEVEL, (kpi, old.mean(), new.mean(), welch, ks)
        checked += 1
    assert checked >= 2


def main() -> None:
    frames = []
    for case, (path, consumers, steps) in CASES.items():
        s = resized(load_scenario(path), consumers, steps)
        (REFERENCE / f"{case}.toml").write_text(dump_scenario(s), encoding="utf-8")
        k = measure(s, REFERENCE_REPS, REFERENCE_SEED)
        frames.append(k.select(pl.lit(case).alias("case"), pl.all()))
        print(f"{case}: {REFERENCE_REPS} replications of {consumers:,} consumers x {steps} steps")
    pl.concat(frames).write_parquet(REFERENCE / "kpis.parquet")


if __name__ == "__main__":
    main()
