"""Which moments of truth matter: every touchpoint of a brand, and every moment as a whole,
changed three ways against the unchanged scenario, with common random numbers.

Changes (`CHANGES`):
- `remove`: the touchpoint gone (its reach 0). A moment gone: <ZMOT and SMOT, all the brand's
  touchpoints there; ZMOT, reviews not read (and the brand's ZMOT touchpoints gone); FMOT, no
  first encounter (shoppers buy what they chose); UMOT, no reviews posted.
- `better`: +0.5 stars of quality, capped at 5 (a moment: all the brand's touchpoints there).
- `consistent`: the spread of its quality halved: Normann's point that standardised service
  encounters matter (Normann 1984, "Service management").

Point 0 is the unchanged scenario; each distinct change is a point; replication r of every
point runs on the same seed, and every draw is keyed by mechanism, touchpoint, step and
consumer (`sim.engine.draws`), so a difference is measured replication by replication, paired.
A change that sets nothing (better at 5 stars, consistent with no spread) is left out.

The folder `moments-<scenario>-<UTC>/` holds `effects.parquet` (target, kind, moment, change,
kpi, mean, lower, upper, rank, replications: the mean paired difference against point 0 and
its 90 % t interval; rank 1 is the largest absolute effect among targets of the same kind for
that change and KPI), `kpis.parquet` (point, replication, kpi, value: every run, with each
touchpoint's spend as `spend:<touchpoint>`), `changes.parquet` (point, target, kind, moment,
change, setting, value), `scenario.toml` and `manifest.json`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from sim.experiments.parts import finish, open_parts, runs_done, whole
from sim.experiments.runner import run_all
from sim.running.executors import Executor
from sim.running.kpis import SPEND
from sim.scenario import Scenario, dump_scenario
from sim.store.atomic import parquet_bytes

__all__ = [
    "BETTER",
    "CHANGES",
    "MOMENTS",
    "MOMENT_KPIS",
    "Change",
    "MomentsPlan",
    "changes",
    "effects",
    "plan_moments",
    "run_moments",
]

CHANGES: tuple[str, ...] = ("remove", "better", "consistent")
MOMENTS: tuple[str, ...] = ("pre_zmot", "zmot", "fmot", "smot", "umot")
MOMENT_KPIS: tuple[str, ...] = (
    "retention_12",
    "customers_end",
    "revenue",
    "margin",
    "rating",
    "acquisition_cost",
)
BETTER = 0.5  # stars added by `better`
MAX_QUALITY = 5.0
LEVEL = 0.90  # of the intervals

Kind = Literal["touchpoint", "moment"]


@dataclass(frozen=True)
class Change:
    """One change to the scenario: what it targets and the settings (key path: value) it makes."""

    target: str  # a touchpoint's name, or "moment:<name>"
    kind: Kind
    moment: str
    change: str
    settings: tuple[tuple[str, Any], ...]


def _touchpoint(scenario: Scenario, brand: str, name: str, change: str) -> dict[str, Any]:
    tp = scenario.brands[brand].touchpoints[name]
    path = f"brands.{brand}.touchpoints.{name}"
    if change == "remove":
        return {f"{path}.reach": 0.0} if tp.reach > 0 else {}
    if change == "better":
        better = min(MAX_QUALITY, tp.quality + BETTER)
        return {f"{path}.quality": better} if better > tp.quality else {}
    return {f"{path}.quality_sd": tp.quality_sd / 2} if tp.quality_sd > 0 else {}


def _moment(scenario: Scenario, brand: str, moment: str, change: str) -> dict[str, Any]:
    names = [n for n, tp in scenario.brands[brand].touchpoints.items() if tp.moment == moment]
    settings: dict[str, Any] = {}
    for name in names:
        settings.update(_touchpoint(scenario, brand, name, change))
    if change == "remove":
        if moment == "zmot" and scenario.zmot.enabled and scenario.zmot.reviews:
            settings["zmot.reviews"] = False
        elif moment == "fmot" and scenario.fmot.enabled:
            settings = {"fmot.enabled": False}  # no first encounter: its touchpoints go too
        elif moment == "umot" and scenario.umot.enabled:
            settings["umot.enabled"] = False
    return settings


def changes(scenario: Scenario, brand: str) -> list[Change]:
    """Every change of the brand's touchpoints and of each moment that sets something."""
    out = []
    for change in CHANGES:
        for name, tp in scenario.brands[brand].touchpoints.items():
            settings = _touchpoint(scenario, brand, name, change)
            if settings:
                out.append(Change(name, "touchpoint", tp.moment, change, tuple(settings.items())))
        for moment in MOMENTS:
            settings = _moment(scenario, brand, moment, change)
            if settings:
                target = f"moment:{moment}"
                out.append(Change(target, "moment", moment, change, tuple(settings.items())))
    return out


@dataclass(frozen=True)
class MomentsPlan:
    """The runs of a moments analysis: point 0 unchanged, one point per distinct change."""

    scenario: Scenario
    brand: str
    reps: int
    seed: int
    changes: list[Change]
    points: list[tuple[tuple[str, Any], ...]]  # settings per point; point 0 sets nothing
    point_of: list[int]  # point of each change
    out: Path
    done: int

    @property
    def runs(self) -> int:
        return len(self.points) * self.reps

    @property
    def parts(self) -> Path:
        return self.out / "parts"

    @property
    def kpis(self) -> tuple[str, ...]:
        names = self.scenario.brands[self.brand].touchpoints
        return (*MOMENT_KPIS, *(f"{SPEND}{name}" for name in names))

    def fingerprint(self) -> dict[str, Any]:
        return {
            "moments": {"brand": self.brand, "reps": self.reps, "seed": self.seed},
            "points": [[list(s) for s in p] for p in self.points],
            "scenario": self.scenario.model_dump(mode="json"),
        }


