"""The sentence on each scenario: the lead KPI first (margin unless asked), then the largest
other effects relative to the baseline, each with its interval and verdict."""

from __future__ import annotations

import pytest

from sim.report.verdict import Effect, largest, lead_effect, scenario_sentence
from sim.scenario import Scenario, load_scenario
from tests.conftest import SCENARIOS

MINUS = "\u2212"


@pytest.fixture(scope="module")
def s() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.toml")


# A TV campaign as the issue saw it: acquisition cost has by far the clearest interval, but the
# money is in revenue and margin.
TV = [
    Effect("acquisition_cost", 0.11, 0.109, 0.111, base=2.50),
    Effect("revenue", 9_719.0, 6_000.0, 13_000.0, base=150_000.0),
    Effect("margin", 7_500.0, 3_900.0, 11_000.0, base=120_000.0),
    Effect("customers", 95.0, 40.0, 150.0, base=1_000.0),
    Effect("retention_12", 0.002, -0.01, 0.014, base=0.49),
    Effect("rating", -0.01, -0.03, 0.01, base=4.1),
]


def test_the_sentence_leads_with_margin_not_the_clearest_interval(s: Scenario) -> None:
    said = scenario_sentence("Tv campaign", "aurora", TV, s)
    assert said.startswith(
        "Tv campaign raises aurora's margin over the run by 7,500 (90 %: +3,900 to +11,000); "
    )
    # then the largest relative to the baseline: customers +9.5 %, revenue +6.5 %, cost +4.4 %
    assert said.endswith(
        "largest other effects: customers at the end +9.5 % (+95; 90 %: +40 to +150, better) "
        "and revenue over the run +6.5 % (+9,719; 90 %: +6,000 to +13,000, better)."
    )


def test_largest_ranks_by_size_relative_to_the_baseline() -> None:
    picked = largest(TV, "margin", n=4)
    assert [e.kpi for e in picked] == ["customers", "revenue", "acquisition_cost", "retention_12"]
    # a KPI whose baseline is 0 cannot be sized against it: it comes after, in KPIS order
    free = [Effect("acquisition_cost", 1.2, 1.0, 1.4, base=0.0), Effect("rating", 0.01, 0, 0.02, 4)]
    assert [e.kpi for e in largest(free, "margin")] == ["rating", "acquisition_cost"]


def test_a_cost_that_rises_is_worse_and_a_kpi_named_leads(s: Scenario) -> None:
    said = scenario_sentence("Tv campaign", "aurora", TV, s, lead="acquisition_cost", n=1)
    assert said == (
        "Tv campaign raises aurora's acquisition cost by 0.11 (90 %: +0.11 to +0.11, worse); "
        "largest other effects: customers at the end +9.5 % (+95; 90 %: +40 to +150, better)."
    )
    # customers_end is customers, under the name experiments use
    assert lead_effect(TV, "customers_end") == TV[3]


def test_an_interval_holding_zero_is_within_the_noise(s: Scenario) -> None:
    noisy = [
        Effect("margin", -300.0, -900.0, 250.0, base=12_000.0),
        Effect("customers", 4.0, -2.0, 9.0, base=100.0),
    ]
    said = scenario_sentence("Price cut", "aurora", noisy, s)
    assert said == (
        f"Price cut leaves aurora's margin over the run within the noise: {MINUS}300 "
        f"(90 %: {MINUS}900 to +250); largest other effects: customers at the end +4.0 % "
        f"(+4; 90 %: {MINUS}2 to +9, within the noise); every difference is within the noise "
        "of the simulation."
    )


def test_a_lead_kpi_not_measured_is_said_so(s: Scenario) -> None:
    said = scenario_sentence("Short run", "aurora", TV[:2], s, lead="retention_12", n=1)
    assert said.startswith(
        "Short run: aurora's 12-month retention cannot be measured in these runs"
    )
    assert scenario_sentence("Nothing", "aurora", [], s) == (
        "Nothing: aurora's margin over the run cannot be measured in these runs."
    )


def test_a_fall_is_sized_with_a_minus_sign(s: Scenario) -> None:
    down = [Effect("margin", -2_000.0, -2_500.0, -1_500.0, 10_000.0)]
    down.append(Effect("revenue", -1_000.0, -1_200.0, -800.0, 20_000.0))
    said = scenario_sentence("Cut", "aurora", down, s)
    assert said.startswith(f"Cut lowers aurora's margin over the run by 2,000 (90 %: {MINUS}2,500")
    assert f"revenue over the run {MINUS}5.0 % ({MINUS}1,000; " in said and ", worse)" in said
