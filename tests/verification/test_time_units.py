"""Rates with units keep the market the same whatever the step: the baseline written with units
(`scenarios/verification/units.toml`) run at daily and at weekly steps gives the same KPIs
within sampling error.

Service problems are switched off here: a problem lasts at least one step, so at weekly steps
more of them are still open at a renewal (and raise churn) than at daily steps. That is a
consequence of the coarser step, not of converting rates; with problems on, 12-month
retention came out 3 points lower at weekly steps (z = -2.9 at this size). The journey's one
move per step (a need, research, the first encounter) also delays acquisition by a step, a
week rather than a day, which leaves customers at the end a few per cent lower at weekly
steps (about 2 standard errors at this size), and revenue and margin, which add up over the
run, lower too. The comparison allows that much (`COARSER`, a share of the daily value) on
top of the sampling error: left to the z limit alone, a gap of 2 standard errors fails it by
chance about one engine in six. Converting rates wrongly moves these KPIs by half (the last
check), so the allowance leaves the test its power.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sim import Scenario, load_scenario, run
from sim.running.kpis import kpis
from sim.scenario import apply_overrides

UNITS = Path(__file__).resolve().parents[2] / "scenarios" / "verification" / "units.toml"
NO_PROBLEMS = {"brands": {b: {"problem_rate": 0.0} for b in ("aurora", "boreal", "cirrus")}}
WEEKS = {
    "time": {"step": "week", "steps": 104},
    "retention": {"period": 4},
    "smot": {"onboarding_steps": 4},
    "wom": {"after_churn": 13},
    "memory": {"half_life": 26},
    "brands": {
        "aurora": {
            "touchpoints": {
                "tv_ad": {"half_life": 13},
                "social_post": {"half_life": 3},
                "spring_campaign": {"half_life": 6},
            }
        }
    },
}
KPIS = ("customers", "retention_12", "rating", "acquisition_cost", "revenue", "margin")
Z = 3.0  # two-sided 0.27 % per KPI
COARSER = 0.05  # the weekly step's own delay of acquisition, as a share of the daily value


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def focal_kpis(s: Scenario) -> pl.DataFrame:
    return kpis(run(s, reps=8, seed=5, consumers=1_500)).filter(pl.col("brand") == "aurora")


@pytest.mark.slow
def test_daily_and_weekly_steps_give_the_same_market() -> None:
    weekly_spec = load_scenario(UNITS, WEEKS)
    tv = weekly_spec.brands["aurora"].touchpoints["tv_ad"]
    assert tv.reach == pytest.approx(0.068)  # given per week: as it is at weekly steps
    assert weekly_spec.step_at(weekly_spec.events["boreal_catalogue_refresh"].at) == 53
    daily_spec = load_scenario(UNITS, NO_PROBLEMS)
    daily = focal_kpis(daily_spec)
    weekly = focal_kpis(load_scenario(UNITS, _merge(NO_PROBLEMS, WEEKS)))
    for kpi in KPIS:
        a = daily.filter(pl.col("kpi") == kpi)["value"].drop_nulls().to_numpy()
        b = weekly.filter(pl.col("kpi") == kpi)["value"].drop_nulls().to_numpy()
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(b.mean() - a.mean()) < Z * se + COARSER * abs(a.mean()), (kpi, a, b, se)
    # and the test could fail: the daily numbers taken as weekly ones make another market
    wrong = focal_kpis(apply_overrides(daily_spec, WEEKS))
    a = daily.filter(pl.col("kpi") == "customers")["value"].to_numpy()
    b = wrong.filter(pl.col("kpi") == "customers")["value"].to_numpy()
    se = np.sqrt(a.var(ddof=1) / 8 + b.var(ddof=1) / 8)
    assert abs(b.mean() - a.mean()) > Z * se + COARSER * abs(a.mean())
