"""The executive report: one offline HTML page of KPI tiles, plain sentences and charts, plus
every chart as PNG and SVG for slides.

Given several run folders, the first is the baseline and the others are compared with it
(`sim.report.comparison`). The page inlines Vega and every chart's data, so it opens in any browser
with no network. Everything is written under temporary names and renamed when complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from sim.report.changes import changes, show_value
from sim.report.charts import (
    compare,
    funnel,
    journey,
    market,
    money,
    retention,
    reviews,
    satisfaction,
)
from sim.report.charts.bands import band_chart, per_period, series
from sim.report.charts.calendar import timed
from sim.report.charts.theme import brand_scale, scenario_style
from sim.report.comparison import (
    MIN_EXTRA_SPEND,
    can_pair,
    differences,
    return_on_spend,
    spending,
)
from sim.report.kpis import (
    KPIS,
    REPORT_KPIS,
    RETENTION_PERIOD,
    SAME_AS,
    better_way,
    format_diff,
    format_value,
    glossary,
    kpi_title,
    kpis,
    period_name,
    retention_observed,
    verdict,
)
from sim.report.promotions import (
    DIRECTION,
    MEASURES,
    Window,
    effect_sentence,
    fmt,
    has_promotions,
    promotion_effects,
    promotion_measures,
    windows,
)
from sim.report.skeleton import (
    Delta,
    Figure,
    Listing,
    Section,
    Source,
    Table,
    Term,
    Tile,
    figures_of,
    render_page,
    write_page,
)
from sim.report.verdict import Effect, scenario_sentence
from sim.running import RunResult
from sim.running.aggregation import bands
from sim.running.retention import pooled_retention
from sim.scenario import Scenario
from sim.scenario.calendar import date_of
from sim.store import read_run

__all__ = [
    "CHANGES_SHOWN",
    "LEAD",
    "Figure",
    "Run",
    "Section",
    "all_returns",
    "changes_table",
    "figures",
    "lead_kpi",
    "report_dir",
    "title",
    "write_report",
]

LEAD = "margin"
"""The KPI a comparison's sentences and tiles lead with, unless the reader names another."""

CHANGES_SHOWN = 25
"""At most this many changed settings are listed per scenario (the files are at the foot)."""


@dataclass(frozen=True)
class Run:
    """A run folder read back, with the name it goes by in the report."""

    name: str
    path: Path
    result: RunResult


