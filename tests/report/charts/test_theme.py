from __future__ import annotations

from sim.report.charts.theme import (
    BRAND_COLORS,
    MOMENT_COLORS,
    SCENARIO_COLORS,
    brand_scale,
    scenario_scale,
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
