"""The experiment report: one offline page on an experiment folder, and its charts for slides.

It reads what `journey experiment` wrote (the report sits above the experiments in the layers,
so it knows the folder, not the code): `manifest.json`, `design.parquet`, `points.parquet`,
`indices.parquet` (Sobol, Morris, LHS), `experiment.toml` and `scenario.toml`. The page shows,
per KPI, the factors' sensitivity indices with their confidence intervals (most influential
first: ST for Sobol, mu* for Morris, |Spearman| for LHS) and the KPI against each factor at
every point of the design, then the table of indices; grid and OAT designs, which have no
indices, get the KPI-against-factor charts and a table of the point means.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from sim.report.charts.sensitivity import factor_chart, indices_chart
from sim.report.kpis import (
    RETENTION_PERIOD,
    format_value,
    glossary,
    kpi_info,
    kpi_title,
    retention_observed,
)
from sim.report.skeleton import (
    Figure,
    Listing,
    Section,
    Source,
    Table,
    Term,
    Tile,
    figures_of,
    render_page,
    write_page,
)
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "ExperimentFolder",
    "ExperimentFolderError",
    "build_experiment_page",
    "experiment_sections",
    "is_experiment_folder",
    "read_experiment",
    "write_experiment_report",
]

FRAMES = ("design", "points")
TEXTS = ("experiment.toml", "scenario.toml")
INDICES = "indices.parquet"
INDEXED = ("sobol", "morris", "lhs")  # designs whose folder holds indices.parquet

DESIGN_NAMES = {
    "grid": "Full-grid",
    "oat": "One-factor-at-a-time",
    "lhs": "Latin-hypercube",
    "morris": "Morris",
    "sobol": "Sobol'",
}


@dataclass(frozen=True)
class Measure:
    """How an index is shown: its label, and whether it is in the KPI's units (Morris)."""

    label: str
    in_kpi_units: bool


# Headline measures first: the order of a chart's rows of dots and of the table's columns.
MEASURES = {
    "ST": Measure("ST (total order)", False),
    "S1": Measure("S1 (first order)", False),
    "mu_star": Measure("mu*", True),
    "sigma": Measure("sigma", True),
    "mu": Measure("mu", True),
    "spearman": Measure("Spearman's rho", False),
}
HEADLINE = ("ST", "mu_star", "spearman")

HOW_TO_READ = {
    "sobol": "Each factor's total-order index ST (the share of the KPI's variance it accounts "
    "for, interactions included) and first-order index S1 (alone), with 95 % bootstrap "
    "intervals; factors sorted by ST. ST well above S1: the factor acts through interactions. "
    "A whisker reaching zero: no effect beyond the noise.",
    "morris": "mu* is the mean absolute elementary effect (the KPI's change as the factor "
    "moves, with its 95 % bootstrap interval): it ranks the factors, sorted by it. sigma large "
    "next to mu*: the effect depends on the other factors or is not linear. mu's sign is the "
    "direction.",
    "lhs": "Spearman's rank correlation of each factor with the KPI over the design's points, "
    "with its 95 % bootstrap interval; factors sorted by its size. The sign is the direction; "
    "a whisker crossing zero: no clear effect.",
}
X_TITLE = {
    "sobol": "Sobol' index (share of the KPI's variance)",
    "lhs": "Spearman's rank correlation with the KPI",
}


class ExperimentFolderError(ValueError):
    """An experiment folder that cannot be read: missing, incomplete or damaged (one line)."""


@dataclass(frozen=True)
class ExperimentFolder:
    """An experiment folder read back: its manifest, resolved scenario, design, point means
    and (for Sobol, Morris, LHS) indices, and its files' text for the foot of the page."""

    path: Path
    manifest: dict[str, Any]
    scenario: Scenario
    design: pl.DataFrame
    points: pl.DataFrame
    indices: pl.DataFrame | None
    texts: dict[str, str]

    @property
    def name(self) -> str:
        return str(self.manifest["experiment"])

    @property
    def kind(self) -> str:
        """The design: grid, oat, lhs, morris or sobol."""
        return str(self.manifest["design"])

    @property
    def factors(self) -> list[str]:
        return [c for c in self.design.columns if c != "point"]

    @property
    def kpis(self) -> list[str]:
        return [str(k) for k in self.manifest["kpis"]]

    @property
    def reps(self) -> int:
        return int(self.manifest["replications"])


