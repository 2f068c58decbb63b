from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from sim.experiments.moments import (
    MOMENT_KPIS,
    Change,
    MomentsPlan,
    changes,
    effects,
    plan_moments,
    run_moments,
)
from sim.experiments.parts import FolderError
from sim.running.executors import InProcess
from sim.scenario import apply_overrides, key_path_overrides, load_scenario

MARKET = Path(__file__).resolve().parent / "moments.toml"
BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


def _settings(found: list[Change], target: str, change: str) -> dict:
    (c,) = [c for c in found if c.target == target and c.change == change]
    return dict(c.settings)


def test_changes_of_a_touchpoint_remove_improve_and_steady_it() -> None:
    s = load_scenario(BASELINE)
    found = changes(s, "aurora")
    tp = s.brands["aurora"].touchpoints["support_call"]
    path = "brands.aurora.touchpoints.support_call"
    assert _settings(found, "support_call", "remove") == {f"{path}.reach": 0.0}
    assert _settings(found, "support_call", "better") == {
        f"{path}.quality": min(5.0, tp.quality + 0.5)
    }
    assert _settings(found, "support_call", "consistent") == {
        f"{path}.quality_sd": tp.quality_sd / 2
    }


def test_changes_that_set_nothing_are_left_out() -> None:
    s = apply_overrides(
        load_scenario(BASELINE),
        key_path_overrides(
            {
                "brands.aurora.touchpoints.tv_ad.quality": 5.0,
                "brands.aurora.touchpoints.tv_ad.quality_sd": 0.0,
            }
        ),
    )
    found = {(c.target, c.change) for c in changes(s, "aurora")}
    assert ("tv_ad", "remove") in found
    assert ("tv_ad", "better") not in found  # already 5 stars
    assert ("tv_ad", "consistent") not in found  # no spread to halve
    # better is capped at 5 stars
    s = apply_overrides(s, key_path_overrides({"brands.aurora.touchpoints.tv_ad.quality": 4.8}))
    assert _settings(changes(s, "aurora"), "tv_ad", "better") == {
        "brands.aurora.touchpoints.tv_ad.quality": 5.0
    }


def test_a_moment_removed_is_the_whole_moment() -> None:
    s = load_scenario(BASELINE)
    found = changes(s, "aurora")
    zmot = _settings(found, "moment:zmot", "remove")
    assert zmot["zmot.reviews"] is False  # reviews not read
    assert zmot["brands.aurora.touchpoints.search_ad.reach"] == 0.0
    # no reviews posted, and the brand neither asks for reviews nor answers them
    assert _settings(found, "moment:umot", "remove") == {
        "umot.enabled": False,
        "brands.aurora.touchpoints.review_request.reach": 0.0,
        "brands.aurora.touchpoints.review_responses.reach": 0.0,
    }
    # better: the ask and the answers +0.5 stars
    assert _settings(found, "moment:umot", "better") == {
        "brands.aurora.touchpoints.review_request.quality": 4.0,
        "brands.aurora.touchpoints.review_responses.quality": 4.0,
    }
    assert _settings(found, "moment:fmot", "remove") == {"fmot.enabled": False}
    pre = _settings(found, "moment:pre_zmot", "remove")
    assert set(pre) == {
        f"brands.aurora.touchpoints.{n}.reach" for n in ("tv_ad", "social_post", "spring_campaign")
    }
    assert {c.moment for c in found if c.kind == "moment"} == {
        "pre_zmot",
        "zmot",
        "fmot",
        "smot",
        "umot",
    }


def test_identical_changes_share_one_point(tmp_path: Path) -> None:
    p = plan_moments(load_scenario(MARKET), "a", 2, 1, tmp_path / "out")
    assert len(set(p.points)) == len(p.points)
    # the smot moment has one touchpoint: its changes are the help desk's, run once
    for change in ("remove", "better", "consistent"):
        points = {
            point
            for c, point in zip(p.changes, p.point_of, strict=True)
            if c.change == change and c.target in ("helpdesk", "moment:smot")
        }
        assert len(points) == 1
    assert p.runs == len(p.points) * 2


