"""Eight what-ifs against a baseline in one report, as an executive compares them: the title
names them, each has its table of changed settings, its own colour (never the baseline's
grey) in every chart and tile, and the page defines its KPIs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.report.charts.theme import SCENARIO_COLORS, scenario_style
from sim.report.page import write_report
from sim.running import run
from sim.store.runs import write_run
from tests.conftest import SCENARIOS
from tests.report.charts.checks import assert_offline, draw_in_browser

pytestmark = pytest.mark.slow

# name: (overrides of the baseline, the changed setting as the table shows it)
WHATIFS = {
    "better_onboarding": (
        "[brands.aurora.touchpoints.onboarding]\nquality = 4.4",
        ("brands.aurora.touchpoints.onboarding.quality", "3.8", "4.4"),
    ),
    "tv_campaign": (
        "[brands.aurora.touchpoints.tv_ad]\nreach = 0.03",
        ("brands.aurora.touchpoints.tv_ad.reach", "0.01", "0.03"),
    ),
    "price_cut": ("[brands.aurora]\nprice = 10.0", ("brands.aurora.price", "12", "10")),
    "better_support": (
        "[brands.aurora.touchpoints.support_call]\nquality = 4.5",
        ("brands.aurora.touchpoints.support_call.quality", "3.2", "4.5"),
    ),
    "referral_program": (
        '[brands.aurora.touchpoints.referral]\nmoment = "pre_zmot"\nreach = 0.02\ncost = 0.5',
        ("brands.aurora.touchpoints.referral", "not set", '{ moment = "pre_zmot", '),
    ),
    "cheaper_boreal": ("[brands.boreal]\nprice = 8.0", ("brands.boreal.price", "10", "8")),
    "no_search_ad": (
        "[brands.aurora.touchpoints.search_ad]\nreach = 0.0",
        ("brands.aurora.touchpoints.search_ad.reach", "0.3", "0"),
    ),
    "better_product": ("[brands.aurora]\nquality = 4.1", ("brands.aurora.quality", "3.8", "4.1")),
}
SIZE = {"reps": 2, "seed": 3, "consumers": 300, "steps": 100}


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@pytest.fixture(scope="module")
def nine(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The baseline and eight what-ifs of it, small, on the same seed."""
    root = tmp_path_factory.mktemp("nine")
    base = SCENARIOS / "baseline.toml"
    paths = [write_run(run(base, **SIZE), root / "baseline")]
    for name, (body, _) in WHATIFS.items():
        spec = root / f"{name}.toml"
        spec.write_text(f'base = "{base.as_posix()}"\nname = "{name}"\n{body}\n', "utf-8")
        paths.append(write_run(run(spec, **SIZE), root / name))
    return paths


@pytest.fixture(scope="module")
def page_path(nine: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(nine, tmp_path_factory.mktemp("report"), formats=())


def test_the_page_names_each_scenario_and_what_it_changed(page_path: Path) -> None:
    page = page_path.read_text(encoding="utf-8")
    assert_offline(page)
    names = [label(n) for n in WHATIFS]
    title = f"Moments of Truth: {', '.join(names[:-1])} and {names[-1]} against Baseline"
    assert f"<h1>{title}</h1>" in page and f"<title>{title}</title>" in page
    assert "8 scenarios (Better onboarding, Tv campaign, " in page
    # one sentence per scenario, each leading with its margin
    sentences = re.findall(r"<li>([^<]*)</li>", page.split("<ul class='sentences'>", 1)[1])
    assert len(sentences) == 8
    for name, said in zip(names, sentences, strict=True):
        assert said.startswith(name + " ") and "aurora&#39;s margin over the run" in said
    # a changes table per scenario, marked in the scenario's colour
    marked = re.findall(r"<h3 class='marked' style='border-color:([^']+)'>([^<]+)</h3>", page)
    assert [n for _, n in marked] == names
    colors = [c for c, _ in marked]
    assert colors == [scenario_style(i).color for i in range(1, 9)]
    assert len(set(colors)) == 8 and SCENARIO_COLORS[0] not in colors
    tables = page.split("<h2 class='section'>What each scenario changed</h2>", 1)[1]
    for (name, (_, (path, old, new))), table in zip(
        WHATIFS.items(), tables.split("<h3 class='marked'")[1:], strict=True
    ):
        row = re.search(r"<tr><th scope='row'>([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>", table)
        assert row is not None, name
        assert row.group(1) == path and row.group(2) == old
        assert row.group(3).replace("&#34;", '"').startswith(new), row.group(3)
    # the glossary defines every tile's KPI
    tiles = re.findall(r"<div class='tile'><h3>([^<]*)</h3>", page)
    assert tiles[:2] == ["Margin over the run", "Return on spend"] and len(tiles) == 7
    glossary = page.split("<section id='glossary'>", 1)[1].split("</section>", 1)[0]
    assert set(tiles) <= set(re.findall(r"<dt>([^<]*)</dt>", glossary))


# What each chart drew: its legend's symbols (fill colour, dash) and labels, and the colours
# marking each tile's scenario lines.
PROBE = """() => ({
  charts: Object.fromEntries([...document.querySelectorAll('.chart')].map(el => [el.id, {
    symbols: [...el.querySelectorAll('.role-legend-symbol path')].map(
      s => [s.getAttribute('fill'), s.getAttribute('stroke-dasharray')]),
    labels: [...el.querySelectorAll('.role-legend-label text')].map(t => t.textContent)}])),
  tiles: [...document.querySelectorAll('.tile')].map(
    t => [...t.querySelectorAll('.diff')].map(d => getComputedStyle(d).borderLeftColor)),
})"""


def test_nine_scenarios_draw_in_distinct_colours_offline(page_path: Path) -> None:
    seen = draw_in_browser(page_path, PROBE)
    assert [(cid, state) for cid, state, _ in seen.drawn if state != "yes"] == []
    assert [cid for cid, _, marks in seen.drawn if marks == 0] == []
    assert seen.fetched == [] and seen.problems == []
    charts = seen.probed["charts"]
    differences = charts["chart-01-compare_kpis"]
    assert differences["labels"] == list(WHATIFS)  # the baseline is the zero line, no symbol
    fills = [fill.upper() for fill, _ in differences["symbols"]]
    assert len(set(fills)) == 8 and SCENARIO_COLORS[0] not in fills
    for cid in ("chart-02-compare_customers", "chart-04-compare_margin"):
        fan = charts[cid]
        assert fan["labels"] == ["baseline", *WHATIFS]
        fills = [fill.upper() for fill, _ in fan["symbols"]]
        assert fills[0] == SCENARIO_COLORS[0] and len(set(fills)) == 9
    # every tile marks its eight scenario lines in eight colours
    marked = [t for t in seen.probed["tiles"] if t]
    assert len(marked) == 7 and all(len(set(t)) == 8 for t in marked)