def _manifest(path: Path) -> dict[str, Any]:
    """The manifest, with the keys the report needs checked."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExperimentFolderError(f"{path}: not a readable manifest ({exc})") from None
    need = {"experiment": str, "design": str, "replications": int, "kpis": list, "brand": str}
    for key, kind in need.items():
        if not isinstance(info, dict) or not isinstance(info.get(key), kind):
            raise ExperimentFolderError(f"{path}: {key}: missing or of the wrong type")
    return info


def is_experiment_folder(path: Path) -> bool:
    """Whether `path` looks like an experiment folder (its manifest names a design), rather
    than a run folder."""
    try:
        info = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(info, dict) and "design" in info and "experiment" in info


def read_experiment(path: str | Path) -> ExperimentFolder:
    """Read the folder `journey experiment` wrote, or raise one ExperimentFolderError."""
    path = Path(path)
    if not path.is_dir():
        raise ExperimentFolderError(f"{path}: no such experiment folder")
    info = _manifest(path / "manifest.json")
    names = ["manifest.json", *(f"{f}.parquet" for f in FRAMES), *TEXTS]
    if info["design"] in INDEXED:
        names.append(INDICES)
    missing = [n for n in names if not (path / n).is_file()]
    if missing:
        raise ExperimentFolderError(
            f"{path}: incomplete experiment folder, missing {', '.join(missing)}"
        )
    frames = {}
    for name in [*(f"{f}.parquet" for f in FRAMES), INDICES]:
        if (path / name).is_file():
            try:
                frames[name] = pl.read_parquet(path / name)
            except (OSError, pl.exceptions.PolarsError) as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise ExperimentFolderError(f"{path / name}: unreadable ({first})") from None
    try:
        scenario = load_scenario(path / "scenario.toml")
    except ScenarioError as exc:
        raise ExperimentFolderError(f"{path / 'scenario.toml'}: {exc}") from None
    return ExperimentFolder(
        path=path,
        manifest=info,
        scenario=scenario,
        design=frames["design.parquet"],
        points=frames["points.parquet"],
        indices=frames.get(INDICES) if info["design"] in INDEXED else None,
        texts={n: (path / n).read_text(encoding="utf-8") for n in TEXTS},
    )


# --- numbers --------------------------------------------------------------------------------


def _number(v: float | None, digits: int = 3) -> str:
    """`v` to `digits` significant digits without an exponent (5,820; 0.0123); n/a if None."""
    if v is None or math.isnan(v):
        return "n/a"
    if v == 0 or math.isinf(v):
        return f"{v:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    return f"{v:,.{decimals}f}"


def _value(v: float) -> str:
    """A factor's value as set in the scenario: up to four decimals, no trailing zeros."""
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def _defined(frame: pl.DataFrame, column: str = "value") -> pl.DataFrame:
    """The rows where `column` is a number (neither null nor NaN)."""
    return frame.filter(pl.col(column).is_not_null() & pl.col(column).is_not_nan())


def _measures(exp: ExperimentFolder) -> list[str]:
    """The measures of the indices, headline first (those MEASURES does not know last)."""
    assert exp.indices is not None
    found = list(dict.fromkeys(exp.indices["measure"]))
    return [m for m in MEASURES if m in found] + [m for m in found if m not in MEASURES]


def _headline(exp: ExperimentFolder) -> str:
    """The measure that ranks the factors: ST, mu_star or spearman."""
    measures = _measures(exp)
    return next((m for m in HEADLINE if m in measures), measures[0])


def _kpi_indices(exp: ExperimentFolder, kpi: str) -> pl.DataFrame:
    """One KPI's indices in display units: factor, measure, value, conf, lower, upper."""
    assert exp.indices is not None
    scale = pl.lit(kpi_info(kpi).scale)
    in_units = [m for m, info in MEASURES.items() if info.in_kpi_units]
    units = pl.when(pl.col("measure").is_in(in_units)).then(scale).otherwise(pl.lit(1.0))
    conf = pl.col("conf").fill_nan(None)
    return (
        exp.indices.filter(pl.col("kpi") == kpi)
        .with_columns(value=pl.col("value") * units, conf=conf * units)
        .with_columns(
            lower=pl.col("value") - pl.col("conf"), upper=pl.col("value") + pl.col("conf")
        )
        .select("factor", "measure", "value", "conf", "lower", "upper")
    )


