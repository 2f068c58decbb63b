"""What a moments analysis says: the headline sentence, the ranking tables, and its page.

Everything is read from the analysis folder (`effects.parquet`, `kpis.parquet`,
`scenario.toml`, `manifest.json`), so the report layer needs nothing from the experiments layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from sim.report.charts.moments import spend_chart, tornado_chart
from sim.report.kpis import format_diff, glossary, kpi_info, kpi_title
from sim.report.skeleton import (
    Figure,
    Section,
    Source,
    Term,
    figures_of,
    render_page,
    write_page,
)
from sim.report.skeleton import Table as PageTable
from sim.report.text import markup_safe
from sim.scenario import Scenario, load_scenario

__all__ = [
    "Analysis",
    "MomentsFolderError",
    "figures",
    "headline",
    "is_moments_folder",
    "label",
    "ranking_table",
    "read_analysis",
    "render",
    "spend",
    "write_report",
]

SPEND = "spend:"


@dataclass(frozen=True)
class Analysis:
    """A moments analysis folder read back."""

    folder: Path
    effects: pl.DataFrame
    kpis: pl.DataFrame
    scenario: Scenario
    manifest: dict

    @property
    def brand(self) -> str:
        return str(self.manifest["brand"])


class MomentsFolderError(ValueError):
    """A moments folder that cannot be read: missing, incomplete or damaged (one line)."""


def read_analysis(folder: Path) -> Analysis:
    """Read a `journey moments` folder, or raise one MomentsFolderError."""
    try:
        return Analysis(
            folder,
            pl.read_parquet(folder / "effects.parquet"),
            pl.read_parquet(folder / "kpis.parquet"),
            load_scenario(folder / "scenario.toml"),
            json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
        )
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MomentsFolderError(f"{folder}: not a readable moments folder ({first})") from None


def label(target: str) -> str:
    """A target as words: 'support_call' -> 'support call', 'moment:zmot' -> 'ZMOT'."""
    if target.startswith("moment:"):
        return {"pre_zmot": "<ZMOT"}.get(target[7:], target[7:].upper())
    return target.replace("_", " ")


def spend(kpis: pl.DataFrame) -> dict[str, float]:
    """Each touchpoint's mean spend over the run in the unchanged scenario (point 0)."""
    rows = kpis.filter((pl.col("point") == 0) & pl.col("kpi").str.starts_with(SPEND))
    means = rows.group_by("kpi").agg(pl.col("value").mean())
    return {k[len(SPEND) :]: v for k, v in means.iter_rows()}


def _row(effects: pl.DataFrame, target: str, change: str, kpi: str) -> dict | None:
    rows = effects.filter(
        (pl.col("target") == target) & (pl.col("change") == change) & (pl.col("kpi") == kpi)
    )
    return rows.row(0, named=True) if rows.height else None


def _clear(row: dict) -> bool:
    lo, hi = row["lower"], row["upper"]
    return lo is not None and hi is not None and (lo > 0 or hi < 0)


def _interval(kpi: str, lo: float, hi: float) -> str:
    return f"90 %: {format_diff(kpi, lo, unit=False)} to {format_diff(kpi, hi, unit=False)}"


def headline(effects: pl.DataFrame, scenario: Scenario, brand: str, kpi: str) -> str:
    """One sentence: which touchpoint is the brand's moment of truth for `kpi`, and what
    improving it is worth; or that none clearly matters at this precision."""
    title = kpi_title(kpi, scenario)
    if effects.filter(pl.col("kpi") == kpi).is_empty():
        return f"{title} cannot be measured in these runs (too short?); rank on another KPI."
    removes = effects.filter(
        (pl.col("kind") == "touchpoint") & (pl.col("change") == "remove") & (pl.col("kpi") == kpi)
    ).sort("rank")
    if removes.height == 0:
        return f"{brand} has no touchpoint to remove; nothing to rank on {title.lower()}."
    top = removes.row(0, named=True)
    name, mean = label(top["target"]), top["mean"]
    if not _clear(top):
        return (
            f"No touchpoint of {brand} clearly moves {title.lower()}: the largest effect, "
            f"removing the {name}, is {format_diff(kpi, mean)} "
            f"({_interval(kpi, top['lower'], top['upper'])}); more replications would narrow it."
        )
    way = "raise" if mean > 0 else "cut"
    lo, hi = sorted((abs(top["lower"]), abs(top["upper"])))
    sentence = (
        f"The {name} is {brand}'s moment of truth: removing it would {way} {title.lower()} by "
        f"{format_diff(kpi, abs(mean)).lstrip('+')} ({_interval(kpi, lo, hi).replace('+', '')})"
    )
    improvements = [
        (row["mean"], change, row)
        for change in ("better", "consistent")
        if (row := _row(effects, top["target"], change, kpi)) is not None
    ]
    if improvements:
        _, change, row = max(improvements, key=lambda x: x[0])
        word = "better" if change == "better" else "consistent"
        worth = f"; making it {word} is worth {format_diff(kpi, row['mean'])}"
        margin = _row(effects, top["target"], change, "margin")
        if margin is not None and kpi != "margin":
            worth += f" and {format_diff('margin', margin['mean']).lstrip('+')} margin"
        sentence += worth
    return sentence + "."


