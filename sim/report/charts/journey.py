"""The journey over time: consumers in each moment of truth, and the flows between moments."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from sim.engine.journey import Moment
from sim.report.charts.bands import band_tooltips, series
from sim.report.charts.theme import HEIGHT, WIDTH, dimmed, highlight, moment_scale
from sim.running.aggregation import bands

__all__ = ["MOMENT_NAMES", "flows_chart", "flows_frame", "moments_chart", "moments_frame"]

MOMENT_NAMES = {"pre_zmot": "<ZMOT", "zmot": "ZMOT", "fmot": "FMOT", "smot": "SMOT", "umot": "UMOT"}
_ORDER = [MOMENT_NAMES[m.label] for m in Moment]


def _named(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(MOMENT_NAMES, return_dtype=pl.String)


def moments_frame(metrics: pl.DataFrame) -> pl.DataFrame:
    """Consumers in each moment per step: step, moment, order, mean, lower, upper."""
    counts = series(metrics, "consumers").with_columns(moment=_named("detail"))
    return bands(counts, ["step", "moment"]).with_columns(
        order=pl.col("moment").replace_strict({m: i for i, m in enumerate(_ORDER)})
    )


def moments_chart(metrics: pl.DataFrame, unit: str = "step") -> alt.Chart:
    """Stacked area: how many consumers are in each moment at the end of each step."""
    pick = highlight("moment")
    return (
        alt.Chart(moments_frame(metrics))
        .mark_area()
        .encode(
            x=alt.X("step:Q", title=unit.capitalize()),
            y=alt.Y("mean:Q", stack="zero", title="Consumers (mean over replications)"),
            color=alt.Color("moment:N", scale=moment_scale(_ORDER), title="moment"),
            order=alt.Order("order:Q"),
            opacity=dimmed(pick, 0.9, 0.15),
            tooltip=[
                alt.Tooltip("moment:N"),
                alt.Tooltip("step:Q", title=unit),
                *band_tooltips(",.0f", "consumers (mean)"),
            ],
        )
        .add_params(pick)
        .properties(
            title=alt.TitleParams(
                "Where consumers are in the journey",
                subtitle="consumers in each moment of truth at the end of each step",
            ),
            width=WIDTH,
            height=HEIGHT,
        )
    )


def flows_frame(metrics: pl.DataFrame) -> pl.DataFrame:
    """Moves along each edge of the journey over the whole run: source, target, mean, lower,
    upper (over replications). Edges nobody took in any replication are left out."""
    moves = (
        series(metrics, "flow")
        .group_by("replication", "detail")
        .agg(pl.col("value").sum())
        .with_columns(pl.col("detail").str.split_exact(">", 1).struct.rename_fields(["a", "b"]))
        .unnest("detail")
        .with_columns(source=_named("a"), target=_named("b"))
    )
    return bands(moves, ["source", "target"]).filter(pl.col("upper") > 0)


def flows_chart(metrics: pl.DataFrame) -> alt.LayerChart:
    """Matrix of moves between moments over the run: row = from, column = to."""
    frame = flows_frame(metrics)
    # white text on the darker cells (the colour scale is symmetric-log, so compare logs)
    threshold = 0.6 * math.log1p(frame["mean"].max() or 0.0)
    frame = frame.with_columns(dark=pl.col("mean").log1p() > threshold)
    base = alt.Chart(frame).encode(
        x=alt.X(
            "target:N", sort=_ORDER, title="to moment", axis=alt.Axis(orient="top", labelAngle=0)
        ),
        y=alt.Y("source:N", sort=_ORDER, title="from moment"),
        tooltip=[
            alt.Tooltip("source:N", title="from"),
            alt.Tooltip("target:N", title="to"),
            *band_tooltips(",.0f", "moves (mean)"),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "mean:Q",
            scale=alt.Scale(scheme="blues", type="symlog"),
            title="moves over the run",
        )
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("mean:Q", format=",.0f"),
        color=alt.when(alt.datum.dark).then(alt.value("white")).otherwise(alt.value("black")),
    )
    return alt.layer(cells, text).properties(
        title=alt.TitleParams(
            "Moves between moments",
            subtitle="consumers moving along each edge over the whole run (mean over replications)",
        ),
        width=WIDTH * 0.7,
        height=HEIGHT * 0.8,
    )
