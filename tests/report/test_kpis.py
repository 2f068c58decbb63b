"""One glossary of KPIs: one title per KPI everywhere, a definition each, and which way is good."""

from __future__ import annotations

import pytest
from rich.console import Console

from sim import run
from sim.report.kpis import (
    DERIVED,
    GLOSSARY,
    KPIS,
    REPORT_KPIS,
    better_way,
    glossary,
    kpi_column,
    kpi_definition,
    kpi_title,
    verdict,
)
from sim.report.summary import render, summarize
from sim.scenario import load_scenario, validate_scenario
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(SCENARIOS / "baseline.toml")


def test_every_kpi_has_a_definition_and_a_good_direction(baseline) -> None:
    assert list(GLOSSARY) == [*KPIS, *DERIVED]
    for kpi in GLOSSARY:
        text = kpi_definition(kpi, baseline)
        assert text.endswith(".") and len(text) > 40 and "{" not in text
        assert better_way(kpi) in (1, -1)
    lower_is_better = [k for k in GLOSSARY if better_way(k) < 0]
    assert lower_is_better == ["acquisition_cost", "spend"]
    assert "12 months later" in kpi_definition("retention_12", baseline)
    # every KPI a report can lead with has a title
    assert {kpi_title(k, baseline) for k in REPORT_KPIS} >= {"Customers at the end"}


def test_the_terminal_column_is_the_title_in_two_lines(baseline) -> None:
    for kpi in GLOSSARY:
        column = kpi_column(kpi, baseline)
        assert column.replace("\n", " ") == kpi_title(kpi, baseline)
        assert column.count("\n") <= 1
    assert kpi_column("retention_12", baseline) == "12-month\nretention"
    odd = baseline.model_copy(
        update={"retention": baseline.retention.model_copy(update={"period": 10})}
    )
    assert kpi_title("retention_12", odd) == "12-period retention"
    assert "seen 12 10-day periods later" in kpi_definition("retention_12", odd)


def test_the_glossary_lists_each_kpi_once_in_order(baseline) -> None:
    terms = glossary(["margin", "customers_end", "customers", "return_on_spend"], baseline)
    assert [name for name, _ in terms] == [
        "Customers at the end",
        "Margin over the run",
        "Return on spend",
    ]


def test_a_verdict_knows_which_way_is_better() -> None:
    assert verdict("margin", 10.0, 20.0) == "better"
    assert verdict("margin", -20.0, -10.0) == "worse"
    assert verdict("acquisition_cost", 0.1, 0.2) == "worse"
    assert verdict("acquisition_cost", -0.2, -0.1) == "better"
    assert verdict("retention_12", -0.01, 0.02) == "noise"
    assert verdict("retention_12", 0.0, 0.02) == "noise"  # touching zero is not clear of it
    assert verdict("rating", None, None) == "noise"
    assert verdict("rating", float("nan"), 1.0) == "noise"


def test_the_terminal_says_12_month_retention_like_the_report() -> None:
    monthly = validate_scenario(
        {
            "name": "monthly",
            "time": {"steps": 30},
            "population": {"consumers": 200},
            "retention": {"period": 30},
            "brands": {"a": {"share": 0.3}, "b": {"share": 0.2}},
        }
    )
    result = run(monthly, reps=2, seed=1)
    console = Console(record=True, width=120)
    render(summarize(result), result, console)
    text = console.export_text()
    assert "12-month" in text and "retention" in text and "periods" not in text
    assert "12-month retention needs at least 390 steps" in text
