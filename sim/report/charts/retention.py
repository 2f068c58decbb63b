"""Cohort retention curves: the share of customers still active k periods after acquisition,
simulated (mean and 90 % band over replications) with observed retention drawn on top."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_tooltips
from sim.report.charts.theme import HEIGHT, WIDTH, brand_scale, dimmed, highlight
from sim.running.aggregation import bands, stable_group_by
from sim.running.retention import pooled_retention

__all__ = ["observed_curve", "retention_bands", "retention_chart"]


def retention_bands(cohorts: pl.DataFrame) -> pl.DataFrame:
    """Per brand and period: mean, lower and upper over replications of pooled retention
    (`sim.running.retention.pooled_retention`)."""
    keys = [c for c in ("brand",) if c in cohorts.columns]
    return bands(pooled_retention(cohorts), [*keys, "period"], value="retained")


def observed_curve(observed: pl.DataFrame) -> pl.DataFrame:
    """Observed (cohort, period, retained[, size][, brand]) to one curve per brand (or one):
    retention per period pooled over cohorts, weighted by size when given."""
    keys = [c for c in ("brand",) if c in observed.columns]
    retained = pl.col("retained")
    if "size" in observed.columns:
        retained = (retained * pl.col("size")).sum() / pl.col("size").sum()
    return (
        stable_group_by(observed, *keys, "period")
        .agg(retained=retained.mean(), cohorts=pl.len())
        .sort(*keys, "period")
    )


def retention_chart(
    simulated: pl.DataFrame,
    brands: Sequence[str],
    period_label: str = "period",
    observed: pl.DataFrame | None = None,
    title: str = "Cohort retention",
) -> alt.LayerChart:
    """Simulated retention curves (from `retention_bands`) per brand; observed points on top.

    `observed` has columns cohort, period, retained (a share), optionally size and brand.
    """
    pick = highlight("brand")
    x = alt.X("period:Q", title=f"{period_label.capitalize()}s since acquisition")
    base = alt.Chart(simulated).encode(
        x=x,
        color=alt.Color("brand:N", scale=brand_scale(brands), title="brand"),
        tooltip=[
            alt.Tooltip("brand:N"),
            alt.Tooltip("period:Q", title=f"{period_label}s"),
            *band_tooltips(".1%", "retained (mean)"),
        ],
    )
    y = alt.Y("lower:Q", title="Customers still active (%)", axis=alt.Axis(format=".0%"))
    layers: list[alt.Chart] = [
        base.mark_area().encode(y=y, y2="upper:Q", opacity=dimmed(pick, 0.22, 0.03)),
        base.mark_line(strokeWidth=2, point=True)
        .encode(y="mean:Q", opacity=dimmed(pick))
        .add_params(pick),
    ]
    subtitle = "share of an acquisition cohort still active; band: 90 % of replications"
    if observed is not None:
        seen = observed_curve(observed).with_columns(source=pl.lit("observed"))
        tooltip = [
            alt.Tooltip("source:N", title=" "),
            alt.Tooltip("period:Q", title=f"{period_label}s"),
            alt.Tooltip("retained:Q", format=".1%", title="retained"),
            alt.Tooltip("cohorts:Q", title="cohorts pooled"),
        ]
        by_brand = {"detail": "brand:N"} if "brand" in seen.columns else {}
        layers.append(
            alt.Chart(seen)
            .mark_line(color="black", strokeDash=[4, 3], point={"color": "black", "size": 40})
            .encode(x=x, y="retained:Q", tooltip=tooltip, **by_brand)
        )
        subtitle += "; black: observed"
    return alt.layer(*layers).properties(
        title=alt.TitleParams(title, subtitle=subtitle), width=WIDTH, height=HEIGHT
    )
