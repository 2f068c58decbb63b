"""Calendar time on the time charts: dates beside the steps, and promotion windows shaded.

Every time chart draws steps on its x axis. With a calendar (`time.start`) the axis labels are
the dates the steps begin on and tooltips carry the date beside the step; a run with
promotions gets each promotion's window shaded, and, on the churn charts, the renewals at
which its discounts end (the churn wave).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.promotions import windows
from sim.scenario import Scenario
from sim.scenario.calendar import date_of

__all__ = ["date_expression", "dated", "promotion_spans", "timed", "with_spans"]

WINDOW_COLOR = "#d62728"
WAVE_COLOR = "#9467bd"


def date_expression(s: Scenario, value: str = "datum.value") -> str | None:
    """A Vega expression for the date the step `value` begins on (None without a calendar)."""
    start = s.time.start
    if start is None:
        return None
    y, m, d = start.year, start.month - 1, start.day
    if s.time.step == "month":
        return f"datetime({y}, {m} + {value} - 1, {d})"
    days = 7 if s.time.step == "week" else 1
    return f"datetime({y}, {m}, {d} + ({value} - 1) * {days})"


def _units(chart: alt.TopLevelMixin) -> list[alt.Chart]:
    """The unit charts of a chart, however layered."""
    if isinstance(chart, alt.LayerChart):
        return [u for layer in chart.layer for u in _units(layer)]
    return [chart] if isinstance(chart, alt.Chart) else []


def _x_field(unit: alt.Chart) -> str | None:
    """The field a unit chart draws on its x axis (None if none)."""
    encoding = unit.encoding
    x = encoding.x if encoding is not alt.Undefined else alt.Undefined
    if x is alt.Undefined:
        return None
    field = x.to_dict().get("field")
    return field if isinstance(field, str) else None


def dated(chart: alt.TopLevelMixin, s: Scenario) -> alt.TopLevelMixin:
    """`chart` with dates on its step axis and in its tooltips (unchanged without a calendar)."""
    expr = date_expression(s)
    if expr is None:
        return chart
    chart = chart.copy(deep=True)
    for unit in _units(chart):
        if _x_field(unit) != "step":
            continue
        x = unit.encoding.x
        x.axis = alt.Axis(labelExpr=f"timeFormat({expr}, '%d %b %Y')", labelAngle=-30)
        x.title = f"Date (step 1 = {s.time.start})"
        when = date_expression(s, "datum.step")
        unit.transform = [
            *(unit.transform if unit.transform is not alt.Undefined else []),
            alt.CalculateTransform(calculate=f"timeFormat({when}, '%Y-%m-%d')", **{"as": "date"}),
        ]
        tooltip = unit.encoding.tooltip
        if tooltip is not alt.Undefined and isinstance(tooltip, list):
            unit.encoding.tooltip = [*tooltip, alt.Tooltip("date:N", title="date")]
    return chart


def promotion_spans(scenarios: Sequence[Scenario], waves: bool = False) -> pl.DataFrame:
    """Each promotion of the scenarios (once per brand and name) as a span of steps: label,
    kind ('promotion' or, with `waves`, 'discounts end'), start, end, and its dates."""
    rows: dict[tuple[str, str, str], tuple] = {}
    for s in scenarios:
        for w in windows(s):
            label = f"{w.brand}: {w.name}"
            rows.setdefault((w.brand, w.name, "promotion"), (label, "promotion", w.start, w.end))
            if waves:
                rows.setdefault(
                    (w.brand, w.name, "wave"),
                    (f"{label}, discounts end", "discounts end", w.wave_start, w.wave_end),
                )
    frame = pl.DataFrame(
        list(rows.values()),
        schema={"label": pl.String, "kind": pl.String, "start": pl.Int64, "end": pl.Int64},
        orient="row",
    )
    s = scenarios[0] if scenarios else None
    if s is not None and s.time.start is not None and frame.height:
        first, step = s.time.start, s.time.step
        frame = frame.with_columns(
            from_date=pl.Series([str(date_of(v, first, step)) for v in frame["start"]]),
            to_date=pl.Series([str(date_of(v, first, step)) for v in frame["end"]]),
        )
    return frame


def with_spans(
    chart: alt.TopLevelMixin, spans: pl.DataFrame, last: int | None = None
) -> alt.TopLevelMixin:
    """`chart` with each span shaded over it, lightly (a promotion's window, the renewals at
    which its discounts end), cut at step `last`; unchanged without spans."""
    if last is not None:
        spans = spans.filter(pl.col("start") <= last).with_columns(
            pl.col("end").clip(upper_bound=last)
        )
    if spans.height == 0:
        return chart
    kinds = [k for k in ("promotion", "discounts end") if k in set(spans["kind"])]
    colors = {"promotion": WINDOW_COLOR, "discounts end": WAVE_COLOR}
    tips = [alt.Tooltip("label:N", title="")]
    if "from_date" in spans.columns:
        tips += [alt.Tooltip("from_date:N", title="from"), alt.Tooltip("to_date:N", title="to")]
    else:
        tips += [alt.Tooltip("start:Q", title="from step"), alt.Tooltip("end:Q", title="to step")]
    shade = (
        alt.Chart(spans.with_columns(pl.col("end") + 1))
        .mark_rect(opacity=0.12)
        .encode(
            x="start:Q",
            x2="end:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=kinds, range=[colors[k] for k in kinds]),
                legend=alt.Legend(title="shaded"),
            ),
            tooltip=tips,
        )
    )
    if isinstance(chart, alt.LayerChart):
        out = chart.copy(deep=True)
        out.layer = [*out.layer, shade]
        return out.resolve_scale(color="independent")
    props = {
        k: getattr(chart, k)
        for k in ("title", "width", "height")
        if getattr(chart, k, alt.Undefined) is not alt.Undefined
    }
    inner = chart.copy(deep=True)
    for k in props:
        setattr(inner, k, alt.Undefined)
    return alt.layer(inner, shade).resolve_scale(color="independent").properties(**props)


def timed(
    chart: alt.TopLevelMixin, scenarios: Sequence[Scenario], waves: bool = False
) -> alt.TopLevelMixin:
    """A time chart with its dates (from the first scenario's calendar) and the promotion
    windows of the scenarios shaded (and, with `waves`, where their discounts end)."""
    if not scenarios:
        return chart
    last = max(s.time.steps for s in scenarios)
    return with_spans(dated(chart, scenarios[0]), promotion_spans(scenarios, waves), last)