def _label(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").capitalize()


def load_runs(paths: Sequence[Path | str]) -> list[Run]:
    """Read run folders; a scenario name used twice gets its folder name added."""
    paths = [Path(p) for p in paths]
    results = [read_run(p) for p in paths]
    names = [r.scenario.name for r in results]
    return [
        Run(name if names.count(name) == 1 else f"{name} ({p.name})", p, r)
        for name, p, r in zip(names, paths, results, strict=True)
    ]


# --- figures --------------------------------------------------------------------------------


TIME_CHARTS = frozenset(
    {
        "journey_moments",
        "customers",
        "share",
        "review_rating",
        "review_volume",
        "word_of_mouth",
        "revenue",
        "margin",
        "compare_customers",
        "compare_margin",
        "churn",
        "compare_churn",
    }
)
"""The figures drawn over steps: dated with a calendar, promotion windows shaded."""


def _timed(figures: list[Figure], scenarios: Sequence[Scenario]) -> list[Figure]:
    waves = {"churn", "compare_churn"}
    return [
        replace(f, chart=timed(f.chart, scenarios, f.name in waves)) if f.name in TIME_CHARTS else f
        for f in figures
    ]


def run_figures(run: Run) -> list[Figure]:
    """The charts of one run, dated and with its promotions marked (`_run_figures`)."""
    return _timed(_run_figures(run), [run.result.scenario])


def _run_figures(run: Run) -> list[Figure]:
    """The charts of one run."""
    r, s = run.result, run.result.scenario
    brands, unit, period = s.brand_names, s.time.step, s.retention.period
    m = r.metrics
    per = period_name(s)
    stages = funnel.funnel_stages(m, r.cohorts, r.reviews, r.satisfaction)
    return [
        Figure(
            "journey_moments",
            "The journey over time",
            "Each coloured layer is the number of consumers in that moment; together they make "
            "the whole population. Click a moment in the legend to pick it out.",
            journey.moments_chart(m, unit),
        ),
        Figure(
            "journey_flows",
            "Moves between moments",
            "Read a row as 'from' and a column as 'to': FMOT to <ZMOT, for example, counts "
            "shoppers who left after a disappointing first encounter.",
            journey.flows_chart(m),
        ),
        Figure(
            "funnel",
            "The funnel",
            "Bars count consumers reaching each stage over the run (all brands); the text gives "
            "the conversion from the stage named and its 90 % interval. Satisfied, reviewing and "
            "retained are shares of purchases.",
            funnel.funnel_chart(funnel.funnel_frame(stages)),
        ),
        Figure(
            "customers",
            "Customers per brand",
            "The line is the mean over replications, the band holds 90 % of them. "
            "Click a brand in the legend to pick it out.",
            market.customers_chart(m, brands, unit),
        ),
        Figure(
            "share",
            "Market share",
            "Each brand's share of all active customers; a gain for one brand is a loss for "
            "another.",
            market.share_chart(m, brands, unit),
        ),
        Figure(
            "retention",
            "Cohort retention",
            f"Of the customers a brand won early enough to be seen that long, the share still "
            f"active after each {per} (pooled over acquisition cohorts). Curves flatten as the "
            "least tolerant leave first.",
            retention.retention_chart(retention.retention_bands(r.cohorts), brands, per),
        ),
        Figure(
            "review_stars",
            "How reviewers rate",
            "Self-selected reviewers post after strong experiences, so ratings pile up at the "
            "ends (the J shape) rather than in the middle.",
            reviews.stars_chart(r.reviews, brands),
        ),
        Figure(
            "review_rating",
            "Average rating shown",
            "The average a shopper sees on each brand's review page in ZMOT; it steers "
            "expectations and choice.",
            reviews.rating_chart(m, brands, unit),
        ),
        Figure(
            "review_volume",
            "Reviews posted",
            f"Reviews posted per {period} {unit}s; more customers post more reviews.",
            reviews.volume_chart(m, brands, period, unit),
        ),
        Figure(
            "satisfaction",
            "Customer satisfaction",
            "Satisfaction is experience against expectation: right of the dotted line, customers "
            "got more than they expected. The further left, the likelier they churn.",
            satisfaction.satisfaction_chart(r.satisfaction, brands),
        ),
        Figure(
            "word_of_mouth",
            "Word of mouth",
            "Talks between customers and their ties: satisfied customers talk positively and "
            "may spark a friend's need; dissatisfied ones warn them off.",
            satisfaction.wom_chart(m, period, unit),
        ),
        Figure(
            "touchpoint_cost",
            "Touchpoint spending",
            "What each touchpoint cost over the run; compare with what it brings in the funnel.",
            money.cost_chart(m, brands),
        ),
        Figure(
            "revenue",
            "Revenue",
            f"Subscriptions and renewals paid per {period} {unit}s.",
            money.revenue_chart(m, brands, period, unit),
        ),
        Figure(
            "margin",
            "Cumulative margin",
            "Revenue less touchpoint spending, added up since the start: where a line rises "
            "steeper, a brand earns more than it spends.",
            money.margin_chart(m, brands, unit),
        ),
    ]


def _focal_series(run: Run, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("brand") == run.result.scenario.focal)


def comparison_figures(runs: Sequence[Run], diffs: pl.DataFrame) -> list[Figure]:
    """Scenario against baseline, dated and with every run's promotions marked."""
    return _timed(_comparison_figures(runs, diffs), [r.result.scenario for r in runs])


def _comparison_figures(runs: Sequence[Run], diffs: pl.DataFrame) -> list[Figure]:
    """Scenario against baseline: KPI differences and fan charts of the focal brand."""
    base = runs[0].result.scenario
    names = [r.name for r in runs]
    focal, unit, per = base.focal, base.time.step, period_name(base)

    def fan(make: Callable[[Run], pl.DataFrame], keys: tuple[str, ...] = ("step",)) -> pl.DataFrame:
        return compare.scenario_bands({r.name: _focal_series(r, make(r)) for r in runs}, keys)

    return [
        Figure(
            "compare_kpis",
            "Difference from the baseline",
            "A dot right of the grey line means the scenario raises the KPI. The shaded side "
            "of each row is the better one: right for most KPIs, left for acquisition cost, "
            "where higher is worse. When the whisker crosses the line, the difference is within "
            "the noise of the simulation.",
            compare.difference_chart(diffs, names),
        ),
        Figure(
            "compare_customers",
            f"{focal.capitalize()}'s customers by scenario",
            "Each scenario's mean with the band of 90 % of its replications; where bands "
            "separate, the scenarios differ beyond the noise.",
            compare.fan_chart(
                fan(lambda r: series(r.result.metrics, "customers")),
                names,
                title=f"Customers of {focal} by scenario",
                subtitle="active customers; band: 90 % of replications",
                y_title="Customers",
                x_title=unit.capitalize(),
            ),
        ),
        Figure(
            "compare_retention",
            f"{focal.capitalize()}'s cohort retention by scenario",
            f"The share of {focal}'s new customers still active after each {per}, by scenario.",
            compare.fan_chart(
                fan(
                    lambda r: pooled_retention(r.result.cohorts).rename({"retained": "value"}),
                    ("period",),
                ),
                names,
                title=f"Cohort retention of {focal} by scenario",
                subtitle="share of an acquisition cohort still active; band: 90 % of replications",
                y_title="Customers still active (%)",
                x="period",
                x_title=f"{per.capitalize()}s since acquisition",
                y_format=".0%",
            ),
        ),
        Figure(
            "compare_margin",
            f"{focal.capitalize()}'s cumulative margin by scenario",
            "Revenue less touchpoint spending, added up since the start, by scenario.",
            compare.fan_chart(
                fan(lambda r: money.margin_frame(r.result.metrics)),
                names,
                title=f"Cumulative margin of {focal} by scenario",
                subtitle="revenue less touchpoint spending; band: 90 % of replications",
                y_title="Cumulative margin (currency units)",
                x_title=unit.capitalize(),
            ),
        ),
    ]


# --- promotions -----------------------------------------------------------------------------


def _when(s: Scenario, w: Window) -> str:
    """A promotion's window in words: its dates with a calendar, else its steps."""
    if s.time.start is None:
        return f"steps {w.start} to {w.end}"
    first = date_of(w.start, s.time.start, s.time.step)
    last = date_of(w.end, s.time.start, s.time.step)
    return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"


def _churn_frame(result: RunResult, brand: str | None = None) -> pl.DataFrame:
    """Churn per renewal period (summed), per replication and brand."""
    period = result.scenario.retention.period
    churn = per_period(series(result.metrics, "churn"), period, ["brand"])
    return churn if brand is None else churn.filter(pl.col("brand") == brand)


def promotion_figures(runs: Sequence[Run]) -> list[Figure]:
    """Churn per period around the promotions: the wave when discounts end, shaded."""
    base, s = runs[0].result, runs[0].result.scenario
    unit, period = s.time.step, s.retention.period
    how = (
        "Customers leaving per period; the red band is a promotion's window, the purple one "
        "the renewals at which its discounts end, where the price due rises back to the list "
        "price against the discounted price last paid."
    )
    if len(runs) == 1:
        chart = band_chart(
            bands(_churn_frame(base), ["step", "brand"]),
            color="brand",
            scale=brand_scale(s.brand_names),
            title="Churn",
            subtitle=f"customers leaving per {period} {unit}s; band: 90 % of replications",
            x_title=unit.capitalize(),
            y_title=f"Churn per {period} {unit}s",
        )
        return [Figure("churn", "Churn and the end of discounts", how, chart)]
    frames = {r.name: _churn_frame(r.result, s.focal).drop("brand") for r in runs}
    chart = compare.fan_chart(
        compare.scenario_bands(frames, ("step",)),
        [r.name for r in runs],
        title=f"Churn of {s.focal} by scenario",
        subtitle=f"customers leaving per {period} {unit}s; band: 90 % of replications",
        y_title=f"Churn per {period} {unit}s",
        x_title=unit.capitalize(),
    )
    return [Figure("compare_churn", f"{s.focal.capitalize()}'s churn by scenario", how, chart)]


def _interval(measure: str, row: dict, column: str = "mean") -> list[str]:
    if row.get(column) is None:
        return ["n/a", ""]
    sign = column == "mean" and "level" in row
    return [
        fmt(measure, row[column], sign=sign),
        f"{fmt(measure, row['lower'], sign=sign)} to {fmt(measure, row['upper'], sign=sign)}",
    ]


def _for_brand(measure: str, lower: float | None, upper: float | None) -> str:
    """'better', 'worse' or 'within the noise' for the brand, by the interval of an effect."""
    if lower is None or upper is None or lower <= 0 <= upper:
        return "within the noise"
    return "better" if (lower > 0) == (DIRECTION[measure] > 0) else "worse"


def promotion_tables(runs: Sequence[Run]) -> list[Table]:
    """Per promotion: its take-up, revenue forgone and the share leaving when discounts end;
    in a comparison also its effects against the baseline, with their 90 % intervals."""
    tables = []
    base = runs[0]
    for position, run in enumerate(runs):
        s = run.result.scenario
        own = {(w.brand, w.name) for w in windows(base.result.scenario)} if position else set()
        for w in windows(s):
            label = f"{_label(run.name)}: {w.name} ({w.brand}, {_when(s, w)})"
            levels = bands(promotion_measures(run.result, w), ["measure"])
            rows = [
                [MEASURES[m], *_interval(m, r, "mean")]
                for m in ("takeup_new", "takeup_existing", "revenue_forgone", "rolloff_churn")
                for r in levels.filter(pl.col("measure") == m).iter_rows(named=True)
            ]
            tables.append(
                Table(
                    label,
                    ["Over the run", "Mean", "90 % interval"],
                    rows,
                    note="Take-up counts customers who took the discount: new ones on purchase "
                    "in the window, existing ones who heard of it and took it.",
                    color=scenario_style(position).color if position else "",
                )
            )
            if position and (w.brand, w.name) not in own:
                effects = promotion_effects(base.result, run.result, w)
                rows = [
                    [
                        MEASURES[r["measure"]],
                        *_interval(r["measure"], r),
                        _for_brand(r["measure"], r["lower"], r["upper"]),
                    ]
                    for r in effects.iter_rows(named=True)
                    if r["measure"] in DIRECTION and r["mean"] is not None
                ]
                tables.append(
                    Table(
                        f"{label}: against {_label(base.name)}",
                        ["Effect", "Difference", "90 % interval", "For the brand"],
                        rows,
                        note="Scenario minus baseline, "
                        + ("paired by replication." if effects["paired"].all() else "unpaired.")
                        + " Revenue per customer is over the steps discounted prices are paid; "
                        "churn when discounts end over the renewals at which they do.",
                        color=scenario_style(position).color,
                    )
                )
    return tables


def promotion_sentences(runs: Sequence[Run]) -> list[str]:
    """One sentence per promotion a scenario runs and the baseline does not."""
    base = runs[0]
    own = {(w.brand, w.name) for w in windows(base.result.scenario)}
    out = []
    for run in runs[1:]:
        s = run.result.scenario
        for w in windows(s):
            if (w.brand, w.name) in own:
                continue
            effects = promotion_effects(base.result, run.result, w)
            label = f"{_label(run.name)}'s {w.name} promotion"
            sentence = effect_sentence(label, w, effects)
            out.append(sentence.replace(f"steps {w.start}-{w.end}", _when(s, w), 1))
    return out


# --- numbers and words ----------------------------------------------------------------------


def summary_frame(result: RunResult) -> pl.DataFrame:
    """Mean and 90 % interval of each KPI of the focal brand: kpi, mean, lower, upper."""
    focal = kpis(result).filter(pl.col("brand") == result.scenario.focal)
    return bands(focal, ["kpi"])


def all_differences(runs: Sequence[Run]) -> pl.DataFrame:
    """Every scenario's KPI differences from the baseline: scenario, brand, kpi, mean, lower,
    upper, paired."""
    base = runs[0].result
    base_kpis = kpis(base)
    frames = [
        differences(base_kpis, kpis(r.result), paired=can_pair(base, r.result)).select(
            pl.lit(r.name).alias("scenario"), pl.all()
        )
        for r in runs[1:]
    ]
    return pl.concat(frames)


def chart_differences(diffs: pl.DataFrame, s: Scenario) -> pl.DataFrame:
    """Differences in display units with the KPI title and unit as the row label, and which
    way is better (`better`: +1 higher, -1 lower)."""
    labels = {
        k: kpi_title(k, s) + (f" ({v.unit.strip()})" if v.unit else "") for k, v in KPIS.items()
    }
    scale = {k: v.scale for k, v in KPIS.items()}
    order = {k: i for i, k in enumerate(KPIS)}
    better = {k: better_way(k) for k in KPIS}
    return (
        diffs.with_columns(
            *(
                pl.col(c) * pl.col("kpi").replace_strict(scale, return_dtype=pl.Float64)
                for c in ("mean", "lower", "upper")
            ),
            order=pl.col("kpi").replace_strict(order, return_dtype=pl.Int32),
            better=pl.col("kpi").replace_strict(better, return_dtype=pl.Int8),
        )
        .sort("order", "scenario", "brand")
        .with_columns(kpi=pl.col("kpi").replace_strict(labels, return_dtype=pl.String))
        .drop("order")
    )


def effects_of(
    name: str, diffs: pl.DataFrame, s: Scenario, base: pl.DataFrame | None = None
) -> list[Effect]:
    """A scenario's differences on the focal brand's KPIs as `Effect`s, each with the
    baseline's mean (`base`: kpi, mean, as `summary_frame` gives) to size it against."""
    means = {} if base is None else {r["kpi"]: r["mean"] for r in base.iter_rows(named=True)}
    mine = diffs.filter(
        (pl.col("scenario") == name) & (pl.col("brand") == s.focal) & pl.col("mean").is_not_null()
    )
    return [
        Effect(r["kpi"], r["mean"], r["lower"], r["upper"], means.get(r["kpi"]))
        for r in mine.iter_rows(named=True)
    ]


def sentence(
    name: str,
    diffs: pl.DataFrame,
    s: Scenario,
    lead: str = LEAD,
    base: pl.DataFrame | None = None,
) -> str:
    """One plain sentence on a scenario: its effect on the focal brand's `lead` KPI, then its
    largest other effects relative to the baseline (`base`, see `effects_of`), each with its
    interval and whether it is better, worse or within the noise (`sim.report.verdict`)."""
    return scenario_sentence(_label(name), s.focal, effects_of(name, diffs, s, base), s, lead)


def lead_kpi(kpi: str | None) -> str:
    """The KPI to lead with, as `KPIS` names it (`customers_end` is `customers`); refuses a
    name that is not one of `REPORT_KPIS` with one line."""
    if kpi is None:
        return LEAD
    if kpi not in REPORT_KPIS:
        raise ValueError(f"{kpi!r} is not a KPI to lead with (one of {', '.join(REPORT_KPIS)})")
    return SAME_AS.get(kpi, kpi)


def all_returns(runs: Sequence[Run]) -> pl.DataFrame:
    """Every scenario's return on spend against the baseline, per brand (`return_on_spend`):
    scenario, brand, base_spend, extra_spend, extra_margin, mean, lower, upper."""
    base = runs[0].result

    def money(r: RunResult) -> pl.DataFrame:
        return pl.concat(
            [kpis(r).filter(pl.col("kpi") == "margin"), spending(r)], how="vertical_relaxed"
        )

    frames = [
        return_on_spend(money(base), money(r.result), paired=can_pair(base, r.result)).select(
            pl.lit(r.name).alias("scenario"), pl.all()
        )
        for r in runs[1:]
    ]
    return pl.concat(frames)


def _base_column(base: Run) -> str:
    """The baseline's column in a changes table: 'Baseline', or 'Baseline: <its name>'."""
    name = _label(base.name)
    return name if name.lower() == "baseline" else f"Baseline: {name}"


def changes_table(base: Run, run: Run, position: int) -> Table:
    """The settings a scenario changed from the baseline (key path, base value, new value),
    diffed on the resolved scenarios; the runs' seed and replications too when they differ."""
    rows = [
        [c.path, show_value(c.base), show_value(c.new)]
        for c in changes(base.result.scenario, run.result.scenario)
    ]
    for what in ("seed", "replications"):
        a, b = getattr(base.result, what), getattr(run.result, what)
        if a != b:
            rows.append([f"({what} of the run)", str(a), str(b)])
    if not rows:
        note = "No setting differs from the baseline."
    elif len(rows) > CHANGES_SHOWN:
        note = (
            f"{len(rows)} settings differ; the first {CHANGES_SHOWN} are shown, every one is in "
            "the scenario files at the foot of the page."
        )
        rows = rows[:CHANGES_SHOWN]
    else:
        note = "1 setting differs" if len(rows) == 1 else f"{len(rows)} settings differ"
        note += " from the baseline."
    return Table(
        _label(run.name),
        ["Setting (key path)", _base_column(base), _label(run.name)],
        rows,
        note=note,
        color=scenario_style(position).color,
    )


# --- the page -------------------------------------------------------------------------------


def _tile_order(lead: str, comparison: bool) -> list[str]:
    """The tiles' KPIs: the lead KPI first, then (comparing) the return on spend, then the
    others in the order of `KPIS`."""
    rest = [k for k in KPIS if k != lead]
    return [lead, *(["return_on_spend"] if comparison else []), *rest]


def _delta(run: Run, position: int, kpi: str, row: dict | None) -> Delta:
    """A scenario's difference on one KPI, marked better, worse or within the noise."""
    mean, lower, upper = (
        (None, None, None) if row is None else (row["mean"], row["lower"], row["upper"])
    )
    return Delta(
        _label(run.name),
        format_diff(kpi, mean),
        f"90 %: {format_diff(kpi, lower, unit=False)} to {format_diff(kpi, upper, unit=False)}",
        scenario_style(position).color,
        verdict(kpi, lower, upper) if row is not None else "",
    )


def _return_delta(run: Run, position: int, row: dict, margin: dict | None) -> Delta:
    """A scenario's return on spend: margin per unit of extra spending, or, spending no more
    than the baseline, what it spends less and its margin difference."""
    color = scenario_style(position).color
    margin_text = f"margin {format_diff('margin', row['extra_margin'])}"
    if row["mean"] is None:
        extra = row["extra_spend"]
        least = MIN_EXTRA_SPEND * abs(row["base_spend"] or 0.0)
        spent = (
            f"spends {format_value('spend', -extra)} less"
            if extra < -least
            else "no extra spending"
        )
        judged = "" if margin is None else verdict("margin", margin["lower"], margin["upper"])
        return Delta(_label(run.name), spent, margin_text, color, judged)
    mean, lower, upper = row["mean"], row["lower"], row["upper"]
    if lower is None:
        interval = "90 %: n/a, some replications spend less"
        judged = "better" if mean > 0 else "worse"
    else:
        interval = (
            f"90 %: {format_diff('return_on_spend', lower, unit=False)} to "
            f"{format_diff('return_on_spend', upper, unit=False)}"
        )
        judged = verdict("return_on_spend", lower, upper)
    spent = f"{format_value('spend', row['extra_spend'])} more spent"
    return Delta(
        _label(run.name),
        format_diff("return_on_spend", mean),
        f"{interval}; {spent}",
        color,
        judged,
    )


def _tiles(
    runs: Sequence[Run],
    diffs: pl.DataFrame | None,
    returns: pl.DataFrame | None = None,
    lead: str = LEAD,
) -> list[Tile]:
    """One tile per KPI of the focal brand, the lead KPI first; comparing, each scenario's
    difference marked better or worse, and a tile of the return on the extra spending."""
    base = runs[0]
    s = base.result.scenario
    summary = {r["kpi"]: r for r in summary_frame(base.result).iter_rows(named=True)}

    def diff_row(frame: pl.DataFrame | None, run: Run, kpi: str | None = None) -> dict | None:
        if frame is None:
            return None
        mine = frame.filter((pl.col("scenario") == run.name) & (pl.col("brand") == s.focal))
        if kpi is not None:
            mine = mine.filter(pl.col("kpi") == kpi)
        return mine.row(0, named=True) if mine.height else None

    tiles = []
    for kpi in _tile_order(lead, diffs is not None):
        others = list(enumerate(runs[1:], start=1))
        if kpi == "return_on_spend":
            spend = spending(base.result).filter(pl.col("brand") == s.focal)["value"]
            deltas = [
                _return_delta(run, i, row, diff_row(diffs, run, "margin"))
                for i, run in others
                if (row := diff_row(returns, run)) is not None
            ]
            tiles.append(
                Tile(
                    kpi_title(kpi, s),
                    format_value("spend", spend.mean()),  # type: ignore[arg-type]
                    "spent on touchpoints in the baseline; below, each scenario's margin gained "
                    "per unit of extra spending",
                    deltas,
                )
            )
            continue
        row = summary.get(kpi, {})
        deltas = [_delta(run, i, kpi, diff_row(diffs, run, kpi)) for i, run in others]
        tiles.append(
            Tile(
                kpi_title(kpi, s),
                format_value(kpi, row.get("mean")),
                f"90 %: {format_value(kpi, row.get('lower'))} to "
                f"{format_value(kpi, row.get('upper'))}",
                deltas,
            )
        )
    return tiles


def _sources(runs: Sequence[Run]) -> list[Source]:
    """Each run's resolved scenario and manifest, shown at the foot of the page."""
    sources = []
    for run in runs:
        toml = (run.path / "scenario.toml").read_text(encoding="utf-8")
        manifest = json.loads((run.path / "manifest.json").read_text(encoding="utf-8"))
        sources.append(
            Source(
                run.name,
                str(run.path),
                [
                    Listing("scenario.toml", toml),
                    Listing("manifest.json", json.dumps(manifest, indent=2, sort_keys=True), True),
                ],
            )
        )
    return sources


def sections(runs: Sequence[Run]) -> tuple[list[Section], pl.DataFrame | None]:
    """The report's sections and, for several runs, the differences: what each scenario
    changed, the comparison charts, then the baseline's own charts."""
    promoted = []
    if any(has_promotions(r.result.scenario) for r in runs):
        promoted = [
            Section(
                "Promotions",
                _timed(promotion_figures(runs), [r.result.scenario for r in runs]),
                tables=promotion_tables(runs),
                intro="What each promotion cost and brought: take-up, revenue forgone, the "
                "churn wave when its discounts end and, against the baseline, its effects "
                "with their 90 % intervals.",
            )
        ]
    if len(runs) == 1:
        return [Section("Charts", run_figures(runs[0])), *promoted], None
    diffs = all_differences(runs)
    shown = chart_differences(diffs, runs[0].result.scenario)
    changed = Section(
        "What each scenario changed",
        tables=[changes_table(runs[0], run, i) for i, run in enumerate(runs[1:], start=1)],
        intro="The settings in which each scenario differs from the baseline, read from the "
        "resolved scenario.toml of both runs (base files merged, defaults filled in).",
    )
    return [
        changed,
        Section("Scenarios compared", comparison_figures(runs, shown)),
        *promoted,
        Section(f"The baseline in detail: {_label(runs[0].name)}", run_figures(runs[0])),
    ], diffs


def figures(runs: Sequence[Run]) -> list[Figure]:
    """Every chart of the report, in page order."""
    return figures_of(sections(runs)[0])


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def title(runs: Sequence[Run]) -> str:
    """The page's title: the run, or the scenarios compared with the baseline."""
    base = _label(runs[0].name)
    if len(runs) == 1:
        return f"Moments of Truth: {base}"
    return f"Moments of Truth: {_and([_label(r.name) for r in runs[1:]])} against {base}"


def _lead(runs: Sequence[Run]) -> str:
    """The line under the title: what is compared, how many runs of what size."""
    base = runs[0].result
    s = base.scenario
    size = (
        f"{base.replications} replications, {s.population.consumers:,} consumers, "
        f"{s.time.steps} {s.time.step}s"
    )
    if len(runs) == 1:
        return (
            f"{_label(runs[0].name)}: {size}. Tiles show {s.focal}, the focal brand: the mean "
            "over replications and the range holding 90 % of them."
        )
    n = len(runs) - 1
    others = _and([_label(r.name) for r in runs[1:]])
    return (
        f"{n} scenario{'s' if n > 1 else ''} ({others}) compared with the baseline, "
        f"{_label(runs[0].name)} ({size}). Tiles show {s.focal}, the focal brand: the "
        "baseline's mean over replications and the range holding 90 % of them, and under it "
        "each scenario's difference, marked better or worse for that KPI."
    )


def page_glossary(runs: Sequence[Run]) -> list[Term]:
    """The glossary of the page: every KPI it shows, then how to read a difference."""
    s = runs[0].result.scenario
    names = [*KPIS, *(["spend", "return_on_spend"] if len(runs) > 1 else [])]
    terms = [Term(name, text) for name, text in glossary(names, s)]
    if len(runs) > 1:
        terms += [
            Term(
                "Difference",
                "A scenario's value minus the baseline's, for the focal brand; better or worse "
                "by the KPI's good direction (higher is better, except acquisition cost and "
                "spending).",
            ),
            Term(
                "Within the noise",
                "The difference's 90 % interval holds zero: at this number of replications "
                "the scenario cannot be told from the baseline on that KPI.",
            ),
        ]
    terms.append(
        Term(
            "90 % interval",
            "The range holding 90 % of the replications (of a value) or of the replications' "
            "differences (of a difference): the 5th to the 95th percentile.",
        )
    )
    return terms


def build_page(
    runs: Sequence[Run],
    parts: Sequence[Section],
    diffs: pl.DataFrame | None,
    lead: str = LEAD,
) -> str:
    """The whole report page: summary (tiles and sentences led by the `lead` KPI), sections,
    glossary, settings and manifests."""
    base = runs[0].result
    s = base.scenario
    lead = lead_kpi(lead)
    sentences, notes, returns = [], [], None
    if diffs is not None:
        focal = summary_frame(base)
        sentences = [sentence(r.name, diffs, s, lead, focal) for r in runs[1:]]
        sentences += promotion_sentences(runs)
        returns = all_returns(runs)
        pairing = "paired replication by replication (same seed: common random numbers)"
        if not diffs["paired"].all():
            pairing = "unpaired where runs differ in seed or replications"
        notes.append(
            f"Differences are scenario minus baseline, {pairing}; the interval holds 90 % of "
            "the differences. Effects after the first are the largest relative to the "
            "baseline's value."
        )
    if retention_observed(s):
        notes.append(
            f"{kpi_title('retention_12', s)} is pooled over acquisition cohorts: of all "
            f"customers acquired early enough to be seen {RETENTION_PERIOD} "
            f"{period_name(s)}s later, the share still active then."
        )
    else:
        notes.append(
            f"{kpi_title('retention_12', s)} needs at least "
            f"{(RETENTION_PERIOD + 1) * s.retention.period} steps: not observed in this run."
        )
    return render_page(
        title(runs),
        _lead(runs),
        tiles=_tiles(runs, diffs, returns, lead),
        sentences=sentences,
        notes=notes,
        sections=parts,
        sources=_sources(runs),
        sources_heading="Scenario settings and run manifests",
        glossary=page_glossary(runs),
    )


# --- writing --------------------------------------------------------------------------------


def report_dir(paths: Sequence[Path | str]) -> Path:
    """Where the report goes: in the run folder, or for a comparison in a `compare-...`
    folder inside the baseline's run folder (so the baseline's own report stays)."""
    paths = [Path(p) for p in paths]
    if len(paths) == 1:
        return paths[0]
    return paths[0] / ("compare-" + "+".join(p.name for p in paths[1:]))


def write_report(
    paths: Sequence[Path | str],
    out: Path | str | None = None,
    formats: Sequence[str] = ("png", "svg"),
    kpi: str | None = None,
) -> Path:
    """Write report.html and charts/ (each chart in `formats`) for the run folders `paths`
    (the first is the baseline) into `out` (default: `report_dir`); return report.html. The
    tiles and each scenario's sentence lead with `kpi` (default margin; see `REPORT_KPIS`).

    Each is written atomically: charts/ as a whole folder, then the page.
    """
    lead = lead_kpi(kpi)
    runs = load_runs(paths)
    parts, diffs = sections(runs)
    text = build_page(runs, parts, diffs, lead)
    return write_page(Path(out) if out else report_dir(paths), text, figures_of(parts), formats)
