"""The look shared by every chart: colour-blind-safe palettes, one colour per brand and per
scenario, fonts and sizes, and a legend that selects what it names.

Colours come from Okabe & Ito (2008) and Paul Tol's muted scheme, both readable with the
common forms of colour blindness. A brand or scenario keeps its colour in every chart because
the colour follows its position in the list given, not what a chart happens to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

__all__ = [
    "BRAND_COLORS",
    "CONFIG",
    "HEIGHT",
    "MOMENT_COLORS",
    "SCENARIO_COLORS",
    "WIDTH",
    "brand_scale",
    "dimmed",
    "highlight",
    "moment_scale",
    "scenario_scale",
]

WIDTH, HEIGHT = 560, 260
# Okabe-Ito: blue, orange, bluish green, reddish purple, sky blue, yellow, vermillion.
BRAND_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#D55E00")
# The baseline in dark grey, the scenarios in colours brands use last.
SCENARIO_COLORS = ("#4D4D4D", "#D55E00", "#56B4E9", "#CC79A7", "#009E73", "#E69F00", "#0072B2")
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


def scenario_scale(scenarios: Sequence[str], shown: Sequence[str] | None = None) -> alt.Scale:
    """Colour scale for scenarios, the baseline first (grey); `shown` as for `brand_scale`."""
    return _scale(scenarios, SCENARIO_COLORS, shown)


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
