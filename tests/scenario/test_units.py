"""Rates with their unit: converted to the step as a chance or a rate, refused in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, conversions_of, explanation, load_scenario
from sim.scenario.units import convert

TV = "brands.aurora.touchpoints.tv_ad"


def test_a_chance_per_week_is_the_chance_of_at_least_one_in_a_step() -> None:
    daily = convert(0.3, "week", "day", "chance")
    assert daily == pytest.approx(1 - 0.7 ** (1 / 7))
    assert 1 - (1 - daily) ** 7 == pytest.approx(0.3)  # seven days make the week's chance
    assert convert(0.3, "week", "week", "chance") == pytest.approx(0.3)


def test_a_rate_per_year_is_scaled_to_the_step() -> None:
    assert convert(1.2, "year", "day", "rate") == pytest.approx(1.2 / 365.25)
    assert convert(1.2, "year", "month", "rate") == pytest.approx(0.1)


def test_units_in_a_file_become_values_per_step(whatif: Callable[..., Path]) -> None:
    path = whatif(
        f'[{TV}]\nreach = {{ rate = 0.3, per = "week" }}\n'
        '[population.segments.regular]\nneed_rate = { rate = 1.2, per = "year" }\n'
        '[smot]\nusage_rate = { rate = 2, per = "week" }\n'
    )
    s = load_scenario(path)
    assert s.brands["aurora"].touchpoints["tv_ad"].reach == pytest.approx(1 - 0.7 ** (1 / 7))
    need = s.population.segments["regular"].need_rate
    assert need.bounds() == pytest.approx((1.2 / 365.25, 1.2 / 365.25))
    assert s.smot.usage_rate == pytest.approx(2 / 7)
    lines = explanation(path, s)
    assert any(line.startswith(f"{TV}.reach: 0.3 per week -> 0.0496") for line in lines)
    assert [c.kind for c in conversions_of(path)] == ["rate", "chance", "rate"]


def test_the_same_units_at_weekly_steps(whatif: Callable[..., Path]) -> None:
    s = load_scenario(
        whatif(f'[time]\nstep = "week"\n[{TV}]\nreach = {{ rate = 0.01, per = "day" }}\n')
    )
    assert s.brands["aurora"].touchpoints["tv_ad"].reach == pytest.approx(1 - 0.99**7)


def test_plain_numbers_stay_per_step(whatif: Callable[..., Path], baseline_file: Path) -> None:
    assert load_scenario(whatif("")).model_dump(exclude={"name", "description"}) == load_scenario(
        baseline_file
    ).model_dump(exclude={"name", "description"})
    assert conversions_of(baseline_file) == []


BAD_UNITS = {
    "unknown unit": (
        f'[{TV}]\nreach = {{ rate = 0.3, per = "fortnight" }}',
        f"{TV}.reach.per",
        "unknown unit 'fortnight'",
    ),
    "a field that takes no unit": (
        f'[{TV}]\nweight = {{ rate = 0.3, per = "week" }}',
        f"{TV}.weight",
        "takes no unit",
    ),
    "a chance above one": (
        f'[{TV}]\nreach = {{ rate = 1.5, per = "week" }}',
        f"{TV}.reach.rate",
        "at most 1",
    ),
    "more than one event a step": (
        '[smot]\nusage_rate = { rate = 12, per = "week" }',
        "smot.usage_rate.rate",
        "more than one event a step",
    ),
    "no rate": (f'[{TV}]\nreach = {{ per = "week" }}', f"{TV}.reach.rate", "missing"),
    "unknown key": (
        f'[{TV}]\nreach = {{ rate = 0.1, per = "week", every = 2 }}',
        f"{TV}.reach.every",
        "unknown key 'every'",
    ),
}


@pytest.mark.parametrize(("body", "key", "problem"), BAD_UNITS.values(), ids=BAD_UNITS.keys())
def test_bad_units_are_refused_in_one_line(
    body: str, key: str, problem: str, whatif: Callable[..., Path]
) -> None:
    path = whatif(body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.path) == (str(path), key)
    assert problem in info.value.problem
    assert "\n" not in str(info.value)