def _factor_order(exp: ExperimentFolder, kpi: str) -> list[str]:
    """The factors by the size of their headline index on `kpi`, largest first."""
    head = _defined(_kpi_indices(exp, kpi).filter(pl.col("measure") == _headline(exp)))
    ranked = head.sort(pl.col("value").abs(), "factor", descending=[True, False])["factor"]
    return [*ranked, *(f for f in exp.factors if f not in set(ranked))]


def _point_frame(exp: ExperimentFolder, kpi: str) -> pl.DataFrame:
    """Per point and factor: the factor's value (x) and the KPI's mean, lower, upper over
    replications, in display units; points where the KPI is undefined left out."""
    scale = kpi_info(kpi).scale
    means = _defined(exp.points.filter(pl.col("kpi") == kpi), "mean").select(
        "point", *(pl.col(c) * scale for c in ("mean", "lower", "upper"))
    )
    values = exp.design.unpivot(index="point", variable_name="factor", value_name="x")
    return values.join(means, on="point", how="inner").sort("factor", "point")


def _axis_unit(kpi: str) -> str:
    """The unit of a KPI's values as shown, for an axis title: ' (%)' or nothing."""
    suffix = kpi_info(kpi).suffix.strip()
    return f" ({suffix})" if suffix else ""


def _label(measure: str) -> str:
    """A measure as the page names it."""
    return MEASURES[measure].label if measure in MEASURES else measure


# --- figures, tables, words -----------------------------------------------------------------


def _undefined(exp: ExperimentFolder) -> list[str]:
    """The KPIs with no value at any point (12-month retention in runs too short for it)."""
    points = exp.points
    return [k for k in exp.kpis if _defined(points.filter(pl.col("kpi") == k), "mean").is_empty()]


def _indexed(exp: ExperimentFolder) -> list[str]:
    """The KPIs with headline indices (not those undefined at some point: NaN indices)."""
    if exp.indices is None:
        return []
    head = _defined(exp.indices.filter(pl.col("measure") == _headline(exp)))
    return [k for k in exp.kpis if k in set(head["kpi"])]


def _indices_figure(exp: ExperimentFolder, kpi: str) -> Figure:
    """Every factor's indices on one KPI, with their intervals, most influential first."""
    s, measures = exp.scenario, _measures(exp)
    title = kpi_title(kpi, s)
    frame = _defined(_kpi_indices(exp, kpi)).with_columns(
        measure=pl.col("measure").replace_strict(
            {m: _label(m) for m in measures},
            return_dtype=pl.String,
        )
    )
    unit = kpi_info(kpi).unit.strip()  # of a change in the KPI: points, stars
    x_title = X_TITLE.get(
        exp.kind, f"Elementary effect on {title.lower()}" + (f" ({unit})" if unit else "")
    )
    return Figure(
        f"indices_{kpi}",
        f"What drives {title.lower()}",
        HOW_TO_READ.get(exp.kind, "Each factor's indices with their confidence intervals."),
        indices_chart(
            frame,
            _factor_order(exp, kpi),
            [_label(m) for m in measures],
            title=f"Sensitivity of {title.lower()} to each factor",
            subtitle=f"{DESIGN_NAMES.get(exp.kind, exp.kind)} design; dot: index, "
            "whisker: 95 % bootstrap interval",
            x_title=x_title,
        ),
    )


def _factor_figure(exp: ExperimentFolder, kpi: str) -> Figure:
    """One KPI against each factor: the points' means and replication bands, a panel each."""
    title = kpi_title(kpi, exp.scenario)
    reps = exp.reps
    order = _factor_order(exp, kpi) if exp.indices is not None else exp.factors
    return Figure(
        f"factors_{kpi}",
        f"{title} against each factor",
        f"Each dot is a point of the design: the KPI's mean over its {reps} replication"
        f"{'s' if reps > 1 else ''}, the line through it holds 90 % of them. A panel with a "
        "clear trend shows a factor that drives the KPI; a flat cloud, one that does not. Points "
        "differ in the other factors too, which spreads the cloud.",
        factor_chart(
            _point_frame(exp, kpi),
            order,
            title=f"{title} against each factor",
            subtitle="dot: mean over replications at a point of the design; line: 90 % of them",
            y_title=title + _axis_unit(kpi),
        ),
    )


