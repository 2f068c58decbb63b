"""Money: what each touchpoint costs, the revenue each brand earns, and the margin it builds up
(revenue less touchpoint spending, accumulated over the run)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_chart, band_tooltips, per_period, series
from sim.report.charts.theme import HEIGHT, WIDTH, brand_scale, dimmed, highlight
from sim.running.aggregation import bands, stable_group_by

__all__ = ["cost_chart", "cost_frame", "margin_chart", "margin_frame", "revenue_chart"]


def cost_frame(metrics: pl.DataFrame) -> pl.DataFrame:
    """Spending per touchpoint over the whole run: brand, touchpoint, mean, lower, upper."""
    spent = (
        series(metrics, "cost")
        .pipe(stable_group_by, "replication", "brand", "detail")
        .agg(pl.col("value").sum())
        .rename({"detail": "touchpoint"})
    )
    return bands(spent, ["brand", "touchpoint"])


def cost_chart(metrics: pl.DataFrame, brands: Sequence[str]) -> alt.LayerChart:
    """Horizontal bars: each touchpoint's spending over the run, with 90 % whiskers."""
    frame = cost_frame(metrics).with_columns(
        label=pl.col("brand") + pl.lit(" · ") + pl.col("touchpoint")
    )
    pick = highlight("brand")
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=frame["label"].to_list(), title=None),
        color=alt.Color("brand:N", scale=brand_scale(brands), title="brand"),
        tooltip=[
            alt.Tooltip("brand:N"),
            alt.Tooltip("touchpoint:N"),
            *band_tooltips(",.0f", "spent (mean)"),
        ],
    )
    bars = (
        base.mark_bar()
        .encode(
            x=alt.X("mean:Q", title="Spent over the run (currency units)"), opacity=dimmed(pick)
        )
        .add_params(pick)
    )
    whiskers = base.mark_rule(color="black").encode(x="lower:Q", x2="upper:Q")
    return alt.layer(bars, whiskers).properties(
        title=alt.TitleParams(
            "Touchpoint spending",
            subtitle="cost of all contacts over the run; whiskers: 90 % of replications",
        ),
        width=WIDTH,
        height=max(HEIGHT // 2, 18 * frame.height),
    )


def revenue_chart(
    metrics: pl.DataFrame, brands: Sequence[str], period: int, unit: str = "step"
) -> alt.LayerChart:
    """Revenue per period of `period` steps, per brand."""
    earned = per_period(series(metrics, "revenue"), period, ["brand"])
    return band_chart(
        bands(earned, ["step", "brand"]),
        color="brand",
        scale=brand_scale(brands),
        title="Revenue",
        subtitle=f"subscriptions and renewals paid per {period} {unit}s; "
        "band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title=f"Revenue per {period} {unit}s (currency units)",
    )


def margin_frame(metrics: pl.DataFrame) -> pl.DataFrame:
    """Cumulative margin (revenue less all touchpoint cost) per replication, brand and step."""
    money = (
        metrics.filter(pl.col("metric").is_in(["revenue", "cost"]))
        .with_columns(
            value=pl.when(pl.col("metric") == "cost").then(-pl.col("value")).otherwise("value")
        )
        .pipe(stable_group_by, "replication", "brand", "step")
        .agg(pl.col("value").sum())
        .sort("replication", "brand", "step")
    )
    return money.with_columns(pl.col("value").cum_sum().over("replication", "brand"))


def margin_chart(
    metrics: pl.DataFrame, brands: Sequence[str], unit: str = "step"
) -> alt.LayerChart:
    """Cumulative margin per brand over time."""
    return band_chart(
        bands(margin_frame(metrics), ["step", "brand"]),
        color="brand",
        scale=brand_scale(brands),
        title="Cumulative margin",
        subtitle="revenue less touchpoint spending, added up since the start; "
        "band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title="Cumulative margin (currency units)",
    )
