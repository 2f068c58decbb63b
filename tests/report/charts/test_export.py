"""Exports are real images of the size drawn; HTML pages need no network."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import polars as pl
import pytest

from sim.report.charts.export import chart_spec, save_chart
from sim.report.charts.theme import CONFIG
from tests.report.charts.checks import assert_images_match, assert_offline

CHART = (
    alt.Chart(pl.DataFrame({"x": [1, 2, 3], "y": [3.0, 1.0, 2.0]}))
    .mark_line()
    .encode(x="x:Q", y="y:Q")
    .properties(width=300, height=200)
)


def test_save_chart_writes_offline_html_png_and_svg(tmp_path: Path) -> None:
    paths = save_chart(CHART, tmp_path / "out", "line")
    assert sorted(paths) == ["html", "png", "svg"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "line.html",
        "line.png",
        "line.svg",
    ]
    assert_images_match(paths["png"], paths["svg"])
    assert (paths["svg"].read_bytes().count(b"<path")) >= 1
    page = paths["html"].read_text(encoding="utf-8")
    assert_offline(page)
    assert "vegaEmbed" in page and '"chart"' in page
    assert oct(paths["png"].stat().st_mode & 0o777) == "0o644"


def test_save_chart_some_formats_and_a_bad_one(tmp_path: Path) -> None:
    assert sorted(save_chart(CHART, tmp_path, "a", formats=("svg",))) == ["svg"]
    with pytest.raises(ValueError, match="unknown chart format 'gif'"):
        save_chart(CHART, tmp_path, "b", formats=("png", "gif"))
    assert [p.name for p in tmp_path.iterdir()] == ["a.svg"]


def test_the_theme_is_applied_and_a_chart_config_wins() -> None:
    assert chart_spec(CHART)["config"]["font"] == CONFIG["font"]
    own = chart_spec(CHART.configure(font="Courier"))
    assert own["config"]["font"] == "Courier"


def test_a_long_series_is_charted_whole() -> None:
    """Five brands over five years of days: more rows than Altair's default limit of 5,000."""
    rows = 5 * 5 * 365
    frame = pl.DataFrame({"step": range(rows), "value": [float(i % 7) for i in range(rows)]})
    spec = chart_spec(alt.Chart(frame).mark_line().encode(x="step:Q", y="value:Q"))
    (data,) = spec["datasets"].values()
    assert len(data) == rows
