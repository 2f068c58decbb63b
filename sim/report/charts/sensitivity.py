"""Sensitivity of a KPI to an experiment's factors: the indices with their confidence intervals
(dot and whisker per factor), and the KPI against each factor (small multiples of the design's
points, each with the band of its replications)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_tooltips
from sim.report.charts.theme import BRAND_COLORS, WIDTH, dimmed, highlight

__all__ = ["MEASURE_COLORS", "factor_chart", "indices_chart"]

# Okabe-Ito as everywhere; the measures come headline first (ST, mu*, Spearman), in blue.
MEASURE_COLORS = BRAND_COLORS[:3]


def indices_chart(
    frame: pl.DataFrame,
    factors: Sequence[str],
    measures: Sequence[str],
    *,
    title: str,
    subtitle: str,
    x_title: str,
) -> alt.LayerChart:
    """One row per factor (in the order of `factors`, the most influential first): each
    measure's value (dot) with its confidence interval (whisker, where there is one).

    `frame` has factor, measure (as shown, one of `measures`), value, lower, upper (null where
    the measure has no interval). The legend selects a measure.
    """
    pick = highlight("measure")
    base = alt.Chart().encode(
        y=alt.Y("factor:N", sort=list(factors), title=None, axis=alt.Axis(labelLimit=320)),
        yOffset=alt.YOffset("measure:N", sort=list(measures)),
        color=alt.Color(
            "measure:N",
            scale=alt.Scale(domain=list(measures), range=list(MEASURE_COLORS[: len(measures)])),
            title="measure",
        ),
        tooltip=[
            alt.Tooltip("factor:N"),
            alt.Tooltip("measure:N"),
            alt.Tooltip("value:Q", format=",.3~f"),
            alt.Tooltip("lower:Q", format=",.3~f", title="interval from"),
            alt.Tooltip("upper:Q", format=",.3~f", title="interval to"),
        ],
    )
    zero = alt.Chart().mark_rule(color="#888").encode(x="zero:Q")
    whisker = (
        base.transform_filter("isValid(datum.lower)")
        .mark_rule(strokeWidth=2)
        .encode(x=alt.X("lower:Q", title=x_title), x2="upper:Q", opacity=dimmed(pick))
    )
    dot = (
        base.mark_point(filled=True, size=70)
        .encode(x=alt.X("value:Q", title=x_title), opacity=dimmed(pick))
        .add_params(pick)
    )
    return alt.layer(zero, whisker, dot, data=frame.with_columns(zero=pl.lit(0.0))).properties(
        title=alt.TitleParams(title, subtitle=subtitle),
        width=WIDTH - 200,
        height=alt.Step(14),
    )


def factor_chart(
    frame: pl.DataFrame,
    factors: Sequence[str],
    *,
    title: str,
    subtitle: str,
    y_title: str,
) -> alt.FacetChart:
    """One panel per factor: the KPI's mean at each point of the design against the factor's
    value there (dot), with the band of its replications (a vertical line from `lower` to
    `upper`).

    `frame` has point, factor (one of `factors`), x (the factor's value), mean, lower, upper.
    """
    columns = min(len(factors), 3)
    width = {1: WIDTH, 2: (WIDTH - 40) // 2}.get(columns, (WIDTH - 60) // 3)
    base = alt.Chart().encode(
        x=alt.X("x:Q", title=None, scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("point:Q", title="point"),
            alt.Tooltip("factor:N"),
            alt.Tooltip("x:Q", format=",.4~f", title="factor value"),
            *band_tooltips(",.4~f", "mean over replications"),
        ],
    )
    band = base.mark_rule(color=BRAND_COLORS[0], opacity=0.35, strokeWidth=2).encode(
        y=alt.Y("lower:Q", title=y_title, scale=alt.Scale(zero=False)), y2="upper:Q"
    )
    dot = base.mark_circle(color=BRAND_COLORS[0], size=36, opacity=0.8).encode(y="mean:Q")
    return (
        alt.layer(band, dot, data=frame)
        .properties(width=width, height=170)
        .facet(
            facet=alt.Facet(
                "factor:N",
                sort=list(factors),
                title=None,
                header=alt.Header(labelFontWeight="bold", labelLimit=width + 60),
            ),
            columns=columns,
        )
        .resolve_scale(x="independent")
        .properties(title=alt.TitleParams(title, subtitle=subtitle))
    )
