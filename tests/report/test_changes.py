"""What a scenario changed: the settings that differ between two resolved scenarios."""

from __future__ import annotations

from sim.report.changes import ABSENT, Change, changes, diff_settings, show_value
from sim.scenario import load_scenario, resized
from tests.conftest import SCENARIOS


def test_a_what_if_changes_what_its_file_overrides() -> None:
    base = load_scenario(SCENARIOS / "baseline.toml")
    onboarding = load_scenario(SCENARIOS / "whatif_better_onboarding.toml")
    assert changes(base, onboarding) == [
        Change("brands.aurora.touchpoints.onboarding.quality", 3.8, 4.4)
    ]
    assert changes(base, base) == []
    # sizes set on the command line are settings too
    small = resized(base, 300, 40)
    assert [(c.path, c.base, c.new) for c in changes(base, small)] == [
        ("time.steps", 730, 40),
        ("population.consumers", 10_000, 300),
    ]


def test_any_two_scenarios_diff_leaf_by_leaf_and_a_new_table_is_one_row() -> None:
    base = {"name": "a", "brands": {"x": {"price": 10.0, "tp": {"ad": {"reach": 0.1}}}}}
    new = {
        "name": "b",
        "brands": {"x": {"price": 12.0, "tp": {"ad": {"reach": 0.1}, "tv": {"reach": 0.02}}}},
        "events": {"launch": {"at": 90}},
    }
    assert diff_settings(base, new) == [
        Change("name", "a", "b"),
        Change("brands.x.price", 10.0, 12.0),
        Change("brands.x.tp.tv", None, {"reach": 0.02}),
        Change("events", None, {"launch": {"at": 90}}),
    ]
    # the two scenario files differ by name: not a setting
    everything = load_scenario(SCENARIOS / "annual_subscription.toml")
    paths = [c.path for c in changes(load_scenario(SCENARIOS / "baseline.toml"), everything)]
    assert "name" not in paths and "description" not in paths
    assert "market.focal" in paths and "brands.meridian" in paths


def test_values_read_as_toml() -> None:
    assert show_value(4.4) == "4.4" and show_value(12.0) == "12" and show_value(730) == "730"
    assert show_value(0.1 + 0.2) == "0.3" and show_value(True) == "true"
    assert show_value("week") == '"week"' and show_value(None) == ABSENT
    assert show_value({"dist": "beta", "a": 2, "b": 5, "low": None}) == (
        '{ dist = "beta", a = 2, b = 5 }'
    )
    assert show_value([1, 2.5]) == "[1, 2.5]"
    long = show_value({"k": "x" * 100}, width=20)
    assert len(long) == 20 and long.endswith("\u2026")