def _indices_table(exp: ExperimentFolder, kpis: Sequence[str]) -> Table:
    """A row per KPI and factor (most influential first), a column per measure."""
    measures = _measures(exp)
    rows = []
    for kpi in kpis:
        frame = _kpi_indices(exp, kpi)
        for factor in _factor_order(exp, kpi):
            cells = [factor, kpi_title(kpi, exp.scenario)]
            for m in measures:
                one = frame.filter((pl.col("factor") == factor) & (pl.col("measure") == m))
                value, conf = (
                    (one["value"].item(), one["conf"].item()) if one.height else (None, None)
                )
                cells.append(
                    _number(value) + (f" ± {_number(conf, 2)}" if conf is not None else "")
                )
            rows.append(cells)
    return Table(
        "Sensitivity indices",
        ["Factor", "KPI", *(_label(m) for m in measures)],
        rows,
        "Value ± the half-width of its 95 % bootstrap interval, where the analysis gives one; "
        "computed on each point's mean over replications. Morris measures are in the KPI's "
        "units (percentage points for a share).",
        label_columns=2,
    )


def _points_table(exp: ExperimentFolder, kpis: Sequence[str]) -> Table:
    """The design's points with each KPI's mean and band over replications."""
    wide = {(r["point"], r["kpi"]): r for r in exp.points.iter_rows(named=True) if r["kpi"] in kpis}
    rows = []
    for point in exp.design.iter_rows(named=True):
        p = point["point"]
        cells = [str(p), *(_value(point[f]) for f in exp.factors)]
        for kpi in kpis:
            r = wide.get((p, kpi), {})
            cells.append(
                f"{format_value(kpi, r.get('mean'))} ({format_value(kpi, r.get('lower'))} to "
                f"{format_value(kpi, r.get('upper'))})"
            )
        rows.append(cells)
    return Table(
        "Means at each point",
        ["Point", *exp.factors, *(kpi_title(k, exp.scenario) for k in kpis)],
        rows,
        "Each KPI's mean over the point's replications, and in brackets the 5th to 95th "
        "percentile of them.",
    )


def experiment_sections(exp: ExperimentFolder) -> list[Section]:
    """The report's sections: the indices (charts and table) when the design has them, then
    each KPI against each factor (charts, and the point means for grid and OAT)."""
    kpis = [k for k in exp.kpis if k not in _undefined(exp)]
    indexed = _indexed(exp)
    parts = []
    if exp.indices is not None:
        parts.append(
            Section(
                "What drives each KPI: sensitivity indices",
                [_indices_figure(exp, k) for k in indexed],
                [_indices_table(exp, indexed)] if indexed else [],
            )
        )
    parts.append(
        Section(
            "Each KPI against each factor",
            [_factor_figure(exp, k) for k in kpis],
            [] if exp.indices is not None else [_points_table(exp, kpis)],
        )
    )
    return parts


def _tiles(exp: ExperimentFolder) -> list[Tile]:
    """Per KPI: its mean over every run, and the range of the points' means (how far the
    factors move it)."""
    tiles = []
    for kpi in exp.kpis:
        means = _defined(exp.points.filter(pl.col("kpi") == kpi), "mean")["mean"]
        title = kpi_title(kpi, exp.scenario)
        if means.is_empty():
            tiles.append(Tile(title, "n/a", "not defined in these runs"))
            continue
        low, high = means.min(), means.max()
        tiles.append(
            Tile(
                title,
                format_value(kpi, means.mean()),  # type: ignore[arg-type]
                f"points: {format_value(kpi, low)} to {format_value(kpi, high)}",  # type: ignore[arg-type]
            )
        )
    return tiles


