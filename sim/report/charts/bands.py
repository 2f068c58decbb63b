"""Series ready for charting, and the band-and-line chart most of them use.

Aggregation happens in polars before any chart is built (`sim.running.aggregation.bands`), so a
chart holds one row per point drawn (mean, 5th and 95th percentile), however many consumers and
replications were run.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.theme import HEIGHT, WIDTH, dimmed, highlight
from sim.running.aggregation import stable_group_by

__all__ = ["band_chart", "band_tooltips", "per_period", "series"]


def band_tooltips(fmt: str, mean_title: str) -> list[alt.Tooltip]:
    """Tooltips for a mean and its 90 % band: the `mean`, `lower` and `upper` of `bands`."""
    return [
        alt.Tooltip("mean:Q", format=fmt, title=mean_title),
        alt.Tooltip("lower:Q", format=fmt, title="5th percentile"),
        alt.Tooltip("upper:Q", format=fmt, title="95th percentile"),
    ]


def series(metrics: pl.DataFrame, metric: str) -> pl.DataFrame:
    """One metric's rows: replication, step, brand, detail, value."""
    return metrics.filter(pl.col("metric") == metric).drop("metric")


def per_period(frame: pl.DataFrame, period: int, keys: Sequence[str]) -> pl.DataFrame:
    """Sum `value` over periods of `period` steps; `step` becomes the period's last step.

    Flows such as revenue or reviews come in bursts (renewal days); a sum per period reads
    better than a jagged daily line. A last partial period is dropped.
    """
    last = frame["step"].max() if frame.height else 0
    full = (last // period) * period if last >= period else last
    return (
        frame.filter(pl.col("step") <= full)
        .with_columns(step=(((pl.col("step") - 1) // period) + 1) * period)
        .pipe(stable_group_by, "replication", "step", *keys)
        .agg(pl.col("value").sum())
    )


def band_chart(
    frame: pl.DataFrame,
    *,
    color: str,
    scale: alt.Scale,
    title: str,
    subtitle: str,
    x_title: str,
    y_title: str,
    x: str = "step",
    y_format: str = ",.0f",
    dash: alt.Scale | None = None,
) -> alt.LayerChart:
    """Mean line per `color` group over `x`, with its 90 % band; legend selects a group.

    `dash` (a scale on the same field, e.g. `theme.dash_scale`) also tells the lines apart by
    their dash, for more groups than there are colours."""
    pick = highlight(color)
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:Q", title=x_title),
        color=alt.Color(f"{color}:N", scale=scale, title=color),
        tooltip=[
            alt.Tooltip(f"{color}:N"),
            alt.Tooltip(f"{x}:Q", title=x_title),
            *band_tooltips(y_format, "mean"),
        ],
    )
    band = base.mark_area().encode(
        y=alt.Y("lower:Q", title=y_title, axis=alt.Axis(format=y_format)),
        y2="upper:Q",
        opacity=dimmed(pick, 0.22, 0.03),
    )
    line = base.mark_line(strokeWidth=2).encode(y="mean:Q", opacity=dimmed(pick))
    if dash is not None:
        line = line.encode(strokeDash=alt.StrokeDash(f"{color}:N", scale=dash, title=color))
    line = line.add_params(pick)
    return alt.layer(band, line).properties(
        title=alt.TitleParams(title, subtitle=subtitle), width=WIDTH, height=HEIGHT
    )
