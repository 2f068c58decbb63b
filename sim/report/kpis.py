"""The KPIs: one glossary of their names, definitions, formats, units and good direction, and
their values per replication.

The terminal summary, the report's tiles, sentences, difference chart and glossary section all
take a KPI's title, definition and format from here (`KPIS`, and `DERIVED` for the figures a
comparison adds), so a KPI is called the same everywhere: "12-month retention" on the terminal,
on a tile and on a chart. The values are computed below the report, in `sim.running.kpis`
(experiments use them too); the report shows those named in `KPIS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from sim.running.kpis import RETENTION_PERIOD
from sim.running.kpis import kpis as all_kpis
from sim.running.result import RunResult
from sim.scenario import Scenario

__all__ = [
    "DERIVED",
    "GLOSSARY",
    "KPIS",
    "REPORT_KPIS",
    "RETENTION_PERIOD",
    "SAME_AS",
    "Kpi",
    "better_way",
    "format_diff",
    "format_value",
    "glossary",
    "kpi_column",
    "kpi_definition",
    "kpi_info",
    "kpi_title",
    "kpis",
    "period_name",
    "retention_observed",
    "verdict",
]


@dataclass(frozen=True)
class Kpi:
    """How a KPI is named, defined and shown, and which way is good."""

    title: str  # as a heading: "Customers at the end" (retention's is made for the scenario)
    column: str  # as a terminal column: the title in two short lines
    fmt: str  # format of a value in display units
    scale: float = 1.0  # display units per model unit (100 for a share shown in %)
    suffix: str = ""  # after a value, e.g. " %"
    unit: str = ""  # of a difference, e.g. " points"
    better: int = 1  # +1: higher is better; -1: lower is better (a cost)
    definition: str = ""  # one sentence for the glossary; {n} and {period} as in `kpi_title`


KPIS: dict[str, Kpi] = {
    "customers": Kpi(
        "Customers at the end",
        "Customers\nat the end",
        "{:,.0f}",
        definition="The brand's active customers on the last step of the run.",
    ),
    "retention_12": Kpi(
        f"{RETENTION_PERIOD}-period retention",
        f"{RETENTION_PERIOD}-period\nretention",
        "{:.1f}",
        scale=100.0,
        suffix=" %",
        unit=" points",
        definition="Of all customers the brand acquired early enough to be seen {n} {period}s "
        "later, the share still active then (pooled over acquisition cohorts).",
    ),
    "rating": Kpi(
        "Average rating",
        "Average\nrating",
        "{:.2f}",
        unit=" stars",
        definition="The average of the stars (1 to 5) on the brand's review page at the end: "
        "what a shopper reads while researching (ZMOT).",
    ),
    "acquisition_cost": Kpi(
        "Acquisition cost",
        "Acquisition\ncost",
        "{:,.2f}",
        better=-1,
        definition="What the brand's touchpoints before the purchase (<ZMOT, ZMOT, FMOT) cost "
        "over the run, per customer acquired; lower is better.",
    ),
    "revenue": Kpi(
        "Revenue over the run",
        "Revenue\nover the run",
        "{:,.0f}",
        definition="Subscriptions and renewals the brand's customers paid over the run.",
    ),
    "margin": Kpi(
        "Margin over the run",
        "Margin\nover the run",
        "{:,.0f}",
        definition="Revenue less what all of the brand's touchpoints cost over the run (other "
        "costs, such as making the product better, are not in the model).",
    ),
}

DERIVED: dict[str, Kpi] = {
    "spend": Kpi(
        "Touchpoint spending",
        "Touchpoint\nspending",
        "{:,.0f}",
        better=-1,
        definition="What all of the brand's touchpoints cost over the run: contacts times the "
        "cost per contact.",
    ),
    "return_on_spend": Kpi(
        "Return on spend",
        "Return on\nspend",
        "{:,.2f}",
        unit=" per 1 spent",
        definition="A scenario's margin gained per unit of extra touchpoint spending against "
        "the baseline: (its margin - the baseline's) / (its spending - the baseline's). Above "
        "0 the extra spending pays for itself and more; below 0 it loses money. Not defined "
        "when the scenario spends less than 5 % more than the baseline (then its margin "
        "difference says it all).",
    ),
}
"""Figures a comparison adds to `KPIS`: spending, and the return on the extra spending."""

GLOSSARY: dict[str, Kpi] = {**KPIS, **DERIVED}
"""Every KPI the reports name, with its title and definition, in the order the glossary
lists them."""

REPORT_KPIS: tuple[str, ...] = (
    "retention_12",
    "customers_end",
    "customers",
    "revenue",
    "margin",
    "rating",
    "acquisition_cost",
)
"""The KPIs a report can lead with (the report command's KPI option); `customers_end` is
`customers`."""


SAME_AS: dict[str, str] = {"customers_end": "customers"}
"""KPIs known by another name elsewhere (experiments say `customers_end`), shown the same."""


def kpi_info(kpi: str) -> Kpi:
    """How a KPI is named and shown, also under a name in `SAME_AS` or in `DERIVED`."""
    return GLOSSARY[SAME_AS.get(kpi, kpi)]


def period_name(s: Scenario) -> str:
    """What a renewal period is called: month, week, year, or 'n-day period'."""
    step, period = s.time.step, s.retention.period
    known = {("day", 7): "week", ("day", 30): "month", ("day", 365): "year", ("week", 52): "year"}
    if (step, period) in known:
        return known[(step, period)]
    return step if period == 1 else f"{period}-{step} period"


def kpi_title(kpi: str, s: Scenario) -> str:
    """A KPI's heading, with retention's period named for the scenario (e.g. 12-month); a
    period without a name of its own (10 days, say) keeps the generic '12-period'."""
    if kpi == "retention_12":
        name = period_name(s)
        return f"{RETENTION_PERIOD}-{name} retention" if " " not in name else KPIS[kpi].title
    return kpi_info(kpi).title


def kpi_column(kpi: str, s: Scenario) -> str:
    """A KPI's title as a terminal column: the same words as `kpi_title`, in two lines."""
    words = kpi_title(kpi, s).split(" ")
    if len(words) == 1:
        return words[0]
    cut = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def kpi_definition(kpi: str, s: Scenario) -> str:
    """A KPI's definition for the glossary, its periods named for the scenario."""
    return kpi_info(kpi).definition.format(n=RETENTION_PERIOD, period=period_name(s))


def glossary(kpis: Sequence[str], s: Scenario) -> list[tuple[str, str]]:
    """(title, definition) of each KPI named, once each, in the glossary's order."""
    names = {SAME_AS.get(k, k) for k in kpis}
    return [(kpi_title(k, s), kpi_definition(k, s)) for k in GLOSSARY if k in names]


def better_way(kpi: str) -> int:
    """+1 when a higher value of `kpi` is better, -1 when a lower one is (a cost)."""
    return kpi_info(kpi).better


def verdict(kpi: str, lower: float | None, upper: float | None) -> str:
    """Whether a difference with this 90 % interval is 'better', 'worse' or within the
    'noise' (the interval holds zero, or is unknown), for `kpi`'s good direction."""
    if lower is None or upper is None or lower != lower or upper != upper or lower <= 0 <= upper:
        return "noise"
    return "better" if (lower > 0) == (better_way(kpi) > 0) else "worse"


def format_value(kpi: str, value: float | None) -> str:
    """A value in display units, e.g. '48.8 %'; 'n/a' when undefined."""
    if value is None or value != value:  # None or NaN
        return "n/a"
    k = kpi_info(kpi)
    return k.fmt.format(value * k.scale) + k.suffix


def format_diff(kpi: str, value: float | None, unit: bool = True) -> str:
    """A signed difference in display units, e.g. '+4.1 points'."""
    if value is None:
        return "n/a"
    k = kpi_info(kpi)
    sign = "+" if value >= 0 else "\u2212"
    return sign + k.fmt.format(abs(value * k.scale)) + (k.unit if unit else "")


def retention_observed(s: Scenario) -> bool:
    """Whether a run is long enough to observe retention after `RETENTION_PERIOD` periods."""
    return s.time.steps >= (RETENTION_PERIOD + 1) * s.retention.period


def kpis(result: RunResult) -> pl.DataFrame:
    """The KPIs the report shows (those in `KPIS`), one row per replication, brand and KPI:
    replication, brand, kpi, value (computed by `sim.running.kpis.kpis`)."""
    return all_kpis(result).filter(pl.col("kpi").is_in(list(KPIS)))
