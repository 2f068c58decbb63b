"""Analysis of an experiment's KPIs: means over replications per point, and sensitivity indices.

- `sobol`: first- and total-order indices (`S1`, `ST`) by SALib's Saltelli estimator;
- `morris`: `mu`, `mu_star`, `sigma` by SALib's elementary effects;
- `lhs`: Spearman rank correlation of each factor with the KPI (`spearman`);
each with a bootstrap confidence half-width at 95 % (`conf`; SALib gives it for S1, ST and
mu_star). A KPI is analysed on its mean over replications at each point. Grid and OAT designs
have no indices: their means per point are the answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from SALib.analyze import morris, sobol
from scipy import stats

from sim.experiments.designs import MORRIS_LEVELS, Design, problem
from sim.experiments.spec import Experiment
from sim.running.aggregation import bands, stable_group_by

__all__ = ["CONF_LEVEL", "INDICES_SCHEMA", "MEASURES", "RESAMPLES", "indices", "point_means"]

RESAMPLES = 1000
CONF_LEVEL = 0.95
MEASURES = {
    "sobol": ("S1", "ST"),
    "morris": ("mu", "mu_star", "sigma"),
    "lhs": ("spearman",),
}
INDICES_SCHEMA = {
    "factor": pl.String,
    "kpi": pl.String,
    "measure": pl.String,
    "value": pl.Float64,
    "conf": pl.Float64,
}


def point_means(kpis: pl.DataFrame) -> pl.DataFrame:
    """Per point and KPI: mean, lower (5th percentile) and upper (95th) over replications."""
    return bands(kpis, ["point", "kpi"])


def _y(kpis: pl.DataFrame, kpi: str, size: int) -> np.ndarray:
    """The KPI's mean over replications at each point, in point order (NaN where undefined)."""
    means = (
        stable_group_by(kpis.filter(pl.col("kpi") == kpi), "point")
        .agg(pl.col("value").fill_nan(None).mean())
        .sort("point")
    )
    y = np.full(size, np.nan)
    y[means["point"].to_numpy()] = means["value"].fill_null(np.nan).to_numpy()
    return y


def _spearman(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0, 0.0
    value = float(stats.spearmanr(x, y).statistic)
    draws = rng.integers(0, len(y), size=(RESAMPLES, len(y)))
    boot = _rank_correlations(x[draws], y[draws])  # NaN where a resample repeats one point
    z = stats.norm.ppf(0.5 + CONF_LEVEL / 2)
    return value, float(z * np.nanstd(boot, ddof=1))


def _rank_correlations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's correlation of each row of `x` with the same row of `y`, as
    `scipy.stats.spearmanr` computes it (Pearson's of the average ranks; NaN where a row is
    constant), all rows at once: a bootstrap's thousand resamples one by one took ~0.2 ms each,
    seconds per experiment."""
    rx, ry = stats.rankdata(x, axis=1), stats.rankdata(y, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (rx * ry).sum(axis=1) / np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    return np.clip(r, -1.0, 1.0)


def _analyse(e: Experiment, design: Design, y: np.ndarray) -> dict[str, Any]:
    """SALib's (or our) result for one KPI: measure -> per-factor values, `<measure>_conf`."""
    spec = problem(e)
    n = len(spec["names"])
    if e.design == "sobol" and np.ptp(y) == 0:  # SALib warns and returns zeros
        zeros = np.zeros(n)
        return {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
    if e.design == "sobol":
        return sobol.analyze(
            spec,
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            seed=e.seed,
        )
    if e.design == "morris":
        return morris.analyze(
            spec,
            design.unit,
            y,
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            num_levels=MORRIS_LEVELS,
            seed=e.seed,
        )
    rng = np.random.default_rng(e.seed)
    pairs = [_spearman(design.unit[:, i], y, rng) for i in range(n)]  # type: ignore[index]
    return {
        "spearman": np.array([v for v, _ in pairs]),
        "spearman_conf": np.array([c for _, c in pairs]),
    }


def indices(e: Experiment, design: Design, kpis: pl.DataFrame) -> pl.DataFrame | None:
    """Sensitivity indices of every factor on every KPI (factor, kpi, measure, value, conf),
    or None for a design without indices (grid, OAT). A KPI undefined at some point (e.g.
    retention in a run too short to observe it) gets NaN indices."""
    if e.design not in MEASURES:
        return None
    rows = []
    for kpi in e.kpis:
        y = _y(kpis, kpi, design.size)
        result = None if np.isnan(y).any() else _analyse(e, design, y)
        for measure in MEASURES[e.design]:
            for i, factor in enumerate(e.factors):
                value = conf = float("nan")
                if result is not None:
                    value = float(np.asarray(result[measure])[i])
                    if f"{measure}_conf" in result:
                        conf = float(np.asarray(result[f"{measure}_conf"])[i])
                    else:
                        conf = None  # type: ignore[assignment]
                rows.append((factor, kpi, measure, value, conf))
    return pl.DataFrame(rows, schema=INDICES_SCHEMA, orient="row")