def _sentence(exp: ExperimentFolder, kpi: str) -> str:
    """One sentence on a KPI: which factor moves it most, or over what range it moves."""
    title = kpi_title(kpi, exp.scenario)
    if exp.indices is None:
        means = _defined(exp.points.filter(pl.col("kpi") == kpi), "mean").sort("mean")
        low, high = means.row(0, named=True), means.row(-1, named=True)
        at = exp.design.filter(pl.col("point") == high["point"]).row(0, named=True)
        where = ", ".join(f"{f} = {_value(at[f])}" for f in exp.factors)
        return (
            f"{title} ranges from {format_value(kpi, low['mean'])} to "
            f"{format_value(kpi, high['mean'])} over the {exp.design.height} points, highest at "
            f"point {high['point']} ({where})."
        )
    if kpi not in _indexed(exp):
        return f"{title} has no indices: it is undefined at some points of the design."
    head = _headline(exp)
    label = MEASURES[head].label.split(" ")[0] if head in MEASURES else head
    frame = _defined(_kpi_indices(exp, kpi).filter(pl.col("measure") == head))
    top = frame.sort(pl.col("value").abs(), "factor", descending=[True, False]).row(0, named=True)
    nil = frame.filter(pl.col("conf").is_not_null() & (pl.col("value").abs() <= pl.col("conf")))
    conf = f" ± {_number(top['conf'], 2)}" if top["conf"] is not None else ""
    if top["factor"] in set(nil["factor"]):
        return f"No factor moves {title.lower()} beyond the noise: every {label} includes zero."
    said = f"{title}: {top['factor']} matters most ({label} {_number(top['value'])}{conf})"
    if nil.height:
        n = frame.height
        said += f"; {nil.height} of {n} factors cannot be told from zero"
    return said + "."


def build_experiment_page(exp: ExperimentFolder, parts: Sequence[Section]) -> str:
    """The whole experiment page: header with provenance, summary, sections, files."""
    m, s = exp.manifest, exp.scenario
    reps = exp.reps
    n = len(exp.factors)
    points = int(m.get("points", exp.design.height))
    runs = int(m.get("runs", points * reps))
    commit = m.get("git_commit") or "unknown"
    lead = (
        f"{DESIGN_NAMES.get(exp.kind, exp.kind)} design over {n} factor{'s' if n > 1 else ''}: "
        f"{points:,} points x {reps} replication{'s' if reps > 1 else ''} = {runs:,} runs of "
        f"{s.population.consumers:,} consumers over {s.time.steps} {s.time.step}s; KPIs of "
        f"{m['brand']}, seed {m.get('seed', 'n/a')}. Written {m.get('created_utc', 'n/a')} "
        f"(runner: {m.get('runner', 'n/a')}, {m.get('wall_time_seconds', 0):.1f} s, commit "
        f"{str(commit)[:12]})."
    )
    undefined = _undefined(exp)
    sentences = [_sentence(exp, k) for k in exp.kpis if k not in undefined]
    notes = [
        f"Every point is run {reps} time{'s' if reps > 1 else ''} with replication r's random "
        "numbers at every point (common random numbers), so differences between points come "
        "from the factors; "
        + (
            "the indices are computed on each point's mean over its replications."
            if exp.indices is not None
            else "the charts and table show each point's mean over its replications."
        )
    ]
    for kpi in undefined:
        why = "no run observed it"
        if kpi == "retention_12" and not retention_observed(s):
            why = (
                f"it needs runs of at least {(RETENTION_PERIOD + 1) * s.retention.period} "
                f"{s.time.step}s"
            )
        notes.append(f"{kpi_title(kpi, s)} is not shown: {why}.")
    return render_page(
        f"Moments of Truth experiment: {exp.name}",
        lead,
        tiles=_tiles(exp),
        sentences=sentences,
        notes=notes,
        sections=parts,
        sources=[
            Source(
                exp.name,
                str(exp.path),
                [
                    *(Listing(name, text) for name, text in exp.texts.items()),
                    Listing("manifest.json", json.dumps(m, indent=2, sort_keys=True), True),
                ],
            )
        ],
        summary_heading="Summary",
        sources_heading="Experiment, scenario and manifest",
        glossary=[Term(name, text) for name, text in glossary(exp.kpis, s)],
    )


def write_experiment_report(
    path: Path, out: Path | None = None, formats: Sequence[str] = ("png", "svg")
) -> Path:
    """Write report.html and charts/ (each chart in `formats`) for the experiment folder
    `path` into `out` (default: the folder itself); return report.html. Each is written
    atomically: charts/ as a whole folder, then the page."""
    exp = read_experiment(path)
    parts = experiment_sections(exp)
    return write_page(
        out or exp.path, build_experiment_page(exp, parts), figures_of(parts), formats
    )
