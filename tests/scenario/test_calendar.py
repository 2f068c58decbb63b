"""Calendar time: dates stand for the steps they fall in, and bad dates are refused in one line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, explanation, load_scenario
from sim.scenario.calendar import add_months, date_of, dates, step_of

START = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("day", "step", "expected"),
    [
        (date(2026, 1, 1), "day", 1),
        (date(2026, 2, 14), "day", 45),
        (date(2026, 3, 13), "day", 72),
        (date(2026, 1, 7), "week", 1),
        (date(2026, 1, 8), "week", 2),
        (date(2026, 2, 14), "week", 7),
        (date(2026, 1, 31), "month", 1),
        (date(2026, 2, 14), "month", 2),
        (date(2027, 1, 1), "month", 13),
    ],
)
def test_a_date_is_the_step_it_falls_in(day: date, step: str, expected: int) -> None:
    assert step_of(day, START, step) == expected
    assert date_of(expected, START, step) <= day < date_of(expected + 1, START, step)


@pytest.mark.parametrize("step", ["day", "week", "month"])
def test_each_step_begins_on_its_date_and_falls_in_itself(step: str) -> None:
    for k, d in enumerate(dates(40, date(2026, 1, 31), step), start=1):
        assert step_of(d, date(2026, 1, 31), step) == k


def test_months_clip_to_the_last_day() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_dates_stand_for_steps_in_schedules_and_events(whatif: Callable[..., Path]) -> None:
    path = whatif(
        "[time]\nstart = 2026-01-01\n"
        "[brands.aurora.touchpoints.spring_campaign]\nstart = 2026-04-16\nend = 2026-05-16\n"
        "[events.boreal_catalogue_refresh]\nat = 2027-01-01\n"
    )
    s = load_scenario(path)
    tp = s.brands["aurora"].touchpoints["spring_campaign"]
    assert (s.step_at(tp.start), s.step_at(tp.end)) == (106, 136)
    assert s.step_at(s.events["boreal_catalogue_refresh"].at) == 366
    assert s.step_at(105) == 105  # a step stays a step
    lines = explanation(path, s)
    assert "brands.aurora.touchpoints.spring_campaign.start: 2026-04-16 -> step 106" in "\n".join(
        lines
    )


BAD_DATES = {
    "date before the start": (
        "[time]\nstart = 2026-01-01\n[events.boreal_catalogue_refresh]\nat = 2025-12-31",
        "events.boreal_catalogue_refresh.at",
        "is before time.start (2026-01-01)",
    ),
    "schedule ending before it starts": (
        "[time]\nstart = 2026-01-01\n[brands.aurora.touchpoints.spring_campaign]\n"
        "start = 2026-05-01\nend = 100",
        "brands.aurora.touchpoints.spring_campaign.end",
        "before it starts",
    ),
    "a string for a date": (
        '[events.boreal_catalogue_refresh]\nat = "2026-03-01"',
        "events.boreal_catalogue_refresh.at",
        "must be a step (an integer) or a date",
    ),
    "a start that is no date": (
        "[time]\nstart = 2026",
        "time.start",
        "must be a date",
    ),
}


@pytest.mark.parametrize(("body", "key", "problem"), BAD_DATES.values(), ids=BAD_DATES.keys())
def test_bad_dates_are_refused_in_one_line(
    body: str, key: str, problem: str, whatif: Callable[..., Path]
) -> None:
    path = whatif(body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.path == key
    assert problem in info.value.problem
    assert "\n" not in str(info.value)


def test_a_date_without_a_calendar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "undated.toml"
    path.write_text(
        '[brands.a.touchpoints.ad]\nmoment = "pre_zmot"\nreach = 0.1\nstart = 2026-03-01\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.path == "brands.a.touchpoints.ad.start"
    assert "needs a calendar: set time.start" in info.value.problem


PROMO = "[brands.aurora.promotions.deal]\n"
GOOD = "start = 2026-02-14\nend = 2026-03-13\ndiscount = 0.5\nperiods = 3\ntake_up = 0.3\n"
BAD_PROMOTIONS = {
    "ending before it starts": (
        "start = 2026-03-13\nend = 2026-02-14\ndiscount = 0.5\ntake_up = 0.3",
        "brands.aurora.promotions.deal.end",
        "ends (2026-02-14) before it starts (2026-03-13)",
    ),
    "ending before it starts, a step against a date": (
        "start = 2026-03-13\nend = 40\ndiscount = 0.5\ntake_up = 0.3",
        "brands.aurora.promotions.deal.end",
        "before it starts",
    ),
    "a discount of 1": (
        GOOD.replace("0.5", "1.0"),
        "brands.aurora.promotions.deal.discount",
        "must be less than 1",
    ),
    "a negative discount": (
        GOOD.replace("0.5", "-0.1"),
        "brands.aurora.promotions.deal.discount",
        "must not be negative",
    ),
    "no periods": (
        GOOD.replace("periods = 3", "periods = 0"),
        "brands.aurora.promotions.deal.periods",
        "must be at least 1",
    ),
    "an unknown audience": (
        GOOD + 'audience = "loyal"',
        "brands.aurora.promotions.deal.audience",
        "unknown audience 'loyal'",
    ),
    "a date before time.start": (
        GOOD.replace("2026-02-14", "2025-12-24"),
        "brands.aurora.promotions.deal.start",
        "before time.start",
    ),
    "no take-up for existing customers": (
        GOOD.replace("take_up = 0.3\n", 'audience = "existing"\n'),
        "brands.aurora.promotions.deal",
        "take_up: required",
    ),
    "no discount": (
        GOOD.replace("discount = 0.5\n", ""),
        "brands.aurora.promotions.deal.discount",
        "required key is missing",
    ),
}


@pytest.mark.parametrize(
    ("body", "key", "problem"), BAD_PROMOTIONS.values(), ids=BAD_PROMOTIONS.keys()
)
def test_bad_promotions_are_refused_in_one_line(
    body: str, key: str, problem: str, whatif: Callable[..., Path]
) -> None:
    path = whatif(PROMO + body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.path) == (str(path), key)
    assert problem in info.value.problem, info.value.problem
    assert "\n" not in str(info.value)


def test_a_good_promotion_loads_with_its_dates_as_steps(whatif: Callable[..., Path]) -> None:
    s = load_scenario(whatif(PROMO + GOOD))
    p = s.brands["aurora"].promotions["deal"]
    assert (s.step_at(p.start), s.step_at(p.end), p.audience, p.periods) == (45, 72, "all", 3)


def test_a_promotion_nothing_carries_reaches_customers_directly_and_says_so(
    tmp_path: Path,
) -> None:
    from sim.scenario import warnings_of

    path = tmp_path / "bare.toml"
    path.write_text(
        "[time]\nstart = 2026-01-01\n[brands.a.promotions.p]\n" + GOOD, encoding="utf-8"
    )
    (line,) = warnings_of(load_scenario(path))
    assert line.startswith("brands.a.promotions.p: no <ZMOT or SMOT touchpoint")
