"""Writing charts: PNG and SVG for slides, or a self-contained offline HTML page (Vega inlined).

Everything goes through vl-convert, which carries Vega, Vega-Lite and Vega-Embed itself, so
nothing is fetched from the network, neither when writing nor when the page is opened. The HTML
page is the report's skeleton (`sim.report.skeleton`) holding the one chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

from sim.report.charts.theme import CONFIG
from sim.store.atomic import write_atomic

__all__ = [
    "FORMATS",
    "PNG_SCALE",
    "chart_spec",
    "render",
    "save_chart",
]

FORMATS = ("html", "png", "svg")
PNG_SCALE = 2.0  # PNG pixels per chart pixel: sharp on slides and high-density screens


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the house theme (the chart's own config wins)."""
    # Frames are aggregated before charting, so every row is a point drawn: no row limit, even
    # for a long daily run with many brands (Altair refuses more than 5,000 rows by default).
    with alt.data_transformers.enable("default", max_rows=None):
        spec = chart.to_dict()
    spec["config"] = {**CONFIG, **spec.get("config", {})}
    return spec


def render(spec: dict[str, Any], formats: Iterable[str], title: str = "chart") -> dict[str, bytes]:
    """One chart as bytes in each of `formats` (html, png, svg).

    PNG is rasterised from the SVG, so a chart wanted in both is laid out by Vega once.
    """
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown chart format {unknown[0]!r}; known: {', '.join(FORMATS)}")
    out: dict[str, bytes] = {}
    if "svg" in formats or "png" in formats:
        svg = vlc.vegalite_to_svg(spec)
        if "svg" in formats:
            out["svg"] = svg.encode()
        if "png" in formats:
            out["png"] = vlc.svg_to_png(svg, scale=PNG_SCALE)
    if "html" in formats:
        from sim.report.skeleton import chart_page  # here: the skeleton imports this module

        out["html"] = chart_page(title, spec).encode()
    return {fmt: out[fmt] for fmt in formats}


def save_chart(
    chart: alt.TopLevelMixin,
    folder: Path,
    name: str,
    formats: Iterable[str] = FORMATS,
) -> dict[str, Path]:
    """Write `folder/name.<fmt>` for each format: offline HTML, PNG (2x) or SVG.

    Returns the paths by format. Each file is written atomically.
    """
    data = render(chart_spec(chart), formats, title=name)
    return {fmt: write_atomic(folder / f"{name}.{fmt}", content) for fmt, content in data.items()}
