"""Satisfaction and word of mouth: how satisfied customers are at the end of the run, and how
much positive and negative talk goes around over time."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_chart, per_period, series
from sim.report.charts.theme import brand_scale
from sim.running.aggregation import bands

__all__ = ["VALENCE_COLORS", "satisfaction_chart", "satisfaction_frame", "wom_chart"]

VALENCE_COLORS = {"positive": "#009E73", "negative": "#D55E00"}


def satisfaction_frame(satisfaction: pl.DataFrame, brands: Sequence[str]) -> pl.DataFrame:
    """Share of each brand's customers in each satisfaction bin at the end: brand, bin, mean,
    lower, upper over replications (bins a replication lacks count as zero)."""
    present = satisfaction.filter(pl.col("brand").is_in(list(brands)))
    grid = (
        present.select("replication", "brand")
        .unique()
        .join(present.select("bin").unique(), how="cross")
    )
    shares = (
        grid.join(present, on=["replication", "brand", "bin"], how="left")
        .with_columns(pl.col("customers").fill_null(0))
        .with_columns(
            value=pl.col("customers") / pl.col("customers").sum().over("replication", "brand")
        )
    )
    return bands(shares, ["brand", "bin"])


def satisfaction_chart(satisfaction: pl.DataFrame, brands: Sequence[str]) -> alt.LayerChart:
    """Distribution of customers' satisfaction at the end of the run, per brand."""
    chart = band_chart(
        satisfaction_frame(satisfaction, brands),
        x="bin",
        color="brand",
        scale=brand_scale(brands),
        title="Customer satisfaction at the end",
        subtitle="share of customers by satisfaction (0 = as expected; right of 0: satisfied, "
        "they talk positively); band: 90 % of replications",
        x_title="Satisfaction (bin of 0.25, lower edge)",
        y_title="Share of customers (%)",
        y_format=".0%",
    )
    zero = alt.Chart(pl.DataFrame({"bin": [0.0]})).mark_rule(color="#888", strokeDash=[2, 2])
    chart.layer = [*chart.layer, zero.encode(x="bin:Q")]
    return chart


def wom_chart(metrics: pl.DataFrame, period: int, unit: str = "step") -> alt.LayerChart:
    """Positive and negative word-of-mouth talks per period of `period` steps."""
    talks = per_period(series(metrics, "wom"), period, ["detail"]).rename({"detail": "valence"})
    scale = alt.Scale(domain=list(VALENCE_COLORS), range=list(VALENCE_COLORS.values()))
    return band_chart(
        bands(talks, ["step", "valence"]),
        color="valence",
        scale=scale,
        title="Word of mouth",
        subtitle=f"talks per {period} {unit}s by customers to their ties; positive when "
        "satisfied; band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title=f"Talks per {period} {unit}s",
    )
