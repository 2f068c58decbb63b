"""The one page skeleton of every report: a new page is a few charts and a call to `render_page`.

Every page — the run report, the comparison of runs, the experiment report — has the same
parts, in this order: a header (title, provenance line), a summary (KPI tiles, plain
sentences, notes), sections of figures (heading, how to read it, chart) and tables, a
glossary (what the KPIs on the page mean, from `sim.report.kpis`), and a footer (the files the
page was made from). The HTML lives in Jinja2 templates in
`sim/report/templates/` (`page.html.j2` the skeleton, `parts.html.j2` its parts as macros),
rendered with autoescaping: every text passed in is shown as text, so a scenario named
`<script>` stays a name. The page inlines Vega and every chart's data and opens offline.

A page of one's own, e.g. a report of something new::

    from sim.report.skeleton import Figure, Section, Tile, figures_of, render_page, write_page

    sections = [Section("What matters", [Figure("tornado", "The tornado", "Longer bars ...",
                                                 chart)])]
    html = render_page("Moments of Truth: ranking", "baseline, 10 replications ...",
                       tiles=[Tile("Retention", "48.8 %", "90 %: 47.9 % to 49.6 %")],
                       sentences=["Onboarding matters most."], sections=sections)
    write_page(folder, html, figures_of(sections))  # report.html and charts/ (PNG, SVG)

A page needing more than these parts extends the skeleton in a template of its own
(`{% extends "page.html.j2" %}`, filling a block) and names it in `render_page(template=...)`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import altair as alt
import jinja2
import vl_convert as vlc
from markupsafe import Markup

from sim.report.charts.export import chart_spec, render
from sim.store.atomic import atomic_folder, write_atomic

__all__ = [
    "CHARTS",
    "PAGE",
    "REPORT",
    "Delta",
    "Figure",
    "Listing",
    "Section",
    "Source",
    "Table",
    "Term",
    "Tile",
    "chart_page",
    "environment",
    "figures_of",
    "render_page",
    "script_json",
    "vega_bundle",
    "write_page",
]

PAGE = "page.html.j2"  # the skeleton
REPORT = "report.html"
CHARTS = "charts"


@dataclass(frozen=True)
class Figure:
    """A chart of a page: file name (in charts/), heading, how to read it, the chart."""

    name: str
    heading: str
    how_to_read: str
    chart: alt.TopLevelMixin


@dataclass(frozen=True)
class Delta:
    """A line under a tile's value comparing another scenario: `label: value (interval)`,
    marked in the scenario's colour; `verdict` ('better', 'worse' or 'noise', see
    `sim.report.kpis.verdict`) colours the value and says it in words."""

    label: str
    value: str
    interval: str = ""
    color: str = "#888"
    verdict: str = ""


@dataclass(frozen=True)
class Tile:
    """A KPI tile: its title, the value, the line under it (e.g. the 90 % interval), and
    optionally how other scenarios differ."""

    title: str
    value: str
    interval: str = ""
    deltas: Sequence[Delta] = ()


@dataclass(frozen=True)
class Table:
    """A table of text cells: the first `label_columns` cells of a row name it (left), the
    others are numbers (right-aligned)."""

    heading: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    note: str = ""
    label_columns: int = 1
    color: str = ""  # a mark beside the heading, e.g. the scenario's colour
    intro: str = ""  # a line between the heading and the table


@dataclass(frozen=True)
class Section:
    """A part of the page under one heading: an optional line of introduction, figures, then
    tables."""

    heading: str
    figures: Sequence[Figure] = ()
    tables: Sequence[Table] = ()
    intro: str = ""


@dataclass(frozen=True)
class Listing:
    """A file shown verbatim at the foot of a page (folded unless `open`)."""

    name: str
    text: str
    open: bool = False


@dataclass(frozen=True)
class Source:
    """What a page was made from, e.g. a run folder: its name, where it is, its files."""

    title: str
    where: str = ""
    listings: Sequence[Listing] = ()


@dataclass(frozen=True)
class Term:
    """An entry of a page's glossary: a name as the page uses it, and what it means."""

    name: str
    definition: str


@dataclass(frozen=True)
class _Shown:
    """A figure placed on the page: the id of the element its chart draws into."""

    id: str
    figure: Figure


@dataclass(frozen=True)
class _ShownSection:
    """A section with its figures placed."""

    section: Section
    figures: list[_Shown]


