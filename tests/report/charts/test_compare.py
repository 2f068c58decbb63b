from __future__ import annotations

import polars as pl

from sim.report.charts import compare
from sim.report.charts.export import chart_spec
from sim.report.charts.theme import SCENARIO_COLORS
from tests.report.charts.checks import encoding

DIFFS = pl.DataFrame(
    {
        "scenario": ["better", "better", "better", "better"],
        "brand": ["a", "b", "a", "b"],
        "kpi": ["Customers", "Customers", "Retention (points)", "Retention (points)"],
        "mean": [10.0, -2.0, 4.1, 0.1],
        "lower": [5.0, -6.0, 3.2, -0.5],
        "upper": [15.0, 1.0, 5.0, 0.6],
    }
)


def test_difference_chart_is_dot_and_whisker_per_kpi() -> None:
    spec = chart_spec(compare.difference_chart(DIFFS, ["baseline", "better"]))
    assert spec["facet"]["row"]["field"] == "kpi"
    assert spec["facet"]["row"]["sort"] == ["Customers", "Retention (points)"]
    assert spec["resolve"]["scale"]["x"] == "independent"
    zero, whisker, dot = spec["spec"]["layer"]
    assert zero["mark"]["type"] == "rule" and zero["encoding"]["x"]["field"] == "zero"
    assert (whisker["encoding"]["x"]["field"], whisker["encoding"]["x2"]["field"]) == (
        "lower",
        "upper",
    )
    assert dot["mark"]["type"] == "point" and dot["encoding"]["x"]["field"] == "mean"
    # the baseline is not in the legend; the scenario keeps its colour from the full list
    assert dot["encoding"]["color"]["scale"] == {
        "domain": ["better"],
        "range": [SCENARIO_COLORS[1]],
    }
    assert len(spec["datasets"][spec["data"]["name"]]) == DIFFS.height


def test_fan_chart_bands_each_scenario() -> None:
    runs = {
        name: pl.DataFrame(
            {"replication": [0, 1, 0, 1], "step": [1, 1, 2, 2], "value": [v, v + 2, v, v + 4]}
        )
        for name, v in (("baseline", 10.0), ("better", 20.0))
    }
    frame = compare.scenario_bands(runs)
    assert frame.filter(pl.col("scenario") == "better")["mean"].to_list() == [21.0, 22.0]
    spec = chart_spec(
        compare.fan_chart(
            frame, ["baseline", "better"], title="t", subtitle="s", y_title="Customers"
        )
    )
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
    assert encoding(spec, "color")["scale"]["domain"] == ["baseline", "better"]
    assert encoding(spec, "y")["title"] == "Customers"


def test_each_row_says_which_way_is_better_and_shades_that_side() -> None:
    better = DIFFS.with_columns(
        kpi=pl.Series(["Customers", "Customers", "Acquisition cost", "Acquisition cost"]),
        better=pl.Series([1, 1, -1, -1], dtype=pl.Int8),
    )
    spec = chart_spec(compare.difference_chart(better, ["baseline", "better"]))
    assert spec["facet"]["row"]["sort"] == [
        "Customers  (better \u2192)",
        "Acquisition cost  (\u2190 better)",
    ]
    right, left, *_, dot = spec["spec"]["layer"]
    assert right["mark"]["type"] == left["mark"]["type"] == "rect"
    assert right["encoding"]["x2"] == {"value": "width"} and left["encoding"]["x2"] == {"value": 0}
    assert dot["encoding"]["shape"]["scale"]["range"] == ["circle"]


def test_scenarios_beyond_the_colours_differ_by_shape_and_dash() -> None:
    names = ["baseline", *(f"s{i}" for i in range(1, 13))]
    diffs = DIFFS.with_columns(scenario=pl.lit("s12"))
    dot = chart_spec(compare.difference_chart(diffs, names))["spec"]["layer"][-1]
    shapes = dot["encoding"]["shape"]["scale"]["range"]
    assert len(shapes) == 12 and shapes[-1] != "circle"
    runs = {n: pl.DataFrame({"replication": [0], "step": [1], "value": [1.0]}) for n in names}
    spec = chart_spec(
        compare.fan_chart(compare.scenario_bands(runs), names, title="t", subtitle="", y_title="")
    )
    dash = spec["layer"][1]["encoding"]["strokeDash"]["scale"]["range"]
    assert len({tuple(d) for d in dash}) > 1 and dash[0] == [1, 0]
