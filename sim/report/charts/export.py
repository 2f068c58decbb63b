"""Writing charts: a self-contained offline HTML page (Vega inlined) and PNG/SVG for slides.

Everything goes through vl-convert, which carries Vega, Vega-Lite and Vega-Embed itself, so
nothing is fetched from the network, neither when writing nor when the page is opened.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from functools import cache
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
    "embed_script",
    "page",
    "render",
    "save_chart",
    "script_json",
    "vega_bundle",
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


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script that defines `vegaEmbed` globally."""
    return vlc.javascript_bundle()


def script_json(data: Any) -> str:
    """JSON to inline in a <script>: `<`, `>` and `&` as JSON escapes, so no text in the data
    (a brand named `<!--<script>`, say) can change how the page parses."""
    text = json.dumps(data, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def embed_script(charts: dict[str, dict[str, Any]]) -> str:
    """JavaScript drawing each spec into the element of its id (SVG renderer).

    Each element gets `data-drawn="yes"` when its chart drew, or `"error"`, and errors go to
    the console, so a browser test can check that every chart drew.
    """
    specs = script_json(charts)
    return (
        f"const specs = {specs};\n"
        "for (const [id, spec] of Object.entries(specs)) {\n"
        "  const el = document.getElementById(id);\n"
        "  vegaEmbed(el, spec, {renderer: 'svg', actions: false})\n"
        "    .then(() => { el.dataset.drawn = 'yes'; })\n"
        "    .catch((err) => { el.dataset.drawn = 'error'; console.error(id, err); });\n"
        "}\n"
    )


def page(title: str, body: str, script: str, style: str = "") -> str:
    """A whole HTML page: the Vega bundle and `script` inlined, no external reference."""
    bundle = vega_bundle().replace("</script", "<\\/script")
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n"
        f"<script>{bundle}</script>\n</head>\n<body>\n{body}\n"
        f"<script>\n{script}</script>\n</body>\n</html>\n"
    )


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
        body = "<div class='chart' id='chart'></div>"
        out["html"] = page(title, body, embed_script({"chart": spec})).encode()
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