@cache
def environment() -> jinja2.Environment:
    """The templates in `sim/report/templates/`, every `{{ }}` HTML-escaped; an undefined
    variable is an error, not an empty string."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script that defines `vegaEmbed` globally (from
    vl-convert, which carries them: nothing is fetched)."""
    return vlc.javascript_bundle()


def script_json(data: Any) -> str:
    """JSON to inline in a <script>: `<`, `>` and `&` as JSON escapes, so no text in the data
    (a brand named `<!--<script>`, say) can change how the page parses."""
    text = json.dumps(data, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _version() -> str:
    """This package's version, for the page's footer."""
    try:
        return metadata.version("moments-of-truth")
    except metadata.PackageNotFoundError:
        return ""


def _render(
    template: str | jinja2.Template, specs: dict[str, dict[str, Any]], **context: Any
) -> str:
    """`template` with the Vega bundle and the chart specs (by element id) inlined."""
    bundle = vega_bundle().replace("</script", "<\\/script")
    if isinstance(template, str):
        template = environment().get_template(template)
    return template.render(
        vega=Markup(bundle), specs=Markup(script_json(specs)), version=_version(), **context
    )


def figures_of(sections: Sequence[Section]) -> list[Figure]:
    """Every figure of the sections, in page order (the order of charts/)."""
    return [fig for s in sections for fig in s.figures]


def render_page(
    title: str,
    lead: str = "",
    *,
    tiles: Sequence[Tile] = (),
    sentences: Sequence[str] = (),
    notes: Sequence[str] = (),
    sections: Sequence[Section] = (),
    sources: Sequence[Source] = (),
    summary_heading: str = "Executive summary",
    sources_heading: str = "Settings and manifests",
    template: str | jinja2.Template = PAGE,
    glossary: Sequence[Term] = (),
    glossary_heading: str = "Glossary",
    **context: Any,
) -> str:
    """A whole offline HTML page on the skeleton; all text is plain text (escaped here).

    `title` heads the page (and names it in the browser); `lead` is the provenance line
    under it. The summary holds `tiles`, then `sentences` (a list), then `notes`; it is left
    out when all three are empty. Then each of `sections` (figures, then tables); each chart
    draws into an element `chart-NN-<name>`, numbered in page order like `figures_of`. At the
    foot, `sources` (files shown verbatim), after the `glossary` (what the page's KPIs and
    terms mean; left out when empty). `template` names a template extending
    `page.html.j2` in `sim/report/templates/` (or is one, from `environment()`) for a page with
    parts of its own; `context` is passed on to it, escaped like everything else.
    """
    shown, specs = [], {}
    for section in sections:
        placed = []
        for fig in section.figures:
            cid = f"chart-{len(specs) + 1:02d}-{fig.name}"
            specs[cid] = chart_spec(fig.chart)
            placed.append(_Shown(cid, fig))
        shown.append(_ShownSection(section, placed))
    return _render(
        template,
        specs,
        title=title,
        lead=lead,
        tiles=tiles,
        sentences=sentences,
        notes=notes,
        sections=shown,
        sources=sources,
        summary_heading=summary_heading,
        sources_heading=sources_heading,
        glossary=glossary,
        glossary_heading=glossary_heading,
        **context,
    )


def chart_page(title: str, spec: dict[str, Any]) -> str:
    """One chart (a Vega-Lite spec) alone on the skeleton, drawn into the element `chart`."""
    return _render("chart.html.j2", {"chart": spec}, title=title, chart_id="chart")


def write_page(
    folder: Path,
    page: str,
    figures: Sequence[Figure],
    formats: Sequence[str] = ("png", "svg"),
    name: str = REPORT,
) -> Path:
    """Write `folder/charts/` (each figure as `NN_<name>.<format>`, numbered in page order) and
    then `folder/<name>` (the page); return the page's path.

    Each is written atomically: charts/ as a whole folder (replacing one there), then the page.
    """
    with atomic_folder(folder / CHARTS, replace=True) as charts:
        for i, fig in enumerate(figures, start=1):
            for fmt, data in render(chart_spec(fig.chart), formats, fig.heading).items():
                (charts / f"{i:02d}_{fig.name}.{fmt}").write_bytes(data)
    return write_atomic(folder / name, page)
