"""The moments-of-truth charts: a tornado of every change's effect, and what each touchpoint's
spending earns against what it costs."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.theme import WIDTH, dimmed, highlight

__all__ = ["CHANGE_COLORS", "spend_chart", "tornado_chart"]

CHANGE_COLORS = {"remove": "#c0392b", "better": "#2e86c1", "consistent": "#17a589"}


def _change_scale(changes: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(changes), range=[CHANGE_COLORS[c] for c in changes])


def tornado_chart(rows: pl.DataFrame, title: str, unit: str) -> alt.LayerChart:
    """Effect of each change per target (dot) with its 90 % interval (whisker), targets sorted
    by the size of their largest effect. `rows` has label, change, mean, lower, upper, shown
    in display units."""
    order = (
        rows.group_by("label")
        .agg(size=pl.col("mean").abs().max())
        .sort("size", descending=True)["label"]
        .to_list()
    )
    changes = [c for c in CHANGE_COLORS if c in set(rows["change"])]
    pick = highlight("change")
    base = alt.Chart().encode(
        y=alt.Y("label:N", sort=order, title=None),
        yOffset=alt.YOffset("change:N", sort=changes),
        color=alt.Color("change:N", scale=_change_scale(changes), title="change"),
        tooltip=[
            alt.Tooltip("label:N", title="target"),
            alt.Tooltip("change:N"),
            alt.Tooltip("mean:Q", format=",.3~f", title=f"effect (mean){unit}"),
            alt.Tooltip("lower:Q", format=",.3~f", title="90 % low"),
            alt.Tooltip("upper:Q", format=",.3~f", title="90 % high"),
        ],
    )
    zero = alt.Chart().mark_rule(color="#888").encode(x="zero:Q")
    whisker = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lower:Q", title=f"Change against the unchanged scenario{unit}"),
        x2="upper:Q",
        opacity=dimmed(pick),
    )
    dot = (
        base.mark_point(filled=True, size=60)
        .encode(x="mean:Q", opacity=dimmed(pick))
        .add_params(pick)
    )
    return alt.layer(zero, whisker, dot, data=rows.with_columns(zero=pl.lit(0.0))).properties(
        width=WIDTH - 160,
        height=alt.Step(10 * max(1, len(changes))),
        title=alt.TitleParams(
            title, subtitle="dot: mean paired difference; whisker: 90 % interval"
        ),
    )


def spend_chart(rows: pl.DataFrame) -> alt.LayerChart:
    """Per touchpoint: its spending over the run (x) against the revenue lost without it (y),
    with the 90 % interval; above the diagonal a touchpoint earns more than it costs. `rows`
    has label, spend, mean, lower, upper."""
    top = float(max(rows["spend"].max() or 0.0, rows["upper"].max() or 0.0, 1.0))
    diagonal = pl.DataFrame({"spend": [0.0, top], "mean": [0.0, top]})
    line = (
        alt.Chart(diagonal)
        .mark_line(color="#888", strokeDash=[4, 4])
        .encode(x="spend:Q", y="mean:Q")
    )
    base = alt.Chart(rows).encode(
        x=alt.X("spend:Q", title="Spending on the touchpoint over the run"),
        tooltip=[
            alt.Tooltip("label:N", title="touchpoint"),
            alt.Tooltip("spend:Q", format=",.0f"),
            alt.Tooltip("mean:Q", format=",.0f", title="revenue at stake (mean)"),
            alt.Tooltip("lower:Q", format=",.0f", title="90 % low"),
            alt.Tooltip("upper:Q", format=",.0f", title="90 % high"),
        ],
    )
    whisker = base.mark_rule(strokeWidth=2, color="#2e86c1").encode(
        y=alt.Y("lower:Q", title="Revenue lost without it"), y2="upper:Q"
    )
    dot = base.mark_point(filled=True, size=70, color="#2e86c1").encode(y="mean:Q")
    text = base.mark_text(align="left", dx=7, dy=-7).encode(y="mean:Q", text="label:N")
    return alt.layer(line, whisker, dot, text).properties(
        width=WIDTH - 160,
        height=320,
        title=alt.TitleParams(
            "What each touchpoint earns against what it costs",
            subtitle="above the dashed line a touchpoint brings in more revenue than it costs",
        ),
    )
