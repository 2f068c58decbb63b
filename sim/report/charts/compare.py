"""Scenario comparison: each KPI's difference from the baseline with its 90 % interval
(dot and whisker), and time series of several scenarios as fan charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_chart, band_tooltips
from sim.report.charts.theme import (
    BETTER_COLOR,
    WIDTH,
    dash_scale,
    dimmed,
    highlight,
    scenario_scale,
    shape_scale,
)
from sim.running.aggregation import bands

__all__ = ["better_label", "difference_chart", "fan_chart", "scenario_bands"]


def better_label(kpi: str, better: int) -> str:
    """A KPI's row label with the side of zero that is good: 'Margin  (better →)'."""
    return f"{kpi}  (better \u2192)" if better > 0 else f"{kpi}  (\u2190 better)"


def _better_side(better: int) -> alt.Chart:
    """A light shading from zero to the right edge of each row whose higher values are better
    (`better` 1), or to the left edge where lower ones are (-1); invisible in other rows, so
    every row keeps data to draw (an empty layer in a facet warns of an infinite extent)."""
    edge = alt.value("width") if better > 0 else alt.value(0)
    return (
        alt.Chart()
        .mark_rect(color=BETTER_COLOR)
        .encode(
            x="zero:Q",
            x2=edge,
            opacity=alt.condition(alt.datum.better == better, alt.value(0.08), alt.value(0.0)),
        )
        .transform_filter(alt.datum.first_of_kpi == True)  # noqa: E712
    )


def difference_chart(diffs: pl.DataFrame, scenarios: Sequence[str]) -> alt.FacetChart:
    """One row per KPI: each scenario's difference from the baseline per brand (dot) with its
    90 % interval (whisker). `diffs` has scenario, brand, kpi (label with unit), mean, lower,
    upper; `scenarios` lists every scenario, the baseline first, so colours match other charts.

    With a `better` column (+1 where higher is better, -1 for a cost, per `sim.report.kpis`),
    each row's label says which side is better and that side of zero is shaded: right of the
    line is higher, and a higher acquisition cost is bad news."""
    pick = highlight("scenario")
    shown = scenarios[1:]
    data = diffs.with_columns(zero=pl.lit(0.0))
    layers: list[alt.Chart] = []
    if "better" in data.columns:
        data = data.with_columns(
            kpi=pl.struct("kpi", "better").map_elements(
                lambda r: better_label(r["kpi"], r["better"]), return_dtype=pl.String
            ),
            first_of_kpi=pl.int_range(pl.len()).over("kpi") == 0,
        )
        layers += [_better_side(b) for b in (1, -1) if (data["better"] == b).any()]
    base = alt.Chart().encode(
        y=alt.Y("brand:N", title=None),
        yOffset=alt.YOffset("scenario:N", sort=list(scenarios)),
        color=alt.Color(
            "scenario:N", scale=scenario_scale(scenarios, shown=shown), title="scenario"
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
        .encode(
            x="mean:Q",
            shape=alt.Shape(
                "scenario:N", scale=shape_scale(scenarios, shown=shown), title="scenario"
            ),
            opacity=dimmed(pick),
        )
        .add_params(pick)
    )
    return (
        alt.layer(*layers, zero, whisker, dot, data=data)
        .properties(width=WIDTH - 120, height=alt.Step(14))
        .facet(
            row=alt.Row(
                "kpi:N",
                title=None,
                sort=list(dict.fromkeys(data["kpi"])),
                header=alt.Header(
                    labelAngle=0, labelAlign="left", labelOrient="top", labelFontWeight="bold"
                ),
            )
        )
        .resolve_scale(x="independent")
        .properties(
            title=alt.TitleParams(
                "Difference from the baseline",
                subtitle="scenario minus baseline per brand; dot: mean, whisker: 90 % interval; "
                "shaded: the better side",
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
        dash=dash_scale(scenarios),
    )