def plan_moments(scenario: Scenario, brand: str, reps: int, seed: int, out: Path) -> MomentsPlan:
    """The changes, their points and the runs already done in `out` (resuming)."""
    found = changes(scenario, brand)
    points: list[tuple[tuple[str, Any], ...]] = [()]
    point_of = []
    for c in found:
        if c.settings not in points:
            points.append(c.settings)
        point_of.append(points.index(c.settings))
    p = MomentsPlan(scenario, brand, reps, seed, found, points, point_of, out, 0)
    done = runs_done(out, p.fingerprint(), "moments analysis")
    return MomentsPlan(scenario, brand, reps, seed, found, points, point_of, out, done)


def effects(kpis: pl.DataFrame, p: MomentsPlan) -> pl.DataFrame:
    """Mean paired difference of every change against point 0, per KPI, with its 90 % t
    interval and rank (see the module's note)."""
    from scipy import stats  # slow to import: only when measuring

    base = kpis.filter(pl.col("point") == 0).select("replication", "kpi", base="value")
    paired = (
        kpis.filter(pl.col("point") > 0)
        .join(base, on=["replication", "kpi"])
        .with_columns(diff=pl.col("value") - pl.col("base"))
        .drop_nulls("diff")
        .filter(~pl.col("kpi").str.starts_with(SPEND))
    )
    per_point = paired.group_by("point", "kpi").agg(
        mean=pl.col("diff").mean(), sd=pl.col("diff").std(), replications=pl.len()
    )
    rows = pl.DataFrame(
        [
            (c.target, c.kind, c.moment, c.change, point)
            for c, point in zip(p.changes, p.point_of, strict=True)
        ],
        schema={
            "target": pl.String,
            "kind": pl.String,
            "moment": pl.String,
            "change": pl.String,
            "point": pl.Int32,
        },
        orient="row",
    )
    table = rows.join(per_point, on="point", how="inner")
    n = table["replications"].to_numpy()
    t = stats.t.ppf(0.5 + LEVEL / 2, df=(n - 1).clip(min=1))
    half = pl.Series("t", t) * pl.col("sd") / pl.col("replications").sqrt()
    table = table.with_columns(
        lower=pl.col("mean") - half.fill_nan(None),
        upper=pl.col("mean") + half.fill_nan(None),
    )
    table = table.with_columns(
        rank=pl.col("mean")
        .abs()
        .rank("ordinal", descending=True)
        .over("kind", "change", "kpi")
        .cast(pl.Int32)
    )
    order = {c: i for i, c in enumerate(CHANGES)}
    return table.select(
        "target",
        "kind",
        "moment",
        "change",
        "kpi",
        "mean",
        "lower",
        "upper",
        "rank",
        "replications",
    ).sort(
        pl.col("kind"),
        pl.col("change").replace_strict(order, return_dtype=pl.Int32),
        "kpi",
        "rank",
    )


@dataclass(frozen=True)
class MomentsOutcome:
    """What a moments analysis wrote."""

    out: Path
    runs: int
    resumed: int
    wall_time: float
    effects: pl.DataFrame


def _changes_frame(p: MomentsPlan) -> pl.DataFrame:
    rows = [
        (point, c.target, c.kind, c.moment, c.change, key, json.dumps(value))
        for c, point in zip(p.changes, p.point_of, strict=True)
        for key, value in c.settings
    ]
    names = ["point", "target", "kind", "moment", "change", "setting", "value"]
    return pl.DataFrame(rows, schema=names, orient="row").cast({"point": pl.Int32})


def run_moments(
    p: MomentsPlan,
    executor: Executor,
    on_runs: Callable[[int], None] | None = None,
    kpi: str = MOMENT_KPIS[0],
) -> MomentsOutcome:
    """Run what `p` has left to run on `executor`, measure the effects, write the folder whole
    (the manifest names `kpi` as the one the ranking is read on)."""
    started = time.perf_counter()
    open_parts(p.parts, p.fingerprint())
    runs = [(point, rep) for point in range(len(p.points)) for rep in range(p.reps)]
    ran = run_all(
        executor,
        p.scenario,
        p.brand,
        p.kpis,
        p.seed,
        lambda point: dict(p.points[point]),
        runs,
        p.parts,
        on_runs,
    )
    kpis = whole(p.parts, p.runs)
    table = effects(kpis, p)
    wall = time.perf_counter() - started
    files = {
        "effects.parquet": parquet_bytes(table),
        "kpis.parquet": parquet_bytes(kpis),
        "changes.parquet": parquet_bytes(_changes_frame(p)),
        "scenario.toml": dump_scenario(p.scenario).encode(),
    }
    manifest = {
        "analysis": "moments",
        "scenario": p.scenario.name,
        "brand": p.brand,
        "changes": list(CHANGES),
        "points": len(p.points),
        "replications": p.reps,
        "runs": p.runs,
        "runs_resumed": p.runs - ran,
        "seed": p.seed,
        "kpis": list(MOMENT_KPIS),
        "kpi": kpi,
        "consumers": p.scenario.population.consumers,
        "steps": p.scenario.time.steps,
    }
    finish(p.out, files, manifest, executor.description, wall)
    return MomentsOutcome(p.out, p.runs, p.runs - ran, wall, table)