def _cell(row: dict | None, kpi: str) -> str:
    if row is None:
        return "-"
    text = format_diff(kpi, row["mean"], unit=False)
    if row["lower"] is None:
        return text
    interval = (
        f"{format_diff(kpi, row['lower'], unit=False)} to "
        f"{format_diff(kpi, row['upper'], unit=False)}"
    )
    style = "bold" if _clear(row) else "dim"
    return f"[{style}]{text}[/{style}]\n[dim]{interval}[/dim]"


def ranking_table(a: Analysis, kpi: str, kind: str) -> Table:
    """Targets of one kind ranked by the effect of removing them on `kpi`, with all changes."""
    e, s = a.effects, a.scenario
    unit = kpi_info(kpi).unit.strip()
    what = "touchpoints" if kind == "touchpoint" else "moments as a whole"
    table = Table(
        title=f"{markup_safe(a.brand)}'s {what}: change in {kpi_title(kpi, s).lower()}"
        f"{f' ({unit})' if unit else ''}\nmean paired difference against the unchanged "
        "scenario, 90 % interval below; bold: clear of zero",
    )
    table.add_column("#", justify="right", min_width=2)
    table.add_column("touchpoint (moment)" if kind == "touchpoint" else "moment", overflow="fold")
    for change in ("remove", "better", "consistent"):
        table.add_column(change, justify="right", no_wrap=True)
    costs = spend(a.kpis)
    if kind == "touchpoint":
        table.add_column("spend", justify="right", no_wrap=True)
    mine = e.filter((pl.col("kind") == kind) & (pl.col("kpi") == kpi))
    ranked = mine.filter(pl.col("change") == "remove").sort("rank")["target"].to_list()
    others = sorted(set(mine["target"].to_list()) - set(ranked))
    for i, target in enumerate([*ranked, *others], start=1):
        cells = [_cell(_row(e, target, c, kpi), kpi) for c in ("remove", "better", "consistent")]
        name = markup_safe(label(target))
        if kind == "touchpoint":
            moment = mine.filter(pl.col("target") == target)["moment"][0]
            name += f" [dim]({label(f'moment:{moment}')})[/dim]"
            cost = costs.get(target)
            cells.append("-" if cost is None else f"{cost:,.0f}")
        table.add_row(str(i) if target in ranked else "", name, *cells)
    return table


def render(a: Analysis, kpi: str, console: Console) -> None:
    """The headline and the two ranking tables, for the terminal."""
    console.print(markup_safe(headline(a.effects, a.scenario, a.brand, kpi)), style="bold")
    console.print(ranking_table(a, kpi, "touchpoint"))
    console.print(ranking_table(a, kpi, "moment"))


def _display(rows: pl.DataFrame, kpi: str) -> pl.DataFrame:
    """Effects in display units (e.g. points for a share), with a label per target."""
    scale = kpi_info(kpi).scale
    return rows.select(
        label=pl.col("target").map_elements(label, return_dtype=pl.String),
        change="change",
        mean=pl.col("mean") * scale,
        lower=pl.col("lower") * scale,
        upper=pl.col("upper") * scale,
    )


