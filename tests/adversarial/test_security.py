"""Hostile input (issue "Reliability and security", its security section): names never become
paths, user text never changes how a page parses or drives the terminal, secrets stay hidden.

Each test holds the reproduction from the issue as its input; add a case when a new failure
is found.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from calibration.study import open_storage, redact
from sim import run
from sim.cli import main
from sim.report.page import write_report
from sim.report.summary import render, summarize
from sim.scenario import ScenarioError, load_scenario, validate_scenario
from sim.store import default_run_dir, write_run
from tests.experiments.conftest import TINY, experiment_text
from tests.report.charts.checks import draw_in_browser

HOSTILE_NAMES = {
    "climbs out": "../../escaped_name",
    "absolute": "/tmp/x/abs",
    "too long": "a" * 300,
    "NUL": "a\x00b",
    "space": "my scenario",
    "hidden": ".secret",
}


def tiny(brands: dict[str, dict], name: str = "tiny") -> dict:
    return {
        "name": name,
        "time": {"steps": 30},
        "population": {"consumers": 300},
        "retention": {"period": 5},
        "brands": brands,
    }


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_name_that_is_not_a_safe_folder_name_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ScenarioError, match=r"^<scenario>: name: .* cannot name a run folder"):
        validate_scenario(tiny({"a": {}}, name))
    file = tmp_path / "s.toml"
    file.write_text(f'name = "{name.replace(chr(0), chr(92) + "u0000")}"\n[brands.a]\n')
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {file}: name: ")
    assert main(["run", str(file), "--reps", "1"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_a_name_taken_from_the_file_is_made_safe(tmp_path: Path) -> None:
    file = tmp_path / "my what-if (v2).toml"
    file.write_text("[brands.a]\n")
    assert load_scenario(file).name == "my_what-if__v2_"


def test_an_experiment_name_that_cannot_name_a_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was a traceback: the name makes the default folder `results/experiment-<name>`."""
    shutil.copy(TINY, tmp_path / "tiny.toml")
    file = tmp_path / "exp.toml"
    file.write_text(experiment_text(name="a/../../b"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["experiment", str(file), "--workers", "1"]) == 2
    assert capsys.readouterr().err == (
        f"error: {file}: name: 'a/../../b' cannot name a folder inside results; rename it or "
        "give --out\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml", "tiny.toml"]


def test_run_folders_stay_inside_the_results_folder(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert default_run_dir(tmp_path, "base", now).parent == tmp_path
    for name in ("../../escaped", "/tmp/x/abs"):
        with pytest.raises(ValueError, match="cannot name a folder"):
            default_run_dir(tmp_path, name, now)


MARKUP = {"[/bold]": {}, "\x1b[2J": {}, "<!--<script>": {}}


def test_names_are_shown_not_obeyed_on_the_terminal() -> None:
    result = run(validate_scenario(tiny(MARKUP)), reps=1, seed=1)
    console = Console(record=True, width=140, force_terminal=True)
    render(summarize(result), result, console)  # raised MarkupError on "[/bold]"
    text = console.export_text()
    assert "[/bold] *" in text and "\\x1b[2J" in text and "\x1b[2J" not in text


def test_an_error_line_shows_control_characters_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "s.toml"
    file.write_text('[market]\nfocal = "\\u001b[2J"\n[brands.a]\n')
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err


@pytest.mark.slow
def test_hostile_names_cannot_stop_the_report_from_drawing(tmp_path: Path) -> None:
    ad = {"moment": "pre_zmot", "reach": 0.02, "cost": 1.0}
    brands = {
        "<!--<script>": {"share": 0.2, "touchpoints": {"<!--ad": ad}},
        "</script><script>document.body.remove()</script>": {"share": 0.2},
        "a&b>c": {"share": 0.1, "touchpoints": {"]]><![CDATA[": ad}},
    }
    spec = tiny(brands) | {"time": {"steps": 120}, "population": {"consumers": 600}}
    result = run(validate_scenario(spec), reps=2, seed=1)
    folder = write_run(result, tmp_path / "run")
    page = write_report([folder])
    text = page.read_text(encoding="utf-8")
    script = text.rsplit("<script>", 1)[1]
    assert "<!--" not in script and "</script><script>document" not in script
    seen = draw_in_browser(page)
    assert [(cid, state) for cid, state, _ in seen.drawn if state != "yes"] == []
    assert seen.fetched == []
    assert seen.problems == []
    assert result.metrics.filter(pl.col("brand") == "<!--<script>").height > 0


def test_a_storage_password_is_never_shown() -> None:
    url = "postgresql://analyst:hunter2@localhost:1/study"
    assert redact(url) == "postgresql://analyst:***@localhost:1/study"
    with pytest.raises(Exception, match=r"^storage: cannot open postgresql://analyst:\*\*\*@") as e:
        open_storage(url)
    assert "hunter2" not in str(e.value)


def test_a_base_that_is_not_a_scenario_is_refused_without_its_content(tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:TOPSECRET:/root:/bin/bash\n")
    whatif = tmp_path / "w.toml"
    whatif.write_text(f'base = "{secret}"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(whatif)
    message = str(caught.value)
    assert "not a scenario file" in message
    assert "TOPSECRET" not in message and "root:x" not in message
