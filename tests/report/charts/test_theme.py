from __future__ import annotations

from sim.report.charts.theme import (
    BRAND_COLORS,
    MOMENT_COLORS,
    SCENARIO_COLORS,
    brand_scale,
    dash_scale,
    scenario_scale,
    scenario_style,
    shape_scale,
)


def test_a_brand_keeps_its_colour_whatever_a_chart_shows() -> None:
    full = brand_scale(["aurora", "boreal", "cirrus"]).to_dict()
    assert full == {"domain": ["aurora", "boreal", "cirrus"], "range": list(BRAND_COLORS[:3])}
    some = brand_scale(["aurora", "boreal", "cirrus"], shown=["cirrus"]).to_dict()
    assert some == {"domain": ["cirrus"], "range": [BRAND_COLORS[2]]}


def test_the_baseline_is_grey_and_scenarios_differ_from_it() -> None:
    scale = scenario_scale(["baseline", "a", "b"]).to_dict()
    assert scale["range"][0] == SCENARIO_COLORS[0] == "#4D4D4D"
    assert len(set(scale["range"])) == 3
    assert scenario_scale(["baseline", "a"], shown=["a"]).to_dict()["range"] == [SCENARIO_COLORS[1]]


def test_palettes_cycle_and_hold_distinct_colours() -> None:
    for palette in (BRAND_COLORS, SCENARIO_COLORS, MOMENT_COLORS):
        assert len(set(palette)) == len(palette)
    many = [f"b{i}" for i in range(len(BRAND_COLORS) + 1)]
    assert brand_scale(many).to_dict()["range"][-1] == BRAND_COLORS[0]


def test_many_scenarios_never_look_alike_nor_like_the_baseline() -> None:
    """Eight what-ifs used to share colours (two vermillion, one the baseline's grey)."""
    styles = [scenario_style(i) for i in range(40)]
    assert styles[0].color == SCENARIO_COLORS[0]
    assert all(s.color != SCENARIO_COLORS[0] for s in styles[1:])
    assert len({(s.color, s.shape, s.dash) for s in styles}) == 40
    # up to nine scenarios, colour alone tells them apart: every point a circle, every line solid
    first = styles[: len(SCENARIO_COLORS)]
    assert len({s.color for s in first}) == len(first)
    assert {s.shape for s in first} == {"circle"} and {s.dash for s in first} == {(1, 0)}
    # the first seven keep the colours charts had before
    assert [s.color for s in styles[:7]] == list(SCENARIO_COLORS[:7])
    names = ["baseline", *(f"s{i}" for i in range(1, 12))]
    colors = scenario_scale(names).to_dict()["range"]
    shapes = shape_scale(names).to_dict()["range"]
    dashes = dash_scale(names).to_dict()["range"]
    assert len(set(zip(colors, shapes, map(tuple, dashes), strict=True))) == 12
    assert shapes[-1] != "circle" and dashes[-1] != [1, 0]
    some = scenario_scale(names, shown=["s11"]).to_dict()
    assert some == {"domain": ["s11"], "range": [scenario_style(11).color]}
