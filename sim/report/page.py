"""The executive report: one offline HTML page of KPI tiles, plain sentences and charts, plus
every chart as PNG and SVG for slides.

Given several run folders, the first is the baseline and the others are compared with it
(`sim.report.comparison`). The page inlines Vega and every chart's data, so it opens in any browser
with no network. Everything is written under temporary names and renamed when complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

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
from sim.report.charts.bands import series
from sim.report.charts.theme import SCENARIO_COLORS
from sim.report.comparison import can_pair, differences
from sim.report.kpis import (
    KPIS,
    RETENTION_PERIOD,
    format_diff,
    format_value,
    kpi_title,
    kpis,
    period_name,
    retention_observed,
)
from sim.report.skeleton import (
    Delta,
    Figure,
    Listing,
    Section,
    Source,
    Tile,
    figures_of,
    render_page,
    write_page,
)
from sim.running import RunResult
from sim.running.aggregation import bands
from sim.running.retention import pooled_retention
from sim.scenario import Scenario
from sim.store import read_run

__all__ = ["Figure", "Run", "Section", "figures", "report_dir", "write_report"]


@dataclass(frozen=True)
class Run:
    """A run folder read back, with the name it goes by in the report."""

    name: str
    path: Path
    result: RunResult


def _label(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").capitalize()


def load_runs(paths: Sequence[Path]) -> list[Run]:
    """Read run folders; a scenario name used twice gets its folder name added."""
    results = [read_run(p) for p in paths]
    names = [r.scenario.name for r in results]
    return [
        Run(name if names.count(name) == 1 else f"{name} ({p.name})", p, r)
        for name, p, r in zip(names, paths, results, strict=True)
    ]


# --- figures --------------------------------------------------------------------------------


def run_figures(run: Run) -> list[Figure]:
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
            "A dot right of the grey line means the scenario raises the KPI; when the whisker "
            "crosses the line, the difference is within the noise of the simulation.",
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
    """Differences in display units with the KPI title and unit as the row label."""
    labels = {
        k: kpi_title(k, s) + (f" ({v.unit.strip()})" if v.unit else "") for k, v in KPIS.items()
    }
    scale = {k: v.scale for k, v in KPIS.items()}
    order = {k: i for i, k in enumerate(KPIS)}
    return (
        diffs.with_columns(
            *(
                pl.col(c) * pl.col("kpi").replace_strict(scale, return_dtype=pl.Float64)
                for c in ("mean", "lower", "upper")
            ),
            order=pl.col("kpi").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort("order", "scenario", "brand")
        .with_columns(kpi=pl.col("kpi").replace_strict(labels, return_dtype=pl.String))
        .drop("order")
    )


def sentence(name: str, diffs: pl.DataFrame, s: Scenario) -> str:
    """One plain sentence on a scenario: its clearest effect on the focal brand's KPIs."""
    mine = diffs.filter(
        (pl.col("scenario") == name) & (pl.col("brand") == s.focal) & pl.col("mean").is_not_null()
    )
    clear = mine.filter((pl.col("lower") > 0) | (pl.col("upper") < 0)).with_columns(
        score=pl.col("mean").abs() / ((pl.col("upper") - pl.col("lower")) / 2 + 1e-12)
    )
    who = _label(name)
    if clear.height == 0:
        return (
            f"{who} changes none of {s.focal}'s KPIs beyond the noise of the simulation: "
            "every difference's 90 % interval includes zero."
        )
    best = clear.sort("score", "kpi", descending=[True, False]).row(0, named=True)
    kpi, up = best["kpi"], best["mean"] > 0
    low, high = (best["lower"], best["upper"]) if up else (-best["upper"], -best["lower"])
    k = KPIS[kpi]
    fmt, scale, unit = k.fmt, k.scale, k.unit
    return (
        f"{who} {'raises' if up else 'lowers'} {s.focal}'s {kpi_title(kpi, s).lower()} by "
        f"{fmt.format(abs(best['mean']) * scale)}{unit} (90 % interval "
        f"{fmt.format(low * scale)} to {fmt.format(high * scale)})."
    )


# --- the page -------------------------------------------------------------------------------