def figures(a: Analysis, kpi: str) -> list[Section]:
    """The page's sections: the tornado per kind of target, spending against revenue at stake,
    and the ranking tables."""
    e, s = a.effects, a.scenario
    title = kpi_title(kpi, s)
    unit = kpi_info(kpi).unit
    unit_note = f" ({unit.strip()})" if unit else ""
    on_kpi = e.filter(pl.col("kpi") == kpi)
    sections = []
    tornadoes = [
        Figure(
            f"tornado_{kind}s",
            f"{title}: {'touchpoints' if kind == 'touchpoint' else 'moments as a whole'}",
            "Each row is a target; each dot the change in the KPI when it is removed, made "
            "better (+0.5 stars) or made consistent (half the spread), against the unchanged "
            "scenario on the same seeds; the whisker is the 90 % interval. Rows are sorted by "
            "their largest effect: the top rows are the moments of truth.",
            tornado_chart(
                _display(on_kpi.filter(pl.col("kind") == kind), kpi),
                f"Change in {title.lower()}",
                unit_note,
            ),
        )
        for kind in ("touchpoint", "moment")
        if on_kpi.filter(pl.col("kind") == kind).height
    ]
    sections.append(Section("Which moments of truth matter", tornadoes))
    costs = spend(a.kpis)
    removed = e.filter(
        (pl.col("kind") == "touchpoint")
        & (pl.col("change") == "remove")
        & (pl.col("kpi") == "revenue")
        & pl.col("target").is_in(list(costs))
    )
    if removed.height:
        at_stake = removed.select(
            label=pl.col("target").map_elements(label, return_dtype=pl.String),
            spend=pl.col("target").replace_strict(costs, return_dtype=pl.Float64),
            mean=-pl.col("mean"),
            lower=-pl.col("upper"),
            upper=-pl.col("lower"),
        )
        sections.append(
            Section(
                "What each touchpoint is worth",
                [
                    Figure(
                        "spend_against_revenue",
                        "Spending against revenue at stake",
                        "A dot is a touchpoint: across, what it cost over the run; up, the "
                        "revenue lost when it is removed (whisker: 90 % interval). Above the "
                        "dashed line it brings in more than it costs; far below it, the money "
                        "could go elsewhere.",
                        spend_chart(at_stake),
                    )
                ],
            )
        )
    return sections


def _tables(a: Analysis, kpi: str) -> list:
    """The ranking tables, as page tables."""
    out = []
    costs = spend(a.kpis)
    for kind in ("touchpoint", "moment"):
        mine = a.effects.filter((pl.col("kind") == kind) & (pl.col("kpi") == kpi))
        if not mine.height:
            continue
        ranked = mine.filter(pl.col("change") == "remove").sort("rank")["target"].to_list()
        rest = sorted(set(mine["target"].to_list()) - set(ranked))
        rows = []
        for target in [*ranked, *rest]:
            cells = []
            for change in ("remove", "better", "consistent"):
                row = _row(a.effects, target, change, kpi)
                cells.append(
                    "-"
                    if row is None
                    else format_diff(kpi, row["mean"], unit=False)
                    + (
                        ""
                        if row["lower"] is None
                        else f" ({format_diff(kpi, row['lower'], unit=False)} to "
                        f"{format_diff(kpi, row['upper'], unit=False)})"
                    )
                )
            extra = (
                [f"{costs[target]:,.0f}" if target in costs else "-"]
                if kind == "touchpoint"
                else []
            )
            rows.append([label(target), *cells, *extra])
        columns = [kind, "remove", "better", "consistent"]
        if kind == "touchpoint":
            columns.append("spend over the run")
        out.append(
            PageTable(
                f"{'Touchpoints' if kind == 'touchpoint' else 'Moments as a whole'}: change in "
                f"{kpi_title(kpi, a.scenario).lower()}{kpi_info(kpi).unit}",
                columns,
                rows,
                note="mean paired difference against the unchanged scenario (90 % interval)",
            )
        )
    return out


def is_moments_folder(path: Path) -> bool:
    """Whether `path` looks like a `journey moments` folder (its manifest says so)."""
    try:
        info = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(info, dict) and info.get("analysis") == "moments"


def write_report(folder: Path, kpi: str | None = None, out: Path | None = None) -> Path:
    """Write `report.html` and `charts/` for a moments folder into `out` (default: the folder
    itself), ranking on `kpi` (default: the one the analysis was ranked on, or the first KPI
    measured); return the page's path."""
    a = read_analysis(folder)
    measured = list(dict.fromkeys(a.effects["kpi"]))
    if kpi is not None and kpi not in measured:
        raise MomentsFolderError(
            f"{folder}: no effects on {kpi} in this analysis (it has "
            f"{', '.join(measured) or 'none'})"
        )
    kpi = kpi or next((k for k in (a.manifest.get("kpi"), *measured) if k in measured), None)
    if kpi is None:
        raise ValueError(f"{folder}: effects.parquet holds no effects")
    m, s = a.manifest, a.scenario
    sections = figures(a, kpi)
    sections.append(Section("The ranking", tables=_tables(a, kpi)))
    lead = (
        f"{s.name}: {a.brand}'s touchpoints and moments, "
        f"{a.effects.select('target', 'change').unique().height} changes x "
        f"{m['replications']} replications of {m['consumers']:,} consumers x {m['steps']} "
        f"{s.time.step}s, seed {m['seed']}; created {m['created_utc']}"
    )
    html = render_page(
        f"Moments of truth: {a.brand}",
        lead,
        sentences=[headline(a.effects, s, a.brand, k) for k in dict.fromkeys((kpi, "margin"))],
        sections=sections,
        sources=[Source(folder.name, str(folder))],
        glossary=[
            Term(name, text) for name, text in glossary([kpi, "margin", "revenue", "spend"], s)
        ],
    )
    return write_page(out or folder, html, figures_of(sections))
