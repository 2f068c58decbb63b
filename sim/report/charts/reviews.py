"""Reviews: the distribution of star ratings (the J shape of self-selected posting) and each
brand's average rating and review volume over time."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_chart, band_tooltips, per_period, series
from sim.report.charts.theme import HEIGHT, WIDTH, brand_scale, dimmed, highlight
from sim.running.aggregation import bands

__all__ = ["rating_chart", "stars_chart", "stars_frame", "volume_chart"]


def stars_frame(reviews: pl.DataFrame, brands: Sequence[str]) -> pl.DataFrame:
    """Share of each brand's reviews at each star (1-5): brand, stars, mean, lower, upper over
    replications (a replication without reviews of a brand does not count for it)."""
    counts = reviews.group_by("replication", "brand", "stars").agg(n=pl.len())
    grid = (
        counts.select("replication", "brand")
        .unique()
        .join(
            pl.DataFrame({"stars": pl.Series(range(1, 6), dtype=counts["stars"].dtype)}),
            how="cross",
        )
    )
    shares = (
        grid.join(counts, on=["replication", "brand", "stars"], how="left")
        .with_columns(pl.col("n").fill_null(0))
        .with_columns(value=pl.col("n") / pl.col("n").sum().over("replication", "brand"))
    )
    return bands(shares.filter(pl.col("brand").is_in(list(brands))), ["brand", "stars"])


def stars_chart(reviews: pl.DataFrame, brands: Sequence[str]) -> alt.LayerChart:
    """Grouped bars: share of reviews at each star per brand, with 90 % whiskers."""
    pick = highlight("brand")
    base = alt.Chart(stars_frame(reviews, brands)).encode(
        x=alt.X("stars:O", title="Stars", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("brand:N", sort=list(brands)),
        color=alt.Color("brand:N", scale=brand_scale(brands), title="brand"),
        tooltip=[
            alt.Tooltip("brand:N"),
            alt.Tooltip("stars:O"),
            *band_tooltips(".1%", "share of reviews (mean)"),
        ],
    )
    bars = (
        base.mark_bar()
        .encode(
            y=alt.Y("mean:Q", title="Share of reviews (%)", axis=alt.Axis(format=".0%")),
            opacity=dimmed(pick, 0.9),
        )
        .add_params(pick)
    )
    whiskers = base.mark_rule(color="black").encode(
        y="lower:Q", y2="upper:Q", opacity=dimmed(pick, 0.8, 0.1)
    )
    return alt.layer(bars, whiskers).properties(
        title=alt.TitleParams(
            "How reviewers rate",
            subtitle="share of each brand's reviews at each star; whiskers: 90 % of replications",
        ),
        width=WIDTH,
        height=HEIGHT,
    )


def rating_chart(
    metrics: pl.DataFrame, brands: Sequence[str], unit: str = "step"
) -> alt.LayerChart:
    """The average rating each brand's review page shows, over time."""
    return band_chart(
        bands(series(metrics, "rating"), ["step", "brand"]),
        color="brand",
        scale=brand_scale(brands),
        title="Average rating shown",
        subtitle="the average of all reviews on each brand's page; band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title="Average rating (stars)",
        y_format=".2f",
    )


def volume_chart(
    metrics: pl.DataFrame, brands: Sequence[str], period: int, unit: str = "step"
) -> alt.LayerChart:
    """Reviews posted per period of `period` steps, per brand."""
    posted = per_period(series(metrics, "reviews"), period, ["brand"])
    return band_chart(
        bands(posted, ["step", "brand"]),
        color="brand",
        scale=brand_scale(brands),
        title="Reviews posted",
        subtitle=f"reviews posted per {period} {unit}s; band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title=f"Reviews per {period} {unit}s",
    )
