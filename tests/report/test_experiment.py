"""The experiment report: a chart of the indices per KPI, each KPI against each factor, the
table of indices (or of point means for designs without indices), user text shown as text,
folders it cannot read refused in one line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from sim.cli import main
from sim.experiments import load_experiment
from sim.experiments.experiment import plan, run_experiment
from sim.report.experiment import (
    ExperimentFolderError,
    experiment_sections,
    read_experiment,
    write_experiment_report,
)
from sim.running.executors import InProcess
from tests.experiments.conftest import DOMINANT, IDLE, TINY, experiment_text
from tests.report.charts.checks import assert_images_match, assert_offline, draw_in_browser

KPIS = ["customers_end", "margin", "retention_12"]  # retention: runs of 30 steps are too short
SIZES = {  # small but real: 16, 6, 6 and 4 points
    "sobol": {"samples": 4, "reps": 2},
    "morris": {"samples": 2, "reps": 1},
    "lhs": {"samples": 6, "reps": 1},
    "grid": {"reps": 2},
}
HOSTILE = "</script><script>document.body.remove()</script>"


def run_to(folder: Path, design: str, **fields: object) -> Path:
    """Run a tiny experiment of `design` (30 steps) into `folder`/out; return the folder."""
    folder.mkdir(parents=True)
    shutil.copy(TINY, folder / "tiny.toml")
    file = folder / "exp.toml"
    text = experiment_text(design=design, kpis=KPIS, **(SIZES[design] | fields))
    file.write_text(text, encoding="utf-8")
    out = folder / "out"
    run_experiment(plan(load_experiment(file, steps=30), out), InProcess())
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An experiment folder per design, without a report (each test writes its own)."""
    root = tmp_path_factory.mktemp("experiments")
    return {design: run_to(root / design, design) for design in SIZES}


def copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def chart_names(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "charts").iterdir())


