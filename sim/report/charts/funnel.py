"""The funnel: from a need arising to research, first encounter, purchase, satisfaction,
reviewing and retention, with the conversion at each step and its 90 % interval.

Counted over the whole run and all brands, per replication. The model's journey is not a strict
funnel (a shopper who does not read reviews still chooses; one who does not convert may research
again), so each stage names the stage it converts from:

- need arose: shopping trips started (out of <ZMOT, or a churned customer shopping again);
- read reviews: trips x the share of ZMOT visits in which the shopper read reviews;
- first encounter: trips that reached FMOT (encounters less retries);
- purchased: acquisitions;
- satisfied: purchases x the share of customers satisfied (satisfaction >= 0) at the end;
- posted a review: purchases x the share of customers who posted at least one review;
- retained: purchases x the share of customers still active 12 periods after acquisition.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from sim.report.charts.bands import band_tooltips, series
from sim.report.kpis import RETENTION_PERIOD
from sim.running.aggregation import bands
from sim.running.retention import pooled_retention

__all__ = ["STAGES", "funnel_chart", "funnel_frame", "funnel_stages"]

# stage -> the stage it converts from
STAGES: dict[str, str | None] = {
    "need arose": None,
    "read reviews": "need arose",
    "first encounter": "need arose",
    "purchased": "first encounter",
    "satisfied": "purchased",
    "posted a review": "purchased",
    f"retained {RETENTION_PERIOD} periods": "purchased",
}


def _flows(metrics: pl.DataFrame) -> pl.DataFrame:
    """Run totals per replication: one column per edge, plus researched and acquisitions."""
    flows = series(metrics, "flow").select("replication", "detail", "value")
    other = metrics.filter(pl.col("metric").is_in(["researched", "acquisitions"])).select(
        "replication", detail=pl.col("metric"), value=pl.col("value")
    )
    return (
        pl.concat([flows, other])
        .group_by("replication", "detail")
        .agg(pl.col("value").sum())
        .pivot(on="detail", index="replication", values="value")
        .sort("replication")
    )


def funnel_stages(
    metrics: pl.DataFrame,
    cohorts: pl.DataFrame,
    reviews: pl.DataFrame,
    satisfaction: pl.DataFrame,
) -> pl.DataFrame:
    """Per replication and stage: the count reaching the stage over the run (see the module)."""
    f = _flows(metrics)
    c = pl.col

    def edge(name: str) -> pl.Expr:
        return c(name) if name in f.columns else pl.lit(0.0)

    trips = edge("pre_zmot>zmot") + edge("pre_zmot>fmot") + edge("pre_zmot>smot")
    trips = trips + edge("smot>zmot") + edge("umot>zmot")
    zmot_visits = edge("pre_zmot>zmot") + edge("fmot>zmot") + edge("smot>zmot") + edge("umot>zmot")
    encounters = (
        edge("pre_zmot>fmot")
        + edge("zmot>fmot")
        - edge("fmot>zmot")
        + edge("pre_zmot>smot")
        + edge("zmot>smot")
    )
    base = f.select(
        "replication",
        trips=trips,
        read=pl.when(zmot_visits > 0).then(trips * edge("researched") / zmot_visits).otherwise(0.0),
        encounters=encounters,
        purchased=edge("acquisitions"),
    )
    # customers ever: those at the start (customers at step 1 less that step's net gain) and
    # every acquisition; shares below are of customers
    start = (
        metrics.filter((c("step") == 1) & c("metric").is_in(["customers", "acquisitions", "churn"]))
        .group_by("replication")
        .agg(
            initial=(
                pl.when(c("metric") == "customers")
                .then(c("value"))
                .when(c("metric") == "acquisitions")
                .then(-c("value"))
                .otherwise(c("value"))
            ).sum()
        )
    )
    reviewers = reviews.group_by("replication").agg(
        reviewers=pl.struct("author", "brand").n_unique().cast(pl.Float64)
    )
    satisfied = satisfaction.group_by("replication").agg(
        satisfied=c("customers").filter(c("bin") >= 0).sum() / c("customers").sum()
    )
    retained = (
        pooled_retention(cohorts.drop("brand"))
        .filter(pl.col("period") == RETENTION_PERIOD)
        .drop("period")
        if cohorts.height
        else pl.DataFrame(schema={"replication": pl.Int32, "retained": pl.Float64})
    )
    joined = (
        base.join(start, on="replication", how="left")
        .join(reviewers, on="replication", how="left")
        .join(satisfied, on="replication", how="left")
        .join(retained, on="replication", how="left")
        .with_columns(c("reviewers").fill_null(0.0))
    )
    ever = c("initial") + c("purchased")
    names = list(STAGES)
    counts = joined.select(
        "replication",
        *(
            expr.alias(name)
            for name, expr in zip(
                names,
                [
                    c("trips"),
                    c("read"),
                    c("encounters"),
                    c("purchased"),
                    c("purchased") * c("satisfied"),
                    c("purchased") * pl.min_horizontal(c("reviewers") / ever, pl.lit(1.0)),
                    c("purchased") * c("retained"),
                ],
                strict=True,
            )
        ),
    )
    return counts.unpivot(index="replication", variable_name="stage", value_name="count")


def funnel_frame(stages: pl.DataFrame) -> pl.DataFrame:
    """Stage counts per replication to: stage, order, parent, count (mean, lower, upper) and
    conversion from the parent stage (conversion, conversion_lower, conversion_upper)."""
    parents = pl.DataFrame(
        {"stage": list(STAGES), "parent": list(STAGES.values()), "order": range(len(STAGES))}
    )
    with_parent = stages.join(parents, on="stage").join(
        stages.rename({"stage": "parent", "count": "parent_count"}),
        on=["replication", "parent"],
        how="left",
    )
    conversion = with_parent.with_columns(
        value=pl.when(pl.col("parent_count") > 0).then(pl.col("count") / pl.col("parent_count"))
    )
    counts = bands(stages.rename({"count": "value"}), ["stage"])
    rates = bands(conversion, ["stage"]).rename(
        {"mean": "conversion", "lower": "conversion_lower", "upper": "conversion_upper"}
    )
    return (
        parents.join(counts, on="stage", how="left")
        .join(rates, on="stage", how="left")
        .filter(pl.col("mean").is_not_null())
        .sort("order")
    )


def funnel_chart(frame: pl.DataFrame) -> alt.LayerChart:
    """Horizontal funnel: count at each stage with 90 % whiskers, conversion written beside."""
    frame = frame.with_columns(
        label=pl.when(pl.col("parent").is_null())
        .then(pl.lit(""))
        .otherwise(
            pl.format(
                "{}% of {} ({} to {}%)",
                (pl.col("conversion") * 100).round(1),
                pl.col("parent"),
                (pl.col("conversion_lower") * 100).round(1),
                (pl.col("conversion_upper") * 100).round(1),
            )
        )
    )
    order = frame["stage"].to_list()
    base = alt.Chart(frame).encode(
        y=alt.Y("stage:N", sort=order, title=None),
        tooltip=[
            alt.Tooltip("stage:N"),
            *band_tooltips(",.0f", "count (mean)"),
            alt.Tooltip("parent:N", title="converts from"),
            alt.Tooltip("conversion:Q", format=".1%", title="conversion (mean)"),
            alt.Tooltip("conversion_lower:Q", format=".1%", title="conversion 5th pct"),
            alt.Tooltip("conversion_upper:Q", format=".1%", title="conversion 95th pct"),
        ],
    )
    bars = base.mark_bar(color="#0072B2").encode(
        x=alt.X("mean:Q", title="Consumers over the run (all brands)")
    )
    whiskers = base.mark_rule(color="black").encode(x="lower:Q", x2="upper:Q")
    text = base.mark_text(align="left", dx=6, fontSize=11).encode(x="upper:Q", text="label:N")
    return alt.layer(bars, whiskers, text).properties(
        title=alt.TitleParams(
            "The funnel",
            subtitle="how many reach each stage over the run, and the conversion from the "
            "stage named (90 % interval in brackets)",
        ),
        width=420,
        height=alt.Step(28),
    )
