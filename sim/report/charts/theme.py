"""The look shared by every chart: colour-blind-safe palettes, one colour per brand and per
scenario, fonts and sizes, and a legend that selects what it names.

Colours come from Okabe & Ito (2008) and Paul Tol's muted scheme, both readable with the
common forms of colour blindness. A brand or scenario keeps its colour in every chart because
the colour follows its position in the list given, not what a chart happens to show.

Scenarios can be many (eight what-ifs against a baseline is a normal comparison): the baseline
is grey, and no scenario is ever grey. The first nine scenarios get nine distinct colours; from
the tenth on the colours come round again, each round with its own point shape and line dash
(`scenario_style`), so no two scenarios look the same in any chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt

__all__ = [
    "BETTER_COLOR",
    "BRAND_COLORS",
    "CONFIG",
    "DASHES",
    "HEIGHT",
    "MOMENT_COLORS",
    "SCENARIO_COLORS",
    "SHAPES",
    "VERDICT_COLORS",
    "WIDTH",
    "ScenarioStyle",
    "brand_scale",
    "dash_scale",
    "dimmed",
    "highlight",
    "moment_scale",
    "scenario_scale",
    "scenario_style",
    "shape_scale",
]

WIDTH, HEIGHT = 560, 260
# Okabe-Ito: blue, orange, bluish green, reddish purple, sky blue, yellow, vermillion.
BRAND_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#D55E00")
# The baseline in dark grey, the scenarios in colours brands use last, then Tol's muted wine,
# indigo and olive (Okabe-Ito's yellow is too pale on white, its black too near the grey).
SCENARIO_COLORS = (
    "#4D4D4D",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#009E73",
    "#E69F00",
    "#0072B2",
    "#882255",
    "#332288",
    "#999933",
)
# Each round of the scenario colours after the first gets its own point shape and line dash.
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down")
DASHES: tuple[tuple[int, ...], ...] = ((1, 0), (6, 3), (2, 2), (8, 3, 2, 3), (1, 3), (10, 4))
# Good and bad news (a difference clear of zero in the better or the worse direction), and the
# shading of a difference chart's better side: Okabe-Ito's bluish green and vermillion, told
# apart by words and arrows too, never by colour alone.
VERDICT_COLORS = {"better": "#007A5A", "worse": "#B8420A", "noise": "#666666"}
BETTER_COLOR = "#009E73"
# Tol's muted scheme, one colour per moment of truth (<ZMOT, ZMOT, FMOT, SMOT, UMOT).
MOMENT_COLORS = ("#88CCEE", "#DDCC77", "#CC6677", "#44AA99", "#882255")

CONFIG: dict[str, Any] = {
    "font": "Helvetica, Arial, sans-serif",
    "background": "white",
    "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
    "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12, "subtitleColor": "#555"},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
    "axisQuantitative": {"tickCount": 6},
    "legend": {"labelFontSize": 11, "titleFontSize": 12},
    "header": {"labelFontSize": 12, "titleFontSize": 12},
}


def _scale(names: Sequence[str], colors: Sequence[str], shown: Sequence[str] | None) -> alt.Scale:
    position = {name: i for i, name in enumerate(dict.fromkeys(names))}
    domain = list(position) if shown is None else list(dict.fromkeys(shown))
    return alt.Scale(
        domain=domain, range=[colors[position.get(n, len(position)) % len(colors)] for n in domain]
    )


def brand_scale(brands: Sequence[str], shown: Sequence[str] | None = None) -> alt.Scale:
    """Colour scale for brands, coloured by their place in `brands` (the scenario's order);
    `shown` limits the legend to some of them and keeps their colours."""
    return _scale(brands, BRAND_COLORS, shown)


@dataclass(frozen=True)
class ScenarioStyle:
    """How one scenario looks in every chart and tile: colour, point shape, line dash."""

    color: str
    shape: str
    dash: tuple[int, ...]


def scenario_style(position: int) -> ScenarioStyle:
    """The look of the scenario at `position` in the list compared (0, the baseline: grey).

    Scenarios 1 to 9 take the nine scenario colours; later ones take them again, each round
    with the next shape and dash, so (colour, shape, dash) differs for every position and no
    scenario is ever the baseline's grey."""
    if position <= 0:
        return ScenarioStyle(SCENARIO_COLORS[0], SHAPES[0], DASHES[0])
    colors = len(SCENARIO_COLORS) - 1
    turn, place = divmod(position - 1, colors)
    return ScenarioStyle(
        SCENARIO_COLORS[1 + place], SHAPES[turn % len(SHAPES)], DASHES[turn % len(DASHES)]
    )


def _styled(
    scenarios: Sequence[str], shown: Sequence[str] | None
) -> list[tuple[str, ScenarioStyle]]:
    position = {name: i for i, name in enumerate(dict.fromkeys(scenarios))}
    domain = list(position) if shown is None else list(dict.fromkeys(shown))
    return [(n, scenario_style(position.get(n, len(position)))) for n in domain]


def scenario_scale(scenarios: Sequence[str], shown: Sequence[str] | None = None) -> alt.Scale:
    """Colour scale for scenarios, the baseline first (grey); `shown` as for `brand_scale`."""
    styled = _styled(scenarios, shown)
    return alt.Scale(domain=[n for n, _ in styled], range=[s.color for _, s in styled])


def shape_scale(scenarios: Sequence[str], shown: Sequence[str] | None = None) -> alt.Scale:
    """Point-shape scale for scenarios, to go with `scenario_scale` (all circles up to nine
    scenarios)."""
    styled = _styled(scenarios, shown)
    return alt.Scale(domain=[n for n, _ in styled], range=[s.shape for _, s in styled])


def dash_scale(scenarios: Sequence[str], shown: Sequence[str] | None = None) -> alt.Scale:
    """Line-dash scale for scenarios, to go with `scenario_scale` (all solid up to nine
    scenarios)."""
    styled = _styled(scenarios, shown)
    return alt.Scale(domain=[n for n, _ in styled], range=[list(s.dash) for _, s in styled])


def moment_scale(moments: Sequence[str]) -> alt.Scale:
    """Colour scale for the moments of truth, in journey order."""
    return _scale(moments, MOMENT_COLORS, None)


def highlight(field: str) -> alt.Parameter:
    """A selection bound to the legend of `field`: click a name to pick it, shift-click for more.

    Add it to one layer only (`.add_params`) and dim the others with `dimmed` in every layer.
    """
    return alt.selection_point(name=f"pick_{field}", fields=[field], bind="legend")


def dimmed(pick: alt.Parameter, on: float = 1.0, off: float = 0.12) -> Any:
    """Opacity `on` for what the legend selection holds (all, when none is picked), else `off`."""
    return alt.when(pick).then(alt.value(on)).otherwise(alt.value(off))
