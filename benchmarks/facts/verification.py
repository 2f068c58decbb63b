"""The measurements behind the verification tests: Bass docking, the ruse of heterogeneity,
service and product quality against churn, advertising's fade, and one move per step.

They live here rather than in the tests so that `benchmarks/facts_table.py` reports exactly
what the tests assert; each returns numbers and asserts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sim import JourneyModel, load_scenario, run
from sim.engine.journey import EDGE_INDEX, EDGES, Moment
from sim.scenario import Scenario, apply_overrides, validate_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


# --- Bass docking (Bass 1969; Rand & Rust 2011) ------------------------------------------------


def bass_curve(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Cumulative adoption share F(t) of the Bass (1969) model."""
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


@dataclass(frozen=True)
class BassDocking:
    """How the mean adoption share of `scenarios/verification/bass.toml` follows Bass's curve."""

    consumers: int
    gap: float  # the signed largest gap, mean simulated share minus F(t)
    years: float  # the last step, in years
    first: float  # adoption share at the first step
    last: float  # adoption share at the last step


def bass_docking(
    p: float, q: float, consumers: int | None = None, reps: int = 3, seed: int = 2011
) -> BassDocking:
    """Run the Bass reduction with ads at p and word of mouth at q per year (weekly steps) and
    compare its mean adoption share with the closed form."""
    base = load_scenario(SCENARIOS / "verification" / "bass.toml")
    weeks = 52  # bass.toml has weekly steps; rates in the file are per step
    changes: dict = {
        "brands": {"product": {"touchpoints": {"advertising": {"reach": p / weeks}}}},
        "wom": {"rate": q / weeks},
    }
    if consumers is not None:
        changes["population"] = {"consumers": consumers}
    scenario = apply_overrides(base, changes)
    n = scenario.population.consumers
    adopted = (
        run(scenario, reps=reps, seed=seed)
        .metrics.filter(pl.col("metric") == "customers")
        .group_by("step")
        .agg(share=pl.col("value").mean() / n)
        .sort("step")
    )
    years = adopted["step"].to_numpy() / weeks
    gap = adopted["share"].to_numpy() - bass_curve(p, q, years)
    return BassDocking(
        consumers=n,
        gap=float(gap[np.abs(gap).argmax()]),
        years=float(years[-1]),
        first=float(adopted["share"][0]),
        last=float(adopted["share"][-1]),
    )


# --- Retention rises with tenure only through heterogeneity (Fader & Hardie 2007) -------------


def period_on_period(cohorts: pl.DataFrame) -> pl.DataFrame:
    """Pooled retention from period k-1 to k over the cohorts observed at k."""
    now = cohorts.select("brand", "cohort", "period", "active")
    before = cohorts.select("brand", "cohort", period=pl.col("period") + 1, before=pl.col("active"))
    return (
        now.join(before, on=["brand", "cohort", "period"])
        .group_by("period")
        .agg(kept=pl.col("active").sum(), before=pl.col("before").sum())
        .with_columns(rate=pl.col("kept") / pl.col("before"))
        .sort("period")
    )


def early_late(rates: pl.DataFrame) -> tuple[float, float, float]:
    """Retention over periods 1-3 and 10-12, and the standard error of their difference."""

    def pooled(lo: int, hi: int) -> tuple[float, int]:
        part = rates.filter(pl.col("period").is_between(lo, hi))
        return part["kept"].sum() / part["before"].sum(), part["before"].sum()

    (early, n_early), (late, n_late) = pooled(1, 3), pooled(10, 12)
    se = np.sqrt(early * (1 - early) / n_early + late * (1 - late) / n_late)
    return early, late, float(se)


