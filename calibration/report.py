"""The summary `journey calibrate` prints: the posterior's parameter intervals, the noise
floor, importance, and the hold-out check (error, band) against the sBG baseline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from calibration.calibrate import Outcome
from sim.report.text import markup_safe

__all__ = ["render", "short_names"]


def short_names(paths: Sequence[str]) -> dict[str, str]:
    """Each key path by its shortest tail of two or more parts that no other path ends with,
    e.g. `population.segments.members.tolerance.sigma` as `tolerance.sigma`."""
    parts = {p: p.split(".") for p in paths}
    names = {}
    for path, keys in parts.items():
        for k in range(min(2, len(keys)), len(keys) + 1):
            tail = keys[-k:]
            if not any(o[-k:] == tail for q, o in parts.items() if q != path):
                break
        names[path] = ".".join(tail)
    return names


def render(o: Outcome, console: Console) -> None:
    p = o.plan
    done = int((o.trials["state"] == "complete").sum())
    console.print(
        f"[bold]{markup_safe(p.study)}[/]: {done} trials, cohort '{markup_safe(p.cohort)}', "
        f"fitted on periods "
        f"{p.problem.fit[0]}-{p.problem.fit[-1]} ({p.reps} replications per trial)",
        highlight=False,
    )
    post = o.inference.posterior
    console.print(
        f"Best loss {o.best_loss:.2f} points (trial {o.best_trial}, on fresh seeds); noise floor "
        f"{o.noise_floor:.2f}. Posterior by kernel ABC over the trials through an emulator, "
        f"for a cohort of {p.cohort_size:,} (effective sample {post.ess:,.0f}); "
        f"{o.accepted.height} trials inside the 90 % likelihood region.",
        highlight=False,
    )
    name = {
        path: markup_safe(short)
        for path, short in short_names(o.parameters["parameter"].to_list()).items()
    }
    table = Table(
        title="Calibrated parameters (posterior mean and 90 % interval)",
        caption="Full key paths in parameters.parquet",
    )
    for column in ("parameter", "best", "mean", "low", "high", "importance"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    for row in o.parameters.iter_rows(named=True):
        share = o.importance.get(row["parameter"])
        table.add_row(
            name[row["parameter"]],
            f"{row['best']:.4g}",
            f"{row['mean']:.4g}",
            f"{row['low']:.4g}",
            f"{row['high']:.4g}",
            "" if share is None else f"{share:.0%}",
        )
    console.print(table)
    strong = o.correlations.filter(o.correlations["r"].abs() >= 0.5)
    for row in strong.iter_rows(named=True):
        console.print(
            f"Correlated in the posterior: {name[row['a']]} and {name[row['b']]} "
            f"(r = {row['r']:+.2f})",
            highlight=False,
        )
    ours, theirs = o.mae
    if ours is None:
        console.print("No hold-out: every observed period was used for the fit.")
    else:
        held = o.holdout["period"].to_list()
        inside, periods = o.inside
        console.print(
            f"Hold-out periods {held[0]}-{held[-1]}: mean absolute error {ours:.2f} points "
            f"(journey model) against {theirs:.2f} (sBG, alpha {o.sbg.alpha:.3f}, "
            f"beta {o.sbg.beta:.3f}); {inside} of {periods} inside the 90 % prediction band",
            highlight=False,
        )
    if o.simulations:
        console.print(
            f"Search: {o.simulations} simulations in {o.search_seconds:.0f} s "
            f"({o.simulations / o.search_seconds:.1f} per second)",
            highlight=False,
        )
    console.print(
        f"Results in {markup_safe(str(p.out))} (calibrated.toml runs with `journey run`)",
        highlight=False,
    )
