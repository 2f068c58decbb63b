"""Scenario against baseline: each KPI's difference with its 90 % interval.

Runs made with the same seed share their random numbers replication by replication (common
random numbers, see `sim.running.seeds`), so the difference is taken per replication, pairing
replication i of the scenario with replication i of the baseline: the noise both share cancels
and the interval is tight. Runs with different seeds or replication counts are not paired:
every replication of one is compared with every replication of the other.

The return on spend asks what the money a scenario spends on top of the baseline brings back:
the margin it gains per unit of extra touchpoint spending (`return_on_spend`).
"""

from __future__ import annotations

import polars as pl

from sim.running import RunResult
from sim.running.aggregation import LOWER, UPPER, bands, stable_group_by
from sim.running.kpis import touchpoint_spend

__all__ = ["MIN_EXTRA_SPEND", "can_pair", "differences", "return_on_spend", "spending"]

MIN_EXTRA_SPEND = 0.05
"""Extra spending below this share of the baseline's counts as none: a quality change that
brings a few more onboarding contacts has no meaningful return on spend (its margin says it
all); a campaign worth weighing moves the spending more than that."""


def can_pair(base: RunResult, other: RunResult) -> bool:
    """Whether replication i of both runs drew the same random streams."""
    return base.seed == other.seed and base.replications == other.replications


def spending(result: RunResult) -> pl.DataFrame:
    """What all of a brand's touchpoints cost over the run, per replication (0 for a brand
    without touchpoints): replication, brand, kpi ('spend'), value."""
    grid = pl.DataFrame(
        {
            "replication": pl.Series(range(result.replications), dtype=pl.Int32),
        }
    ).join(pl.DataFrame({"brand": result.scenario.brand_names}), how="cross")
    total = (
        touchpoint_spend(result)
        .pipe(stable_group_by, "replication", "brand")
        .agg(value=pl.col("value").sum())
    )
    return grid.join(total, on=["replication", "brand"], how="left").select(
        "replication", "brand", kpi=pl.lit("spend"), value=pl.col("value").fill_null(0.0)
    )


def _pairs(base: pl.DataFrame, other: pl.DataFrame, paired: bool) -> pl.DataFrame:
    """Scenario rows joined with the baseline's (`value_base`) by brand and KPI, by replication
    when paired, else every replication with every one (`replication_base` saying which)."""
    keys = ["brand", "kpi"]
    b = base.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    o = other.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    if paired:
        return o.join(b, on=["replication", *keys], suffix="_base")
    return o.join(b.rename({"replication": "replication_base"}), on=keys, suffix="_base")


def return_on_spend(base: pl.DataFrame, other: pl.DataFrame, *, paired: bool) -> pl.DataFrame:
    """Margin gained per unit of extra touchpoint spending, scenario against baseline, per brand.

    `base` and `other` are KPI frames (replication, brand, kpi, value) holding `margin` and
    `spend` (`spending`). Returns brand, base_spend, extra_spend, extra_margin (mean
    differences), mean (extra_margin / extra_spend; null when the extra spending is below
    `MIN_EXTRA_SPEND` of the baseline's, or negative), lower and upper (5th and 95th percentile
    of the pairs' own ratios; null unless every pair spends more than the baseline).
    """
    wanted = pl.col("kpi").is_in(["margin", "spend"])
    pairs = _pairs(base.filter(wanted), other.filter(wanted), paired).with_columns(
        diff=pl.col("value") - pl.col("value_base")
    )
    pair_keys = ["brand", "replication"] + ([] if paired else ["replication_base"])
    wide = pairs.pivot(on="kpi", index=pair_keys, values="diff").rename(
        {"margin": "d_margin", "spend": "d_spend"}
    )
    base_spend = (
        base.filter(pl.col("kpi") == "spend")
        .pipe(stable_group_by, "brand")
        .agg(base_spend=pl.col("value").mean())
    )
    ratio = pl.col("d_margin") / pl.col("d_spend")
    summary = (
        stable_group_by(wide, "brand")
        .agg(
            extra_spend=pl.col("d_spend").mean(),
            extra_margin=pl.col("d_margin").mean(),
            all_spend_more=(pl.col("d_spend") > 0).all(),
            lower=ratio.quantile(LOWER, interpolation="linear"),
            upper=ratio.quantile(UPPER, interpolation="linear"),
        )
        .join(base_spend, on="brand", how="left")
        .sort("brand")
    )
    counts = pl.col("extra_spend") > MIN_EXTRA_SPEND * pl.col("base_spend").abs().fill_null(0.0)
    defined = counts & (pl.col("extra_spend") > 0)
    interval = defined & pl.col("all_spend_more")
    return summary.select(
        "brand",
        "base_spend",
        "extra_spend",
        "extra_margin",
        mean=pl.when(defined).then(pl.col("extra_margin") / pl.col("extra_spend")),
        lower=pl.when(interval).then(pl.col("lower")),
        upper=pl.when(interval).then(pl.col("upper")),
    )


def differences(base: pl.DataFrame, other: pl.DataFrame, *, paired: bool) -> pl.DataFrame:
    """KPI frames (replication, brand, kpi, value) to other - base per brand and KPI:
    brand, kpi, mean, lower, upper (5th and 95th percentile of the differences), paired.

    Replications where a KPI is undefined (e.g. retention not yet observed) are left out.
    """
    keys = ["brand", "kpi"]
    diff = _pairs(base, other, paired).with_columns(value=pl.col("value") - pl.col("value_base"))
    return bands(diff, keys).with_columns(paired=pl.lit(paired))
