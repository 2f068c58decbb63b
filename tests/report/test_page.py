"""The report: one offline page that draws every chart, PNG and SVG for slides, and clear
refusals of run folders it cannot read."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest

from sim.report.page import (
    build_page,
    figures,
    load_runs,
    report_dir,
    sections,
    sentence,
    write_report,
)
from sim.store.runs import FILES, RunFolderError
from tests.report.charts.checks import assert_images_match, assert_offline, draw_in_browser

if TYPE_CHECKING:
    from sim.running import RunResult
    from tests.report.charts.fixtures import Runs

pytest_plugins = ["tests.report.charts.fixtures"]


def test_comparison_report_is_written_inside_the_baseline_folder(
    runs: Runs, comparison_report: Path
) -> None:
    target = runs.base / "compare-onboarding"
    assert report_dir([runs.base, runs.whatif]) == target
    assert comparison_report == target / "report.html"
    assert sorted(p.name for p in target.iterdir()) == ["charts", "report.html"]  # no temporary
    names = [f.name for f in figures(load_runs([runs.base, runs.whatif]))]
    charts = sorted((target / "charts").iterdir())
    expected = [
        f"{i:02d}_{name}.{ext}" for i, name in enumerate(names, 1) for ext in ("png", "svg")
    ]
    assert [p.name for p in charts] == sorted(expected)
    for png in (target / "charts").glob("*.png"):
        assert_images_match(png, png.with_suffix(".svg"))


def test_the_page_says_what_the_scenario_does(runs: Runs, comparison_report: Path) -> None:
    page = comparison_report.read_text(encoding="utf-8")
    assert_offline(page)
    assert "<h1>Moments of Truth: Better onboarding against Baseline</h1>" in page
    assert "1 scenario (Better onboarding) compared with the baseline, Baseline" in page
    assert page.count("class='tile'") == 7  # one per KPI in KPIS, and the return on spend
    tiles = re.findall(r"<div class='tile'><h3>([^<]*)</h3>", page)
    assert tiles[:2] == ["Margin over the run", "Return on spend"]  # margin leads
    for title in ("Customers at the end", "12-month retention", "Average rating"):
        assert title in tiles
    assert "Acquisition cost" in tiles and "Revenue over the run" in tiles
    # each difference says whether it is good news, in words as well as colour
    verdicts = re.findall(r"<div class='diff (better|worse|noise)'", page)
    assert len(verdicts) == 7
    (said,) = re.findall(r"<li>(Better onboarding[^<]*)</li>", page)
    assert said.startswith("Better onboarding ") and "aurora&#39;s margin over the run" in said
    assert "largest other effects: " in said
    assert "paired replication by replication" in page
    # what the scenario changed, diffed from the two runs' resolved scenarios
    assert "<h2 class='section'>What each scenario changed</h2>" in page
    changed = re.search(r"<h3 class='marked'[^>]*>Better onboarding</h3>.*?</table>", page, re.S)
    assert changed is not None
    assert (
        "<th scope='row'>brands.aurora.touchpoints.onboarding.quality</th><td>3.8</td>"
        "<td>4.4</td>" in changed.group(0)
    )
    # the glossary defines every KPI the page shows
    glossary = page.split("<section id='glossary'>", 1)[1].split("</section>", 1)[0]
    for title in (*tiles, "Touchpoint spending", "Within the noise"):
        assert f"<dt>{title}</dt>" in glossary
    # settings and manifests of both runs at the bottom
    assert page.count("<summary>scenario.toml</summary>") == 2
    assert page.count("<summary>manifest.json</summary>") == 2
    assert "quality = 4.4" in page  # the what-if's onboarding
    assert page.count("class='chart'") == 18


def test_journey_report_kpi_leads_the_tiles_and_sentences(runs: Runs, tmp_path: Path) -> None:
    page = write_report(
        [runs.base, runs.whatif], tmp_path / "r", formats=(), kpi="customers_end"
    ).read_text(encoding="utf-8")
    tiles = re.findall(r"<div class='tile'><h3>([^<]*)</h3>", page)
    assert tiles[:2] == ["Customers at the end", "Return on spend"]
    (said,) = re.findall(r"<li>(Better onboarding[^<]*)</li>", page)
    assert "aurora&#39;s customers at the end" in said.split("); ")[0]
    with pytest.raises(ValueError, match="'happiness' is not a KPI"):
        write_report([runs.base, runs.whatif], tmp_path / "s", formats=(), kpi="happiness")
    assert not (tmp_path / "s").exists()


def diffs_frame(mean: float, low: float, high: float, kpi: str = "retention_12") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "scenario": ["better_onboarding", "better_onboarding"],
            "brand": ["aurora", "aurora"],
            "kpi": [kpi, "customers"],
            "mean": [mean, 3.0],
            "lower": [low, -10.0],
            "upper": [high, 12.0],
        }
    )


def test_the_sentence_on_the_page_leads_with_the_kpi_asked_for(result: RunResult) -> None:
    s = result.scenario
    up = sentence("better_onboarding", diffs_frame(0.041, 0.032, 0.050), s, "retention_12")
    assert up == (
        "Better onboarding raises aurora's 12-month retention by 4.1 points "
        "(90 %: +3.2 to +5.0); largest other effects: customers at the end +3 "
        "(90 %: \u221210 to +12, within the noise)."
    )
    down = sentence(
        "better_onboarding",
        diffs_frame(-0.3, -0.5, -0.1, "acquisition_cost"),
        s,
        "acquisition_cost",
    )
    assert down.startswith(
        "Better onboarding lowers aurora's acquisition cost by 0.30 (90 %: \u22120.50 to "
        "\u22120.10, better)"
    )
    unclear = sentence("better_onboarding", diffs_frame(0.01, -0.01, 0.03), s, "retention_12")
    assert unclear.endswith("; every difference is within the noise of the simulation.")
    missing = sentence("better_onboarding", diffs_frame(0.01, -0.01, 0.03), s)
    assert missing.startswith("Better onboarding: aurora's margin over the run cannot be measured")


def test_same_runs_give_the_same_page(runs: Runs) -> None:
    pages = []
    for _ in range(2):
        loaded = load_runs([runs.base, runs.whatif])
        pages.append(build_page(loaded, *sections(loaded)))
    assert pages[0] == pages[1]


def test_one_run_is_reported_in_its_folder(runs: Runs, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs.base, run, ignore=shutil.ignore_patterns("compare-*"))
    page = write_report([run], formats=("svg",))
    assert page == run / "report.html"
    text = page.read_text(encoding="utf-8")
    assert text.count("class='chart'") == 14 and "class='tile'" in text
    assert "Difference from the baseline" not in text
    assert len(list((run / "charts").glob("*.svg"))) == 14
    # writing again replaces the report and its charts, leaving nothing else behind
    write_report([run], formats=())
    assert list((run / "charts").iterdir()) == []
    assert sorted(p.name for p in run.iterdir()) == sorted([*FILES, "charts", "report.html"])


@pytest.mark.parametrize("damage", ["missing folder", "missing file", "bad manifest"])
def test_a_folder_that_is_not_a_whole_run_is_refused(
    damage: str, runs: Runs, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    if damage != "missing folder":
        shutil.copytree(runs.base, run, ignore=shutil.ignore_patterns("compare-*"))
    if damage == "missing file":
        (run / "cohorts.parquet").unlink()
        message = f"{run}: incomplete run folder, missing cohorts.parquet"
    elif damage == "bad manifest":
        (run / "manifest.json").write_text("{not json")
        message = f"{run / 'manifest.json'}: not a readable manifest"
    else:
        message = f"{run}: no such run folder"
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(RunFolderError) as caught:
        write_report([runs.base, run])
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert sorted(tmp_path.rglob("*")) == before
    assert not (runs.base / f"compare-{run.name}").exists()


def test_the_report_draws_in_a_browser_without_network(
    comparison_report: Path, tmp_path: Path
) -> None:
    """Headless Chromium, offline and with every request refused: every chart draws (its SVG
    has marks), nothing is fetched, nothing is logged as an error; a screenshot is kept."""
    started = time.perf_counter()
    seen = draw_in_browser(comparison_report)
    print(f"browser test: {time.perf_counter() - started:.1f} s, screenshot {seen.screenshot}")
    drawn, shot, fetched, problems = seen.drawn, seen.screenshot, seen.fetched, seen.problems
    assert len(drawn) == 18
    assert [(cid, state) for cid, state, _ in drawn if state != "yes"] == []
    assert [cid for cid, _, marks in drawn if marks == 0] == []
    assert fetched == []
    assert problems == []
    assert shot.stat().st_size > 50_000