def _plan(found: list[Change], reps: int) -> MomentsPlan:
    points = [(), *(c.settings for c in found)]
    s = load_scenario(MARKET)
    return MomentsPlan(s, "a", reps, 1, found, points, list(range(1, len(found) + 1)), Path(), 0)


def test_effects_are_paired_differences_with_t_intervals_and_ranks() -> None:
    rng = np.random.default_rng(3)
    reps = 6
    base = rng.normal(100, 10, reps)
    shifts = {"x": 5.0, "y": -20.0, "z": 1.0}
    found = [Change(t, "touchpoint", "smot", "remove", ((f"k.{t}", 0.0),)) for t in shifts]
    noise = {t: rng.normal(0, 1, reps) for t in shifts}
    rows = [(0, r, "margin", float(base[r])) for r in range(reps)]
    for point, t in enumerate(shifts, start=1):
        rows += [
            (point, r, "margin", float(base[r] + shifts[t] + noise[t][r])) for r in range(reps)
        ]
    kpis = pl.DataFrame(rows, schema=["point", "replication", "kpi", "value"], orient="row")
    table = effects(kpis.cast({"point": pl.Int32, "replication": pl.Int32}), _plan(found, reps))
    got = {r["target"]: r for r in table.iter_rows(named=True)}
    t = stats.t.ppf(0.95, reps - 1)
    for target, shift in shifts.items():
        d = shift + noise[target]
        half = t * d.std(ddof=1) / np.sqrt(reps)
        assert got[target]["mean"] == pytest.approx(d.mean())
        assert got[target]["lower"] == pytest.approx(d.mean() - half)
        assert got[target]["upper"] == pytest.approx(d.mean() + half)
        assert got[target]["replications"] == reps
    assert [got[t]["rank"] for t in ("y", "x", "z")] == [1, 2, 3]  # by size, not sign


def test_missing_values_drop_their_pairs() -> None:
    found = [Change("x", "touchpoint", "smot", "remove", (("k.x", 0.0),))]
    kpis = pl.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1],
            "replication": [0, 1, 2, 0, 1, 2],
            "kpi": ["retention_12"] * 6,
            "value": [0.5, None, 0.4, 0.6, 0.7, 0.5],
        },
        schema={
            "point": pl.Int32,
            "replication": pl.Int32,
            "kpi": pl.String,
            "value": pl.Float64,
        },
    )
    (row,) = effects(kpis, _plan(found, 3)).iter_rows(named=True)
    assert row["replications"] == 2
    assert row["mean"] == pytest.approx(0.1)


@pytest.mark.slow
def test_the_decisive_touchpoint_ranks_first_and_the_idle_one_holds_zero(tmp_path: Path) -> None:
    p = plan_moments(load_scenario(MARKET), "a", 4, 7, tmp_path / "out")
    outcome = run_moments(p, InProcess())
    e = outcome.effects.filter(
        (pl.col("kind") == "touchpoint")
        & (pl.col("change") == "remove")
        & (pl.col("kpi") == "customers_end")
    )
    rows = {r["target"]: r for r in e.iter_rows(named=True)}
    assert rows["ad"]["rank"] == 1
    assert rows["ad"]["upper"] < 0  # without the ad, clearly fewer customers
    idle = rows["helpdesk"]
    assert idle["lower"] <= 0 <= idle["upper"]
    # keyed draws: a touchpoint that meets no one leaves every other draw where it was
    assert idle["mean"] == 0 and idle["lower"] == 0 == idle["upper"]
    files = {f.name for f in outcome.out.iterdir()}
    assert {"effects.parquet", "kpis.parquet", "changes.parquet", "scenario.toml"} <= files
    assert "manifest.json" in files and "parts" not in files
    # retention after 12 periods needs 130 days; the run has 90
    assert set(outcome.effects["kpi"]) == set(MOMENT_KPIS) - {"retention_12"}
    with pytest.raises(FolderError, match="finished moments analysis"):
        plan_moments(load_scenario(MARKET), "a", 4, 7, outcome.out)
