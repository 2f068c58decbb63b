"""The page skeleton: every part in its place, all user text shown as text, charts inlined and
written for slides, nothing on the page fetched."""

from __future__ import annotations

import re
from pathlib import Path

import altair as alt
import polars as pl
import pytest

from sim.report.skeleton import (
    Delta,
    Figure,
    Listing,
    Section,
    Source,
    Table,
    Term,
    Tile,
    chart_page,
    environment,
    figures_of,
    render_page,
    write_page,
)
from tests.report.charts.checks import assert_offline

HOSTILE = "</script><script>alert('x')</script><!--&"


def chart(name: str = "a") -> alt.Chart:
    frame = pl.DataFrame({"x": [1, 2, 3], "y": [3.0, 1.0, 2.0], "label": [name] * 3})
    return alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q", tooltip="label:N")


PLACES = 24  # the places `page_with` puts text in the body


def body_of(page: str) -> str:
    """The page after its head (Vega's bundle in the head holds '<body>' itself)."""
    return page.rsplit("\n<body>\n", 1)[1]


def page_with(text: str) -> str:
    """A page with `text` in every place a page shows text."""
    return render_page(
        f"Title {text}",
        f"Lead {text}",
        tiles=[
            Tile(
                f"Tile {text}",
                f"1 {text}",
                f"90 % {text}",
                [Delta(text, "+1", text, verdict="better")],
            )
        ],
        sentences=[f"Sentence {text}"],
        notes=[f"Note {text}"],
        sections=[
            Section(
                f"Section {text}",
                [Figure("one", f"Heading {text}", f"Read {text}", chart(text))],
                [
                    Table(
                        f"Table {text}",
                        [f"col {text}", "n"],
                        [[f"row {text}", "1"]],
                        text,
                        color="#D55E00",
                        intro=f"Table intro {text}",
                    )
                ],
                intro=f"Intro {text}",
            )
        ],
        sources=[Source(f"Source {text}", text, [Listing(f"file {text}", f"body {text}")])],
        glossary=[Term(f"Term {text}", f"Means {text}")],
    )


def test_every_part_of_the_page_is_in_its_place() -> None:
    page = page_with("x")
    assert_offline(page)
    body = body_of(page)
    order = [
        "<h1>Title x</h1>",
        "<p class='lead'>Lead x</p>",
        "<h2>Executive summary</h2>",
        "<h3>Tile x</h3><div class='value'>1 x</div><div class='interval'>90 % x</div>",
        "<div class='diff better' style='border-color:#888'>x: <b>+1</b> "
        "<span class='verdict'>better</span>",
        "<li>Sentence x</li>",
        "<p class='note'>Note x</p>",
        "<h2 class='section'>Section x</h2>",
        "<p class='note'>Intro x</p>",
        "<figure><h2>Heading x</h2><p>Read x</p><div class='chart' id='chart-01-one'></div>",
        "<h3 class='marked' style='border-color:#D55E00'>Table x</h3>",
        "<p>Table intro x</p>",
        "<th scope='row'>row x</th><td>1</td>",
        "<section id='glossary'><h2>Glossary</h2>",
        "<dt>Term x</dt><dd>Means x</dd>",
        "<footer>",
        "<h2>Settings and manifests</h2>",
        "<summary>file x</summary><pre>body x</pre>",
    ]
    at = [body.find(part) for part in order]
    assert -1 not in at, [p for p, i in zip(order, at, strict=True) if i < 0]
    assert at == sorted(at)
    assert "<title>Title x</title>" in page
    # the chart's spec is inlined under its element's id, and drawn by the last script
    script = page.rsplit("<script>", 1)[1]
    assert '"chart-01-one": {' in script and "vegaEmbed(el, spec" in script


def test_user_text_is_shown_as_text_everywhere() -> None:
    page = page_with(HOSTILE)
    markup, script = body_of(page).rsplit("<script>", 1)
    # one opening script for Vega and one for the charts: none from the text
    assert re.findall(r"<script\b", page) == ["<script", "<script"]
    assert "<script>alert" not in markup and "&lt;script&gt;alert" in markup
    escaped = "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;!--&amp;"
    assert markup.count(escaped) == PLACES
    assert "<!--" not in markup
    # in the charts' data too, where the text is JSON inside a script
    assert "</script><script>" not in script and "\\u003c/script\\u003e" in script


def test_sections_number_their_charts_in_page_order() -> None:
    sections = [
        Section("first", [Figure("a", "A", "", chart()), Figure("b", "B", "", chart())]),
        Section("tables only", tables=[Table("t", ["c"], [["1"]])]),
        Section("", [Figure("c", "C", "", chart())]),
    ]
    page = render_page("T", sections=sections)
    ids = re.findall(r"<div class='chart' id='([^']+)'>", page)
    assert ids == ["chart-01-a", "chart-02-b", "chart-03-c"]
    assert [f.name for f in figures_of(sections)] == ["a", "b", "c"]
    assert "<section id='summary'>" not in page  # no tiles, sentences or notes: no summary
    assert "<section id='glossary'>" not in page  # no terms: no glossary


def test_write_page_writes_the_page_and_its_charts_for_slides(tmp_path: Path) -> None:
    figures = [Figure("a", "A", "", chart()), Figure("b", "B", "", chart())]
    page = write_page(tmp_path / "out", "<html></html>", figures, formats=("svg",))
    assert page == tmp_path / "out" / "report.html"
    assert sorted(p.name for p in (tmp_path / "out" / "charts").iterdir()) == [
        "01_a.svg",
        "02_b.svg",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["charts", "report.html"]


def test_one_chart_alone_on_the_skeleton() -> None:
    page = chart_page(HOSTILE, {"mark": "point"})
    assert_offline(page)
    assert "<div class='chart' id='chart'></div>" in page
    assert "<h1>" not in page and "<footer>" not in page
    assert "<title>&lt;/script&gt;" in page


def test_a_template_variable_left_out_is_an_error() -> None:
    with pytest.raises(Exception, match="undefined"):
        environment().get_template("page.html.j2").render(title="t")


def test_a_page_of_its_own_extends_the_skeleton() -> None:
    """A template filling one block of the skeleton keeps every other part, and what it is
    given is escaped like everything else."""
    own = environment().from_string(
        '{% extends "page.html.j2" %}{% block sections %}'
        "<ol class='ranking'>{% for r in ranking %}<li>{{ r }}</li>{% endfor %}</ol>"
        "{{ super() }}{% endblock %}"
    )
    page = render_page(
        "Ranking",
        "lead",
        sentences=["s"],
        sections=[Section("Charts", [Figure("one", "One", "", chart())])],
        template=own,
        ranking=["onboarding", HOSTILE],
    )
    body = body_of(page)
    assert "<ol class='ranking'><li>onboarding</li><li>&lt;/script&gt;" in body
    assert body.index("<li>s</li>") < body.index("class='ranking'") < body.index("chart-01-one")
    assert "<footer>" in body and '"chart-01-one": {' in body.rsplit("<script>", 1)[1]