def tenure_retention(
    consumers: int | None = None, seed: int = 7
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """`early_late` of `scenarios/verification/tenure.toml` as it is (heterogeneous tolerance)
    and with every consumer's tolerance 0 (alike)."""
    base = load_scenario(SCENARIOS / "verification" / "tenure.toml")
    if consumers is not None:
        base = apply_overrides(base, {"population": {"consumers": consumers}})
    mixed = early_late(period_on_period(run(base, reps=1, seed=seed).cohorts))
    alike = apply_overrides(base, {"population": {"segments": {"everyone": {"tolerance": 0.0}}}})
    same = early_late(period_on_period(run(alike, reps=1, seed=seed).cohorts))
    return mixed, same


# --- Service and product quality against churn (Smith & Bolton 1998; Anderson & Sullivan 1993)


SERVICE_MARKET = {"population": {"consumers": 8000}, "time": {"steps": 420}}


def monthly_churn(s: Scenario, reps: int = 2, seed: int = 21) -> tuple[float, float]:
    """Aurora's churns per customer-month over the run, and its standard error."""
    m = run(s, reps=reps, seed=seed).metrics.filter(pl.col("brand") == "aurora")
    churns = m.filter(pl.col("metric") == "churn")["value"].sum()
    months = m.filter(pl.col("metric") == "customers")["value"].sum() / s.retention.period
    return churns / months, float(np.sqrt(churns)) / months


def lowers_churn(before: Scenario, after: Scenario, reps: int = 2) -> tuple[float, float]:
    """How much `after` lowers the monthly churn rate against `before`, and its standard error."""
    (c0, e0), (c1, e1) = monthly_churn(before, reps), monthly_churn(after, reps)
    return c0 - c1, float(np.hypot(e0, e1))


def support(s: Scenario, **values: float) -> Scenario:
    """`s` with aurora's support call set to `values` (e.g. reach=0 closes it)."""
    return apply_overrides(s, {"brands": {"aurora": {"touchpoints": {"support_call": values}}}})


def better_product(s: Scenario, quality: float = 4.3) -> Scenario:
    """`s` with aurora's product quality raised to `quality`."""
    return apply_overrides(s, {"brands": {"aurora": {"quality": quality}}})


def service_market(consumers: int | None = None) -> Scenario:
    """The baseline market of the service tests: 8,000 consumers (or `consumers`), 420 days."""
    changes = SERVICE_MARKET
    if consumers is not None:
        changes = {**SERVICE_MARKET, "population": {"consumers": consumers}}
    return apply_overrides(load_scenario(SCENARIOS / "baseline.toml"), changes)


# --- Advertising wears out (Broadbent 1979) ---------------------------------------------------


def campaign_market(half_life: float, consumers: int = 3000) -> dict:
    """One brand nobody knows, a 30-day campaign, and a long wait with needs switched off."""
    return {
        "name": "campaign",
        "time": {"steps": 150},
        "population": {
            "consumers": consumers,
            "segments": {"all": {"need_rate": 0.0, "initial_attitude": 3.0}},
        },
        "brands": {
            "solo": {
                "awareness": 0.0,
                "touchpoints": {
                    "ad": {
                        "moment": "pre_zmot",
                        "reach": 0.05,
                        "quality": 4.5,
                        "weight": 0.2,
                        "end": 30,
                        "half_life": half_life,
                    }
                },
            }
        },
    }


def awareness(spec: dict, seed: int = 4) -> dict[int, float]:
    """The brand's awareness by step over one run of `spec`."""
    m = run(validate_scenario(spec), reps=1, seed=seed).metrics
    rows = m.filter(pl.col("metric") == "awareness")
    return dict(zip(rows["step"].to_list(), rows["value"].to_list(), strict=True))


# --- One move per step (the model's own rule) -------------------------------------------------

EDGE_OF = np.full((len(Moment), len(Moment)), -1, dtype=np.int64)
for (a, b), i in EDGE_INDEX.items():
    EDGE_OF[int(a), int(b)] = i


def collisions_market(mode: str, consumers: int = 400, steps: int = 30) -> Scenario:
    """Customers who review every other step and decide every other step, so reviews and
    renewals collide often: a poster must not churn in the same step, a returning poster must
    not post again."""
    spec = {
        "name": "collisions",
        "time": {"steps": steps},
        "population": {
            "consumers": consumers,
            "segments": {"all": {"share": 1.0, "review_propensity": 1.0, "tolerance": -1.0}},
        },
        "brands": {"b0": {"quality": 3.0, "quality_sd": 1.5, "share": 0.8}},
        "smot": {"usage_rate": 1.0},
        "umot": {"self_selected": False},
        "retention": {"mode": mode, "period": 2, "reenter": 1.0},
    }
    return validate_scenario(spec)


def moves_miscounted(model: JourneyModel, steps: int) -> list[tuple[int, int]]:
    """Run `steps` steps and return (step, moves) for every step where the ledger's flows are
    not each consumer's one start-to-end edge (renewal events included): a double move (UMOT ->
    SMOT -> UMOT, SMOT -> UMOT -> churn) or a move off the journey's edges shows as `moves`
    flows counted or made but not matched. Empty when every consumer moves at most once."""
    pop, bad = model.population, []
    for _ in range(steps):
        before = pop.moment.copy()
        model.run_for(1)
        moved = before != pop.moment
        edge = EDGE_OF[before[moved], pop.moment[moved]]
        off = int((edge < 0).sum())
        made = np.bincount(edge[edge >= 0], minlength=len(EDGES))
        flows = model.ledger.values[model.t - 1][model.cols.flow]
        wrong = off + int(np.abs(flows - made).sum())
        if wrong:
            bad.append((model.t, wrong))
    return bad
