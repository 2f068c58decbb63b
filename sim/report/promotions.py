"""What a promotion did: its take-up, the revenue it gave away, the acquisitions it won in its
window, the lower revenue per customer while discounts were paid, the churn wave when they
ended, and the net effect on customers and margin a year after it ended.

The effects are differences against a baseline run of the same market without the promotion,
taken replication by replication when both runs share their seed (common random numbers, as
`sim.report.comparison` does for the KPIs), each with its 90 % interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sim.report.comparison import can_pair
from sim.running import RunResult
from sim.running.aggregation import bands, stable_group_by
from sim.scenario import Scenario

__all__ = [
    "DIRECTION",
    "MEASURES",
    "Window",
    "effect_sentence",
    "fmt",
    "has_promotions",
    "promotion_effects",
    "promotion_measures",
    "windows",
]

STEPS_PER_YEAR = {"day": 365, "week": 52, "month": 12}

MEASURES: dict[str, str] = {
    "takeup_new": "new customers who took it",
    "takeup_existing": "existing customers who took it",
    "revenue_forgone": "revenue forgone (list price minus price paid)",
    "acquisitions_window": "acquisitions in the window",
    "revenue_per_customer": "revenue per customer while discounts are paid",
    "churn_wave": "churn when the discounts end",
    "rolloff_churn": "share leaving at the renewal where their discount ends",
    "customers_year_later": "customers a year after the promotion",
    "margin_year_later": "margin up to a year after the promotion",
}
"""What `promotion_measures` measures per replication, by name, with its label."""


@dataclass(frozen=True)
class Window:
    """The steps that matter for one promotion: its window, the steps in which discounted
    prices are paid, the renewals at which discounts end (the wave), a year after its end."""

    brand: str
    name: str
    start: int
    end: int
    discounted_until: int  # the last step a discounted price can be paid
    wave_start: int  # discounts end at renewals in [wave_start, wave_end]
    wave_end: int
    year_later: int


def windows(s: Scenario) -> list[Window]:
    """Every promotion of the scenario as a `Window`, in the order of the file."""
    period = s.retention.period
    out = []
    for brand, b in s.brands.items():
        for name, p in b.promotions.items():
            start, end = s.step_at(p.start), s.step_at(p.end)
            # new customers pay the list price again `periods` periods after joining; an
            # existing taker at the renewal after that, up to a period after hearing of it
            out.append(
                Window(
                    brand=brand,
                    name=name,
                    start=start,
                    end=end,
                    discounted_until=end + p.periods * period,
                    wave_start=start + p.periods * period,
                    wave_end=end + (p.periods + 1) * period,
                    year_later=end + STEPS_PER_YEAR[s.time.step],
                )
            )
    return out


def has_promotions(s: Scenario) -> bool:
    return any(b.promotions for b in s.brands.values())


def promotion_measures(result: RunResult, w: Window) -> pl.DataFrame:
    """Per replication, the measures of `MEASURES` for the promotion's brand over its steps:
    replication, measure, value (null where the run is too short to observe it)."""
    m = result.metrics.filter(pl.col("brand") == w.brand)
    last = int(m["step"].max() or 0)
    reps = pl.DataFrame({"replication": pl.Series(range(result.replications), dtype=pl.Int32)})

    def total(metric: str, lo: int, hi: int, detail: str | None = None) -> pl.DataFrame:
        rows = m.filter((pl.col("metric") == metric) & pl.col("step").is_between(lo, hi))
        if detail is not None:
            rows = rows.filter(pl.col("detail") == detail)
        summed = rows.pipe(stable_group_by, "replication").agg(value=pl.col("value").sum())
        return reps.join(summed, on="replication", how="left").with_columns(
            pl.col("value").fill_null(0.0)
        )

    def mean(metric: str, lo: int, hi: int) -> pl.DataFrame:
        rows = m.filter((pl.col("metric") == metric) & pl.col("step").is_between(lo, hi))
        return rows.pipe(stable_group_by, "replication").agg(value=pl.col("value").mean())

    def at(metric: str, step: int) -> pl.DataFrame:
        rows = m.filter((pl.col("metric") == metric) & (pl.col("step") == step))
        return reps.join(rows.select("replication", "value"), on="replication", how="left")

    parts: dict[str, pl.DataFrame] = {}
    promoted = "promotion_takeup" in set(m["metric"].unique())
    everything = (1, last)
    if promoted:
        parts["takeup_new"] = total("promotion_takeup", w.start, w.end, "new")
        parts["takeup_existing"] = total("promotion_takeup", w.start, w.end, "existing")
        parts["revenue_forgone"] = total("revenue_forgone", *everything)
        rolled = total("promotion_rolloff", *everything, "renewals")
        left = total("promotion_rolloff", *everything, "churned")
        parts["rolloff_churn"] = rolled.join(left, on="replication", suffix="_left").select(
            "replication",
            value=pl.when(pl.col("value") > 0).then(pl.col("value_left") / pl.col("value")),
        )
    parts["acquisitions_window"] = total("acquisitions", w.start, w.end)
    until = min(w.discounted_until, last)
    revenue = total("revenue", w.start, until)
    customers = mean("customers", w.start, until)
    parts["revenue_per_customer"] = revenue.join(
        customers, on="replication", suffix="_c", how="left"
    ).select("replication", value=pl.col("value") / pl.col("value_c"))
    parts["churn_wave"] = total("churn", w.wave_start, min(w.wave_end, last))
    if w.year_later <= last:
        parts["customers_year_later"] = at("customers", w.year_later)
        cost = total("cost", 1, w.year_later)
        parts["margin_year_later"] = (
            total("revenue", 1, w.year_later)
            .join(cost, on="replication", suffix="_cost")
            .select("replication", value=pl.col("value") - pl.col("value_cost"))
        )
    return pl.concat(
        [
            frame.select(
                pl.col("replication").cast(pl.Int32),
                pl.lit(name).alias("measure"),
                pl.col("value").cast(pl.Float64),
            )
            for name, frame in parts.items()
        ]
    )


def promotion_effects(base: RunResult, other: RunResult, w: Window) -> pl.DataFrame:
    """The promotion's effect: `other` (with it) minus `base` (the same market without it) on
    each measure both runs have, paired by replication when they share their seed: measure,
    mean, lower, upper (90 % interval), paired; and `other`'s own level: level."""
    paired = can_pair(base, other)
    mine, theirs = promotion_measures(other, w), promotion_measures(base, w)
    keep = pl.col("value").is_not_null() & pl.col("value").is_not_nan()
    mine, theirs = mine.filter(keep), theirs.filter(keep)
    if paired:
        pairs = mine.join(theirs, on=["replication", "measure"], suffix="_base")
    else:
        pairs = mine.join(theirs.drop("replication"), on="measure", suffix="_base")
    diff = bands(pairs.with_columns(value=pl.col("value") - pl.col("value_base")), ["measure"])
    level = bands(mine, ["measure"]).select("measure", level="mean")
    order = {k: i for i, k in enumerate(MEASURES)}
    return (
        level.join(diff, on="measure", how="left")
        .with_columns(paired=pl.lit(paired), order=pl.col("measure").replace_strict(order))
        .sort("order")
        .drop("order")
    )


