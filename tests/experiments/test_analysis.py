"""Sensitivity through the whole pipeline: in the tiny market, brand a's quality drives its
customers and margin, while the quality of a touchpoint that reaches no one cannot matter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from sim.experiments import load_experiment
from sim.experiments.analysis import INDICES_SCHEMA, _rank_correlations
from sim.experiments.experiment import plan, run_experiment
from sim.running.executors import InProcess
from tests.experiments.conftest import DOMINANT, IDLE


def run_to(file: Path, out: Path) -> pl.DataFrame:
    run_experiment(plan(load_experiment(file), out), InProcess())
    return pl.read_parquet(out / "indices.parquet")


def index(indices: pl.DataFrame, factor: str, kpi: str, measure: str) -> tuple[float, float]:
    row = indices.filter(
        (pl.col("factor") == factor) & (pl.col("kpi") == kpi) & (pl.col("measure") == measure)
    )
    return row["value"].item(), row["conf"].item()


SOBOL_N = 32  # base sample: the bootstrap interval of S1 shrinks as 1/sqrt(N)


@pytest.mark.slow
def test_sobol_finds_the_dominant_factor_and_gives_the_idle_one_zero(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "sobol"
    indices = run_to(experiment_file(design="sobol", samples=SOBOL_N), out)
    assert dict(indices.schema) == INDICES_SCHEMA
    assert indices.height == 2 * 2 * 2  # factors x KPIs x (S1, ST)
    for kpi in ("customers_end", "margin"):
        for measure in ("S1", "ST"):
            value, conf = index(indices, IDLE, kpi, measure)
            assert abs(value) <= conf + 1e-12  # no effect: zero within its bootstrap interval
            value, conf = index(indices, DOMINANT, kpi, measure)
            assert value - conf > 0.2  # clearly above zero
    kpis = pl.read_parquet(out / "kpis.parquet")
    points = SOBOL_N * (2 + 2)  # Saltelli: N x (factors + 2) without second order
    assert kpis.height == points * 2 and kpis.columns == ["point", "replication", "kpi", "value"]
    design = pl.read_parquet(out / "design.parquet")
    assert design.columns == ["point", DOMINANT, IDLE] and design.height == points


def test_morris_finds_the_dominant_factor_and_gives_the_idle_one_zero(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    indices = run_to(experiment_file(design="morris", samples=6, reps=1), tmp_path / "morris")
    assert set(indices["measure"]) == {"mu", "mu_star", "sigma"}
    for kpi in ("customers_end", "margin"):
        value, conf = index(indices, IDLE, kpi, "mu_star")
        assert abs(value) <= conf + 1e-12
        assert index(indices, IDLE, kpi, "sigma")[0] == 0
        value, conf = index(indices, DOMINANT, kpi, "mu_star")
        assert value - conf > 0
        assert index(indices, DOMINANT, kpi, "mu")[0] > 0  # better quality, more customers
    assert index(indices, DOMINANT, "margin", "sigma")[1] is None  # SALib gives no conf there


def test_lhs_ranks_by_spearman(experiment_file: Callable[..., Path], tmp_path: Path) -> None:
    indices = run_to(experiment_file(design="lhs", samples=12), tmp_path / "lhs")
    value, conf = index(indices, DOMINANT, "customers_end", "spearman")
    assert value - conf > 0
    value, conf = index(indices, IDLE, "customers_end", "spearman")
    assert abs(value) <= conf  # only chance correlation with the other factor's draws


def test_grid_has_means_per_point_and_no_indices(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    grid = tmp_path / "grid"
    run_experiment(
        plan(load_experiment(experiment_file("g.toml", design="grid", reps=2)), grid), InProcess()
    )
    assert not (grid / "indices.parquet").exists()
    points = pl.read_parquet(grid / "points.parquet")
    assert points.columns == ["point", "kpi", "mean", "lower", "upper"] and points.height == 4 * 2
    kpis = pl.read_parquet(grid / "kpis.parquet")
    first = kpis.filter((pl.col("point") == 0) & (pl.col("kpi") == "margin"))["value"].mean()
    assert (
        points.filter((pl.col("point") == 0) & (pl.col("kpi") == "margin"))["mean"].item() == first
    )


def test_the_bootstrap_rank_correlations_are_scipys_spearman_row_by_row() -> None:
    """All resamples at once give what `scipy.stats.spearmanr` gives each (to rounding),
    ties (a resample repeats points) and constant rows (NaN) included."""
    rng = np.random.default_rng(7)
    x = rng.integers(0, 6, size=(400, 12)).astype(float)  # many ties
    y = x + rng.normal(0, 2, size=x.shape)
    x[:3] = 2.0  # constant rows
    y[5] = -1.0
    got = _rank_correlations(x, y)
    with np.errstate(invalid="ignore"), pytest.warns(stats.ConstantInputWarning):
        want = np.array([stats.spearmanr(a, b).statistic for a, b in zip(x, y, strict=True)])
    assert np.array_equal(np.isnan(got), np.isnan(want)) and np.isnan(got).sum() == 4
    assert np.allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=1e-12)