def test_a_sobol_report_charts_the_indices_of_every_kpi_and_tables_them(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(folders["sobol"], tmp_path)
    page = write_experiment_report(folder)
    assert page == folder / "report.html"
    assert chart_names(folder) == [
        f"{i:02d}_{name}.{ext}"
        for i, name in enumerate(
            ["indices_customers_end", "indices_margin", "factors_customers_end", "factors_margin"],
            1,
        )
        for ext in ("png", "svg")
    ]
    for png in (folder / "charts").glob("*.png"):
        assert_images_match(png, png.with_suffix(".svg"))
    text = page.read_text(encoding="utf-8")
    assert_offline(text)
    assert text.count("class='chart'") == 4
    assert "<h2>What drives customers at the end</h2>" in text
    assert "<h2>Customers at the end against each factor</h2>" in text
    assert "16 points x 2 replications = 32 runs of 300 consumers over 30 days" in text
    # the table: a row per factor and KPI, the dominant factor first, ST before S1
    table = text.split("<h3>Sensitivity indices</h3>", 1)[1].split("</table>", 1)[0]
    header = re.findall(r"<th scope='col'>([^<]*)</th>", table)
    assert header == ["Factor", "KPI", "ST (total order)", "S1 (first order)"]
    rows = re.findall(r"<tr><th scope='row'>([^<]*)</th><th scope='row'>([^<]*)</th>", table)
    assert rows == [
        (DOMINANT, "Customers at the end"),
        (IDLE, "Customers at the end"),
        (DOMINANT, "Margin over the run"),
        (IDLE, "Margin over the run"),
    ]
    assert f"<li>Customers at the end: {DOMINANT} matters most (ST " in text
    assert "retention is not shown: it needs runs of at least 130 days" in text
    assert "Means at each point" not in text  # for designs without indices only
    # the glossary defines the experiment's KPIs, as the run report does
    glossary = text.split("<section id='glossary'>", 1)[1].split("</section>", 1)[0]
    assert re.findall(r"<dt>([^<]*)</dt>", glossary) == [
        "Customers at the end",
        "12-period retention",
        "Margin over the run",
    ]
    assert "seen 12 10-day periods later" in glossary


def test_the_indices_chart_sorts_factors_by_the_headline_measure_with_error_bars(
    folders: dict[str, Path],
) -> None:
    indices, _ = experiment_sections(read_experiment(folders["sobol"]))
    spec = indices.figures[0].chart.to_dict()
    y = next(layer["encoding"]["y"] for layer in spec["layer"] if "y" in layer["encoding"])
    assert y["sort"] == [DOMINANT, IDLE]
    (data,) = spec["datasets"].values()
    frame = pl.DataFrame(data)
    st = frame.filter((pl.col("measure") == "ST (total order)") & (pl.col("factor") == DOMINANT))
    assert st["value"].item() > 0.2
    half = st["upper"].item() - st["value"].item()
    assert half > 0 and st["lower"].item() == pytest.approx(st["value"].item() - half)


def test_a_morris_report_shows_mu_star_with_its_interval_sigma_and_mu(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(folders["morris"], tmp_path)
    text = write_experiment_report(folder, formats=("svg",)).read_text(encoding="utf-8")
    table = text.split("<h3>Sensitivity indices</h3>", 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<th scope='col'>([^<]*)</th>", table)[2:] == ["mu*", "sigma", "mu"]
    first = re.search(r"<tr>(.*?)</tr>", table.split("<tbody>")[1]).group(1)  # type: ignore[union-attr]
    cells = re.findall(r"<td>([^<]*)</td>", first)
    assert DOMINANT in first and " ± " in cells[0] and " ± " not in cells[1]  # SALib: no conf
    assert "Elementary effect on customers at the end" in text
    assert len(chart_names(folder)) == 4


def test_an_lhs_report_ranks_by_spearman(folders: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(folders["lhs"], tmp_path)
    text = write_experiment_report(folder, formats=("svg",)).read_text(encoding="utf-8")
    assert "<th scope='col'>Spearman&#39;s rho</th>" in text
    assert text.count("class='chart'") == 4


def test_a_grid_report_has_no_indices_but_the_means_at_each_point(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(folders["grid"], tmp_path)
    text = write_experiment_report(folder, formats=("svg",)).read_text(encoding="utf-8")
    assert chart_names(folder) == ["01_factors_customers_end.svg", "02_factors_margin.svg"]
    assert "Sensitivity indices" not in text and "What drives" not in text
    table = text.split("<h3>Means at each point</h3>", 1)[1].split("</table>", 1)[0]
    header = re.findall(r"<th scope='col'>([^<]*)</th>", table)
    assert header == ["Point", DOMINANT, IDLE, "Customers at the end", "Margin over the run"]
    points = pl.read_parquet(folder / "points.parquet")
    assert table.count("<tr><th scope='row'>") == 4 == points["point"].n_unique()
    mean = points.filter((pl.col("point") == 0) & (pl.col("kpi") == "customers_end"))["mean"]
    assert f"<td>1.5</td><td>1</td><td>{mean.item():,.0f} (" in table  # point 0: both lows
    assert "Customers at the end ranges from " in text


def test_names_from_the_files_are_shown_as_text(tmp_path: Path) -> None:
    """An experiment named like markup, on a brand named like markup: text on the page, JSON
    escapes in the charts' data; nothing the names hold is obeyed."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    tiny = TINY.read_text(encoding="utf-8").replace("[brands.a", '[brands."<b>a&b"')
    (folder / "tiny.toml").write_text(tiny, encoding="utf-8")
    factor = "brands.<b>a&b.quality"
    text = experiment_text(
        design="grid", name=HOSTILE, kpis=["customers_end"], factors={factor: {"levels": [2, 4]}}
    )
    (folder / "exp.toml").write_text(text, encoding="utf-8")
    out = folder / "out"
    run_experiment(plan(load_experiment(folder / "exp.toml", steps=20), out), InProcess())
    page = write_experiment_report(out, formats=()).read_text(encoding="utf-8")
    body = page.rsplit("\n<body>\n", 1)[1]
    markup, script = body.rsplit("<script>", 1)
    assert HOSTILE not in markup and "<b>a&b" not in markup
    assert "experiment: &lt;/script&gt;&lt;script&gt;document.body.remove()" in markup
    assert "&lt;b&gt;a&amp;b.quality" in markup  # the factor, in the table's header
    assert "</script><script>" not in script and "<b>" not in script
    assert "\\u003cb\\u003ea\\u0026b.quality" in script  # the factor in the chart's data


def test_the_experiment_report_draws_in_a_browser_without_network(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(folders["sobol"], tmp_path)
    seen = draw_in_browser(write_experiment_report(folder, formats=()))
    assert len(seen.drawn) == 4
    assert [(cid, state) for cid, state, marks in seen.drawn if state != "yes" or not marks] == []
    assert seen.fetched == [] and seen.problems == []


@pytest.mark.parametrize("damage", ["missing folder", "missing file", "bad manifest"])
def test_a_folder_that_is_not_a_whole_experiment_is_refused(
    damage: str, folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "exp"
    if damage != "missing folder":
        shutil.copytree(folders["morris"], folder)
    if damage == "missing file":
        (folder / "indices.parquet").unlink()
        message = f"{folder}: incomplete experiment folder, missing indices.parquet"
    elif damage == "bad manifest":
        (folder / "manifest.json").write_text(json.dumps({"experiment": "x"}))
        message = f"{folder / 'manifest.json'}: design: missing"
    else:
        message = f"{folder}: no such experiment folder"
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ExperimentFolderError) as caught:
        write_experiment_report(folder)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert sorted(tmp_path.rglob("*")) == before


def test_journey_report_writes_the_report_of_an_experiment_folder(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy(folders["grid"], tmp_path)
    assert main(["report", str(folder)]) == 0
    assert f"Report in {folder / 'report.html'}" in capsys.readouterr().out
    assert (folder / "report.html").is_file() and len(chart_names(folder)) == 4
    (folder / "points.parquet").unlink()
    assert main(["report", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"error: {folder}: incomplete experiment folder, missing points.parquet\n"
    )


def test_ctrl_c_while_the_report_is_written_keeps_the_results_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.report.experiment.write_experiment_report", interrupted)
    shutil.copy(TINY, tmp_path / "tiny.toml")
    file = tmp_path / "exp.toml"
    file.write_text(experiment_text(design="grid", kpis=["customers_end"]), encoding="utf-8")
    out = tmp_path / "out"
    args = ["experiment", str(file), "--workers", "1", "--steps", "20", "--out", str(out)]
    assert main(args) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"interrupted: the results are in {out}, without a report; `journey report {out}` writes it"
    )
    assert (out / "manifest.json").is_file() and not (out / "report.html").exists()