# --- on the page ------------------------------------------------------------------------------

DIRECTION = {
    "acquisitions_window": 1,
    "revenue_per_customer": 1,
    "churn_wave": -1,
    "customers_year_later": 1,
    "margin_year_later": 1,
}
"""Which way each effect is good for the brand (+1 higher is better, -1 lower is better)."""


def fmt(measure: str, value: float | None, sign: bool = False) -> str:
    """A measure's value as the page shows it: shares in %, counts and money in whole units."""
    if value is None or value != value:
        return "n/a"
    if measure == "rolloff_churn":
        text = f"{value:+.1%}" if sign else f"{value:.1%}"
    elif measure == "revenue_per_customer":
        text = f"{value:+,.2f}" if sign else f"{value:,.2f}"
    else:
        text = f"{value:+,.0f}" if sign else f"{value:,.0f}"
    return text.replace("-", "\u2212")  # a minus sign, as the rest of the report writes it


def effect_sentence(label: str, w: Window, effects: pl.DataFrame) -> str:
    """One plain sentence on a promotion's effects against the same market without it."""
    rows = {r["measure"]: r for r in effects.iter_rows(named=True)}

    def said(measure: str) -> str:
        r = rows.get(measure)
        if r is None or r["mean"] is None:
            return "not observed in this run"
        return (
            f"{fmt(measure, r['mean'], sign=True)} (90 %: {fmt(measure, r['lower'], sign=True)} "
            f"to {fmt(measure, r['upper'], sign=True)})"
        )

    lead = f"{label} ({w.brand}, steps {w.start}-{w.end})"
    year = (
        f"a year after it ended, customers {said('customers_year_later')} and margin "
        f"{said('margin_year_later')}"
        if "customers_year_later" in rows
        else "the run ends before a year after it, so its net effect is not observed"
    )
    return (
        f"{lead}: acquisitions in its window {said('acquisitions_window')}; revenue per "
        f"customer while its discounts were paid {said('revenue_per_customer')}; churn when "
        f"they ended {said('churn_wave')}; {year}."
    )