def _tiles(runs: Sequence[Run], diffs: pl.DataFrame | None) -> list[Tile]:
    """One tile per KPI of the focal brand; for a comparison, each scenario's difference."""
    base = runs[0]
    s = base.result.scenario
    summary = {r["kpi"]: r for r in summary_frame(base.result).iter_rows(named=True)}
    tiles = []
    for kpi in KPIS:
        row = summary.get(kpi, {})
        deltas = []
        for i, run in enumerate(runs[1:], start=1):
            d = diffs.filter(  # type: ignore[union-attr]
                (pl.col("scenario") == run.name)
                & (pl.col("brand") == s.focal)
                & (pl.col("kpi") == kpi)
            )
            mean, lower, upper = (
                d[c].item() if d.height else None for c in ("mean", "lower", "upper")
            )
            deltas.append(
                Delta(
                    _label(run.name),
                    format_diff(kpi, mean),
                    f"90 %: {format_diff(kpi, lower, unit=False)} to "
                    f"{format_diff(kpi, upper, unit=False)}",
                    SCENARIO_COLORS[i % len(SCENARIO_COLORS)],
                )
            )
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
    """The report's chart sections and, for several runs, the differences."""
    if len(runs) == 1:
        return [Section("Charts", run_figures(runs[0]))], None
    diffs = all_differences(runs)
    shown = chart_differences(diffs, runs[0].result.scenario)
    return [
        Section("Scenarios compared", comparison_figures(runs, shown)),
        Section(f"The baseline in detail: {_label(runs[0].name)}", run_figures(runs[0])),
    ], diffs


def figures(runs: Sequence[Run]) -> list[Figure]:
    """Every chart of the report, in page order."""
    return figures_of(sections(runs)[0])


def build_page(runs: Sequence[Run], parts: Sequence[Section], diffs: pl.DataFrame | None) -> str:
    """The whole report page: summary, chart sections, settings and manifests."""
    base = runs[0].result
    s = base.scenario
    others = ", ".join(_label(r.name) for r in runs[1:])
    lead = (
        _label(runs[0].name)
        + (f" compared with {others}" if others else "")
        + f": {base.replications} replications, {s.population.consumers:,} consumers, "
        f"{s.time.steps} {s.time.step}s. Tiles show {s.focal}, the focal brand: the mean over "
        "replications and the range holding 90 % of them."
    )
    sentences, notes = [], []
    if diffs is not None:
        sentences = [sentence(r.name, diffs, s) for r in runs[1:]]
        pairing = "paired replication by replication (same seed: common random numbers)"
        if not diffs["paired"].all():
            pairing = "unpaired where runs differ in seed or replications"
        notes.append(
            f"Differences are scenario minus baseline, {pairing}; the interval holds 90 % of "
            "the differences."
        )
    if retention_observed(s):
        notes.append(
            f"{RETENTION_PERIOD}-{period_name(s)} retention is pooled over acquisition cohorts: "
            f"of all customers acquired early enough to be seen {RETENTION_PERIOD} "
            f"{period_name(s)}s later, the share still active then."
        )
    else:
        notes.append(
            f"{RETENTION_PERIOD}-period retention needs at least "
            f"{(RETENTION_PERIOD + 1) * s.retention.period} steps: not observed in this run."
        )
    return render_page(
        f"Moments of Truth: {_label(runs[0].name)}",
        lead,
        tiles=_tiles(runs, diffs),
        sentences=sentences,
        notes=notes,
        sections=parts,
        sources=_sources(runs),
        sources_heading="Scenario settings and run manifests",
    )


# --- writing --------------------------------------------------------------------------------


def report_dir(paths: Sequence[Path]) -> Path:
    """Where the report goes: in the run folder, or for a comparison in a `compare-...`
    folder inside the baseline's run folder (so the baseline's own report stays)."""
    if len(paths) == 1:
        return paths[0]
    return paths[0] / ("compare-" + "+".join(p.name for p in paths[1:]))


def write_report(
    paths: Sequence[Path], out: Path | None = None, formats: Sequence[str] = ("png", "svg")
) -> Path:
    """Write report.html and charts/ (each chart in `formats`) for the run folders `paths`
    (the first is the baseline) into `out` (default: `report_dir`); return report.html.

    Each is written atomically: charts/ as a whole folder, then the page.
    """
    runs = load_runs(paths)
    parts, diffs = sections(runs)
    text = build_page(runs, parts, diffs)
    return write_page(out or report_dir(paths), text, figures_of(parts), formats)
