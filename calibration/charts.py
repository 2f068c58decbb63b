"""Charts of a calibration (Altair): the fit with its hold-out, the search, the importance."""

from __future__ import annotations

import altair as alt
import polars as pl

from sim.report.charts.theme import BRAND_COLORS, HEIGHT, WIDTH

__all__ = ["fit_chart", "history_chart", "importance_chart"]

# The house palette (Okabe-Ito): the model in blue, the baseline in vermillion, data in black.
JOURNEY, SBG, OBSERVED = BRAND_COLORS[0], BRAND_COLORS[-1], "#000000"


def fit_chart(
    forecast: pl.DataFrame,
    observed: pl.DataFrame,
    sbg: pl.DataFrame,
    fit_end: int,
    title: str,
    size: int | None = None,
) -> alt.LayerChart:
    """Observed retention (filled: fitted, hollow: held out) against the journey model's forecast
    and its 90 % prediction band for a cohort of `size`, and the sBG baseline's curve."""
    x = alt.X("period:Q", title="Renewal periods since acquisition", axis=alt.Axis(tickMinStep=1))
    y_title = "Customers retained"
    band = (
        alt.Chart(forecast.drop_nulls("mean"))
        .mark_area(opacity=0.25, color=JOURNEY)
        .encode(x=x, y=alt.Y("lower:Q", title=y_title, axis=alt.Axis(format="%")), y2="upper:Q")
    )
    tooltip = [
        alt.Tooltip("period:Q", title="period"),
        alt.Tooltip("mean:Q", title="journey model", format=".1%"),
        alt.Tooltip("lower:Q", title="5 %", format=".1%"),
        alt.Tooltip("upper:Q", title="95 %", format=".1%"),
    ]
    mean = (
        alt.Chart(forecast.drop_nulls("mean"))
        .mark_line(color=JOURNEY, point=True)
        .encode(x=x, y="mean:Q", tooltip=tooltip)
    )
    base = (
        alt.Chart(sbg)
        .mark_line(color=SBG, strokeDash=[6, 4])
        .encode(x=x, y="retained:Q", tooltip=[alt.Tooltip("retained:Q", title="sBG", format=".1%")])
    )
    points = observed.with_columns(
        use=pl.when(pl.col("period") <= fit_end)
        .then(pl.lit("fitted"))
        .otherwise(pl.lit("held out"))
    )
    obs = (
        alt.Chart(points)
        .mark_point(size=70, color=OBSERVED, strokeWidth=2)
        .encode(
            x=x,
            y="retained:Q",
            fill=alt.Fill(
                "use:N",
                scale=alt.Scale(domain=["fitted", "held out"], range=[OBSERVED, "white"]),
                legend=alt.Legend(title="Observed"),
            ),
            tooltip=[
                alt.Tooltip("period:Q"),
                alt.Tooltip("retained:Q", title="observed", format=".1%"),
                alt.Tooltip("use:N", title="used as"),
            ],
        )
    )
    return alt.layer(band, mean, base, obs).properties(
        title=alt.Title(
            title,
            subtitle="Blue: journey model (band: 90 % prediction interval for a cohort of "
            + (f"{size:,}" if size else "the observed size")
            + "); orange dashes: sBG baseline; dots: observed",
        ),
        width=WIDTH,
        height=HEIGHT,
    )


def history_chart(trials: pl.DataFrame, threshold: float | None) -> alt.LayerChart:
    """Loss of every completed trial in order, the best so far, and the largest loss among the
    trials that fit the data (the 90 % likelihood region; no line when none does)."""
    done = (
        trials.filter(pl.col("state") == "complete")
        .sort("trial")
        .with_columns(best=pl.col("loss").cum_min())
    )
    x = alt.X("trial:Q", title="Trial")
    y = alt.Y("loss:Q", title="Loss (RMSE, percentage points)", scale=alt.Scale(type="log"))
    dots = (
        alt.Chart(done)
        .mark_circle(size=25, color=JOURNEY, opacity=0.6)
        .encode(x=x, y=y, tooltip=["trial:Q", alt.Tooltip("loss:Q", format=".2f")])
    )
    best = alt.Chart(done).mark_line(color=SBG, interpolate="step-after").encode(x=x, y="best:Q")
    line = pl.DataFrame(
        {"accept": [] if threshold is None else [threshold]}, schema={"accept": pl.Float64}
    )
    accept = alt.Chart(line).mark_rule(strokeDash=[4, 4], color="gray").encode(y="accept:Q")
    return alt.layer(dots, best, accept).properties(
        title=alt.Title(
            "Optimisation history",
            subtitle="Dots: trials; line: best so far; dashes: the worst trial still inside the "
            "90 % likelihood region",
        ),
        width=WIDTH,
        height=HEIGHT,
    )


def importance_chart(importances: dict[str, float]) -> alt.Chart:
    """Share of the loss's variance each parameter explains (Optuna's fANOVA)."""
    frame = pl.DataFrame(
        {"parameter": list(importances), "importance": list(importances.values())},
        schema={"parameter": pl.String, "importance": pl.Float64},
    )
    return (
        alt.Chart(frame)
        .mark_bar(color=JOURNEY)
        .encode(
            x=alt.X(
                "importance:Q",
                title="Importance (share of loss variance)",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("parameter:N", sort="-x", title=None),
            tooltip=["parameter:N", alt.Tooltip("importance:Q", format=".1%")],
        )
        .properties(
            title="Parameter importance (fANOVA)", width=WIDTH, height=30 * max(len(frame), 1)
        )
    )
