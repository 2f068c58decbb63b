"""Scenario comparison: each KPI's difference from the baseline with its 90 % interval
(dot and whisker), and time series of several scenarios as fan charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_chart, band_tooltips
from sim.report.charts.theme import WIDTH, dimmed, highlight, scenario_scale
from sim.running.aggregation import bands

__all__ = ["difference_chart", "fan_chart", "scenario_bands"]


def difference_chart(diffs: pl.DataFrame, scenarios: Sequence[str]) -> alt.FacetChart:
    """One row per KPI: each scenario's difference from the baseline per brand (dot) with its
    90 % interval (whisker). `diffs` has scenario, brand, kpi (label with unit), mean, lower,
    upper; `scenarios` lists every scenario, the baseline first, so colours match other charts."""
    pick = highlight("scenario")
    base = alt.Chart().encode(
        y=alt.Y("brand:N", title=None),
        yOffset=alt.YOffset("scenario:N", sort=list(scenarios)),
        color=alt.Color(
            "scenario:N", scale=scenario_scale(scenarios, shown=scenarios[1:]), title="scenario"
        ),
        tooltip=[
            alt.Tooltip("scenario:N"),
            alt.Tooltip("brand:N"),
            alt.Tooltip("kpi:N"),
            *band_tooltips(",.3~f", "difference (mean)"),
        ],
    )
    zero = alt.Chart().mark_rule(color="#888").encode(x="zero:Q")
    whisker = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lower:Q", title="Difference from the baseline"), x2="upper:Q", opacity=dimmed(pick)
    )
    dot = (
        base.mark_point(filled=True, size=70)
        .encode(x="mean:Q", opacity=dimmed(pick))
        .add_params(pick)
    )
    return (
        alt.layer(zero, whisker, dot, data=diffs.with_columns(zero=pl.lit(0.0)))
        .properties(width=WIDTH - 120, height=alt.Step(14))
        .facet(
            row=alt.Row(
                "kpi:N",
                title=None,
                sort=list(dict.fromkeys(diffs["kpi"])),
                header=alt.Header(
                    labelAngle=0, labelAlign="left", labelOrient="top", labelFontWeight="bold"
                ),
            )
        )
        .resolve_scale(x="independent")
        .properties(
            title=alt.TitleParams(
                "Difference from the baseline",
                subtitle="scenario minus baseline per brand; dot: mean, whisker: 90 % interval",
            )
        )
    )


def scenario_bands(
    runs: Mapping[str, pl.DataFrame], keys: Sequence[str] = ("step",)
) -> pl.DataFrame:
    """Per-replication frames by scenario name (replication, *keys, value) to the 90 % bands
    of each scenario: scenario, *keys, mean, lower, upper."""
    frames = [
        f.select(pl.lit(name).alias("scenario"), "replication", *keys, "value")
        for name, f in runs.items()
    ]
    return bands(pl.concat(frames), ["scenario", *keys])


def fan_chart(
    frame: pl.DataFrame,
    scenarios: Sequence[str],
    *,
    title: str,
    subtitle: str,
    y_title: str,
    x: str = "step",
    x_title: str = "Step",
    y_format: str = ",.0f",
) -> alt.LayerChart:
    """Fan chart: each scenario's mean over `x` with its 90 % band (from `scenario_bands`)."""
    return band_chart(
        frame,
        x=x,
        color="scenario",
        scale=scenario_scale(scenarios),
        title=title,
        subtitle=subtitle,
        x_title=x_title,
        y_title=y_title,
        y_format=y_format,
    )
